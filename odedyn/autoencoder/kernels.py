"""Compiled right-hand side of the shallow-autoencoder order-parameter equations.

Owns: the numba kernels that turn a macroscopic state into its time derivative and its
reconstruction error. The Gaussian averages come from the generated module
``odedyn._generated.averages`` (derivations/gaussian_averages.py); the equations are derived
with sympy in derivations/autoencoder_ode.py, and tests/test_autoencoder_ode.py holds these
loops against that derivation.

State. Every direction tau carries x_tau = (w_tau, u_tau) in R^2K, u = v / sqrt(D) (tied
weights, v = sqrt(D) w: x_tau = w_tau in R^K), and in the limit D -> infinity x_tau obeys the
*linear* equation dx_tau/dt = L(p_tau) x_tau, with p_tau = rho_tau / D and L built from the global
order parameters. Directions with equal p share L, so a group g of n_g directions is represented
exactly by a factor Z_g (rows as x, m_g = min(n_g, rows) columns) with Z_g Z_g^T equal to the group
mean of x x^T, i.e. of the per-direction order parameters

    q_kl = w_k,tau w_l,tau,   r_kl = v_k,tau w_l,tau / sqrt(D),   t_kl = v_k,tau v_l,tau / D.

(Integrating q, r, t themselves is equivalent in exact arithmetic, but for a single direction
it lets an unrealisable rank-2 mode grow; the factor keeps every state a real network.)
The state vector holds the factors' columns, each a contiguous vector x (rows entries), group
after group, then the encoder biases b (K); every column carries the weights of its group:
p_g, n_g p_g (for Q, R, T) and n_g (for T0).
With the global order parameters

    Q = sum_g n_g p_g q_g = E[lambda lambda^T] (centred),  R = sum n p r = E[nu lambda^T],
    T = sum n p t = E[nu nu^T],  T0 = sum n t = v v^T / D,

beta = diag E g'(lambda), G = E g(lambda) g(lambda)^T, a mask M (all ones for the vanilla
rule, m <= k for the truncated rule, tilde X = X o M), and

    a_lj = delta_jl (R_ll E g'''(lambda_l) - sum_m tT0_lm E g''(lambda_l) g(lambda_m))
           - tT0_lj E g'(lambda_l) g'(lambda_j),

the equations are (derivations/autoencoder_ode.py)

    dw/dt = eta_W p (a w + beta u),      du/dt = eta_V (p beta w - tG u),
    db/dt = eta_W (R_kk E g''(lambda_k) - sum_m tT0_km E g'(lambda_k) g(lambda_m)),
    error = sum_g n_g p_g / 2 - sum_k R_kk E g'(lambda_k) + 1/2 sum_kl T0_kl G_kl,

equivalently dq/dt = eta_W p (q a^T + a q + r^T beta + beta r), dr/dt = eta_V (p beta q - tG r)
+ eta_W p (r a^T + t beta), dt/dt = eta_V (p (r beta + beta r^T) - (t tG^T + tG t)).
Tied weights (one rate eta): dw/dt = eta (p (a + 2 beta) - tG) w, the encoder part plus the
decoder part of the update at v = sqrt(D) w.

Numerical trouble is reported through ``status`` (code, k, l) and ``status_value`` instead of
raising inside numba; the Python caller turns it into a NumericalError with the time.
"""
import math

import numpy as np
from numba import njit

from .._generated.averages import (erf_diag, erf_diag0, erf_pair, erf_pair0, erf_single,
                                   erf_single0, linear_diag, linear_diag0, linear_pair,
                                   linear_pair0, linear_single, linear_single0, relu_diag,
                                   relu_diag0, relu_pair, relu_pair0, relu_single, relu_single0)

LINEAR, ERF, RELU = 0, 1, 2
ACTIVATIONS = {"linear": LINEAR, "erf": ERF, "relu": RELU}

OK, BAD_VARIANCE, BAD_CORRELATION, NOT_FINITE, BLOW_UP = 0, 1, 2, 3, 4
STATUS_TEXT = {
    BAD_VARIANCE: "variance Q[%d,%d] of a local field is not positive (ReLU needs Q_kk > 0)",
    BAD_CORRELATION: "covariance of units (%d, %d) is not positive semi-definite: correlation "
                     "(the arcsin argument) outside [-1, 1]",
    NOT_FINITE: "non-finite Gaussian average for units (%d, %d)",
    BLOW_UP: "order parameter Q[%d,%d] blew up",
}
BLOW_UP_LIMIT = 1e12
# ReLU with non-zero means: correlations are kept this far from +-1 (the orthant kernels are
# singular exactly there); the induced error in any average is O(sqrt(CLAMP)) ~ 1e-6.
CLAMP = 1e-12


@njit(cache=True)
def _single(act, centred, b, c):
    if act == LINEAR:
        return linear_single0(c) if centred else linear_single(b, c)
    if act == ERF:
        return erf_single0(c) if centred else erf_single(b, c)
    return relu_single0(c) if centred else relu_single(b, c)


@njit(cache=True)
def _diag(act, centred, b, c):
    if act == LINEAR:
        return linear_diag0(c) if centred else linear_diag(b, c)
    if act == ERF:
        return erf_diag0(c) if centred else erf_diag(b, c)
    return relu_diag0(c) if centred else relu_diag(b, c)


@njit(cache=True)
def _pair(act, centred, b1, b2, c11, c12, c22):
    if act == LINEAR:
        return linear_pair0(c11, c12, c22) if centred else linear_pair(b1, b2, c11, c12, c22)
    if act == ERF:
        return erf_pair0(c11, c12, c22) if centred else erf_pair(b1, b2, c11, c12, c22)
    return relu_pair0(c11, c12, c22) if centred else relu_pair(b1, b2, c11, c12, c22)


@njit(cache=True)
def gaussian_averages(act, centred, Q, b, e, G, P, S, F, status, status_value):
    """Fill the averages over lambda ~ N(b, Q): e[k] = (E g, E g', E g'', E g''') of unit k;
    G, P = E g g^T, E g' g'^T; S[k, l] = E g''(lambda_k) g(lambda_l); F[k, l] = E g'_k g_l."""
    K = Q.shape[0]
    qmax = 0.0
    for k in range(K):
        qmax = max(qmax, abs(Q[k, k]))
    for k in range(K):
        c = Q[k, k]
        # ReLU averages diverge as a variance vanishes: below round-off of the largest one it is
        # zero for all purposes
        if not c >= 0.0 or (act == RELU and not c > 1e-12 * qmax):
            status[0], status[1], status[2] = BAD_VARIANCE, k, k
            status_value[0] = c
            return
        s1 = _single(act, centred, b[k], c)
        d1 = _diag(act, centred, b[k], c)
        for i in range(4):
            e[k, i] = s1[i]
        G[k, k], P[k, k], S[k, k], F[k, k] = d1[0], d1[1], d1[2], d1[3]
    for k in range(K):
        for l in range(k + 1, K):
            c11, c22, c12 = Q[k, k], Q[l, l], Q[k, l]
            scale = math.sqrt(c11 * c22)
            if scale > 0.0:
                r = c12 / scale
                if not abs(r) <= 1.0 + 1e-9:
                    status[0], status[1], status[2] = BAD_CORRELATION, k, l
                    status_value[0] = r
                    return
                lim = (1.0 - CLAMP) * scale if (act == RELU and not centred) else scale
                c12 = min(max(c12, -lim), lim)
            out = _pair(act, centred, b[k], b[l], c11, c12, c22)
            G[k, l] = G[l, k] = out[0]
            P[k, l] = P[l, k] = out[1]
            S[k, l], S[l, k] = out[2], out[3]
            F[k, l], F[l, k] = out[4], out[5]
    for k in range(K):
        for i in range(4):
            if not math.isfinite(e[k, i]):
                status[0], status[1], status[2] = NOT_FINITE, k, k
                return
        for l in range(K):
            if not (math.isfinite(G[k, l]) and math.isfinite(P[k, l])
                    and math.isfinite(S[k, l]) and math.isfinite(F[k, l])):
                status[0], status[1], status[2] = NOT_FINITE, k, l
                return


@njit(cache=True)
def global_order_parameters(y, wq, wt, K, tied, Q, R, T, T0):
    """Q, R, T, T0 from the factor columns with weights wq = n p and wt = n (see the module
    docstring); the symmetric ones on one triangle."""
    rows = K if tied else 2 * K
    Q[:, :] = 0.0
    R[:, :] = 0.0
    T[:, :] = 0.0
    T0[:, :] = 0.0
    for c in range(wq.shape[0]):
        base = c * rows
        w = wq[c]
        for k in range(K):
            wk = y[base + k]
            for l in range(k, K):
                Q[k, l] += w * wk * y[base + l]
        if tied:
            for k in range(K):
                wk = y[base + k]
                for l in range(k, K):
                    T0[k, l] += wt[c] * wk * y[base + l]
            continue
        for k in range(K):
            uk = y[base + K + k]
            for l in range(K):
                R[k, l] += w * uk * y[base + l]
            for l in range(k, K):
                tt = uk * y[base + K + l]
                T[k, l] += w * tt
                T0[k, l] += wt[c] * tt
    for k in range(K):
        for l in range(k):
            Q[k, l] = Q[l, k]
            T[k, l] = T[l, k]
            T0[k, l] = T0[l, k]
    if tied:
        R[:, :] = Q
        T[:, :] = Q


@njit(cache=True)
def coefficients(K, R, T0, e, P, S, F, truncated, a, f):
    """The matrices a (encoder coupling) and f (bias drift) of the module docstring."""
    for l in range(K):
        for j in range(K):
            masked = truncated and j > l
            a[l, j] = 0.0 if masked else -T0[l, j] * P[l, j]
        diag = R[l, l] * e[l, 3]
        drift = R[l, l] * e[l, 2]
        for j in range(K):
            if not (truncated and j > l):
                diag -= T0[l, j] * S[l, j]
                drift -= T0[l, j] * F[l, j]
        a[l, l] += diag
        f[l] = drift


@njit(cache=True)
def reconstruction_error(total, K, R, T0, e, G):
    """Tr(Omega)/2D - sum_k R_kk E g'(lambda_k) + 1/2 sum_kl T0_kl E g_k g_l."""
    err = total
    for k in range(K):
        err -= R[k, k] * e[k, 1]
        for l in range(K):
            err += 0.5 * T0[k, l] * G[k, l]
    return err


def workspace(K):
    """Scratch memory for ``rhs`` (so that no step allocates)."""
    return np.empty(10 * K * K + 5 * K)


@njit(cache=True)
def rhs(y, dy, pc, wq, wt, total, K, eta_W, eta_V, act, tied, train_bias, truncated, work,
        status, status_value):
    """Write dy/dt of the state ``y`` into ``dy``; return the reconstruction error at y.
    ``pc``, ``wq``, ``wt``: per factor column p, n p and n; ``total`` = Tr(Omega) / 2D;
    ``work`` is scratch memory from ``workspace(K)``."""
    rows = K if tied else 2 * K
    ncols = pc.shape[0]
    off_b = ncols * rows
    b = y[off_b:off_b + K]
    centred = not train_bias
    for k in range(K):
        if b[k] != 0.0:
            centred = False
    KK = K * K
    Q = work[0:KK].reshape((K, K))
    R = work[KK:2 * KK].reshape((K, K))
    T = work[2 * KK:3 * KK].reshape((K, K))
    T0 = work[3 * KK:4 * KK].reshape((K, K))
    G = work[4 * KK:5 * KK].reshape((K, K))
    P = work[5 * KK:6 * KK].reshape((K, K))
    S = work[6 * KK:7 * KK].reshape((K, K))
    F = work[7 * KK:8 * KK].reshape((K, K))
    a = work[8 * KK:9 * KK].reshape((K, K))
    Gt = work[9 * KK:10 * KK].reshape((K, K))
    e = work[10 * KK:10 * KK + 4 * K].reshape((K, 4))
    f = work[10 * KK + 4 * K:10 * KK + 5 * K]
    global_order_parameters(y, wq, wt, K, tied, Q, R, T, T0)
    for k in range(K):
        if not abs(Q[k, k]) < BLOW_UP_LIMIT:
            status[0], status[1], status[2] = BLOW_UP, k, k
            status_value[0] = Q[k, k]
            return math.nan
    gaussian_averages(act, centred, Q, b, e, G, P, S, F, status, status_value)
    if status[0] != OK:
        return math.nan
    coefficients(K, R, T0, e, P, S, F, truncated, a, f)
    for k in range(K):
        for j in range(K):
            Gt[k, j] = 0.0 if (truncated and j > k) else G[k, j]
    u_row = 0 if tied else K  # entry of u_j (= w_j when tied) in a column
    for c in range(ncols):
        base = c * rows
        pg = pc[c]
        for k in range(K):
            aw = 0.0
            gu = 0.0
            for j in range(K):
                aw += a[k, j] * y[base + j]
                gu += Gt[k, j] * y[base + u_row + j]
            wk = y[base + k]
            if tied:
                dy[base + k] = eta_W * (pg * (aw + 2.0 * e[k, 1] * wk) - gu)
            else:
                dy[base + k] = eta_W * pg * (aw + e[k, 1] * y[base + K + k])
                dy[base + K + k] = eta_V * (pg * e[k, 1] * wk - gu)
    for k in range(K):
        dy[off_b + k] = eta_W * f[k] if train_bias else 0.0
    return reconstruction_error(total, K, R, T0, e, G)


@njit(cache=True)
def group_moments(y, m, K, rows, q, r, t):
    """Group means of q, r, t (each (G, K, K)) from the columns, m[g] of them per group."""
    c0 = 0
    for g in range(m.shape[0]):
        for k in range(K):
            for l in range(K):
                qq = 0.0
                rr = 0.0
                tt = 0.0
                for c in range(c0, c0 + m[g]):
                    base = c * rows
                    qq += y[base + k] * y[base + l]
                    if rows > K:
                        rr += y[base + K + k] * y[base + l]
                        tt += y[base + K + k] * y[base + K + l]
                q[g, k, l] = qq
                r[g, k, l] = rr if rows > K else qq
                t[g, k, l] = tt if rows > K else qq
        c0 += m[g]
