"""A group-sparse-autoencoder experiment (``[model] kind = "group-sparse-autoencoder"``).

Owns: building it from a CONFIG (see examples/group_sparse_*.toml), and running its theory
curve (the gradient flow on the expected loss, odedyn.groupsparse.flow), its minibatch-SGD
simulations (odedyn.groupsparse.simulate) from the same initial network W0, and the arrays saved
with --out (the generating A, W0 and the network W the theory ends at, W = A X + W0 Y).

CONFIG sections: [model] activation, threshold; [data] n, groups, group_size, active_groups,
dictionary, seed, amplitude_range, noise; [training] lr, batch, t_max; [init] distance + seed,
or symmetric + scale, within, across, orthogonal, or weights; [theory] dynamics (gradient-flow, or gradient-descent: the
macroscopic map of full-batch GD with step training.lr), reduction,
amplitude_nodes, noise_draws, max_supports, max_amplitude_nodes, seed, method, rtol, atol;
[simulation] test_samples, seed; [output] n_times, t_first, times.
"""
import time
from dataclasses import dataclass, field

import numpy as np

from ..config import Section, check_sections, copy_config
from ..errors import ConfigError
from ..experiment import Experiment as BaseExperiment
from ..integrate import output_times
from ..simulation import reduce_seeds, run_seeds
from . import averages, simulate
from .activation import ACTIVATIONS
from .data import GenerativeModel, coherence, orthonormal_dictionary, random_dictionary
from .flow import Flow, symmetric_basis

SECTIONS = ("model", "data", "training", "init", "theory", "simulation", "output")


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
    solver: dict = field(default_factory=dict)
    test_samples: int = 4000
    sim_seed: int = 0
    dynamics: str = "gradient-flow"
    config: dict = field(default_factory=dict)
    init: dict = field(default_factory=dict)
    final: dict = field(default_factory=dict)

    error_name = "loss"
    order_parameter_names = ("R", "Q")
    observable_names = ("distance", "group_distance", "support_accuracy")
    headline_names = ("distance",)
    time_label = r"time $t$ (SGD steps $\times$ learning rate)"

    @property
    def D(self):
        return self.model.n

    @property
    def kind(self):
        return ACTIVATIONS[self.activation]

    def snap_times(self, times):
        """Times rounded to the SGD grid t = lr * steps."""
        return np.unique(np.round(np.asarray(times) / self.lr)) * self.lr

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

    def flow(self):
        symmetric = {"auto": self.is_symmetric(), "full": False, "symmetric": True}[self.reduction]
        if symmetric and not self.is_symmetric():
            raise ConfigError("theory.reduction", "symmetric", "needs an orthonormal dictionary "
                              "and a permutation-symmetric start (init.symmetric = true)")
        nodes = averages.build(self.model, representative=symmetric, **self.node_options)
        return Flow(self.model, self.kind, self.threshold, nodes, symmetric)

    # ------------------------------------------------------------ theory
    def prepare(self):
        """Compile (or load) the kernels of the dynamics: start-up, not integration time."""
        self.integrate(self.times[:2])

    def integrate(self, times=None):
        t0 = time.perf_counter()
        flow = self.flow()
        lr = self.lr if self.dynamics == "gradient-descent" else None
        traj = flow.integrate(*self.initial_state(), self.times if times is None else times,
                              lr=lr, **self.solver)
        traj.meta["dynamics"] = self.dynamics
        traj.meta["integrate_s"] = time.perf_counter() - t0
        traj.meta["loss_mc_error"] = float(np.max(traj["loss_mc_error"]))
        self.final["W"] = self.model.A @ traj["X"][-1] + self.W0 @ traj["Y"][-1]
        return traj

    def saved_arrays(self):
        out = {"A": self.model.A, "W0": self.W0}
        if "W" in self.final:
            out["W"] = self.final["W"]
        return out

    # ------------------------------------------------------------ simulation
    def simulate(self, seeds=8, workers=None, progress=True):
        """Minibatch SGD from W0, one run per seed (fresh samples differ, W0 is the same)."""
        times = self.snap_times(self.times)
        steps = np.round(times / self.lr).astype(np.int64)

        def task(seed, stop, advance):
            rng = np.random.default_rng([self.sim_seed, 1000003, seed])
            rec = simulate.run(self.W0, self.model, self.kind, self.threshold, self.lr,
                               self.batch, steps, rng, self.test_samples, stop, advance)
            return {k: np.array([r[k] for r in rec]) for k in (rec[0] if rec else {})}

        t0 = time.perf_counter()
        per_seed, interrupted = run_seeds(task, list(range(seeds)), steps[-1], workers, progress)
        traj = reduce_seeds(times, per_seed, {"interrupted": interrupted, "D": self.D,
                                              "batch": self.batch, "lr": self.lr})
        traj.meta["simulate_s"] = time.perf_counter() - t0
        self.final["W_sim"] = traj["W"][-1]
        return traj

    # ------------------------------------------------------------ variations
    def with_D(self, D):
        """The same experiment at input dimension n = D (generated dictionary and start)."""
        if D == self.D:
            return self
        d = dict(self.config["data"], n=int(D))
        if "dictionary" in d and d["dictionary"] not in ("random", "orthonormal"):
            raise ConfigError("--D", D, "a dictionary from a file fixes n = %d" % self.D)
        if "weights" in self.config.get("init", {}):
            raise ConfigError("--D", D, "explicit initial weights fix n = %d" % self.D)
        return from_config(dict(self.config, data=d))


def from_config(cfg, base_dir=".", D=None):
    """Build an Experiment from a parsed CONFIG."""
    check_sections(cfg, SECTIONS)
    ms = Section(cfg, "model")
    ms.string("kind")
    activation = ms.string("activation", "group-sparse-relu", tuple(ACTIVATIONS))
    threshold = ms.number("threshold", 0.2, nonnegative=True)
    ms.close()
    model = _model(Section(cfg, "data"), base_dir, D)
    ts = Section(cfg, "training")
    lr = ts.number("lr", 0.05, positive=True)
    batch = ts.integer("batch", 256, minimum=1)
    t_max = ts.number("t_max", positive=True)
    ts.close()
    W0, init = _initial_network(Section(cfg, "init"), base_dir, model)
    th = Section(cfg, "theory", required=False)
    reduction = th.string("reduction", "auto", ("auto", "full", "symmetric"))
    dynamics = th.string("dynamics", "gradient-flow", ("gradient-flow", "gradient-descent"))
    nodes = {"amplitude_nodes": th.integer("amplitude_nodes", 3, minimum=1),
             "noise_draws": th.integer("noise_draws", 8, minimum=averages.BLOCKS),
             "max_supports": th.integer("max_supports", 2000, minimum=averages.BLOCKS),
             "max_amplitude_nodes": th.integer("max_amplitude_nodes", 1024, minimum=averages.BLOCKS),
             "seed": th.integer("seed", 0, minimum=0)}
    solver = {k: v for k, v in (("method", th.string("method", None, ("RK45", "RK23", "DOP853"))),
                                ("rtol", th.number("rtol", None, positive=True)),
                                ("atol", th.number("atol", None, positive=True))) if v is not None}
    th.close()
    sim = Section(cfg, "simulation", required=False)
    test_samples = sim.integer("test_samples", 4000, minimum=1)
    sim_seed = sim.integer("seed", 0, minimum=0)
    sim.close()
    out = Section(cfg, "output", required=False)
    times = output_times(t_max, out.integer("n_times", 40, minimum=1),
                         out.number("t_first", None, positive=True), out.numbers("times", []))
    out.close()
    times = np.unique(np.round(times / lr)) * lr  # theory and SGD share the grid t = lr * steps
    resolved = copy_config(cfg)
    if D is not None:
        resolved["data"]["n"] = model.n
    exp = Experiment(model, activation, threshold, W0, times, lr, batch, reduction, nodes, solver,
                     test_samples, sim_seed, dynamics, resolved, init)
    if reduction == "symmetric":
        if not exp.is_symmetric():
            raise ConfigError("theory.reduction", "symmetric", "needs an orthonormal dictionary "
                              "and a permutation-symmetric start (init.symmetric = true)")
    return exp


def _model(ds, base_dir, D_override):
    g = ds.integer("group_size", minimum=1)
    M = ds.integer("groups", minimum=1)
    seed = ds.integer("seed", 0, minimum=0)
    dictionary = ds.string("dictionary", "random")
    p = M * g
    if dictionary in ("random", "orthonormal"):
        n = ds.integer("n", minimum=1) if D_override is None else int(D_override)
        if D_override is not None:
            ds.raw("n", None)
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
        if n != A.shape[0] or (D_override is not None and D_override != n):
            raise ConfigError("data.n", D_override or n, "the dictionary fixes n = %d" % A.shape[0])
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
    tests/test_groupsparse_fixedpoint.py): starts with distance <= 0.9 approach A (mean distance
    at t = 150: 0.14, 0.18, 0.25 from 0.3, 0.6, 0.9), 1.2 is marginal (0.37-0.39, support
    accuracy 0.4-0.7), 1.5 fails for some seeds and 2.0 fails always (distance ~1.55, no support
    recovered)."""
    A, (n, p) = model.A, model.A.shape
    modes = [k for k in ("distance", "symmetric", "weights") if ins.has(k)]
    if len(modes) != 1:
        raise ConfigError("init", sorted(ins.table), "give exactly one of init.distance, "
                          "init.symmetric, init.weights")
    if modes[0] == "distance":
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
        path = ins.path("weights", base_dir)
        try:
            with np.load(path) as f:
                W0 = np.asarray(f["W"], dtype=float)
        except Exception as exc:
            raise ConfigError("init.weights", path, "cannot read array W from .npz: %s" % exc) from exc
        if W0.shape != (n, p):
            raise ConfigError("init.weights", path, "W must be %d x %d, got %s" % (n, p, W0.shape))
    ins.close()
    return W0, {"mode": modes[0]}
