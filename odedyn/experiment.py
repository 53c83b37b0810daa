"""The experiment protocol every model family implements. Owns: the declaration a family makes
of itself (its kind, its size key, a tiny CONFIG, its weight arrays, its curves), the template
every theory run goes through (``integrate``: output times, timing and the metadata record
around the family's ``theory_curve``; for a large-D theory also the stability of online SGD
along the curve, from the family's ``theory_flow``), changing the problem's size (``with_D``,
through ``derive``), and the hooks of the simulation companion -- so that a new model kind adds
only its physics (docs/adding-a-family.md). The registry is odedyn.families.
"""
import contextlib
import time

import numpy as np

from .errors import ConfigError

#: what every theory run's ``Trajectory.meta`` holds (the metadata record): the solver's name,
#: right-hand-side evaluations (for gradient descent, its steps), accepted steps, the largest
#: numerical error a right-hand side reported (None when it reports none: the solver's
#: tolerance is then the accuracy), wall seconds of the integration, and ``diagnostics``, a dict
#: of what the family adds (JSON values)
THEORY_RECORD = ("method", "rhs_evaluations", "steps", "numerical_error", "integrate_s",
                 "diagnostics")


class Experiment:
    """Base class: a model, its data, its initial state and its output times."""

    # ------------------------------------------------------------ the family's declaration
    #: the ``[model] kind`` of its CONFIG
    kind = None
    #: dotted CONFIG key holding the problem's size (what ``--D`` and ``with_D`` change)
    size_key = None
    #: what that size is, for ``--D``'s help ("input dimension D")
    size_help = None
    #: a CONFIG (TOML text) that runs in a second or two once compiled (the contract tests)
    tiny_config = None
    #: the initial network's arrays, {name in files: attribute of the experiment}: what
    #: ``[init] weights`` reads; a saved run holds them as ``initial_`` + name (see
    #: ``saved_arrays``) and the network it ended at, in ``Trajectory.arrays``, as ``final_`` + name
    weight_arrays = {}
    #: the solver a CONFIG without ``[solver]`` gets (an odedyn.integrate solver value)
    default_solver = None

    #: name of the error curve in Trajectory.curves and in the JSON output
    error_name = "error"
    #: what the error curve is, for figures (default: error_name)
    error_label = None
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
    #: is the theory the limit of large D, the simulation's size (so that the theory and a
    #: simulation differ by O(1/D) and O(1/sqrt D) fluctuations)? False where the theory is
    #: exact at the simulation's size up to the learning rule's discreteness (a gradient flow)
    large_size_limit = True

    @classmethod
    def from_config(cls, cfg, base_dir="."):
        """The experiment a parsed CONFIG describes (every value checked: ConfigError)."""
        raise NotImplementedError

    @property
    def D(self):
        """The problem's size (what --D changes; the step grid of online SGD is 1 / D)."""
        raise NotImplementedError

    @property
    def time_step(self):
        """Time advanced by one step of the microscopic learning rule: 1 / D for online SGD with
        t = steps / D, the learning rate for gradient descent with t = lr * steps."""
        return 1.0 / self.D

    def prepare(self):
        """Compile or load the compiled kernels (part of start-up, not of the integration)."""

    def memory_estimate(self):
        """(bytes, CONFIG key): roughly the peak memory of a theory run, and the key of the size
        that sets it; None where the family does not say (its sizes cannot exhaust memory
        before an error says so). The command line refuses, before any work, a run that needs
        more than the machine has."""
        return None

    # ------------------------------------------------------------ theory
    def integrate(self, times=None, progress=True, fluctuations=False):
        """Theory curve: a Trajectory with ``error_name`` and the other curves at ``times``
        (default: the experiment's output times), its ``meta`` the record THEORY_RECORD.
        Arrays that are not curves (the final network) go into ``Trajectory.arrays``. With
        ``fluctuations`` also the predicted finite-size band at this experiment's D, at the
        same times, in ``Trajectory.band`` (odedyn.fluctuations.band: std and bias NaN where
        the expansion is not valid); it is computed first, so that a family without an
        expansion fails (ConfigError) before any work; its cost is ``band["fluctuations_s"]``,
        not part of ``integrate_s``."""
        times = np.asarray(self.times if times is None else times, dtype=float)
        band = None
        if fluctuations:
            from .fluctuations import band as predicted_band
            band = predicted_band(self, times)
        t0 = time.perf_counter()
        traj = self.theory_curve(times, progress=progress)
        meta = dict(traj.meta)
        meta.setdefault("numerical_error", None)
        meta.setdefault("steps", None)
        meta.setdefault("diagnostics", {})
        meta["integrate_s"] = time.perf_counter() - t0
        missing = [k for k in THEORY_RECORD if k not in meta]
        if missing:
            raise TypeError("%s.theory_curve left %s out of the metadata record"
                            % (type(self).__name__, ", ".join(missing)))
        if self.large_size_limit:
            meta["diagnostics"] = dict(meta["diagnostics"], sgd_stability=self._sgd_stability(traj))
        traj.meta = meta
        traj.band = band
        return traj

    def theory_flow(self, traj):
        """(rhs, states): the right-hand side f(t, y) a theory Trajectory integrates and its
        states at ``traj.t`` (len(t), n), for the linear analysis (odedyn.analysis); None where
        the family gives none."""
        return None

    def _sgd_stability(self, traj):
        """Online SGD is the Euler map with step ``time_step`` of the theory's flow: is it stable
        along the curve (odedyn.analysis.euler_stability, which warns where it is not)?"""
        flow = self.theory_flow(traj)
        if flow is None:
            return {"checked": False, "why": "%s gives no right-hand side (theory_flow)"
                    % self.kind}
        from .analysis import euler_stability
        return euler_stability(flow[0], traj.t, flow[1], self.time_step)

    def theory_curve(self, times, progress=True):
        """The family's theory at ``times``: a Trajectory whose meta holds at least ``method``
        and ``rhs_evaluations`` (see THEORY_RECORD; ``Solution.record()`` gives them)."""
        raise NotImplementedError

    # ------------------------------------------------------------ simulation companion
    def sim_start(self, seed):
        """The initial microscopic state of simulation ``seed`` (the same initial network for
        every seed; the seed sets the noise of the learning rule)."""
        raise ConfigError("model.kind", self.kind, "has no simulation companion")

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
    def initial_network(self):
        """{name: array} of the initial network (``weight_arrays``)."""
        return {name: np.asarray(getattr(self, attr)) for name, attr in self.weight_arrays.items()}

    def saved_arrays(self):
        """Arrays that define the experiment, for --out files: the initial network as
        ``initial_NAME`` (``[init] weights = "run.npz:initial"`` restarts from it; prefixed so
        that it never hides a curve of the same name, such as the autoencoder's b), and what
        else defines the run (a dictionary, a spectrum); a pure function of the experiment."""
        return {"initial_" + name: a for name, a in self.initial_network().items()}

    def derive(self, overrides=None, **sections):
        """The experiment its CONFIG describes with some values changed: ``overrides`` maps dotted
        keys to values ({"training.lr": 0.5, "data.spikes.0": 0.9}); keyword arguments update
        whole sections (model={"K": 3}). Built by the family's own from_config, so every value
        is checked as in a CONFIG file; relative paths still resolve against ``base_dir``."""
        from .config import derive
        return derive(self.config, overrides, self.base_dir, **sections)

    def with_D(self, D):
        """The same experiment at another size (``size_key``; finite-size scaling)."""
        if int(D) == self.D:
            return self
        from .config import resized
        return resized(type(self), self.config, self.base_dir, int(D))

    def snap_times(self, times):
        """Times rounded to the simulation's step grid (multiples of ``time_step``; a time that
        would round past the last one is rounded down)."""
        from .integrate import grid_steps
        return grid_steps(times, self.time_step) * self.time_step
