"""odedyn: asymptotic learning dynamics of neural networks, autoencoders first.

Spec -> derivation (derivations/, sympy) -> generated kernels (odedyn/_generated, numba)
-> integrator (scipy) -> results -> figures, with a finite-size simulation companion beside it.

Python API (see README):

    import odedyn
    exp = odedyn.load("examples/erf_spiked.toml")     # or build one from odedyn.autoencoder
    theory = exp.integrate()                           # Trajectory: t, error, Q, R, T, T0, b, ...
    sim = exp.simulate(seeds=8)                        # means and standard errors over seeds
    theory, sim, summary = odedyn.compare(exp, seeds=8)
"""
import time

IMPORT_TIME = time.perf_counter()

__version__ = "0.1.0"

from .compare import compare, finite_size_scaling  # noqa: E402
from .config import experiment as load  # noqa: E402
from .errors import ConfigError, NumericalError  # noqa: E402
from .integrate import output_times  # noqa: E402
from .results import Trajectory  # noqa: E402
from .spectra import Spectrum, from_data, spiked  # noqa: E402
from .sweeps import sweep  # noqa: E402

__all__ = ["load", "compare", "finite_size_scaling", "ConfigError", "NumericalError",
           "output_times", "Trajectory", "Spectrum", "from_data", "spiked", "sweep"]
