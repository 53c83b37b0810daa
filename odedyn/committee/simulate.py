"""Online SGD of the committee machine (the simulation companion). Owns: the numba kernel that
runs the learning rule of odedyn.committee.model on one fresh Gaussian sample per step (the same
schedule function as the theory, evaluated at t = step / D before the step).
"""
import math

import numpy as np
from numba import njit

from .._generated.committee_averages import ERF, LINEAR, RELU, act, dact
from ..schedules import lr_factor


@njit(cache=True)
def _act(a, x):
    """(h(x), h'(x)); codes after RELU through the generated act and dact (the functions the
    theory's quadrature integrates)."""
    if a > RELU:
        return act(a, x), dact(a, x)
    if a == LINEAR:
        return x, 1.0
    if a == ERF:
        return math.erf(x / math.sqrt(2.0)), math.sqrt(2.0 / math.pi) * math.exp(-0.5 * x * x)
    return (x, 1.0) if x > 0.0 else (0.0, 0.0)


@njit(cache=True, nogil=True)
def sgd_steps(W, v, Wt, A, rng, step0, n_steps, ts, tt, eta, eta_v, kappa, sigma, train_v,
              kind, tau, beta, times, factors):
    """``n_steps`` SGD steps in place from step number ``step0``. Returns False on a blow-up."""
    K, D = W.shape
    M = Wt.shape[0]
    sD = math.sqrt(D)
    gk = np.empty(K)
    dg = np.empty(K)
    for it in range(n_steps):
        f = lr_factor(kind, (step0 + it) / D, tau, beta, times, factors)
        x = rng.standard_normal(D)
        yhat = 0.0
        for k in range(K):
            s = 0.0
            for i in range(D):
                s += W[k, i] * x[i]
            gk[k], dg[k] = _act(ts, s / sD)
            yhat += v[k] * gk[k]
        y = sigma * rng.standard_normal()
        for m in range(M):
            s = 0.0
            for i in range(D):
                s += Wt[m, i] * x[i]
            y += A[m] * _act(tt, s / sD)[0]
        delta = y - yhat
        if not math.isfinite(delta):
            return False
        decay = 1.0 - eta * f * kappa / D
        for k in range(K):
            a = eta * f * v[k] * dg[k] * delta / sD
            for i in range(D):
                W[k, i] = decay * W[k, i] + a * x[i]
        if train_v:
            for k in range(K):
                v[k] += eta_v * f / D * (gk[k] * delta - kappa * v[k])
    for k in range(K):   # the weights may overflow on the last steps before delta does
        if not math.isfinite(v[k]):
            return False
        for i in range(D):
            if not math.isfinite(W[k, i]):
                return False
    return True
