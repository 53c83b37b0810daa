"""The teacher-student committee machine (Saad & Solla 1995; Goldt et al. 2019). Owns: the
model's parameters, the map from weights to order parameters, and the theory curve -- the
order-parameter equations of odedyn/_generated/committee_averages.py (derived in
derivations/committee_averages.py) integrated with scipy.

Conventions (see README): student yhat = sum_k v_k g(w_k.x/sqrt D) (not divided by K), teacher
y = sum_m A_m g*(w*_m.x/sqrt D) + sigma xi, x ~ N(0, I_D), one fresh sample per step,
t = steps / D, loss (y - yhat)^2 / 2, weight decay kappa on both layers:

    w_k += (eta/sqrt D) v_k g'(lambda_k) (y - yhat) x - (eta kappa / D) w_k
    v_k += (eta_v / D) [g(lambda_k) (y - yhat) - kappa v_k]          (if the second layer trains)

both rates multiplied by the schedule's factor at t. Order parameters Q = w w^T/D,
R = w w*^T/D, T = w* w*^T/D, v; error eps = E[(y* - yhat)^2]/2 with y* the noiseless teacher.
"""
import time
from dataclasses import dataclass, field

import numpy as np

from .._generated import committee_averages as ca
from ..errors import ConfigError, NumericalError
from ..integrate import solve
from ..results import Trajectory
from .schedule import Schedule, lr_factor

ACTIVATIONS = tuple(ca.ACTIVATIONS)


@dataclass
class Committee:
    K: int
    M: int
    activation: str = "erf"
    teacher_activation: str = "erf"
    train_second_layer: bool = True
    lr: float = 1.0
    lr_second_layer: float = None
    weight_decay: float = 0.0
    noise: float = 0.0
    schedule: Schedule = field(default_factory=Schedule)

    def __post_init__(self):
        for key, act in (("model.activation", self.activation),
                         ("teacher.activation", self.teacher_activation)):
            if act not in ca.ACTIVATIONS:
                raise ConfigError(key, act, "must be one of %s" % ", ".join(ACTIVATIONS))
        if self.lr_second_layer is None:
            self.lr_second_layer = self.lr

    # ------------------------------------------------------------ weights -> order parameters
    @property
    def acts(self):
        """Activation code of each of the K + M fields."""
        return np.array([ca.ACTIVATIONS[self.activation]] * self.K
                        + [ca.ACTIVATIONS[self.teacher_activation]] * self.M, dtype=np.int64)

    @staticmethod
    def order_parameters(W, v, W_teacher):
        """(Q, R, T, v) of a network (W: K x D, W_teacher: M x D)."""
        D = W.shape[1]
        return W @ W.T / D, W @ W_teacher.T / D, W_teacher @ W_teacher.T / D, np.array(v, float)

    def state(self, Q, R, v):
        return np.concatenate([np.ravel(Q), np.ravel(R), np.ravel(v)]).astype(float)

    def unpack(self, y):
        K, M = self.K, self.M
        y = np.asarray(y)
        lead = y.shape[:-1]
        return (y[..., :K * K].reshape(lead + (K, K)),
                y[..., K * K:K * K + K * M].reshape(lead + (K, M)),
                y[..., K * K + K * M:])

    def error(self, Q, R, T, v, A):
        """eps = E[(y* - yhat)^2] / 2 from the order parameters (the same averages as the ODE)."""
        K, M = self.K, self.M
        C = np.empty((K + M, K + M))
        ca.covariance(K, M, np.ascontiguousarray(Q), np.ascontiguousarray(R),
                      np.ascontiguousarray(T), C)
        c = np.concatenate([-np.asarray(v, float), np.asarray(A, float)])
        return ca.generalisation_error(K + M, self.acts, C, c, np.empty((K + M, K + M)))

    # ------------------------------------------------------------ theory
    def rhs(self, T, A, factor=None):
        """f(t, y) -> dy/dt of the state y = (Q, R, v), the average tables in preallocated
        work arrays (one call of the compiled right-hand side per evaluation). The rates are
        scaled by the schedule's factor at t, or by ``factor`` when given (a step schedule's
        value on one segment, so that no stage at a jump sees the next value)."""
        K, M = self.K, self.M
        N = K + M
        work = (np.empty((N, N)), np.empty(N), np.empty((N, N)), np.empty((K, K)),
                np.empty((K, N, N)), np.zeros((K, K, N, N)))
        T = np.ascontiguousarray(T, dtype=float)
        A = np.ascontiguousarray(A, dtype=float)
        acts = self.acts
        sched = self.schedule.args()
        sigma2 = self.noise ** 2

        def f(t, y):
            out = np.empty_like(y)
            g = lr_factor(sched[0], float(t), *sched[1:]) if factor is None else factor
            if not ca.rhs(np.ascontiguousarray(y), K, M, T, A, acts, self.lr * g,
                          self.lr_second_layer * g, self.weight_decay, sigma2,
                          self.train_second_layer, *work, out):
                Q = y[:K * K].reshape(K, K)
                k = int(np.argmin(np.diag(Q)))
                raise NumericalError(t, "student unit %d has Q_kk = %r <= 0" % (k, Q[k, k]))
            return out
        return f

    def theory(self, Q0, R0, T, v0, A, times, method="DOP853", rtol=1e-9, atol=1e-12):
        """Trajectory of the order parameters and the error at ``times`` from (Q0, R0, v0)."""
        t0 = time.perf_counter()
        times = np.asarray(times, dtype=float)
        y = self.state(Q0, R0, v0)
        ys = [y[None, :]]
        step = self.schedule.kind == "step"
        f = self.rhs(T, A)
        nfev = 0
        # integrate between the jumps of a step schedule, so the adaptive steps never straddle one
        edges = [times[0]] + [b for b in self.schedule.breakpoints() if times[0] < b < times[-1]]
        edges.append(times[-1])
        for lo, hi in zip(edges[:-1], edges[1:]):
            inside = times[(times > lo) & (times <= hi)]
            seg = np.unique(np.concatenate([[lo], inside, [hi]]))
            g = self.rhs(T, A, self.schedule.factor(0.5 * (lo + hi))) if step else f
            out, n = solve(g, y, seg, method=method, rtol=rtol, atol=atol, names=self._names)
            nfev += n
            y = out[-1]
            keep = np.isin(seg, inside)
            ys.append(out[keep])
        Y = np.concatenate(ys)
        Q, R, v = self.unpack(Y)
        err = np.array([self.error(Q[i], R[i], T, v[i], A) for i in range(len(times))])
        nt = len(times)
        curves = {"error": err, "Q": Q, "R": R, "T": np.broadcast_to(T, (nt,) + T.shape).copy(),
                  "v": v}
        return Trajectory(times, curves, {"nfev": int(nfev), "method": method,
                                          "integrate_s": time.perf_counter() - t0})

    def _names(self, i):
        K, M = self.K, self.M
        if i < K * K:
            return "Q[%d, %d]" % divmod(i, K)
        if i < K * K + K * M:
            return "R[%d, %d]" % divmod(i - K * K, M)
        return "v[%d]" % (i - K * K - K * M)

