"""A committee-machine experiment: student, teacher, data dimension, initial networks, learning
rule and output times, as a CONFIG of kind "committee" describes it. Owns: building it from a
CONFIG, its theory curve and its online-SGD companion (through the shared hooks) from the very
same initial student and teacher.
"""
from dataclasses import dataclass, field

import numpy as np

from ..config import Section, check_sections, derive, load_network, output_times_from, solver_from
from ..errors import ConfigError, NumericalError
from ..experiment import Experiment as BaseExperiment
from ..integrate import Dopri5
from ..schedules import schedule_from
from . import theory
from .model import ACTIVATIONS, Committee
from .simulate import sgd_steps


TINY = """
model = {kind = "committee", K = 2, activation = "erf"}
teacher = {M = 2, activation = "erf"}
data = {D = 60}
training = {lr = 1.0, t_max = 0.5}
init = {std = 0.1, seed = 0}
output = {n_times = 3}
"""


@dataclass
class Experiment(BaseExperiment):
    model: Committee
    W0: np.ndarray          # student first layer, K x D
    v0: np.ndarray          # student second layer, K
    W_teacher: np.ndarray   # M x D
    A: np.ndarray           # teacher second layer, M
    t_max: float
    times: np.ndarray
    solver: object = None
    config: dict = field(default_factory=dict)
    init: dict = None       # the random start (std, v_std / v_init, seed, teacher_seed,
    #                         overlap) or None

    kind = "committee"
    size_key = "data.D"
    size_help = "input dimension D (student and teacher)"
    tiny_config = TINY
    weight_arrays = {"W": "W0", "v": "v0", "W_teacher": "W_teacher", "A": "A"}
    default_solver = Dopri5()
    error_name = "error"
    error_label = r"generalisation error $\epsilon_g$"
    order_parameter_names = ("Q", "R", "T", "v")

    @classmethod
    def from_config(cls, cfg, base_dir="."):
        """Build an Experiment from a parsed CONFIG of kind "committee" (see README)."""
        return _build(cls, cfg, base_dir)

    @property
    def D(self):
        return self.W0.shape[1]

    def memory_estimate(self):
        """The order parameters and the pairwise averages, (K + M)^2 floats a few times over,
        times the solver's ~16 copies."""
        n = self.model.K + len(self.A)
        return 8 * 16 * 4 * n * n, "model.K"

    def initial_order_parameters(self):
        """(Q, R, T, v) of the initial student and the teacher."""
        return self.model.order_parameters(self.W0, self.v0, self.W_teacher)

    # ------------------------------------------------------------ theory
    def prepare(self):
        self.theory_curve(self.times[:2], progress=False)

    def theory_curve(self, times, progress=True):
        Q, R, T, v = self.initial_order_parameters()
        return theory.integrate(self.model, Q, R, T, v, self.A, times, self.solver, progress)

    def theory_flow(self, traj):
        n = len(traj.t)
        states = np.concatenate([np.reshape(traj[k], (n, -1)) for k in ("Q", "R", "v")], axis=1)
        return theory.equations(self.model, traj["T"][0], self.A), states

    # ------------------------------------------------------------ simulation companion
    def sim_start(self, seed):
        """Online SGD from the initial student against the fixed teacher; the seed sets the
        samples and the output noise."""
        base = 0 if self.init is None else self.init["seed"]
        return {"W": self.W0.copy(), "v": self.v0.astype(float).copy(),
                "rng": np.random.default_rng([7919 * base + 13, seed]), "steps": 0, "seed": seed}

    def sim_advance(self, s, n):
        m = self.model
        acts = m.acts
        if not sgd_steps(s["W"], s["v"], self.W_teacher, self.A, s["rng"], s["steps"], n,
                         acts[0], acts[-1], m.lr, m.lr_second_layer, m.weight_decay, m.noise,
                         m.train_second_layer, *m.schedule.args()):
            raise NumericalError(s["steps"] / self.D, "SGD blew up (seed %d)" % s["seed"])
        s["steps"] += n

    def sim_measure(self, s):
        with np.errstate(over="ignore", invalid="ignore"):
            Q, R, T, v = self.model.order_parameters(s["W"], s["v"], self.W_teacher)
        if not (np.all(np.isfinite(Q)) and np.all(np.isfinite(R))):
            raise NumericalError(s["steps"] / self.D, "SGD blew up (seed %d): the order "
                                 "parameters overflow" % s["seed"])
        return {"error": self.model.error(Q, R, T, v, self.A), "Q": Q, "R": R, "T": T, "v": v}

    def sim_meta(self):
        return {"lr": self.model.lr, "lr_second_layer": self.model.lr_second_layer}


def random_networks(model, D, init):
    """Student (entries N(0, std^2); v = v_init or N(0, v_std^2)) and teacher (entries N(0, 1),
    or orthogonalised rows of norm sqrt D) from their seeds. With ``overlap`` = m0 the teacher
    is orthogonal and student unit k is std sqrt(D) (m0 u*_{k mod M} + sqrt(1 - m0^2) u_k):
    u* the teacher's unit directions, u_k random unit directions orthogonal to the teacher and
    to one another, so that Q_kk = std^2, T = I and R_{k, k mod M} = std m0 (overlap
    R / sqrt(Q T) = m0 exactly), every other R zero; two units on the same teacher unit
    (K > M) have Q_kl = std^2 m0^2, the others Q_kl = 0."""
    rs = np.random.default_rng([init["seed"], 1])
    W = init["std"] * rs.standard_normal((model.K, D))
    if init["v_std"] is not None:
        v = init["v_std"] * rs.standard_normal(model.K)
    else:
        v = np.broadcast_to(np.asarray(init["v_init"], float), (model.K,)).copy()
    Wt = np.random.default_rng([init["teacher_seed"], 2]).standard_normal((model.M, D))
    m0 = init.get("overlap")
    if init.get("orthogonal") or m0 is not None:   # rows orthogonal, norm sqrt(D): T = I
        Wt = np.sqrt(D) * np.linalg.qr(Wt.T)[0].T
    if m0 is not None:
        U = Wt.T / np.sqrt(D)                          # D x M, orthonormal columns
        G = W.T - U @ (U.T @ W.T)                      # the student's draw, teacher projected out
        G = np.linalg.qr(G)[0]                         # D x K orthonormal, orthogonal to U
        lead = U[:, np.arange(model.K) % model.M]
        W = init["std"] * np.sqrt(D) * (m0 * lead + np.sqrt(1.0 - m0 * m0) * G).T
    return W, v, Wt


def _build(cls, cfg, base_dir):
    check_sections(cfg, {"model", "teacher", "data", "training", "init", "output", "solver"})
    ms = Section(cfg, "model")
    ms.string("kind", "committee")
    K = ms.integer("K", minimum=1)
    activation = ms.string("activation", "erf", ACTIVATIONS)
    train_v = ms.boolean("train_second_layer", True)
    ms.close()
    ds = Section(cfg, "data")
    D = ds.integer("D", None, minimum=1)
    noise = ds.number("noise", 0.0, nonnegative=True)
    ds.close()
    te = Section(cfg, "teacher")
    M = te.integer("M", minimum=1)
    t_act = te.string("activation", "erf", ACTIVATIONS)
    A = te.numbers("second_layer", None)
    orthogonal = te.boolean("orthogonal", False)
    if A is not None and len(A) != M:
        raise ConfigError("teacher.second_layer", A, "needs M = %d entries" % M)
    te.close()
    ts = Section(cfg, "training")
    lr = ts.number("lr", 1.0, positive=True)
    lr_v = ts.number("lr_second_layer", lr, positive=True)
    decay = ts.number("weight_decay", 0.0, nonnegative=True)
    t_max = ts.number("t_max", positive=True)
    schedule = schedule_from(ts)
    ts.close()
    model = Committee(K, M, activation, t_act, train_v, lr, lr_v, decay, noise, schedule)
    ins = Section(cfg, "init")
    if ins.has("weights"):
        if orthogonal:
            raise ConfigError("teacher.orthogonal", True, "the weights file sets the teacher")
        arrays, sizes = load_network(
            ins, base_dir, {"W": ("K", "D"), "v": ("K",), "W_teacher": ("M", "D"), "A": ("M",)},
            {"K": K, "M": M} | ({"D": D} if D is not None else {}), optional=("A",),
            exclusive=("std", "seed", "v_std", "v_init", "teacher_seed", "overlap"))
        ins.close()
        if "A" in arrays and A is not None:
            raise ConfigError("teacher.second_layer", A, "the weights file has A already")
        W, v, Wt = arrays["W"], arrays["v"], arrays["W_teacher"]
        A = arrays.get("A", A)
        init = None
    else:
        if D is None:
            raise ConfigError("data.D", None, "is required (with a random start)")
        init = _random_start(ins, K, orthogonal)
        ins.close()
        if orthogonal and M > D:
            raise ConfigError("teacher.orthogonal", True, "needs M <= D = %d" % D)
        if init["overlap"] is not None and K + M > D:
            raise ConfigError("init.overlap", init["overlap"], "needs K + M <= D = %d "
                              "(orthogonal student and teacher directions)" % D)
        W, v, Wt = random_networks(model, D, init)
    A = np.ones(M) if A is None else np.asarray(A, float)
    return cls(model, W, v, Wt, A, t_max, output_times_from(cfg, t_max, 60),
               solver_from(cfg, default=cls.default_solver), init=init)


def _random_start(ins, K, orthogonal):
    init = {"std": ins.number("std", nonnegative=True), "seed": ins.integer("seed", 0, minimum=0),
            "teacher_seed": ins.integer("teacher_seed", 0, minimum=0),
            "v_std": ins.number("v_std", None, nonnegative=True),
            "v_init": ins.raw("v_init", None), "orthogonal": orthogonal,
            "overlap": ins.number("overlap", None)}
    m0 = init["overlap"]
    if m0 is not None:
        if not -1.0 <= m0 <= 1.0:
            raise ConfigError("init.overlap", m0, "must lie in [-1, 1] (R / sqrt(Q T) of each "
                              "student unit with its teacher unit)")
        if not init["std"] > 0:
            raise ConfigError("init.std", init["std"], "must be > 0 with init.overlap (the "
                              "student's norm: Q = std^2 I)")
    if init["v_std"] is not None and init["v_init"] is not None:
        raise ConfigError("init.v_init", init["v_init"], "give either v_init or v_std")
    v_init = init["v_init"]
    if v_init is None:
        init["v_init"] = 1.0
    elif isinstance(v_init, list):
        init["v_init"] = ins.numbers("v_init")
        if len(v_init) != K:
            raise ConfigError("init.v_init", v_init, "needs K = %d entries" % K)
    else:
        init["v_init"] = ins.number("v_init")
    return init


DEFAULTS = {
    "model": {"kind": "committee", "K": 2, "activation": "erf", "train_second_layer": True},
    "teacher": {"M": 2, "activation": "erf"},
    "data": {"D": 1000, "noise": 0.0},
    "training": {"lr": 1.0, "t_max": 200.0},
    "init": {"std": 0.1, "seed": 0, "teacher_seed": 0},
}


def configure(**sections):
    """An Experiment from DEFAULTS updated section by section."""
    return derive(DEFAULTS, **sections)
