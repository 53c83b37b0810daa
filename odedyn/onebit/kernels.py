"""Compiled loops of the one-bit autoencoder. Owns: the population risk of xhat = A sign(B x) and
its gradient for a source that is Gaussian given a set of active coordinates S, x_S ~ N(0,
scale^2 I), x_rest = 0 (the Gaussian source is S = all, scale = 1; a Bernoulli-Gaussian source
is an average of such terms over supports), plus the sample-based risk and surrogate gradient
of the finite-size companion. The scalar kernels come from odedyn/_generated/onebit_kernels.py.

Conditional on S, with bbar_i the row b_i restricted to S and normalised (zero when b_i vanishes
on S, then sign(b_i.x) = sign(0) = 0), M = A^T A, c = E[z sign z] and k = E[sign u sign v]:

    d R_S = scale^2 |S| - 2 scale c sum_i a_i,S . bbar_i + sum_i [b_i,S != 0] M_ii
            + sum_{i != j} M_ij k(bbar_i . bbar_j)
"""
import numpy as np
from numba import njit

from .._generated.onebit_kernels import sign_linear, sign_pair, sign_pair_slope

#: |G_ij| above this: two encoder rows (restricted to a support) are parallel; k' diverges
PARALLEL = 1.0 - 1e-12


@njit(cache=True)
def _normalised_rows(Bs):
    n, m = Bs.shape
    norms = np.sqrt((Bs * Bs).sum(axis=1))
    Bbar = np.zeros((n, m))
    for i in range(n):
        if norms[i] > 0.0:
            Bbar[i] = Bs[i] / norms[i]
    return Bbar, norms


@njit(cache=True)
def support_term(A, M, B, cols, scale, weight, gA_lin, Ksum, gB):
    """Add ``weight`` times the support's d R_S to the accumulators: the linear part of the
    A-gradient (gA_lin, d x n), the sign-correlation matrix (Ksum, n x n; the A-gradient is
    2 A Ksum + gA_lin) and the B-gradient (gB). Returns (d R_S, largest |G_ij|)."""
    c = sign_linear()[0]
    Bbar, norms = _normalised_rows(np.ascontiguousarray(B[:, cols]))
    As = np.ascontiguousarray(A[cols, :])
    G = Bbar @ Bbar.T
    n = Bbar.shape[0]
    W = np.zeros((n, n))
    value = scale * scale * len(cols) - 2.0 * scale * c * (As.T * Bbar).sum()
    largest = 0.0
    for i in range(n):
        if norms[i] == 0.0:
            continue
        value += M[i, i]
        Ksum[i, i] += weight
        for j in range(i + 1, n):
            if norms[j] == 0.0:
                continue
            g = min(1.0, max(-1.0, G[i, j]))
            k = sign_pair(g)[0]
            dk = 0.0                        # one coordinate: G_ij = +-1 is locally constant
            if len(cols) > 1:
                largest = max(largest, abs(g))
                dk = sign_pair_slope(min(PARALLEL, max(-PARALLEL, g)))[0]
            value += 2.0 * M[i, j] * k
            Ksum[i, j] += weight * k
            Ksum[j, i] += weight * k
            W[i, j] = M[i, j] * dk
            W[j, i] = W[i, j]
    gbar = -2.0 * scale * c * As.T + 2.0 * (W @ Bbar)
    for i in range(n):
        if norms[i] == 0.0:
            continue
        radial = (gbar[i] * Bbar[i]).sum()
        for a in range(len(cols)):
            gB[i, cols[a]] += weight * (gbar[i, a] - radial * Bbar[i, a]) / norms[i]
            gA_lin[cols[a], i] += -2.0 * weight * scale * c * Bbar[i, a]
    return value, largest


@njit(cache=True)
def population_risk(A, B, supports, offsets, scale):
    """Average over supports (concatenated column indices, support s is
    supports[offsets[s]:offsets[s+1]]) of R_S; returns (risk, dR/dA, dR/dB, per-support risks,
    largest |G_ij|)."""
    d, n = A.shape
    A = np.ascontiguousarray(A)
    M = np.ascontiguousarray(A.T) @ A
    gA_lin, Ksum, gB = np.zeros((d, n)), np.zeros((n, n)), np.zeros((n, d))
    nsup = len(offsets) - 1
    values = np.empty(nsup)
    weight = 1.0 / nsup
    largest = 0.0
    for s in range(nsup):
        v, g = support_term(A, M, B, supports[offsets[s]:offsets[s + 1]], scale, weight,
                            gA_lin, Ksum, gB)
        values[s] = v / d
        largest = max(largest, g)
    gA = (2.0 * (A @ Ksum) + gA_lin) / d
    return values.mean(), gA, gB / d, values, largest


@njit(cache=True)
def sign0(u):
    """sign with sign(0) = 0 (numpy's convention; the convention of this model)."""
    return np.sign(u)


@njit(cache=True)
def sample_risks(A, B, X):
    """Per-sample loss |x - A sign(B x)|^2 / d for the rows x of X."""
    S = sign0(X @ B.T)
    E = X - S @ A.T
    return (E * E).sum(axis=1) / X.shape[1]


@njit(cache=True)
def surrogate_gradient(A, B, X, width):
    """Minibatch gradient of the sample risk, with the zero derivative of sign replaced by a
    smoothed delta: d sign(u_i)/d b_i -> 2 phi(u_i / (width |b_i|)) / (width |b_i|) x, applied to
    the leave-one-out residual x - sum_{j != i} a_j s_j (the jump of the loss across u_i = 0),
    and projected orthogonally to b_i. Its mean tends to the population gradient as width -> 0."""
    m, d = X.shape
    U = X @ B.T
    S = sign0(U)
    E = X - S @ A.T                                   # residuals, m x d
    gA = -2.0 * (E.T @ S) / (m * d)
    norms = np.sqrt((B * B).sum(axis=1))
    AE = E @ A                                         # a_i . residual, m x n
    n = B.shape[0]
    coef = np.empty((m, n))
    for i in range(n):
        h = width * norms[i]
        a2 = (A[:, i] * A[:, i]).sum()
        for s in range(m):
            jump = AE[s, i] + a2 * S[s, i]             # a_i . (x - sum_{j != i} a_j s_j)
            coef[s, i] = -4.0 * jump * np.exp(-0.5 * (U[s, i] / h) ** 2) / (h * np.sqrt(2 * np.pi))
    gB = (coef.T @ X) / (m * d)
    for i in range(n):
        bb = B[i] / norms[i]
        gB[i] -= (gB[i] * bb).sum() * bb
    return gA, gB
