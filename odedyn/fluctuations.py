"""Finite-size corrections to a D -> infinity theory curve of online SGD (shared by every family
whose order parameters follow a Markov chain with small steps). Owns: the integration of the
curve m(t) together with the covariance S(t) of the fluctuations and the mean correction mu(t),
the propagation to an observable (the error) and to the order parameters, and the validity
mask. A family supplies only its physics, an object with

    n                        number of order parameters m (a flat vector)
    initial()                m at t = 0 (the initial network's, the same for every seed)
    drift(m)                 f (the theory's right-hand side, cheap)
    coefficients(m, S, noise=True)
                             (f, J, HS, f1, B): the drift, J = df/dm, HS_i = sum_jk
                             d^2 f_i / dm_j dm_k S_jk, the O(1/D) drift f1 and the covariance B
                             of one step's increment times D^2 (None unless ``noise``)
    observables(m, S)        {name: (value, gradient in m, H[S])} of the error ("error") and of
                             the order parameters, arrays shaped like the theory's curves
    D                        the input dimension (one step is dt = 1/D)

The expansion (each family derives its coefficients: derivations/committee_fluctuations.py,
odedyn/autoencoder/fluctuations.py; the shared algebra is this): with
one step's increment of mean f/D + f1/D^2 and covariance B/D^2, m_n = m(n/D) + xi/sqrt(D) +
mu/D + ... and, all from the same initial network (xi = mu = 0 at t = 0),

    dm/dt  = f(m)
    dS/dt  = J S + S J^T + B                       S = E[xi xi^T]
    dmu/dt = J mu + H[S]/2 + f1 - J f / 2          mu = E[(m_n - m(t)) D] at this order

The last term is the discreteness of time: the mean follows the map m -> m + f/D (not the flow),
and the flow's own step is f/D + (J f)/(2 D^2) + O(D^-3); this shift is O(1/D) like the others.
For an observable e(m): std e = sqrt(grad e^T S grad e / D), bias = (grad e . mu + H_e[S]/2)/D;
for the order parameters std m_i = sqrt(S_ii / D), bias mu_i / D. The coefficients depend on m
alone, so ``integrate`` takes three passes (m, then S, then mu, with the coefficients at the
theory's steps carried by quintic splines; S and mu on the compiled loop of
odedyn/_generated/fluctuation_passes.py); ``integrate_direct`` is the one-system reference.

Validity. The expansion is one in D^-1/2: it holds while the fluctuations stay within the range
where f is linear. Their nonlinearity shows in the part mu_H of mu that H[S] drives (dmu_H/dt =
J mu_H + H[S]/2; the rest of mu, from f1 and the map against the flow, is an exact O(1/D)
correction whatever its size). The mask ``valid`` holds while r = sqrt(mu_H^T S^+ mu_H / D),
that shift in units of the spread (``bias_ratio``, on the directions whose variance is at least
1e-3 of the largest), stays below VALID_RATIO = 0.3. Near a plateau escape S grows as
e^{2 lambda t} along the unstable direction and mu_H with it, so r ~ e^{lambda t} / sqrt(D): the
mask closes where the fluctuation along the unstable direction becomes O(1), which is where the
linearisation stops describing the spread of escape times. Where one growing mode dominates, the
neglected correction to the spread is O(r^2) relative: 0.3 keeps it near 10%, the sampling error
of a standard deviation from 64 runs. Once it fails it stays failed: S and mu carry the past.
(The error itself is no good gauge: at its minimum its gradient vanishes, its spread becomes
O(1/D) and its bias exceeds its spread while the expansion is fine.)
"""
import math
import time

import numpy as np
from scipy.integrate import solve_ivp
from scipy.interpolate import make_interp_spline

from .errors import NumericalError

VALID_RATIO = 0.3


def _pack(m, S, mu, muH):
    return np.concatenate([m, S.ravel(), mu, muH])


def _unpack(y, n):
    return y[:n], y[n:n + n * n].reshape(n, n), y[n + n * n:2 * n + n * n], y[2 * n + n * n:]


#: degree of the splines that carry the coefficients from the nodes to every stage time
SPLINE_DEGREE = 5


def _cardinal(nodes, k):
    """The degree-``k`` interpolating splines (not-a-knot) of the unit vectors at ``nodes``:
    a spline of any data y is ``basis`` applied to y (interpolation is linear in the data),
    so one small solve serves every coefficient column."""
    return make_interp_spline(nodes, np.eye(len(nodes)), k=k)


def _apply(A, V):
    """A @ V without BLAS (small products, where a threaded BLAS on a busy machine costs more
    CPU than the product itself: 16 ms for an 80 x 80 by 80 x 180 one, measured)."""
    return np.einsum("ij,jk->ik", A, V)


def _ppoly(nodes, values, k=SPLINE_DEGREE):
    """(breakpoints, coefficients) of the degree-``k`` interpolating spline (not-a-knot) of
    ``values`` (nodes, columns) at ``nodes``, in scipy's PPoly layout (local power basis,
    highest power first), for the compiled passes."""
    basis = _cardinal(nodes, k)
    x = np.unique(basis.t)
    c = np.empty((k + 1, len(x) - 1, values.shape[1]))
    for d in range(k + 1):
        c[k - d] = _apply(basis(x[:-1], nu=d) / math.factorial(d), values)
    return x, np.ascontiguousarray(c)


def _linear_pass(x, c, n, mode, y0, times, rtol, atol, what):
    """The compiled pass ``mode`` of odedyn/_generated/fluctuation_passes.py (0: S, 1: mu and
    mu_H) from y0 at ``times``, on the compiled Dormand-Prince loop (odedyn.integrate)."""
    from ._generated import fluctuation_passes
    from .integrate import Compiled, Dopri5, solve
    status = np.zeros(1, dtype=np.int64)
    rhs = Compiled(fluctuation_passes, (x, c, int(n), int(mode), np.empty(c.shape[2])), status,
                   lambda: "%s integration failed" % what)
    return solve(rhs, y0, times, Dopri5(rtol, atol), progress=False, label=what).y


#: relative interpolation error (cubic against quintic at the midpoints) above which a node
#: interval is halved, and the most halving rounds
INTERPOLATION_TOL = 3e-5
MAX_ROUNDS = 4


def _unresolved(nodes, coef, tol=None):
    """Midpoints of the node intervals where the splines do not resolve the coefficients: the
    degree-3 and degree-5 interpolants of f, J, f1 and B differ there by more than ``tol``
    (default INTERPOLATION_TOL) of each one's largest value (the cubic's error, which bounds
    the quintic's)."""
    tol = INTERPOLATION_TOL if tol is None else tol
    blocks = [np.array([c[i] for c in coef]).reshape(len(nodes), -1) for i in (0, 1, 3, 4)]
    V = np.concatenate([b / max(np.abs(b).max(), 1e-300) for b in blocks], 1)
    mids = 0.5 * (nodes[:-1] + nodes[1:])
    est = np.abs(_apply(_cardinal(nodes, SPLINE_DEGREE)(mids) - _cardinal(nodes, 3)(mids),
                        V)).max(1)
    return mids[est > tol]


def integrate(expansion, times, rtol=1e-9, atol=1e-12, refine=1, tol=None):
    """m, S, mu and mu_H (the part of mu that H[S] drives) at ``times`` (arrays (nt, n),
    (nt, n, n), (nt, n), (nt, n)) and the number of coefficient evaluations, in three passes.
    The coefficients depend on m alone (H[S] on S linearly), and m is the theory curve: (1) m
    with its dense output (scipy's DOP853 on ``expansion.drift``); (2) f, J, f1 and B at the
    ends of the accepted steps of (1) (``refine`` points per step, more if there are fewer than
    SPLINE_DEGREE + 1 in all), and at the midpoints of the intervals where the interpolants do
    not resolve them to ``tol`` (``_unresolved``, at most MAX_ROUNDS halvings), carried to
    every stage time by quintic splines, and S from them; (3) H[S] at the same nodes with S of
    (2), interpolated likewise, and mu. Passes (2) and (3) are linear with piecewise-polynomial
    coefficients and run on the compiled Dormand-Prince loop
    (odedyn/_generated/fluctuation_passes.py). The noise B, the costly coefficient, is
    evaluated once per node instead of at every stage (held against ``integrate_direct`` in
    the tests: 2e-6 of each curve's largest value on the benchmark cases, where one node per
    step alone gave 4e-5 and 9e-5)."""
    n = expansion.n
    times = np.asarray(times, dtype=float)
    if len(times) == 1:
        return (expansion.initial()[None, :], np.zeros((1, n, n)), np.zeros((1, n)),
                np.zeros((1, n)), 0)
    span = (times[0], times[-1])
    sol_m = solve_ivp(lambda t, m: expansion.drift(m), span, expansion.initial(),
                      method="DOP853", dense_output=True, rtol=rtol, atol=atol)
    if sol_m.status != 0:
        raise NumericalError(sol_m.t[-1] if len(sol_m.t) else times[0],
                             "theory integration failed: %s" % sol_m.message)
    edges = sol_m.t
    refine = max(int(refine), -(-SPLINE_DEGREE // (len(edges) - 1)))
    nodes = (edges[:-1, None] + np.diff(edges)[:, None]
             * (np.arange(refine) / refine)[None, :]).ravel()
    nodes = np.unique(np.concatenate([nodes, [edges[-1]]]))
    zero = np.zeros((n, n))

    def evaluate(ts):
        ms_ = sol_m.sol(ts).T
        coef_ = [expansion.coefficients(m, zero) for m in ms_]
        for x in zip(*coef_):
            if x[0] is not None and not np.all(np.isfinite(x)):
                bad = [i for i, row in enumerate(x) if not np.all(np.isfinite(row))][0]
                raise NumericalError(ts[bad], "non-finite fluctuation coefficients")
        return ms_, coef_

    ms, coef = evaluate(nodes)
    for _ in range(MAX_ROUNDS):
        mids = _unresolved(nodes, coef, tol)
        if not len(mids):
            break
        m_new, c_new = evaluate(mids)
        order = np.argsort(np.concatenate([nodes, mids]), kind="stable")
        nodes = np.concatenate([nodes, mids])[order]
        ms = np.concatenate([ms, m_new])[order]
        merged = coef + c_new
        coef = [merged[i] for i in order]
    f = np.array([c[0] for c in coef])
    J = np.array([c[1] for c in coef])
    f1 = np.array([c[3] for c in coef])
    B = np.array([c[4] for c in coef])
    Jflat = J.reshape(len(nodes), -1)
    x, c = _ppoly(nodes, np.concatenate([Jflat, B.reshape(len(nodes), -1)], 1))
    grid = np.unique(np.concatenate([nodes, times]))
    Sg = _linear_pass(x, c, n, 0, np.zeros(n * n), grid, rtol, atol,
                      "fluctuation").reshape(-1, n, n)
    Sg = 0.5 * (Sg + np.swapaxes(Sg, 1, 2))
    Ss = Sg[np.searchsorted(grid, nodes)]
    HS = np.array([expansion.coefficients(m, S, noise=False)[2] for m, S in zip(ms, Ss)])
    force = 0.5 * HS + f1 - 0.5 * np.einsum("tij,tj->ti", J, f)
    x, c = _ppoly(nodes, np.concatenate([Jflat, force, 0.5 * HS], 1))
    mus = _linear_pass(x, c, n, 1, np.zeros(2 * n), times, rtol, atol, "bias")
    S = Sg[np.searchsorted(grid, times)]
    return sol_m.sol(times).T, S, mus[:, :n], mus[:, n:], 2 * len(nodes)


def integrate_direct(expansion, times, rtol=1e-8, atol=1e-11):
    """m, S, mu and mu_H at ``times`` and the number of coefficient evaluations: one system, every coefficient at every stage (the
    reference for ``integrate``)."""
    n = expansion.n
    times = np.asarray(times, dtype=float)
    count = [0]

    def rhs(t, y):
        m, S, mu, muH = _unpack(y, n)
        S = 0.5 * (S + S.T)
        f, J, HS, f1, B = expansion.coefficients(m, S)
        count[0] += 1
        dS = J @ S + S @ J.T + B
        dmu = J @ mu + 0.5 * HS + f1 - 0.5 * J @ f
        out = _pack(f, dS, dmu, J @ muH + 0.5 * HS)
        if not np.all(np.isfinite(out)):
            raise NumericalError(t, "non-finite fluctuation coefficients")
        return out

    y0 = _pack(expansion.initial(), np.zeros((n, n)), np.zeros(n), np.zeros(n))
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
    mu, muH = ys[:, n + n * n:2 * n + n * n], ys[:, 2 * n + n * n:]
    return m, S, mu, muH, count[0]


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


def bias_ratio(S, mu, D, cutoff=1e-3):
    """r = sqrt(mu^T S^+ mu / D) per time: an O(1/D) shift mu/D of the order parameters in
    units of their O(D^-1/2) spread (S^+ the pseudo-inverse on the directions whose variance is
    at least ``cutoff`` x the largest); 0 where S vanishes (t = 0)."""
    out = np.zeros(len(S))
    for i in range(len(S)):
        w, V = np.linalg.eigh(S[i])
        top = w.max() if len(w) else 0.0
        if not top > 0:
            continue
        keep = w > cutoff * top
        proj = V[:, keep].T @ mu[i]
        out[i] = np.sqrt(np.sum(proj ** 2 / w[keep]) / D)
    return out


def validity(ratio):
    """Where the expansion holds (see the module docstring): up to the first time the ratio
    exceeds VALID_RATIO, and never after (S and mu integrate the past)."""
    return np.cumprod(ratio <= VALID_RATIO).astype(bool)


def fluctuations(expansion, times, rtol=1e-9, atol=1e-12, error="error", direct=False):
    """The finite-size band of ``expansion`` at ``times``: a dict with error_std, error_bias,
    order_parameters_std and order_parameters_bias ({name: array shaped like the theory's
    curve}, every observable of ``expansion.observables`` but the error), valid, and meta
    (the error curve of the expansion's own integration, m, S, mu, timings). ``direct``: the
    one-system reference integration instead of the three passes."""
    t0 = time.perf_counter()
    m, S, mu, muH, evals = (integrate_direct if direct else integrate)(expansion, times, rtol,
                                                                         atol)
    obs = propagate(expansion, m, S, mu)
    err, std, bias = obs.pop(error)
    ratio = bias_ratio(S, muH, expansion.D)
    return {"error_std": std, "error_bias": bias,
            "order_parameters_std": {k: v[1] for k, v in obs.items()},
            "order_parameters_bias": {k: v[2] for k, v in obs.items()},
            "valid": validity(ratio),
            "meta": {"D": expansion.D, "evaluations": evals, "error": err, "bias_ratio": ratio,
                     "fluctuations_s": time.perf_counter() - t0, "S": S, "mu": mu, "mu_H": muH,
                     "m": m}}


def of(exp, times=None, **options):
    """The finite-size band of any experiment whose family has a ``fluctuations`` module
    (odedyn.committee.fluctuations, odedyn.autoencoder.fluctuations): that module's
    ``fluctuations(exp, times, **options)``; a ConfigError naming the kind otherwise."""
    import importlib
    from .errors import ConfigError
    package = type(exp).__module__.rsplit(".", 1)[0]
    try:
        module = importlib.import_module(package + ".fluctuations")
    except ModuleNotFoundError:
        kind = getattr(exp, "config", {}).get("model", {}).get("kind", package.rsplit(".", 1)[-1])
        raise ConfigError("model.kind", kind, "has no finite-size expansion (committee and "
                          "autoencoder have)") from None
    return module.fluctuations(exp, times, **options)


# ------------------------------------------------------------ the band as presented
#: the keys of a band that hold curves (the order-parameter ones are {name: curve})
BAND_CURVES = ("error_std", "error_bias")
BAND_ORDER_PARAMETERS = ("order_parameters_std", "order_parameters_bias")


def _masked(x, valid):
    x = np.array(x, dtype=float)
    x[~valid] = np.nan
    return x


def band(exp, times=None, **options):
    """The band as odedyn presents it (``Experiment.integrate(fluctuations=True)``, the command
    line's ``--fluctuations``): ``of(exp, times, **options)`` with every std and bias NaN where
    ``valid`` is False (past the first time the expansion fails, e.g. a plateau escape, the
    numbers are no prediction, so none is given), ``valid`` itself, ``fluctuations_s`` (its
    cost, wall seconds), ``D``, and ``meta``, the engine's own (its unmasked m, S, mu,
    bias_ratio)."""
    raw = of(exp, times, **options)
    valid = np.asarray(raw["valid"], dtype=bool)
    out = {k: _masked(raw[k], valid) for k in BAND_CURVES}
    for k in BAND_ORDER_PARAMETERS:
        out[k] = {name: _masked(v, valid) for name, v in raw[k].items()}
    out.update(valid=valid.copy(), fluctuations_s=float(raw["meta"]["fluctuations_s"]),
               D=int(raw["meta"]["D"]), meta=raw["meta"])
    return out


def band_first(b, n):
    """The first ``n`` output times of a band (its curves and mask; meta kept whole)."""
    if b is None:
        return None
    out = dict(b, valid=b["valid"][:n], **{k: b[k][:n] for k in BAND_CURVES})
    for k in BAND_ORDER_PARAMETERS:
        out[k] = {name: v[:n] for name, v in b[k].items()}
    return out


def band_json(b):
    """The ``fluctuations`` object of --json: error_std, error_bias, order_parameters_std,
    order_parameters_bias ({name: curve}), valid, fluctuations_s, D (NaN becomes null)."""
    return {k: b[k] for k in BAND_CURVES + BAND_ORDER_PARAMETERS} | {
        "valid": [bool(v) for v in b["valid"]], "fluctuations_s": b["fluctuations_s"],
        "D": b["D"]}


def band_arrays(b, prefix="fluctuations_"):
    """The band as --out arrays: PREFIX error_std, error_bias, valid, and NAME_std, NAME_bias
    of every order parameter (NaN where not valid)."""
    out = {prefix + k: b[k] for k in BAND_CURVES} | {prefix + "valid": b["valid"]}
    for name in b["order_parameters_std"]:
        out[prefix + name + "_std"] = b["order_parameters_std"][name]
        out[prefix + name + "_bias"] = b["order_parameters_bias"][name]
    return out
