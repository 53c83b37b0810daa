"""Reading experiment CONFIG files (TOML). Owns: loading, strict key checking (every unknown or
malformed key is a ConfigError naming it), typed getters, building the experiment of
``[model] kind`` through its family (odedyn.families), at another size too (``--D``), and the
shared CONFIG vocabulary every family reads its sections with.
"""
import contextlib
import contextvars
import difflib
import math
import os
import stat
import tomllib

import numpy as np

from .errors import ConfigError

_MISSING = object()

#: the dict that ``recording()`` fills with every value a Section hands out (None: not recording)
_RECORD = contextvars.ContextVar("odedyn_config_record", default=None)


@contextlib.contextmanager
def recording():
    """Collect the CONFIG as resolved while experiments are built: yields {section: {key: value}}
    with every value a Section handed out, defaults included (what a result's sidecar needs to
    be rerun under other defaults)."""
    values = {}
    token = _RECORD.set(values)
    try:
        yield values
    finally:
        _RECORD.reset(token)


class Section:
    """One table of a CONFIG; ``close()`` rejects keys nobody asked for."""

    def __init__(self, cfg, name, required=True):
        if name not in cfg:
            if required:
                raise ConfigError(name, None, "missing section [%s]" % name)
            table = {}
        else:
            table = cfg[name]
            if not isinstance(table, dict):
                raise ConfigError(name, table, "must be a table [%s]" % name)
        self.name, self.table, self.used = name, table, set()

    def key(self, key):
        return "%s.%s" % (self.name, key)

    def has(self, key):
        return key in self.table

    def raw(self, key, default=_MISSING):
        self.used.add(key)
        if key not in self.table:
            if default is _MISSING:
                near = difflib.get_close_matches(key, sorted(set(self.table) - self.used), n=1,
                                                 cutoff=0.6)
                raise ConfigError(self.key(key), None, "is required" + (
                    "; %s is given: did you mean %s?" % (self.key(near[0]), key) if near else ""))
            value = default
        else:
            value = self.table[key]
        record = _RECORD.get()
        if record is not None:
            record.setdefault(self.name, {})[key] = value
        return value

    def number(self, key, default=_MISSING, positive=False, nonnegative=False):
        v = self.raw(key, default)
        if v is None:
            return v
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ConfigError(self.key(key), v, "must be a finite number")
        if positive and not v > 0:
            raise ConfigError(self.key(key), v, "must be positive")
        if nonnegative and v < 0:
            raise ConfigError(self.key(key), v, "must be >= 0")
        return float(v)

    def integer(self, key, default=_MISSING, minimum=None):
        v = self.raw(key, default)
        if v is None:
            return v
        if isinstance(v, bool) or not isinstance(v, int):
            raise ConfigError(self.key(key), v, "must be an integer")
        if minimum is not None and v < minimum:
            raise ConfigError(self.key(key), v, "must be >= %d" % minimum)
        return v

    def boolean(self, key, default=_MISSING):
        v = self.raw(key, default)
        if not isinstance(v, bool):
            raise ConfigError(self.key(key), v, "must be true or false")
        return v

    def string(self, key, default=_MISSING, choices=None):
        v = self.raw(key, default)
        if v is None:
            return v
        if not isinstance(v, str):
            raise ConfigError(self.key(key), v, "must be a string")
        if choices is not None and v not in choices:
            raise ConfigError(self.key(key), v, "must be one of %s" % ", ".join(choices))
        return v

    def numbers(self, key, default=_MISSING):
        v = self.raw(key, default)
        if v is None:
            return v
        if not isinstance(v, list):
            raise ConfigError(self.key(key), v, "must be a list of numbers")
        for i, x in enumerate(v):
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
                raise ConfigError("%s[%d]" % (self.key(key), i), x, "must be a finite number")
        return [float(x) for x in v]

    def path(self, key, base_dir, default=_MISSING):
        v = self.string(key, default)
        if v is None:
            return v
        full = v if os.path.isabs(v) else os.path.join(base_dir, v)
        if not os.path.exists(full):
            raise ConfigError(self.key(key), v, "file not found (%s)" % full)
        return full

    def close(self):
        """ConfigError naming the first key nobody asked for, with the closest known key."""
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise ConfigError(self.key(unknown[0]), self.table[unknown[0]],
                              "unknown key" + suggest(unknown[0], self.used))


def check_sections(cfg, allowed):
    """ConfigError naming the first top-level section of ``cfg`` not in ``allowed``."""
    for key in cfg:
        if key not in allowed:
            raise ConfigError(key, "[%s]" % key, "unknown section"
                              + suggest(key, allowed, "[%s]"))


def suggest(word, known, form="'%s'"):
    """"; did you mean 'x'?" for the known word closest to ``word``, or "" when none is close."""
    close = difflib.get_close_matches(str(word), sorted(map(str, known)), n=1, cutoff=0.6)
    return "; did you mean %s?" % (form % close[0]) if close else ""


def copy_config(cfg):
    """A copy of a parsed CONFIG whose tables can be changed without touching ``cfg``."""
    return {k: dict(v) if isinstance(v, dict) else v for k, v in cfg.items()}


def load(path):
    """Parse a TOML CONFIG; returns (dict, folder of the file). Whatever ``path`` is (missing, a
    folder, a device, binary, empty, unreadable, not TOML) the answer is one ConfigError saying
    which. A pipe (``<(...)``) is read like a file."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise ConfigError("CONFIG", path, "file not found") from None
    except OSError as exc:
        raise ConfigError("CONFIG", path, "cannot be read: %s" % exc.strerror) from None
    if stat.S_ISDIR(mode):
        raise ConfigError("CONFIG", path, "is a folder, not a CONFIG file")
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
        raise ConfigError("CONFIG", path, "is not a regular file (a device or socket)")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise ConfigError("CONFIG", path, "cannot be read: %s" % exc.strerror) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        raise ConfigError("CONFIG", path, "is a binary file, not a TOML text")
    try:
        cfg = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("CONFIG", path, "not valid TOML: %s" % exc) from exc
    if not cfg:
        raise ConfigError("CONFIG", path, "is empty (no sections; see examples/ or "
                          "odedyn example --list)")
    return cfg, os.path.dirname(os.path.abspath(path))


def experiment(path, D=None):
    """Build the experiment a CONFIG file describes (at size ``D`` when given: ``--D``)."""
    cfg, base = load(path)
    return experiment_from_dict(cfg, base, D)


def family_of(cfg):
    """The family (Experiment class) of a parsed CONFIG's ``[model] kind``."""
    from . import families
    model = cfg.get("model")
    if not isinstance(model, dict):
        raise ConfigError("model", model, "missing section [model]")
    known = families.kinds()
    kind = model.get("kind")
    if kind is None:
        raise ConfigError("model.kind", None, "is required; one of %s" % ", ".join(known))
    if not isinstance(kind, str) or kind not in known:
        raise ConfigError("model.kind", kind, "unknown; one of %s%s"
                          % (", ".join(known), suggest(kind, known)))
    return families.family(kind)


def experiment_from_dict(cfg, base_dir=".", D=None):
    """Build the experiment of a parsed CONFIG (relative paths against ``base_dir``)."""
    cls = family_of(cfg)
    if D is not None:
        return resized(cls, cfg, base_dir, D)
    exp = cls.from_config(cfg, base_dir)
    exp.config = copy_config(cfg)
    exp.base_dir = base_dir
    return exp


def resized(cls, cfg, base_dir, D):
    """The experiment of ``cfg`` with its size (the family's ``size_key``) set to D: what
    ``--D`` and ``Experiment.with_D`` do. Errors name ``--D``."""
    if cls.size_key is None:
        raise ConfigError("--D", D, "%s experiments have no size to change" % cls.kind)
    weights = cfg.get("init", {}).get("weights") if isinstance(cfg.get("init"), dict) else None
    if weights is not None:
        raise ConfigError("--D", D, "needs a random start: init.weights = %r fixes the size"
                          % (weights,))
    try:
        return experiment_from_dict(set_keys(cfg, {cls.size_key: int(D)}), base_dir)
    except ConfigError as exc:
        if exc.key == cls.size_key:
            raise ConfigError("--D", D, exc.why) from None
        raise


# ---------------------------------------------------------------- the shared CONFIG vocabulary
def output_times_from(cfg, t_max, n_times=60):
    """The output times an ``[output]`` section asks for: 0, ``n_times`` log-spaced times from
    ``t_first`` (default t_max / 1000) to t_max, and any extra ``times``."""
    from .integrate import output_times
    out = Section(cfg, "output", required=False)
    times = output_times(t_max, out.integer("n_times", n_times, minimum=1),
                         out.number("t_first", None, positive=True), out.numbers("times", []))
    out.close()
    return times


def solver_from(cfg, methods=None, default=None, compiled=True, section="solver", dt=None):
    """The solver (an odedyn.integrate solver value) that a ``[solver]`` section asks for:
    ``method`` (one of ``methods``, default every method the right-hand side allows), ``rtol``,
    ``atol``, and ``dt`` for the fixed-step methods rk4 and euler (default ``dt``); ``default``
    (the family's declared solver) for what it does not set. ``cfg`` may be a Section already
    read from."""
    from . import integrate
    sv = cfg if isinstance(cfg, Section) else Section(cfg, section, required=False)
    allowed = tuple(methods) if methods else (
        (integrate.METHODS if compiled else integrate.SCIPY_METHODS) + integrate.FIXED)
    options = {key: value for key, value in (
        ("method", sv.string("method", None, allowed)),
        ("rtol", sv.number("rtol", None, positive=True)),
        ("atol", sv.number("atol", None, positive=True)),
        ("dt", sv.number("dt", None, positive=True))) if value is not None}
    sv.close()
    if dt is not None and options.get("method") in integrate.FIXED:
        options.setdefault("dt", dt)
    return integrate.solver_from(options, compiled, default)


def check_steps(key, lr, t_max):
    """ConfigError naming ``key`` when a step size ``lr`` (time = lr x steps) leaves fewer than
    two steps before ``t_max``."""
    if t_max < 2 * lr * (1 - 1e-12):
        raise ConfigError(key, lr, "leaves fewer than two steps before t_max = %g (time = "
                          "lr x steps): at most %g" % (t_max, t_max / 2))


def load_network(ins, base_dir, shapes, sizes=None, optional=(), exclusive=("std", "seed")):
    """The network of ``[init] weights = "FILE.npz"`` (arrays named as the family's weights;
    a saved run's file as written restarts from its initial network), or of a saved run's
    ``"FILE.npz:initial"`` / ``"FILE.npz:final"`` (the network it started from / ended at: its
    arrays ``initial_NAME`` / ``final_NAME``). ``shapes`` maps each array name to its
    shape, a tuple of ints or of size names ("K", "D"): a name given in ``sizes`` must match,
    one that is not is read off the first array that has it and then held to. Names in
    ``optional`` may be missing. Keys of ``exclusive`` (a random start) may not stand beside
    it. Returns ({name: float array}, {size name: int})."""
    spec = ins.string("weights")
    for key in exclusive:
        if ins.has(key):
            raise ConfigError("init." + key, ins.raw(key),
                              "give either init.weights or a random start")
    file, _, which = (spec.rpartition(":") if spec.endswith((":final", ":initial"))
                      else (spec, "", ""))
    full = file if os.path.isabs(file) else os.path.join(base_dir, file)
    arrays = read_npz("init.weights", spec, full)
    required = [name for name in shapes if name not in optional]
    if not which and any(name not in arrays for name in required) and all(
            "initial_" + name in arrays for name in required):
        which = "initial"                  # a saved run, as written: restart where it started
    prefix = which + "_" if which else ""
    sizes = dict(sizes or {})
    out = {}
    for name, shape in shapes.items():
        if prefix + name not in arrays:
            if name in optional:
                continue
            raise ConfigError("init.weights", spec, "has no array %s%s (it has %s)" % (
                prefix + name, "" if which else "; a saved run's networks are FILE.npz:initial and FILE.npz:final",
                ", ".join(sorted(arrays)) or "none"))
        a = np.asarray(arrays[prefix + name], dtype=float)
        for size in shape:
            if isinstance(size, str) and size not in sizes and a.ndim == len(shape):
                sizes[size] = a.shape[shape.index(size)]
        want = tuple(sizes.get(d, d) if isinstance(d, str) else d for d in shape)
        if a.shape != want:
            raise ConfigError("init.weights", spec, "%s must have shape (%s) = %s, has %s" % (
                prefix + name, ", ".join(map(str, shape)), want, a.shape))
        if not np.all(np.isfinite(a)):
            raise ConfigError("init.weights", spec, "%s has non-finite entries" % (prefix + name))
        out[name] = a
    return out, sizes


def read_npz(key, value, path):
    """{name: array} of an .npz file; a ConfigError naming ``key`` when ``path`` is missing or
    is not one."""
    if not os.path.isfile(path):
        raise ConfigError(key, value, "file not found (%s)" % path)
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic != b"PK\x03\x04":
            raise ConfigError(key, value, "%s is not an .npz file (numpy.savez writes them)"
                              % path)
        with np.load(path, allow_pickle=False) as f:
            return {k: np.asarray(f[k]) for k in f.files}
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(key, value, "cannot read %s as .npz: %s" % (path, exc)) from None


def derive(cfg, overrides=None, base_dir=".", **sections):
    """The experiment of CONFIG dict ``cfg`` with values changed: ``overrides`` maps dotted keys
    to values ({"training.lr": 0.5}); keyword arguments update whole sections (model={"K": 3}).
    ``cfg`` itself is not changed. The one way figures, sweeps and ``Experiment.derive`` vary an
    experiment."""
    new = set_keys(cfg, overrides or {})
    for name, values in sections.items():
        new[name] = dict(new.get(name, {}), **values)
    return experiment_from_dict(new, base_dir)


def set_keys(cfg, overrides):
    """A deep copy of ``cfg`` with dotted keys set: {"training.lr": 0.5, "data.spikes.0": 0.9}.
    A missing table or key is created (the family's from_config then checks it); a list index
    must exist."""
    import copy
    out = copy.deepcopy(cfg)
    for dotted, value in overrides.items():
        parts = str(dotted).split(".")
        if len(parts) < 2 or not all(parts):
            raise ConfigError(dotted, value, "must be SECTION.KEY (e.g. training.lr)")
        node = out
        for i, part in enumerate(parts[:-1]):
            node = _child(node, part, ".".join(parts[:i + 1]), dotted, value)
        _assign(node, parts[-1], dotted, value)
    return out


def _child(node, part, path, dotted, value):
    if isinstance(node, list):
        idx = _index(node, part, dotted, value)
        return node[idx]
    if part not in node:
        node[part] = {}
    if not isinstance(node[part], (dict, list)):
        raise ConfigError(dotted, value, "%s is a value, not a table or list" % path)
    return node[part]


def _assign(node, part, dotted, value):
    if isinstance(node, list):
        node[_index(node, part, dotted, value)] = value
    else:
        node[part] = value


def _index(node, part, dotted, value):
    try:
        idx = int(part)
    except ValueError:
        raise ConfigError(dotted, value, "%r indexes a list: must be an integer" % part) from None
    if not -len(node) <= idx < len(node):
        raise ConfigError(dotted, value, "index %d out of range (the list has %d entries)"
                          % (idx, len(node)))
    return idx
