"""Reading experiment CONFIG files (TOML). Owns: loading, strict key checking (every unknown or
malformed key is a ConfigError naming it), typed getters, and the registry that sends
``[model] kind`` to the model family that builds the experiment.
"""
import contextlib
import contextvars
import difflib
import importlib
import math
import os
import stat
import tomllib

import numpy as np

from .errors import ConfigError

KINDS = {
    "autoencoder": "odedyn.autoencoder.experiment",
    "sign-autoencoder": "odedyn.onebit.experiment",
    "group-sparse-autoencoder": "odedyn.groupsparse.experiment",
    "deep-autoencoder": "odedyn.manifold.experiment",
    "committee": "odedyn.committee.experiment",
}

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
                raise ConfigError(self.key(key), None, "is required")
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


def experiment(path, **overrides):
    """Build the experiment a CONFIG file describes (``overrides`` e.g. D=500)."""
    cfg, base = load(path)
    return experiment_from_dict(cfg, base, **overrides)


def experiment_from_dict(cfg, base_dir=".", **overrides):
    known = set(KINDS)
    model = cfg.get("model")
    if not isinstance(model, dict):
        raise ConfigError("model", model, "missing section [model]")
    kind = model.get("kind", "autoencoder")
    if not isinstance(kind, str) or kind not in known:
        raise ConfigError("model.kind", kind, "unknown; one of %s%s"
                          % (", ".join(sorted(known)), suggest(kind, known)))
    module = importlib.import_module(KINDS[kind])
    exp = module.from_config(cfg, base_dir, **overrides)
    exp.base_dir = base_dir
    return exp


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


def solver_from(cfg, methods, section="solver", defaults=None):
    """{method, rtol, atol} that a ``[solver]`` section sets (only the keys it sets, over
    ``defaults``); ``method`` must be one of ``methods``. A family with more solver options
    reads them from the same section before calling this (``extra``)."""
    sv = cfg if isinstance(cfg, Section) else Section(cfg, section, required=False)
    out = dict(defaults or {})
    for key, value in (("method", sv.string("method", None, tuple(methods))),
                       ("rtol", sv.number("rtol", None, positive=True)),
                       ("atol", sv.number("atol", None, positive=True))):
        if value is not None:
            out[key] = value
    sv.close()
    return out


def load_weights(ins, base_dir, required, optional=(), exclusive=("std", "seed")):
    """The arrays of ``[init] weights = "FILE.npz"``: {name: array} with every name in
    ``required`` (and those of ``optional`` the file has). Keys of ``exclusive`` (a random
    start) may not stand beside it."""
    path = ins.path("weights", base_dir)
    for key in exclusive:
        if ins.has(key):
            raise ConfigError("init." + key, ins.raw(key),
                              "give either init.weights or a random start")
    try:
        with np.load(path) as f:
            arrays = {k: np.asarray(f[k]) for k in f.files}
    except Exception as exc:
        raise ConfigError("init.weights", path, "cannot read .npz: %s" % exc) from exc
    for name in required:
        if name not in arrays:
            raise ConfigError("init.weights", path, "has no array %s" % name)
    return {k: arrays[k] for k in tuple(required) + tuple(optional) if k in arrays}


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
