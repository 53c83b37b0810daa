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
    observables(m, S)        {name: (value, gradient in m, H[S])} of the error ("error") and of
                             the order parameters, arrays shaped like the theory's curves
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
``valid`` holds where the predicted bias of the error (the O(1/D) term) is below VALID_RATIO =
0.3 times its predicted standard deviation (the O(D^-1/2) term), or both are below the
resolution ``floor`` x (the error's range). Where the series is dominated by one growing mode
of amplitude r = |bias| / std per order, the neglected correction to the std is O(r^2) relative:
0.3 keeps it below about 10%, the sampling error of a std from 64 runs. Near a plateau escape S grows as e^{2 lambda t} along the
unstable direction and the bias with it, so |bias| / std ~ e^{lambda t} / sqrt(D): the mask
closes where the fluctuation along the unstable direction becomes O(1), which is where the
linearisation stops describing the spread of escape times.
"""
import time

import numpy as np
from scipy.integrate import solve_ivp

from .errors import NumericalError

VALID_RATIO = 0.3


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
    """{name: (value, std, bias)} of every observable at the finite D: std = sqrt(g^T S g / D),
    bias = (g . mu + H[S] / 2) / D from the family's (value, gradient g, H[S])."""
    D = expansion.D
    rows = [expansion.observables(m[i], S[i]) for i in range(len(m))]
    out = {}
    for name in rows[0]:
        vals, stds, biases = [], [], []
        for i, row in enumerate(rows):
            v, g, hs = row[name]
            var = np.einsum("...i,ij,...j->...", g, S[i], g)
            vals.append(v)
            stds.append(np.sqrt(np.clip(var, 0.0, None) / D))
            biases.append((g @ mu[i] + 0.5 * hs) / D)
        out[name] = (np.array(vals), np.array(stds), np.array(biases))
    return out


def validity(error, std, bias, floor=1e-6):
    """Where the expansion holds (see the module docstring)."""
    scale = floor * max(np.ptp(error), np.max(np.abs(error)), 1e-300)
    return (np.abs(bias) <= VALID_RATIO * std) | ((np.abs(bias) < scale) & (std < scale))


def fluctuations(expansion, times, rtol=1e-8, atol=1e-11, error="error"):
    """The finite-size band of ``expansion`` at ``times``: a dict with error_std, error_bias,
    order_parameters_std and order_parameters_bias ({name: array shaped like the theory's
    curve}, every observable of ``expansion.observables`` but the error), valid, and meta
    (the error curve of the expansion's own integration, m, S, mu, timings)."""
    t0 = time.perf_counter()
    m, S, mu, evals = integrate(expansion, times, rtol, atol)
    obs = propagate(expansion, m, S, mu)
    err, std, bias = obs.pop(error)
    return {"error_std": std, "error_bias": bias,
            "order_parameters_std": {k: v[1] for k, v in obs.items()},
            "order_parameters_bias": {k: v[2] for k, v in obs.items()},
            "valid": validity(err, std, bias),
            "meta": {"D": expansion.D, "evaluations": evals, "error": err,
                     "fluctuations_s": time.perf_counter() - t0, "S": S, "mu": mu, "m": m}}
