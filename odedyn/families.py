"""The registry of model families. Owns: finding every family (the ``odedyn.families`` entry
points of the installed distributions, so that a package outside this repository plugs in the
same way as the families shipped here; the modules named in the environment variable
``ODEDYN_FAMILIES`` (comma-separated), imported first, for a family in a module of its own that
registers itself; ``register`` for one defined at run time), and loading only the one a CONFIG
names.

A family is an ``odedyn.experiment.Experiment`` subclass that declares itself (``kind``,
``size_key``, ``size_help``, ``tiny_config``, ``weight_arrays``...; docs/adding-a-family.md).
Nothing here, nor anywhere in the shared code, names a family.
"""
import importlib
import os
import pkgutil

GROUP = "odedyn.families"
ENVIRONMENT = "ODEDYN_FAMILIES"

_registered = {}
_found = None


def _entry_points():
    """{kind: "module:Class"} of the installed distributions' entry points; when odedyn runs
    from a source tree that was never installed, every ``odedyn.<package>.experiment`` module
    that defines an Experiment with a kind."""
    from importlib.metadata import entry_points
    found = {ep.name: ep.value for ep in entry_points(group=GROUP)}
    if found:
        return found
    import odedyn
    from .experiment import Experiment
    for info in pkgutil.iter_modules(odedyn.__path__):
        if not info.ispkg:
            continue
        name = "odedyn.%s.experiment" % info.name
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        cls = getattr(module, "Experiment", None)
        if isinstance(cls, type) and issubclass(cls, Experiment) and cls.kind:
            found[cls.kind] = "%s:Experiment" % name
    return found


def kinds():
    """The names of every known kind, sorted."""
    global _found
    if _found is None:
        for name in filter(None, (m.strip() for m in os.environ.get(ENVIRONMENT, "").split(","))):
            try:
                importlib.import_module(name)
            except ImportError as exc:
                from .errors import ConfigError
                raise ConfigError(ENVIRONMENT, name, "cannot be imported: %s" % exc) from None
        _found = _entry_points()
    return sorted(set(_found) | set(_registered))


def family(kind):
    """The Experiment class of ``kind`` (KeyError if unknown)."""
    if kind in _registered:
        return _registered[kind]
    kinds()
    module, _, attr = _found[kind].partition(":")
    cls = getattr(importlib.import_module(module), attr or "Experiment")
    if cls.kind != kind:
        raise TypeError("%s declares kind %r, registered as %r" % (_found[kind], cls.kind, kind))
    return cls


def register(cls):
    """Make the Experiment subclass ``cls`` known under ``cls.kind`` (usable as a decorator);
    returns it."""
    if not getattr(cls, "kind", None):
        raise TypeError("%s declares no kind" % cls.__name__)
    _registered[cls.kind] = cls
    return cls


def unregister(kind):
    _registered.pop(kind, None)


def all_families():
    """{kind: Experiment class} of every known kind (imports them all)."""
    return {kind: family(kind) for kind in kinds()}
