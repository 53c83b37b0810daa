"""A committee-machine experiment: student, teacher, data dimension, initial networks, learning
rule and output times, as a CONFIG of kind "committee" describes it. Owns: building it from a
CONFIG, its theory curve and its online-SGD companion (through the shared hooks) from the very
same initial student and teacher.
"""
from dataclasses import dataclass, field, replace

import numpy as np

from ..config import (Section, check_sections, copy_config, derive, load_weights,
                      output_times_from, solver_from)
from ..errors import ConfigError, NumericalError
from ..experiment import Experiment as BaseExperiment
from ..integrate import SCIPY_METHODS
from .model import Committee
from .schedule import Schedule
from .simulate import sgd_steps


@dataclass
class Experiment(BaseExperiment):
    model: Committee
    W0: np.ndarray          # student first layer, K x D
    v0: np.ndarray          # student second layer, K
    W_teacher: np.ndarray   # M x D
    A: np.ndarray           # teacher second layer, M
    t_max: float
    times: np.ndarray
    solver: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    init: dict = None       # the random start (std, v_std / v_init, seed, teacher_seed) or None

    error_name = "error"
    order_parameter_names = ("Q", "R", "T", "v")

    @property
    def D(self):
        return self.W0.shape[1]

    def initial_order_parameters(self):
        """(Q, R, T, v) of the initial student and the teacher."""
        return self.model.order_parameters(self.W0, self.v0, self.W_teacher)

    def saved_arrays(self):
        return {"W": self.W0, "v": self.v0, "W_teacher": self.W_teacher, "A": self.A}

    # ------------------------------------------------------------ theory
    def prepare(self):
        Q, R, T, v = self.initial_order_parameters()
        self.model.rhs(T, self.A)(0.0, self.model.state(Q, R, v))

    def integrate(self, times=None):
        Q, R, T, v = self.initial_order_parameters()
        return self.model.theory(Q, R, T, v, self.A, self.times if times is None else times,
                                 **self.solver)

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

    # ------------------------------------------------------------ variations
    def with_D(self, D):
        """The same random start at another input dimension (finite-size scaling)."""
        if D == self.D:
            return self
        if self.init is None:
            raise ConfigError("--D", D, "explicit initial weights fix D = %d" % self.D)
        W, v, Wt = random_networks(self.model, D, self.init)
        cfg = copy_config(self.config)
        cfg.setdefault("data", {})["D"] = D
        return replace(self, W0=W, v0=v, W_teacher=Wt, config=cfg)


def random_networks(model, D, init):
    """Student (entries N(0, std^2); v = v_init or N(0, v_std^2)) and teacher (entries N(0, 1),
    or orthogonalised rows of norm sqrt D) from their seeds."""
    rs = np.random.default_rng([init["seed"], 1])
    W = init["std"] * rs.standard_normal((model.K, D))
    if init["v_std"] is not None:
        v = init["v_std"] * rs.standard_normal(model.K)
    else:
        v = np.broadcast_to(np.asarray(init["v_init"], float), (model.K,)).copy()
    Wt = np.random.default_rng([init["teacher_seed"], 2]).standard_normal((model.M, D))
    if init.get("orthogonal"):   # rows orthogonal with norm sqrt(D): T = I exactly
        Wt = np.sqrt(D) * np.linalg.qr(Wt.T)[0].T
    return W, v, Wt


def from_config(cfg, base_dir=".", D=None):
    """Build an Experiment from a parsed CONFIG of kind "committee" (see README)."""
    check_sections(cfg, {"model", "teacher", "data", "training", "init", "output", "solver"})
    ms = Section(cfg, "model")
    ms.string("kind", "committee")
    K = ms.integer("K", minimum=1)
    activation = ms.string("activation", "erf", ("linear", "erf", "relu"))
    train_v = ms.boolean("train_second_layer", True)
    ms.close()
    ds = Section(cfg, "data")
    D_cfg = ds.integer("D", minimum=1)
    if D is not None:
        D_cfg = D
    noise = ds.number("noise", 0.0, nonnegative=True)
    ds.close()
    te = Section(cfg, "teacher")
    M = te.integer("M", minimum=1)
    t_act = te.string("activation", "erf", ("linear", "erf", "relu"))
    A = te.numbers("second_layer", None)
    orthogonal = te.boolean("orthogonal", False)
    if orthogonal and M > D_cfg:
        raise ConfigError("teacher.orthogonal", True, "needs M <= D")
    if A is not None and len(A) != M:
        raise ConfigError("teacher.second_layer", A, "needs M = %d entries" % M)
    te.close()
    ts = Section(cfg, "training")
    lr = ts.number("lr", 1.0, positive=True)
    lr_v = ts.number("lr_second_layer", lr, positive=True)
    decay = ts.number("weight_decay", 0.0, nonnegative=True)
    t_max = ts.number("t_max", positive=True)
    schedule = _schedule(ts)
    ts.close()
    model = Committee(K, M, activation, t_act, train_v, lr, lr_v, decay, noise, schedule)

    ins = Section(cfg, "init")
    init = None
    if ins.has("weights"):
        arrays = load_weights(ins, base_dir, ("W", "v", "W_teacher"), ("A",),
                              exclusive=("std", "seed", "v_std", "v_init", "teacher_seed"))
        ins.close()
        if orthogonal:
            raise ConfigError("teacher.orthogonal", True, "the weights file sets the teacher")
        W, v, Wt = (np.asarray(arrays[k], float) for k in ("W", "v", "W_teacher"))
        if W.ndim != 2 or W.shape[0] != K:
            raise ConfigError("init.weights", "W", "must be K x D = %d x D, is %s" % (K, W.shape))
        if Wt.shape != (M, W.shape[1]):
            raise ConfigError("init.weights", "W_teacher", "must be M x D = %d x %d, is %s"
                              % (M, W.shape[1], Wt.shape))
        if v.shape != (K,):
            raise ConfigError("init.weights", "v", "must have K = %d entries" % K)
        if "A" in arrays:
            if A is not None:
                raise ConfigError("teacher.second_layer", A, "the weights file has A already")
            A = np.asarray(arrays["A"], float)
            if A.shape != (M,):
                raise ConfigError("init.weights", "A", "must have M = %d entries" % M)
        if D is not None and D != W.shape[1]:
            raise ConfigError("--D", D, "explicit initial weights fix D = %d" % W.shape[1])
        if ds.has("D") and D_cfg != W.shape[1]:
            raise ConfigError("data.D", D_cfg, "the weights have D = %d" % W.shape[1])
    else:
        init = {"std": ins.number("std", nonnegative=True),
                "seed": ins.integer("seed", 0, minimum=0),
                "teacher_seed": ins.integer("teacher_seed", 0, minimum=0),
                "v_std": ins.number("v_std", None, nonnegative=True),
                "v_init": ins.raw("v_init", None), "orthogonal": orthogonal}
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
        ins.close()
        W, v, Wt = random_networks(model, D_cfg, init)
    A = np.ones(M) if A is None else np.asarray(A, float)
    times = output_times_from(cfg, t_max, 60)
    solver = solver_from(cfg, SCIPY_METHODS, defaults={"method": "DOP853"})
    resolved = copy_config(cfg)
    if D is not None:
        resolved.setdefault("data", {})["D"] = D
    return Experiment(model, W, v, Wt, A, t_max, times, solver, resolved, init)


def _schedule(ts):
    kind = ts.string("schedule", "constant", ("constant", "power", "step"))
    if kind == "power":
        return Schedule("power", tau=ts.number("tau", positive=True),
                        beta=ts.number("beta", nonnegative=True))
    if kind == "step":
        times = ts.numbers("times")
        factors = ts.numbers("factors")
        if len(times) != len(factors) or not times:
            raise ConfigError("training.factors", factors,
                              "needs one factor per entry of training.times (%d)" % len(times))
        if any(b <= a for a, b in zip(times, times[1:])) or times[0] <= 0:
            raise ConfigError("training.times", times, "must be positive and increasing")
        if any(f < 0 for f in factors):
            raise ConfigError("training.factors", factors, "must be >= 0")
        return Schedule("step", times=np.array(times), factors=np.array(factors))
    return Schedule()


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
