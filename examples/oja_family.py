"""Oja's rule on a spiked covariance: the worked example of a minimal model family (kind "oja",
docs/adding-a-family.md) in one module that edits no shared file. Owns: the family's
declaration and CONFIG, its theory (a Python right-hand side through odedyn.integrate.solve) and
its online-SGD companion (a numba kernel behind the three simulation hooks).

Loading: importing the module registers the kind (odedyn.families.register): a script imports
odedyn_examples.oja_family before building an experiment; on the command line the module is
odedyn's CLI with the family known: ``python -m odedyn_examples.oja_family compare oja.toml``.

Model: x ~ N(0, Omega) in R^D, Omega = I + sum_s theta_s e_s e_s^T (spikes theta_s > -1 of order
one on the first P coordinates), a fresh sample per step, t = steps / D; one unit w, field
lambda = w.x / sqrt(D), and Oja's rule with rate eta / D on v = w / sqrt(D):

    w <- w + (eta / sqrt D) lambda x - (eta / D) lambda^2 w,  v <- v + (eta/D) lambda (x - lambda v)

Order parameters m_s = w.e_s / sqrt(D) = v_s and Q = |w|^2 / D = |v|^2; the error
sin2_angle = 1 - m_top^2 / Q, the squared sine of the angle between w and the top spike.
Derivation (E over x; E[lambda^2] = v^T Omega v = S = Q + sum_r theta_r m_r^2):
* dm_s = (eta/D) lambda (x_s - lambda m_s) and E[lambda x_s] = (Omega v)_s = (1 + theta_s) m_s,
  so E[dm_s] = (eta/D) m_s (1 + theta_s - S) exactly, with a variance O(1/D^2);
* dQ = 2 v.dv + |dv|^2 with E[2 v.dv] = (2 eta/D) S (1 - Q) and |dv|^2 = (eta/D)^2 lambda^2
  |x - lambda v|^2, |x|^2 = D + O(sqrt D): E[|dv|^2] = (eta^2/D) S + O(1/D^2) (exactly
  (eta/D)^2 [S tr Omega + 2 |Omega v|^2 + 3 S^2 (Q - 2)]), a variance O(1/D^2);
* D steps per unit time: the noise adds up to O(1/sqrt D) per run and O(1/D) in the mean, so
  as D -> infinity

    dm_s/dt = eta m_s (1 + theta_s - S),        dQ/dt = eta S (2 (1 - Q) + eta).

Fixed point: Q* = 1 + eta/2, m_top^2 = 1 - eta / (2 theta_top), the other m_s = 0 (it learns for
eta < 2 theta_top). The initial network w0 = std z + sqrt(D) sum_s overlap_s e_s (z ~ N(0, I))
starts at overlaps of order one; the theory starts from its measured m, Q.
"""
import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from odedyn.config import (Section, check_sections, load_network, output_times_from,
                           solver_from)
from odedyn.errors import ConfigError, NumericalError
from odedyn.experiment import Experiment as BaseExperiment
from odedyn.families import register
from odedyn.integrate import Layout, Scipy, solve
from odedyn.results import Trajectory

TINY = """
model = {kind = "oja"}
data = {D = 40, spikes = [2.0, 0.5]}
training = {lr = 0.5, t_max = 2.0}
init = {std = 1.0, overlap = [0.3, 0.2], seed = 0}
output = {n_times = 4}
"""


@register
@dataclass
class Experiment(BaseExperiment):
    w0: np.ndarray        # the initial network, D
    theta: np.ndarray     # the spikes theta_s, P
    lr: float
    t_max: float
    times: np.ndarray
    solver: object = None
    seed: int = 0

    kind = "oja"
    size_key = "data.D"
    size_help = "input dimension D"
    tiny_config = TINY
    weight_arrays = {"w": "w0"}
    default_solver = Scipy("DOP853", rtol=1e-10, atol=1e-12)
    error_name = "sin2_angle"
    order_parameter_names = ("m", "Q")

    @classmethod
    def from_config(cls, cfg, base_dir="."):
        check_sections(cfg, {"model", "data", "training", "init", "output", "solver"})
        ms = Section(cfg, "model")
        ms.string("kind")
        ms.close()
        ds = Section(cfg, "data")
        D, theta = ds.integer("D", None, minimum=1), np.array(ds.numbers("spikes"))
        ds.close()
        if not len(theta) or np.any(theta <= -1):
            raise ConfigError("data.spikes", ds.table["spikes"], "needs one or more spikes > -1")
        ts = Section(cfg, "training")
        lr, t_max = ts.number("lr", positive=True), ts.number("t_max", positive=True)
        ts.close()
        ins = Section(cfg, "init", required=False)
        if ins.has("weights"):
            w0, seed = load_network(ins, base_dir, {"w": ("D",)}, {"D": D} if D else {},
                                    exclusive=("std", "seed", "overlap"))[0]["w"], 0
        else:
            w0, seed = random_start(ins, D, len(theta))
        ins.close()
        if len(w0) < len(theta) or not w0 @ w0 > 0:
            raise ConfigError("init.weights", ins.table.get("weights"), "needs w != 0 with D >= "
                              "%d (the spikes)" % len(theta))
        return cls(w0, theta, lr, t_max, output_times_from(cfg, t_max, 60),
                   solver_from(cfg, compiled=False, default=cls.default_solver), seed)

    @property
    def D(self):
        return len(self.w0)

    def order_parameters(self, w):
        """(m, Q) of a network w."""
        return w[:len(self.theta)] / math.sqrt(self.D), float(w @ w) / self.D

    def sin2_angle(self, m, Q):
        """1 - m_top^2 / Q (at one time, or along a leading time axis)."""
        return 1.0 - m[..., int(np.argmax(self.theta))] ** 2 / Q

    # ------------------------------------------------------------ theory
    def prepare(self):
        self.theory_curve(self.times[:2], progress=False)

    def rhs(self, t, y):
        """d(m, Q)/dt of the D -> infinity limit (module docstring)."""
        m, Q = y[:-1], y[-1]
        S = Q + self.theta @ m ** 2
        return np.append(self.lr * m * (1 + self.theta - S), self.lr * S * (2 * (1 - Q) + self.lr))

    def theory_curve(self, times, progress=True):
        m0, Q0 = self.order_parameters(self.w0)
        layout = Layout((("m", (len(self.theta),)), ("Q", ())), {"m": ("s",)})
        sol = solve(self.rhs, np.append(m0, Q0), times, self.solver, layout, progress=progress)
        s = sol.state()   # {"m": (time, P), "Q": (time,)}
        return Trajectory(sol.t, {"sin2_angle": self.sin2_angle(s["m"], s["Q"]), **s}, sol.record())

    # ------------------------------------------------------------ simulation companion
    def sim_start(self, seed):
        return {"w": self.w0.copy(), "rng": np.random.default_rng([self.seed, seed, self.D]),
                "scale": np.sqrt(1 + self.theta), "steps": 0, "seed": seed}

    def sim_advance(self, s, n):
        if not oja_steps(s["w"], s["scale"], s["rng"], n, self.lr):
            raise NumericalError(s["steps"] / self.D, "SGD blew up (seed %d)" % s["seed"])
        s["steps"] += n

    def sim_measure(self, s):
        with np.errstate(over="ignore", invalid="ignore"):
            m, Q = self.order_parameters(s["w"])
        if not (np.isfinite(Q) and Q > 0):
            raise NumericalError(s["steps"] / self.D, "SGD: |w|^2 = %g (seed %d)" % (Q, s["seed"]))
        return {"sin2_angle": self.sin2_angle(m, Q), "m": m, "Q": Q}

    def sim_meta(self):
        return {"lr": self.lr}


def random_start(ins, D, P):
    """w0 = std z + sqrt(D) sum_s overlap_s e_s from [init] (std, overlap, seed), and the seed."""
    if D is None:
        raise ConfigError("data.D", None, "is required (with a random start)")
    std = ins.number("std", 1.0, nonnegative=True)
    overlap = np.array(ins.numbers("overlap", [0.1] * P))
    seed = ins.integer("seed", 0, minimum=0)
    if len(overlap) != P:
        raise ConfigError("init.overlap", overlap.tolist(), "needs one entry per spike (%d)" % P)
    if P > D or not (std > 0 or np.any(overlap)):
        raise ConfigError("data.D" if P > D else "init.std", D if P > D else std, "gives no "
                          "network: needs D >= %d (the spikes) and std > 0 or an overlap" % P)
    w0 = std * np.random.default_rng([seed, 3]).standard_normal(D)
    w0[:P] += math.sqrt(D) * overlap
    return w0, seed


@njit(cache=True, nogil=True)
def oja_steps(w, scale, rng, n, lr):
    """``n`` steps of Oja's rule in place on fresh samples x (x_i = scale_i z_i for the spiked
    coordinates, z_i otherwise). Returns False on a blow-up."""
    D, P = w.shape[0], scale.shape[0]
    x = np.empty(D)
    for _ in range(n):
        lam = 0.0
        for i in range(D):
            x[i] = rng.standard_normal() * (scale[i] if i < P else 1.0)
            lam += w[i] * x[i]
        lam /= math.sqrt(D)
        a, b = lr * lam / math.sqrt(D), lr * lam * lam / D
        if not math.isfinite(b):
            return False
        for i in range(D):
            w[i] += a * x[i] - b * w[i]
    for i in range(D):
        if not math.isfinite(w[i]):
            return False
    return True


if __name__ == "__main__":  # odedyn's command line with this family registered
    import odedyn_examples.oja_family  # noqa: F401  (registers the importable class)
    from odedyn.cli import main
    raise SystemExit(main())
