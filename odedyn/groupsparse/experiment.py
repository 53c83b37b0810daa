"""A group-sparse-autoencoder experiment (``[model] kind = "group-sparse-autoencoder"``).

Owns: building it from a CONFIG (see examples/group_sparse_*.toml), and running its theory
curve (the gradient flow on the expected loss, odedyn.groupsparse.theory), its minibatch-SGD
simulations (odedyn.groupsparse.simulate) from the same initial network W0, and the arrays saved
with --out (the generating A, W0 and the network W the theory ends at, W = A X + W0 Y).

CONFIG sections: [model] activation, threshold; [data] n, groups, group_size, active_groups,
dictionary, seed, amplitude_range, noise, or (real data, odedyn.groupsparse.realdata) source =
"dataset", dataset, labels, preprocess, test_fraction, groups, group_size, seed; [training] lr,
batch, t_max; [init] distance + seed, or symmetric + scale, within, across, orthogonal, or
weights, or (real data) samples + seed, noise; [theory] dynamics (gradient-flow, or gradient-descent: the
macroscopic map of full-batch GD with step training.lr), reduction,
amplitude_nodes, noise_draws, max_supports, max_amplitude_nodes, seed, method, rtol, atol,
error_estimate (the check of odedyn.groupsparse.accuracy: NAME_numerical_error curves),
tolerance (refine the rule until the reported error is within it);
[simulation] test_samples, seed; [output] n_times, t_first, times.
"""
from dataclasses import dataclass, field

import numpy as np

from ..config import (Section, check_sections, check_steps, load_network, output_times_from,
                      solver_from)
from ..errors import ConfigError
from ..experiment import Experiment as BaseExperiment
from ..integrate import GradientDescent, Scipy, grid_steps
from . import accuracy, averages, realdata, simulate
from .activation import ACTIVATIONS
from .model import GenerativeModel, coherence, orthonormal_dictionary, random_dictionary
from .theory import Flow, symmetric_basis

SECTIONS = ("model", "data", "training", "init", "theory", "solver", "simulation", "output")
METHODS = ("RK45", "RK23", "DOP853", "LSODA")


TINY = """
model = {kind = "group-sparse-autoencoder", threshold = 0.5}
data = {n = 20, groups = 4, group_size = 2, active_groups = 1, noise = 0.05}
training = {t_max = 0.5}
init = {distance = 0.2}
theory = {amplitude_nodes = 3}
simulation = {test_samples = 200}
output = {n_times = 3}
"""


@dataclass
class Experiment(BaseExperiment):
    model: GenerativeModel
    activation: str
    threshold: float
    W0: np.ndarray
    times: np.ndarray
    lr: float = 0.05
    batch: int = 256
    reduction: str = "auto"
    node_options: dict = field(default_factory=dict)
    solver: object = None
    test_samples: int = 4000
    sim_seed: int = 0
    dynamics: str = "gradient-flow"
    error_estimate: bool = True
    tolerance: float = None
    config: dict = field(default_factory=dict)
    init: dict = field(default_factory=dict)

    kind = "group-sparse-autoencoder"
    size_key = "data.n"
    size_help = "input dimension n (random or orthonormal dictionary)"
    tiny_config = TINY
    weight_arrays = {"W": "W0"}
    default_solver = Scipy("RK45", rtol=1e-5, atol=1e-7)
    large_size_limit = False   # the flow on the expected loss at the simulation's own n
    error_name = "loss"
    #: the theory's numerical error stands beside the curves it bounds, at the top level
    headline_names = ("distance", "loss_numerical_error", "distance_numerical_error",
                      "group_distance_numerical_error", "support_accuracy_numerical_error")
    time_label = r"time $t$ (SGD steps $\times$ learning rate)"

    @classmethod
    def from_config(cls, cfg, base_dir="."):
        """Build an Experiment from a parsed CONFIG."""
        return _build(cls, cfg, base_dir)

    @property
    def D(self):
        return self.model.n

    @property
    def order_parameter_names(self):
        return () if isinstance(self.model, realdata.DataSet) else ("R", "Q")

    @property
    def observable_names(self):
        """What this experiment measures: on real data the activity (and the clustering, when
        the data set has labels); on the generative model the distances to A, the support
        recovery and (one active group) the clustering."""
        if isinstance(self.model, realdata.DataSet):
            labels = ("cluster_accuracy", "ari") if self.model.test_labels is not None else ()
            return ("active_groups", "active_units") + labels
        one = ("cluster_accuracy",) if self.model.active_groups == 1 else ()
        return ("distance", "group_distance", "support_accuracy") + one

    @property
    def activation_code(self):
        return ACTIVATIONS[self.activation]

    @property
    def time_step(self):
        """One SGD step advances the time by the learning rate (t = lr * steps)."""
        return self.lr

    def initial_state(self):
        """(R0, Q0) of the initial network: the weights -> macroscopic state map."""
        return self.W0.T @ self.model.A, self.W0.T @ self.W0

    def is_symmetric(self):
        """C = I and (R0, Q0) invariant under permutations of groups and units in a group."""
        p, g = self.model.p, self.model.group_size
        if coherence(self.model.A) > 1e-10:
            return False
        basis = symmetric_basis(p, g)
        for Mx in self.initial_state():
            coef = np.einsum("kij,ij->k", basis, Mx) / (basis ** 2).sum(axis=(1, 2))
            if np.abs(np.einsum("k,kij->ij", coef, basis) - Mx).max() > 1e-9:
                return False
        return True

    def flow(self, node_options=None):
        symmetric = {"auto": self.is_symmetric(), "full": False, "symmetric": True}[self.reduction]
        if symmetric and not self.is_symmetric():
            raise ConfigError("theory.reduction", "symmetric", "needs an orthonormal dictionary "
                              "and a permutation-symmetric start (init.symmetric = true)")
        nodes = averages.build(self.model, representative=symmetric,
                               **(self.node_options if node_options is None else node_options))
        return Flow(self.model, self.activation_code, self.threshold, nodes, symmetric)

    # ------------------------------------------------------------ theory
    def prepare(self):
        """Compile (or load) the kernels of the dynamics and its observables: start-up, not
        integration time. One evaluation of each at the start, not a run (a run with its error
        check integrates the flow up to nine times)."""
        if isinstance(self.model, realdata.DataSet):
            self.integrate(self.times[:2], progress=False)   # says there is no theory curve
            return
        flow = self.flow()
        R0, Q0 = self.initial_state()
        y0 = flow.pack([R0, Q0, np.zeros_like(Q0), np.eye(len(Q0))])
        flow.rhs(0.0, y0)
        if flow.locate:   # the kernels of the flow from switch to switch
            flow.rhs_held(0.0, y0, flow.switch_values(y0) > 0)
        flow.observables(R0, Q0)

    def theory_solver(self):
        return GradientDescent(self.lr, "training.lr", "loss") \
            if self.dynamics == "gradient-descent" else self.solver

    def theory_curve(self, times, progress=True):
        if isinstance(self.model, realdata.DataSet):
            raise ConfigError("data.source", "dataset", "real data has no theory curve (no "
                              "generating A): use odedyn simulate")

        def run(flow):
            return flow.integrate(*self.initial_state(), times, self.theory_solver(), progress)

        if self.error_estimate:
            traj, curves, meta = accuracy.check(self.flow, self.node_options, run,
                                                self.tolerance)
            traj.curves.update(curves)
            traj.meta["diagnostics"].update(meta)
            traj.meta["numerical_error"] = max(
                float(np.nanmax(curves[name])) for name in curves
                if name.endswith("_numerical_error") and len(curves[name]))
        else:
            traj = run(self.flow())
        traj.meta["diagnostics"]["dynamics"] = self.dynamics
        traj.meta["diagnostics"]["loss_mc_error"] = float(np.max(traj["loss_mc_error"]))
        traj.arrays["final_W"] = self.model.A @ traj["X"][-1] + self.W0 @ traj["Y"][-1]
        return traj

    def saved_arrays(self):
        """The initial network and the generating dictionary (``dictionary``); the network a
        run ends at is in its Trajectory.arrays (final_W)."""
        return super().saved_arrays() | {"dictionary": self.model.A}

    # ------------------------------------------------------------ simulation
    def sim_start(self, seed):
        """Minibatch SGD from W0 on fresh samples (the seed sets them; W0 is the same)."""
        return {"W": self.W0.copy(), "rng": np.random.default_rng([self.sim_seed, 1000003, seed]),
                "done": 0}

    def sim_advance(self, state, n):
        simulate.sgd_steps(state, n, self.model, self.activation_code, self.threshold, self.lr, self.batch)

    def sim_measure(self, state):
        if isinstance(self.model, realdata.DataSet):  # measured on the held-out rows
            return realdata.measure(state["W"], self.model, self.activation_code, self.threshold)
        return simulate.measure(state["W"], self.model, self.activation_code, self.threshold,
                                self.model.sample(state["rng"], self.test_samples))

    def sim_meta(self):
        return {"batch": self.batch, "lr": self.lr}

    sim_chunk = 10


def _build(cls, cfg, base_dir):
    check_sections(cfg, SECTIONS)
    ms = Section(cfg, "model")
    ms.string("kind")
    activation = ms.string("activation", "group-sparse-relu", tuple(ACTIVATIONS))
    threshold = ms.number("threshold", 0.2, nonnegative=True)
    ms.close()
    model = _model(Section(cfg, "data"), base_dir)
    ts = Section(cfg, "training")
    lr = ts.number("lr", 0.05, positive=True)
    batch = ts.integer("batch", 256, minimum=1)
    t_max = ts.number("t_max", positive=True)
    ts.close()
    W0, init = _initial_network(Section(cfg, "init"), base_dir, model)
    th = Section(cfg, "theory", required=False)
    reduction = th.string("reduction", "auto", ("auto", "full", "symmetric"))
    dynamics = th.string("dynamics", "gradient-flow", ("gradient-flow", "gradient-descent"))
    nodes = {"amplitude_nodes": th.integer("amplitude_nodes", None, minimum=2),
             "noise_draws": th.integer("noise_draws", 8, minimum=1),
             "max_supports": th.integer("max_supports", 2000, minimum=averages.BLOCKS),
             "max_amplitude_nodes": th.integer("max_amplitude_nodes", 576, minimum=averages.BLOCKS),
             "seed": th.integer("seed", 0, minimum=0)}
    error_estimate = th.boolean("error_estimate", True)
    tolerance = th.number("tolerance", None, positive=True)
    if tolerance is not None and not error_estimate:
        raise ConfigError("theory.tolerance", tolerance, "needs theory.error_estimate = true")
    legacy = {k: th.raw(k) for k in ("method", "rtol", "atol") if th.has(k)}
    # [theory] method/rtol/atol: CONFIGs written before [solver]
    solver = solver_from(th, METHODS, cls.default_solver, compiled=False)
    if "solver" in cfg:
        if legacy:
            key = next(iter(legacy))
            raise ConfigError("theory." + key, legacy[key], "give the solver in [solver] only")
        solver = solver_from(cfg, METHODS, cls.default_solver, compiled=False)
    sim = Section(cfg, "simulation", required=False)
    test_samples = sim.integer("test_samples", 4000, minimum=1)
    sim_seed = sim.integer("seed", 0, minimum=0)
    sim.close()
    check_steps("training.lr", lr, t_max)
    times = output_times_from(cfg, t_max, 40)
    times = grid_steps(times, lr) * lr  # theory and SGD share the grid t = lr * steps
    exp = cls(model, activation, threshold, W0, times, lr, batch, reduction, nodes, solver,
              test_samples, sim_seed, dynamics, error_estimate, tolerance, init=init)
    if reduction == "symmetric":
        if not exp.is_symmetric():
            raise ConfigError("theory.reduction", "symmetric", "needs an orthonormal dictionary "
                              "and a permutation-symmetric start (init.symmetric = true)")
    return exp


def _model(ds, base_dir):
    if ds.string("source", "generative", ("generative", "dataset")) == "dataset":
        data = realdata.build(ds, base_dir)
        ds.close()
        return data
    g = ds.integer("group_size", minimum=1)
    M = ds.integer("groups", minimum=1)
    seed = ds.integer("seed", 0, minimum=0)
    dictionary = ds.string("dictionary", "random")
    p = M * g
    if dictionary in ("random", "orthonormal"):
        n = ds.integer("n", minimum=1)
        A = (random_dictionary if dictionary == "random" else orthonormal_dictionary)(n, p, seed)
    else:
        path = ds.path("dictionary", base_dir)
        try:
            A = np.asarray(np.load(path), dtype=float)
        except Exception as exc:
            raise ConfigError("data.dictionary", dictionary, "cannot read .npy: %s" % exc) from exc
        if A.ndim != 2 or A.shape[1] != p:
            raise ConfigError("data.dictionary", dictionary, "must be an n x %d array "
                              "(groups x group_size columns), got shape %s" % (p, A.shape))
        if not np.allclose(np.linalg.norm(A, axis=0), 1.0, atol=1e-6):
            raise ConfigError("data.dictionary", dictionary, "columns must have unit norm")
        n = ds.integer("n", A.shape[0], minimum=1)
        if n != A.shape[0]:
            raise ConfigError("data.n", n, "the dictionary fixes n = %d" % A.shape[0])
    lo_hi = ds.numbers("amplitude_range", [0.5, 1.5])
    if len(lo_hi) != 2:
        raise ConfigError("data.amplitude_range", lo_hi, "must be [lo, hi]")
    model = GenerativeModel(A, g, ds.integer("active_groups", minimum=1), tuple(lo_hi),
                            ds.number("noise", 0.0, nonnegative=True))
    ds.close()
    return model


def _initial_network(ins, base_dir, model):
    """W0 and a description of the start; the neighbourhood is stated by init.distance, the
    distance of every column of W0 to its column of A (random directions in R^n). Measured for
    the paper setting (n = 100, M = 8, g = 2, K = 1, lambda = 0.3, sigma = 0, 3 seeds;
    tests/groupsparse/test_groupsparse_fixedpoint.py): starts with distance <= 0.9 approach A (mean distance
    at t = 150: 0.14, 0.18, 0.25 from 0.3, 0.6, 0.9), 1.2 is marginal (0.37-0.39, support
    accuracy 0.4-0.7), 1.5 fails for some seeds and 2.0 fails always (distance ~1.55, no support
    recovered)."""
    n, p = model.n, model.p
    modes = [k for k in ("distance", "symmetric", "weights", "samples") if ins.has(k)]
    if len(modes) != 1:
        raise ConfigError("init", sorted(ins.table), "give exactly one of init.distance, "
                          "init.symmetric, init.weights, init.samples")
    real = isinstance(model, realdata.DataSet)
    if modes[0] != "weights" and real != (modes[0] == "samples"):
        raise ConfigError("init." + modes[0], ins.raw(modes[0]), "real data starts from "
                          "init.samples = true or init.weights; a generative model from "
                          "init.distance, init.symmetric or init.weights")
    A = None if real else model.A
    if modes[0] == "samples":
        if not ins.boolean("samples"):
            raise ConfigError("init.samples", False, "remove it, or set it to true")
        W0 = model.start(ins.integer("seed", 0, minimum=0), ins.number("noise", 0.0,
                                                                         nonnegative=True))
    elif modes[0] == "distance":
        delta = ins.number("distance", nonnegative=True)
        U = np.random.default_rng([ins.integer("seed", 0, minimum=0), 4]).standard_normal((n, p))
        W0 = A + delta * U / np.linalg.norm(U, axis=0)
    elif modes[0] == "symmetric":
        if not ins.boolean("symmetric"):
            raise ConfigError("init.symmetric", False, "remove it, or set it to true")
        coef = [ins.number(k, d) for k, d in (("scale", 1.0), ("within", 0.0), ("across", 0.0))]
        ortho = ins.number("orthogonal", 0.0, nonnegative=True)
        if ortho > 0 and n < 2 * p:
            raise ConfigError("init.orthogonal", ortho, "needs n >= 2 p = %d" % (2 * p))
        M0 = np.einsum("k,kij->ij", coef, symmetric_basis(p, model.group_size))
        basis, _ = np.linalg.qr(np.hstack([A, np.random.default_rng([ins.integer("seed", 0, minimum=0), 5]
                                                                      ).standard_normal((n, p))]))
        W0 = A @ M0 + ortho * basis[:, p:2 * p]
    else:
        W0 = load_network(ins, base_dir, {"W": ("n", "p")}, {"n": n, "p": p}, exclusive=())[0]["W"]
    ins.close()
    return W0, {"mode": modes[0]}
