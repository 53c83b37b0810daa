"""The shared Gaussian-average engine: deterministic quadrature of averages of activations over
jointly Gaussian fields, used by every family whose averages have no closed form.

Owns: the activation registry as the families see it (names and codes from
odedyn._generated.activations, written by derivations/activations.py; the same names in every
family), the Gauss-Hermite rules and their node counts, the guarded whitening of nearly
degenerate covariances, the error estimate (the same integral at two node counts), and the
averages built from them:

* ``gauss_average``: E[prod_i f_i(x_i)] over up to four zero-mean fields, f_i = g or g' of any
  activation (the committee machine's I2, I3, J2, I4; linear factors exactly by their
  conditional moments, so they cost no dimension);
* ``field_single``, ``field_diag``, ``field_pair``: the averages of fields with *means*
  (biases) that the shallow autoencoder needs, E g^(a)(u) for a <= 3 on one field and the
  products of g, g', g'' on one or two fields, all six pair averages from one two-dimensional
  grid (the inner sums over the second whitened coordinate are shared), by the rules
  FIELD_NODES (finer for tanh: FIELD_NODES_TANH) and their checks;
* ``fields_error``: the largest error estimate of those at the fields N(b, Q).

What is not here: the closed forms (linear, erf, ReLU), which stay in each family's generated
module, and the committee's erf scale mixtures for tanh and sigmoid (exact in the fields, a
committee-specific rewriting of its zero-mean averages).

Rules. Probabilists' Gauss-Hermite, weights normalised to sum 1, with QUAD_NODES[d] nodes per
dimension for an average over d whitened dimensions (level 0, the value) and CHECK_NODES[d]
(level 1); the error estimate of an average is |level 0 - level 1|. Whitening: x = L z with a
Cholesky factor in which a field whose variance left after the earlier ones is at most GH_TOL of
its own is their linear combination (no dimension, nothing divided by zero): a coincident or
+-1-correlated pair is integrated in one dimension at the one-dimensional node count.
"""
import math

import numpy as np
from numba import njit

from ._generated.activations import (  # noqa: F401  (re-exported: the registry)
    ACTIVATIONS, CLOSED_FORM, ERF, ERF_QUADRATURE, LINEAR, RELU, act, act_der, d2act, d3act, dact,
    jet)

#: Gauss-Hermite nodes per dimension by the number d of whitened dimensions of an average: the
#: value uses QUAD_NODES[d], the error estimate compares it with the same at CHECK_NODES[d]
QUAD_NODES = {1: 60, 2: 40, 3: 24, 4: 20}
CHECK_NODES = {1: 40, 2: 30, 3: 16, 4: 14}
#: a field whose variance left after the earlier fields is below this fraction of its own is
#: their linear combination (a degenerate direction: no quadrature dimension)
GH_TOL = 1e-12


def _rules(*counts):
    """(n, x, w)[r, d - 1]: the rules of counts[r] (node count by dimension d), padded with
    zeros to the largest."""
    width = max(max(c.values()) for c in counts)
    dims = len(counts[0])
    n = np.zeros((len(counts), dims), dtype=np.int64)
    xs, ws = np.zeros((len(counts), dims, width)), np.zeros((len(counts), dims, width))
    for r, c in enumerate(counts):
        for d in range(1, dims + 1):
            x, w = np.polynomial.hermite_e.hermegauss(c[d])
            n[r, d - 1] = c[d]
            xs[r, d - 1, :len(x)] = x
            ws[r, d - 1, :len(x)] = w / w.sum()
    return n, xs, ws


#: GH_N[level, d - 1] nodes GH_X[level, d - 1, :n] with weights GH_W[level, d - 1, :n]
GH_N, GH_X, GH_W = _rules(QUAD_NODES, CHECK_NODES)
#: the rules of the averages of fields with means (field_single/diag/pair: one or two
#: dimensions). Gauss-Hermite on f(sigma z) converges like exp(-c sqrt(n) a / sigma) for f
#: analytic in a strip |Im x| < a: tanh (poles at +-i pi/2) is the slowest of the registry
#: (E tanh'(u)^2, u ~ N(0.3, 1.3) is off by 5e-5 at 40 nodes, 1.4e-6 at 60, 3e-8 at 80, 5e-10
#: at 120) and gets the finer FIELD_NODES_TANH; sigmoid, softplus, silu (a = pi) and the entire
#: ones (erf, gelu, polynomials) are within 3e-9 of a 200-node reference at FIELD_NODES for
#: variances up to 2 (polynomials: exact). Error estimate: the *_CHECK rules.
FIELD_NODES_TANH = {1: 120, 2: 64}
FIELD_CHECK_TANH = {1: 80, 2: 44}
FIELD_NODES = {1: 60, 2: 40}
FIELD_CHECK = {1: 40, 2: 30}
#: FIELD_N[2 s + level, d - 1] ...: rule set s = 0 for tanh, 1 for every other activation
FIELD_N, FIELD_X, FIELD_W = _rules(FIELD_NODES_TANH, FIELD_CHECK_TANH, FIELD_NODES, FIELD_CHECK)
TANH = ACTIVATIONS["tanh"]


@njit(cache=True)
def _field_rule(t, level):
    """Index of the rule of activation t at ``level`` in FIELD_N / FIELD_X / FIELD_W."""
    return level if t == TANH else 2 + level


def code(name):
    """The activation code of ``name`` (KeyError if unknown)."""
    return ACTIVATIONS[name]


def by_quadrature(name):
    """Are the averages of activation ``name`` computed by quadrature (no closed form)?"""
    return ACTIVATIONS[name] not in CLOSED_FORM


# ---------------------------------------------------------------- zero-mean products (committee)
@njit(cache=True)
def _fv(t, der, x):
    if der == 0:
        return act(t, x)
    return dact(t, x)


@njit(cache=True)
def gauss_average(nf, codes, ders, C, level, L, zm):
    """E[prod_i f_i(x_i)] over nf <= 4 zero-mean Gaussian fields with covariance C[:nf, :nf],
    f_i = h of activation codes[i] (ders[i] = 0) or h' (ders[i] = 1), by Gauss-Hermite
    quadrature (GH_N[level, d - 1] nodes per dimension) on the whitened nonlinear fields.

    A linear factor (LINEAR, ders 0) adds no dimension: it is replaced, exactly, by its
    conditional mean given the nonlinear fields (two linear factors by their conditional
    second moment); h' = 1 of LINEAR is dropped. The nonlinear fields x = L z are whitened by a
    Cholesky factor (written into L, 4 x 4) guarded for degenerate covariances: a field whose
    variance left after the earlier fields is at most GH_TOL of its own (variance zero, a field
    coincident or +-1-correlated with earlier ones) is their linear combination and adds no
    dimension, so nothing divides by zero. zm[j] receives E[F z_j]."""
    nli = np.zeros(4, dtype=np.int64)
    lin = np.zeros(2, dtype=np.int64)
    nl = 0
    nlin = 0
    for i in range(nf):
        if codes[i] == LINEAR:
            if ders[i] == 0:
                lin[nlin] = i
                nlin += 1
        else:
            nli[nl] = i
            nl += 1
    for i in range(4):
        zm[i] = 0.0
        for j in range(4):
            L[i, j] = 0.0
    nd = 0
    for a in range(nl):
        ia = nli[a]
        s2 = 0.0
        for b in range(a):
            if L[b, b] > 0.0:
                s = C[ia, nli[b]]
                for c in range(b):
                    s -= L[a, c] * L[b, c]
                L[a, b] = s / L[b, b]
                s2 += L[a, b] * L[a, b]
        var = C[ia, ia]
        left = var - s2
        if var > 0.0 and left > GH_TOL * var:
            L[a, a] = math.sqrt(left)
            nd += 1
    B = np.zeros((2, 4))
    for r in range(nlin):
        ir = lin[r]
        for b in range(nl):
            if L[b, b] > 0.0:
                s = C[ir, nli[b]]
                for c in range(b):
                    s -= B[r, c] * L[b, c]
                B[r, b] = s / L[b, b]
    resid = 0.0
    if nlin == 2:
        resid = C[lin[0], lin[1]]
        for b in range(4):
            resid -= B[0, b] * B[1, b]
    dim = nd - 1 if nd > 0 else 0
    n = GH_N[level, dim]
    X = GH_X[level, dim]
    W = GH_W[level, dim]
    t = np.full(4, -1, dtype=np.int64)
    dr = np.zeros(4, dtype=np.int64)
    ns = np.ones(4, dtype=np.int64)
    for a in range(nl):
        t[a] = codes[nli[a]]
        dr[a] = ders[nli[a]]
        if L[a, a] > 0.0:
            ns[a] = n
    acc = 0.0
    for i0 in range(ns[0]):
        z0 = X[i0] if ns[0] > 1 else 0.0
        w0 = W[i0] if ns[0] > 1 else 1.0
        f0 = w0 * (_fv(t[0], dr[0], L[0, 0] * z0) if t[0] >= 0 else 1.0)
        for i1 in range(ns[1]):
            z1 = X[i1] if ns[1] > 1 else 0.0
            w1 = W[i1] if ns[1] > 1 else 1.0
            f1 = f0 * w1 * (_fv(t[1], dr[1], L[1, 0] * z0 + L[1, 1] * z1) if t[1] >= 0 else 1.0)
            for i2 in range(ns[2]):
                z2 = X[i2] if ns[2] > 1 else 0.0
                w2 = W[i2] if ns[2] > 1 else 1.0
                f2 = f1 * w2 * (_fv(t[2], dr[2], L[2, 0] * z0 + L[2, 1] * z1 + L[2, 2] * z2)
                                if t[2] >= 0 else 1.0)
                for i3 in range(ns[3]):
                    z3 = X[i3] if ns[3] > 1 else 0.0
                    w3 = W[i3] if ns[3] > 1 else 1.0
                    f3 = f2 * w3 * (_fv(t[3], dr[3], L[3, 0] * z0 + L[3, 1] * z1 + L[3, 2] * z2
                                        + L[3, 3] * z3) if t[3] >= 0 else 1.0)
                    if nlin > 0:
                        mu = B[0, 0] * z0 + B[0, 1] * z1 + B[0, 2] * z2 + B[0, 3] * z3
                        if nlin == 2:
                            mu = mu * (B[1, 0] * z0 + B[1, 1] * z1 + B[1, 2] * z2
                                       + B[1, 3] * z3) + resid
                        f3 *= mu
                    acc += f3
                    zm[0] += f3 * z0
                    zm[1] += f3 * z1
                    zm[2] += f3 * z2
                    zm[3] += f3 * z3
    return acc


# ---------------------------------------------------------------- fields with means (autoencoder)
@njit(cache=True)
def field_single(t, b, c, level):
    """(E g, E g', E g'', E g''') for u ~ N(b, c), activation code t, one-dimensional rule."""
    r = _field_rule(t, level)
    s = math.sqrt(c) if c > 0.0 else 0.0
    n = FIELD_N[r, 0] if s > 0.0 else 1
    e0 = e1 = e2 = e3 = 0.0
    for i in range(n):
        w = FIELD_W[r, 0, i] if n > 1 else 1.0
        u = b + s * (FIELD_X[r, 0, i] if n > 1 else 0.0)
        g, d, dd, ddd = jet(t, u)
        e0 += w * g
        e1 += w * d
        e2 += w * dd
        e3 += w * ddd
    return (e0, e1, e2, e3)


@njit(cache=True)
def field_diag(t, b, c, level):
    """(E g^2, E g'^2, E g'' g, E g' g) for u ~ N(b, c), one-dimensional rule."""
    r = _field_rule(t, level)
    s = math.sqrt(c) if c > 0.0 else 0.0
    n = FIELD_N[r, 0] if s > 0.0 else 1
    e0 = e1 = e2 = e3 = 0.0
    for i in range(n):
        w = FIELD_W[r, 0, i] if n > 1 else 1.0
        u = b + s * (FIELD_X[r, 0, i] if n > 1 else 0.0)
        g, d, dd, _ = jet(t, u)
        e0 += w * g * g
        e1 += w * d * d
        e2 += w * dd * g
        e3 += w * d * g
    return (e0, e1, e2, e3)


@njit(cache=True)
def field_pair(t, b1, b2, c11, c12, c22, level):
    """(E g(u)g(v), E g'g', E g''(u)g(v), E g(u)g''(v), E g'(u)g(v), E g(u)g'(v)) for (u, v)
    Gaussian with means (b1, b2) and covariance [[c11, c12], [c12, c22]]: u = b1 + l00 z0,
    v = b2 + l10 z0 + l11 z1 (guarded Cholesky), the sums over z1 shared by all six."""
    r = _field_rule(t, level)
    l00 = math.sqrt(c11) if c11 > 0.0 else 0.0
    l10 = c12 / l00 if l00 > 0.0 else 0.0
    left = c22 - l10 * l10
    l11 = math.sqrt(left) if (c22 > 0.0 and left > GH_TOL * c22) else 0.0
    nd = (1 if l00 > 0.0 else 0) + (1 if l11 > 0.0 else 0)
    dim = nd - 1 if nd > 0 else 0
    n = FIELD_N[r, dim]
    n0 = n if l00 > 0.0 else 1
    n1 = n if l11 > 0.0 else 1
    a0 = a1 = a2 = a3 = a4 = a5 = 0.0
    for i in range(n0):
        z0 = FIELD_X[r, dim, i] if n0 > 1 else 0.0
        w0 = FIELD_W[r, dim, i] if n0 > 1 else 1.0
        u = b1 + l00 * z0
        vm = b2 + l10 * z0
        sg = sd = sdd = 0.0
        for j in range(n1):
            w1 = FIELD_W[r, dim, j] if n1 > 1 else 1.0
            v = vm + l11 * (FIELD_X[r, dim, j] if n1 > 1 else 0.0)
            gv, dv, ddv, _ = jet(t, v)
            sg += w1 * gv
            sd += w1 * dv
            sdd += w1 * ddv
        gu, du, ddu, _ = jet(t, u)
        a0 += w0 * gu * sg
        a1 += w0 * du * sd
        a2 += w0 * ddu * sg
        a3 += w0 * gu * sdd
        a4 += w0 * du * sg
        a5 += w0 * gu * sd
    return (a0, a1, a2, a3, a4, a5)


@njit(cache=True)
def fields_error(t, Q, b):
    """The largest error estimate |level 0 - level 1| of field_single, field_diag and
    field_pair over the fields N(b, Q) (every unit, every pair; the covariance of a pair
    clipped to correlation +-1 as the right-hand side does)."""
    K = Q.shape[0]
    out = 0.0
    for k in range(K):
        c = Q[k, k]
        s0, s1 = field_single(t, b[k], c, 0), field_single(t, b[k], c, 1)
        d0, d1 = field_diag(t, b[k], c, 0), field_diag(t, b[k], c, 1)
        for i in range(4):
            out = max(out, abs(s0[i] - s1[i]), abs(d0[i] - d1[i]))
        for l in range(k + 1, K):
            c11, c22, c12 = Q[k, k], Q[l, l], Q[k, l]
            lim = math.sqrt(max(c11 * c22, 0.0))
            c12 = min(max(c12, -lim), lim)
            p0 = field_pair(t, b[k], b[l], c11, c12, c22, 0)
            p1 = field_pair(t, b[k], b[l], c11, c12, c22, 1)
            for i in range(6):
                out = max(out, abs(p0[i] - p1[i]))
    return out
