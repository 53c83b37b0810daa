"""Reading experiment CONFIG files (TOML). Owns: loading, strict key checking (every unknown or
malformed key is a ConfigError naming it), typed getters, and the registry that sends
``[model] kind`` to the model family that builds the experiment.
"""
import importlib
import math
import os
import tomllib

from .errors import ConfigError

KINDS = {
    "autoencoder": "odedyn.autoencoder.experiment",
    "sign-autoencoder": "odedyn.onebit.experiment",
    "group-sparse-autoencoder": "odedyn.groupsparse.experiment",
    "deep-autoencoder": "odedyn.manifold.experiment",
}

_MISSING = object()


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
            return default
        return self.table[key]

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
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise ConfigError(self.key(unknown[0]), self.table[unknown[0]], "unknown key")


def check_sections(cfg, allowed):
    """ConfigError naming the first top-level section of ``cfg`` not in ``allowed``."""
    for key in cfg:
        if key not in allowed:
            raise ConfigError(key, "[%s]" % key, "unknown section")


def copy_config(cfg):
    """A copy of a parsed CONFIG whose tables can be changed without touching ``cfg``."""
    return {k: dict(v) if isinstance(v, dict) else v for k, v in cfg.items()}


def load(path):
    """Parse a TOML CONFIG; returns (dict, folder of the file)."""
    if not os.path.isfile(path):
        raise ConfigError("CONFIG", path, "file not found")
    try:
        with open(path, "rb") as fh:
            cfg = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("CONFIG", path, "not valid TOML: %s" % exc) from exc
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
    if kind not in known:
        raise ConfigError("model.kind", kind, "unknown; one of %s" % ", ".join(sorted(known)))
    module = importlib.import_module(KINDS[kind])
    return module.from_config(cfg, base_dir, **overrides)
