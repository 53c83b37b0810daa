"""odedyn: asymptotic learning dynamics of neural networks, autoencoders first.

Spec -> derivation (derivations/, sympy) -> generated kernels (odedyn/_generated, numba)
-> integrator (scipy) -> results -> figures, with a finite-size simulation companion beside it.

Python API (see README):

    import odedyn
    exp = odedyn.load("examples/erf_spiked.toml")     # or build one from a family's configure()
    theory = exp.integrate()                           # Trajectory: t, error, Q, R, T, T0, b, ...
    sim = exp.simulate(seeds=8)                        # means and standard errors over seeds
    theory, sim, summary = odedyn.compare(exp, seeds=8)
"""
import time

IMPORT_TIME = time.perf_counter()

__version__ = "0.1.0"

#: the public names, imported on first use (start-up of a command pays only for what it uses)
_PUBLIC = {"load": ("config", "experiment"), "compare": ("compare", "compare"),
           "finite_size_scaling": ("compare", "finite_size_scaling"),
           "ConfigError": ("errors", "ConfigError"), "NumericalError": ("errors", "NumericalError"),
           "output_times": ("integrate", "output_times"), "solve": ("integrate", "solve"),
           "Trajectory": ("results", "Trajectory"), "sweep": ("sweeps", "sweep")}

__all__ = sorted(_PUBLIC)


def __getattr__(name):
    import importlib
    if name not in _PUBLIC:  # a submodule (odedyn.config, ...), imported on first use too
        try:
            return importlib.import_module("." + name, __name__)
        except ModuleNotFoundError as exc:
            if exc.name != "%s.%s" % (__name__, name):
                raise
            raise AttributeError("module 'odedyn' has no attribute %r" % name) from None
    module, attr = _PUBLIC[name]
    value = getattr(importlib.import_module("." + module, __name__), attr)
    globals()[name] = value
    return value
