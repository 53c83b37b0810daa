"""The experiment protocol every model family implements. Owns: the interface the CLI, the
comparison, the sweeps and the figures rely on, so that a new model kind adds only its physics
(docs/adding-a-family.md).

A model kind is a module listed in ``odedyn.config.KINDS`` with a function
``from_config(cfg: dict, base_dir: str, D: int | None = None) -> Experiment``.
"""
import contextlib

import numpy as np

from .errors import ConfigError


class Experiment:
    """Base class: a model, its data, its initial state and its output times."""

    #: name of the error curve in Trajectory.curves and in the JSON output
    error_name = "error"
    #: curves reported under "order_parameters" in the JSON output
    order_parameter_names = ()
    #: other observables, reported under "observables" in the JSON output
    observable_names = ()
    #: curves also reported at the top level of the JSON output, next to the error
    headline_names = ()
    #: resolved CONFIG (saved with every result; ``derive`` rebuilds from it)
    config = {}
    #: folder that relative paths in ``config`` are resolved against
    base_dir = "."
    #: what the time axis means, for figures
    time_label = r"time $t$ (steps / $D$)"
    #: steps of the microscopic rule between two measurements at most (progress, Ctrl-C)
    sim_chunk = 20000

    @property
    def D(self):
        """Input dimension (used for --D and for the step grid of online SGD)."""
        raise NotImplementedError

    @property
    def time_step(self):
        """Time advanced by one step of the microscopic learning rule: 1 / D for online SGD with
        t = steps / D, the learning rate for gradient descent with t = lr * steps."""
        return 1.0 / self.D

    def prepare(self):
        """Compile or load the compiled kernels (part of start-up, not of the integration)."""

    def integrate(self, times=None):
        """Theory curve: a Trajectory with ``error_name`` and the order parameters at ``times``
        (default: the experiment's output times); meta['integrate_s'] = wall seconds. Arrays
        that are not curves (the final network) go into ``Trajectory.arrays``."""
        raise NotImplementedError

    # ------------------------------------------------------------ simulation companion
    def sim_start(self, seed):
        """The initial microscopic state of simulation ``seed`` (the same initial network for
        every seed; the seed sets the noise of the learning rule)."""
        raise ConfigError("model.kind", type(self).__module__, "has no simulation companion")

    def sim_advance(self, state, n):
        """Advance ``state`` by ``n`` steps of the learning rule in place; raise NumericalError
        (with the time) if it blows up."""
        raise NotImplementedError

    def sim_measure(self, state):
        """{name: value} of the observables of ``state`` (the theory's names)."""
        raise NotImplementedError

    def sim_meta(self):
        """Metadata of a simulation run (batch size, learning rate...)."""
        return {}

    def sim_context(self):
        """Context the simulation threads run in (e.g. one BLAS thread)."""
        return contextlib.nullcontext()

    def simulate(self, seeds=8, workers=None, progress=True):
        """Finite-size companion: a Trajectory of means with ``name + '_sem'`` standard errors
        over seeds and ``n_seeds`` (see odedyn.simulation.simulate), from the same initial
        state."""
        from .simulation import simulate
        return simulate(self, seeds, workers, progress)

    # ------------------------------------------------------------ variations
    def saved_arrays(self):
        """Arrays that define the experiment, for --out files (initial network, dictionary...);
        a pure function of the experiment."""
        return {}

    def derive(self, overrides=None, **sections):
        """The experiment its CONFIG describes with some values changed: ``overrides`` maps dotted
        keys to values ({"training.lr": 0.5, "data.spikes.0": 0.9}); keyword arguments update
        whole sections (model={"K": 3}). Built by the family's own from_config, so every value
        is checked as in a CONFIG file."""
        from .config import derive
        return derive(self.config, overrides, self.base_dir, **sections)

    def with_D(self, D):
        """The same experiment at another input dimension (finite-size scaling)."""
        raise ConfigError("--D", D, "this experiment cannot change D")

    def snap_times(self, times):
        """Times rounded to the simulation's step grid (multiples of ``time_step``)."""
        dt = self.time_step
        return np.unique(np.round(np.asarray(times, dtype=float) / dt)) * dt
