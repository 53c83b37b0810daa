"""Finite-size corrections to a D -> infinity theory curve of online SGD (shared by every family
whose order parameters follow a Markov chain with small steps). Owns: the integration of the
curve m(t) together with the covariance S(t) of the fluctuations and the mean correction mu(t),
the propagation to an observable (the error) and to the order parameters, and the validity
mask. A family supplies only its physics, an object with

    n                        number of order parameters m (a flat vector)
    initial()                m at t = 0 (the initial network's, the same for every seed)
    coefficients(m, S)       (f, J, HS, f1, B): the drift, J = df/dm, HS_i = sum_jk
                             d^2 f_i / dm_j dm_k S_jk, the O(1/D) drift f1 and the covariance B
                             of one step's increment times D^2
    error(m, S)              (e, grad e, sum_jk d^2 e / dm_j dm_k S_jk)
    D                        the input dimension (one step is dt = 1/D)

The expansion (derived in each family's derivation script; the shared algebra is this): with
one step's increment of mean f/D + f1/D^2 and covariance B/D^2, m_n = m(n/D) + xi/sqrt(D) +
mu/D + ... and, all from the same initial network (xi = mu = 0 at t = 0),

    dm/dt  = f(m)
    dS/dt  = J S + S J^T + B                       S = E[xi xi^T]
    dmu/dt = J mu + H[S]/2 + f1 - J f / 2          mu = E[(m_n - m(t)) D] at this order

The last term is the discreteness of time: the mean follows the map m -> m + f/D (not the flow),
and the flow's own step is f/D + (J f)/(2 D^2) + O(D^-3); this shift is O(1/D) like the others.
For an observable e(m): std e = sqrt(grad e^T S grad e / D), bias = (grad e . mu + H_e[S]/2)/D;
for the order parameters std m_i = sqrt(S_ii / D), bias mu_i / D.

Validity. The expansion is one in D^-1/2: each order is smaller than the one before. The mask
``valid`` holds where the predicted bias of the error (the O(1/D) term) is below VALID_RATIO times
its predicted standard deviation (the O(D^-1/2) term), or both are below the resolution
``floor`` x (the error's range). Near a plateau escape S grows as e^{2 lambda t} along the
unstable direction and the bias with it, so |bias| / std ~ e^{lambda t} / sqrt(D): the mask
closes where the fluctuation along the unstable direction becomes O(1), which is where the
linearisation stops describing the spread of escape times.
"""
import time

import numpy as np
from scipy.integrate import solve_ivp

from .errors import NumericalError

VALID_RATIO = 0.5


def _pack(m, S, mu):
    return np.concatenate([m, S.ravel(), mu])


def _unpack(y, n):
    return y[:n], y[n:n + n * n].reshape(n, n), y[n + n * n:]


def integrate(expansion, times, rtol=1e-8, atol=1e-11):
    """m, S and mu at ``times`` (arrays (nt, n), (nt, n, n), (nt, n)) and the number of
    coefficient evaluations."""
    n = expansion.n
    times = np.asarray(times, dtype=float)
    count = [0]

    def rhs(t, y):
        m, S, mu = _unpack(y, n)
        S = 0.5 * (S + S.T)
        f, J, HS, f1, B = expansion.coefficients(m, S)
        count[0] += 1
        dS = J @ S + S @ J.T + B
        dmu = J @ mu + 0.5 * HS + f1 - 0.5 * J @ f
        out = _pack(f, dS, dmu)
        if not np.all(np.isfinite(out)):
            raise NumericalError(t, "non-finite fluctuation coefficients")
        return out

    y0 = _pack(expansion.initial(), np.zeros((n, n)), np.zeros(n))
    if len(times) == 1:
        ys = y0[None, :]
    else:
        sol = solve_ivp(rhs, (times[0], times[-1]), y0, method="DOP853", t_eval=times,
                        rtol=rtol, atol=atol)
        if sol.status != 0:
            raise NumericalError(sol.t[-1] if len(sol.t) else times[0],
                                 "fluctuation integration failed: %s" % sol.message)
        ys = sol.y.T
    m = ys[:, :n]
    S = ys[:, n:n + n * n].reshape(-1, n, n)
    S = 0.5 * (S + np.swapaxes(S, 1, 2))
    mu = ys[:, n + n * n:]
    return m, S, mu, count[0]


def propagate(expansion, m, S, mu):
    """(error, its std, its bias, std and bias of every m entry) at the finite D."""
    D = expansion.D
    nt = len(m)
    err, std, bias = np.empty(nt), np.empty(nt), np.empty(nt)
    for i in range(nt):
        e, g, hs = expansion.error(m[i], S[i])
        err[i] = e
        std[i] = np.sqrt(max(g @ S[i] @ g, 0.0) / D)
        bias[i] = (g @ mu[i] + 0.5 * hs) / D
    m_std = np.sqrt(np.clip(np.diagonal(S, axis1=1, axis2=2), 0.0, None) / D)
    return err, std, bias, m_std, mu / D


def validity(error, std, bias, floor=1e-6):
    """Where the expansion holds (see the module docstring)."""
    scale = floor * max(np.ptp(error), np.max(np.abs(error)), 1e-300)
    return (np.abs(bias) <= VALID_RATIO * std) | ((np.abs(bias) < scale) & (std < scale))


def fluctuations(expansion, times, order_parameters, rtol=1e-8, atol=1e-11):
    """The finite-size band of ``expansion`` at ``times``: a dict with error_std, error_bias,
    order_parameters_std and order_parameters_bias ({name: array shaped like the theory's
    curve}, from ``order_parameters(flat (nt, n)) -> {name: array}``), valid, and meta."""
    t0 = time.perf_counter()
    m, S, mu, evals = integrate(expansion, times, rtol, atol)
    err, std, bias, m_std, m_bias = propagate(expansion, m, S, mu)
    return {"error_std": std, "error_bias": bias,
            "order_parameters_std": order_parameters(m_std),
            "order_parameters_bias": order_parameters(m_bias),
            "valid": validity(err, std, bias),
            "meta": {"D": expansion.D, "evaluations": evals, "error": err,
                     "fluctuations_s": time.perf_counter() - t0, "S": S, "mu": mu, "m": m}}
