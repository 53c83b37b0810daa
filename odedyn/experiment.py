"""The experiment protocol every model family implements. Owns: the interface the CLI, the
comparison and the figures rely on, so that a new model kind adds only what is its own.

A model kind is a module listed in ``odedyn.config.KINDS`` with a function
``from_config(cfg: dict, base_dir: str, D: int | None = None) -> Experiment``.
"""
import numpy as np

from .errors import ConfigError


class Experiment:
    """Base class: a model, its data, its initial state and its output times."""

    #: name of the error curve in Trajectory.curves and in the JSON output
    error_name = "error"
    #: curves reported under "order_parameters" in the JSON output
    order_parameter_names = ()
    #: further curves reported at the top level of the JSON output, next to the error
    headline_names = ()
    #: resolved CONFIG (saved with every result)
    config = {}
    #: what the time axis means, for figures
    time_label = r"time $t$ (steps / $D$)"

    @property
    def D(self):
        """Input dimension (used for --D and for snapping times to the simulation's grid)."""
        raise NotImplementedError

    def prepare(self):
        """Compile or load the compiled kernels (part of start-up, not of the integration)."""

    def integrate(self, times=None):
        """Theory curve: a Trajectory with ``error_name`` and the order parameters at ``times``
        (default: the experiment's output times); meta['integrate_s'] = wall seconds."""
        raise NotImplementedError

    def simulate(self, seeds=8, workers=None, progress=True):
        """Finite-size companion: a Trajectory of means with ``name + '_sem'`` standard errors
        over seeds (see odedyn.simulation.reduce_seeds), from the same initial state."""
        raise ConfigError("model.kind", type(self).__name__, "has no simulation companion")

    def saved_arrays(self):
        """Extra arrays for --out files (initial or final weights...)."""
        return {}

    def with_D(self, D):
        """The same experiment at another input dimension (finite-size scaling)."""
        raise ConfigError("--D", D, "this experiment cannot change D")

    def snap_times(self, times):
        """Times rounded to the simulation's grid of 1/D steps."""
        return np.unique(np.round(np.asarray(times) * self.D)) / self.D
