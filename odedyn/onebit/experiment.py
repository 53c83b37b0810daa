"""A one-bit autoencoder experiment (model kind ``sign-autoencoder``): model + source + initial
network + training + times, as a CONFIG describes it. Owns: building it from a CONFIG, its
population dynamics (``integrate``) and its finite-size companion (``simulate``).

    [model]    kind = "sign-autoencoder", d, r            (n = r d encoder rows, an integer)
    [data]     source = "gaussian" | "bernoulli-gaussian" | "discrete", p (bernoulli-gaussian),
               values, probs (discrete: the scalar law, rescaled to E x^2 = 1)
    [training] t_max, method = "flow" | "gd", lr (gd step; default 0.25), supports (per step,
               bernoulli-gaussian; default 64), eval_supports (default 256)
    [init]     seed (default 0), std (decoder scale, default 1), or weights = "FILE.npz"
               (arrays A: d x n, B: n x d)
    [output]   n_times (default 40), t_first, times
    [solver]   method (DOP853; scipy's methods), rtol (1e-8), atol (1e-10): the gradient flow
    [simulation] lr (default 0.05), batch (default 200), width (surrogate; default 0.1)

A Gaussian source runs the exact gradient flow (scipy) or exact gradient descent. A Bernoulli-
Gaussian source runs gradient descent with a fresh sample of ``supports`` supports per step
(each exact given its support), and reports the risk over ``eval_supports`` fixed supports with
its standard error ("risk_se"). A discrete law has no closed form: only ``simulate`` applies.

Time axis: ``simulate`` runs sample-based SGD with step ``simulation.lr``; step k is time k lr, the
time of the population flow (both move A by -lr d dR/dA per unit of lr), and ``snap_times``
rounds the output times to that grid so that ``odedyn compare`` holds the companion against the
flow at the same t. The remaining gap (Euler O(lr), minibatch temperature O(lr / batch),
surrogate bias O(width^2)) is described in odedyn/onebit/simulate.py.
"""
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from ..config import (Section, check_sections, check_steps, load_network, output_times_from,
                      solver_from)
from ..errors import ConfigError
from ..integrate import Scipy
from ..experiment import Experiment as BaseExperiment
from .model import OBSERVABLES, Objective, SignAutoencoder
from .theory import gradient_descent, gradient_flow
from .simulate import sample_measure, sample_steps, sample_training
from .sources import Source


def single_blas_thread():
    """OpenBLAS threads thrash on the small products of these kernels (measured 40x slower on
    two busy cores): run them on one thread."""
    return threadpool_limits(1, user_api="blas")


TINY = """
[model]
kind = "sign-autoencoder"
d = 12
r = 0.5
[data]
source = "gaussian"
[training]
t_max = 2.0
[init]
seed = 0
[output]
n_times = 4
"""


@dataclass
class Experiment(BaseExperiment):
    model: SignAutoencoder
    A0: np.ndarray
    B0: np.ndarray
    times: np.ndarray
    training: dict = field(default_factory=dict)
    simulation: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    seed: int = 0
    solver: object = None

    kind = "sign-autoencoder"
    size_key = "model.d"
    size_help = "data dimension d (n = r d units)"
    tiny_config = TINY
    weight_arrays = {"A": "A0", "B": "B0"}
    default_solver = Scipy("DOP853", rtol=1e-8, atol=1e-10)
    large_size_limit = False   # the population flow at the simulation's own d
    error_name = "risk"
    time_label = r"time $t$ (SGD steps $\times$ learning rate)"
    order_parameter_names = ()  # the state is the weights A, B themselves
    observable_names = OBSERVABLES
    #: the standard error of the theory's average over supports, beside the risk it bounds
    headline_names = ("risk_se",)

    @classmethod
    def from_config(cls, cfg, base_dir="."):
        """Build an Experiment from a parsed CONFIG (keys in the module docstring)."""
        return _build(cls, cfg, base_dir)

    @property
    def D(self):
        return self.model.d

    @property
    def time_step(self):
        """One companion step advances the time by its learning rate (simulation.lr)."""
        return self.simulation["lr"]

    def objective(self):
        return Objective(self.model, self.training["eval_supports"], self.seed)

    def prepare(self):
        """Compile (or load) the kernels of the dynamics: start-up, not integration time."""
        if self.model.source.gaussian_given_support:
            self.integrate(self.times[:2], progress=False)

    def theory_curve(self, times, progress=True):
        if not self.model.source.gaussian_given_support:
            raise ConfigError("data.source", self.model.source.kind,
                              "has no population risk in closed form: use odedyn simulate")
        tr = self.training
        with single_blas_thread():
            obj = self.objective()
            if tr["method"] == "flow" and obj.exact:
                return gradient_flow(obj, self.A0, self.B0, times, self.solver, progress)
            step = None if obj.exact else Objective(self.model, tr["supports"], self.seed + 1)
            return gradient_descent(obj, self.A0, self.B0, tr["lr"], times, step, self.seed,
                                    progress)

    # ------------------------------------------------------------ simulation companion
    def sim_start(self, seed):
        """Training from samples (surrogate gradient) from the same network, own samples."""
        sim = self.simulation
        return sample_training(self.A0, self.B0, self.model.source, sim["lr"], sim["batch"],
                               sim["width"], seed)

    def sim_advance(self, state, n):
        sample_steps(state, n)

    def sim_measure(self, state):
        return sample_measure(state)

    def sim_context(self):
        return single_blas_thread()

    sim_chunk = 20


def _source(ds):
    kind = ds.string("source", "gaussian", ("gaussian", "bernoulli-gaussian", "discrete"))
    if kind == "bernoulli-gaussian":
        p = ds.number("p", positive=True)
        if not p < 1:
            raise ConfigError("data.p", p, "must be in (0, 1) (p = 1 is the gaussian source)")
        return Source(kind, p)
    if kind == "discrete":
        return Source(kind, values=tuple(ds.numbers("values")), probs=tuple(ds.numbers("probs")))
    return Source()


def _build(cls, cfg, base_dir):
    check_sections(cfg, {"model", "data", "training", "init", "output", "solver", "simulation"})
    ms = Section(cfg, "model")
    ms.string("kind")
    d = ms.integer("d", minimum=1)
    r = ms.number("r", positive=True)
    n = int(round(r * d))
    if abs(r * d - n) > 1e-9 * max(1.0, r * d) or n < 1:
        raise ConfigError("model.r", r, "r d = %g must be a positive integer (d = %d)" % (r * d, d))
    ms.close()
    ds = Section(cfg, "data", required=False)
    model = SignAutoencoder(d, n, _source(ds))
    ds.close()
    ts = Section(cfg, "training")
    training = {"t_max": ts.number("t_max", positive=True),
                "method": ts.string("method", "flow", ("flow", "gd")),
                "lr": ts.number("lr", 0.25, positive=True),
                "supports": ts.integer("supports", 64, minimum=2),
                "eval_supports": ts.integer("eval_supports", 256, minimum=2)}
    ts.close()
    if training["method"] == "gd":
        check_steps("training.lr", training["lr"], training["t_max"])
    ins = Section(cfg, "init", required=False)
    seed = ins.integer("seed", 0, minimum=0) if not ins.has("weights") else 0
    if ins.has("weights"):  # A (d x n) and B (n x d), e.g. a trained network
        arrays, _ = load_network(ins, base_dir, {"A": ("d", "n"), "B": ("n", "d")},
                                 {"d": d, "n": n})
        A0, B0 = arrays["A"], arrays["B"]
    else:
        A0, B0 = model.random_network(seed, ins.number("std", 1.0, positive=True))
    ins.close()
    times = output_times_from(cfg, training["t_max"], 40)
    ss = Section(cfg, "simulation", required=False)
    simulation = {"lr": ss.number("lr", 0.05, positive=True),
                  "batch": ss.integer("batch", 200, minimum=1),
                  "width": ss.number("width", 0.1, positive=True)}
    ss.close()
    check_steps("simulation.lr", simulation["lr"], training["t_max"])
    return cls(model, A0, B0, times, training, simulation, seed=seed,
               solver=solver_from(cfg, compiled=False, default=cls.default_solver))
