"""Learning-rate schedules of the committee machine. Owns: the one function that says how the
learning rates are scaled at time t, compiled, so that the theory (at continuous t) and the SGD
companion (at t = step / D, before the step) use literally the same code.

    constant   factor 1
    power      factor 1 / (1 + t / tau)^beta
    step       factor factors[i] from times[i] on (1 before times[0]); times increasing
"""
import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

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
