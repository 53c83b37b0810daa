"""Learning-rate schedules, an engine capability any family can use. Owns: the one function that
says how the learning rates are scaled at time t, compiled, so that a theory (at continuous t;
odedyn.integrate restarts at a step schedule's jumps) and its SGD companion (at t = step / D,
before the step) use literally the same code; reading a ``[training]`` section's schedule.

    constant   factor 1
    power      factor 1 / (1 + t / tau)^beta
    step       factor factors[i] from times[i] on (1 before times[0]); times increasing
"""
import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from .errors import ConfigError

CONSTANT, POWER, STEP = 0, 1, 2
KINDS = {"constant": CONSTANT, "power": POWER, "step": STEP}


@njit(cache=True)
def lr_factor(kind, t, tau, beta, times, factors):
    """The factor multiplying both learning rates at time t."""
    if kind == POWER:
        return 1.0 / math.pow(1.0 + t / tau, beta)
    if kind == STEP:
        f = 1.0
        for i in range(times.shape[0]):
            if t >= times[i]:
                f = factors[i]
        return f
    return 1.0


@dataclass
class Schedule:
    kind: str = "constant"
    tau: float = 1.0
    beta: float = 0.0
    times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    factors: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def args(self):
        """(kind code, tau, beta, times, factors) for lr_factor and the SGD kernel."""
        return (KINDS[self.kind], float(self.tau), float(self.beta),
                np.asarray(self.times, dtype=float), np.asarray(self.factors, dtype=float))

    def factor(self, t):
        return lr_factor(*(self.args()[:1] + (float(t),) + self.args()[1:]))

    def breakpoints(self):
        """Times where the factor jumps (the theory integrates between them)."""
        return np.asarray(self.times, dtype=float) if self.kind == "step" else np.zeros(0)


def schedule_from(ts):
    """The schedule a ``[training]`` Section asks for: ``schedule`` = "constant" (default),
    "power" (``tau``, ``beta``) or "step" (``times``, ``factors``)."""
    kind = ts.string("schedule", "constant", tuple(KINDS))
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
