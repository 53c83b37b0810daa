"""Gaussian moments of products of single-field functions with polynomial weights, reduced
exactly (the averages of the second moments of SGD increments, which the order-parameter
equations themselves never need). Owns: ``moment``, ``moment_S``, ``term_covariance`` and its
planned form, ``orthant`` (compiled).

    moment(C, acts, tilt, poly, hs) = E[ prod_{a in tilt} h_a'(u_a) prod_{b in poly} u_b
                                         prod_{p in hs} h_p(u_p) ],     u ~ N(0, C),

tilt, poly and hs multisets of field indices (repeats allowed), h_p the activation of field p:
LINEAR (h = u), ERF (h = erf(u / sqrt 2)) or RELU (h = u Theta(u), h' = Theta(u)); an erf factor
h and a ReLU factor in one average are not handled (NaN; an erf tilt with ReLU factors is).
``moment_S`` adds a power S^n of S = sum_p c_p h_p(u_p) (expanded over multisets), and
``term_covariance`` the covariance of sums of such products (the increments of a learning rule).

Reduction (no sampling anywhere):

* linear fields: h' = 1 drops out, h = u joins the polynomial weight.
* erf derivative, a Gaussian tilt: h'(a) = sqrt(2/pi) exp(-u_a^2/2) and
  E[exp(-u_a^2/2) F] = (1 + C_aa)^(-1/2) E'[F] with C' = C - C_.a C_a. / (1 + C_aa).
* polynomial weights, Stein's lemma: E[u_b F] = sum_j C_bj E[d_j F]; d_j of another weight u_c
  removes it (Isserlis pairing), d_j of an erf factor is an erf derivative, i.e. a tilt.
* what remains, E[prod of r erf factors]: 1 (r = 0), 0 (r odd: every factor is odd and the
  tilted law is even), (2/pi) asin(C_12 / sqrt((1 + C_11)(1 + C_22))) (r = 2), and for r = 4 one
  deterministic integral: scale the covariances between the four factors by s in [0, 1] (at
  s = 0 they are independent and the average vanishes); Price's theorem dE/dC_ij = E[d_i d_j F]
  gives dE/ds = sum_{i<j} C_ij E_s[h'_i h'_j h_k h_l], two tilts and an r = 2 average in closed
  form, and the integrand is analytic on [0, 1] (the erf correlations carry the +1 of the tilt,
  so they stay inside (-1, 1)): Gauss-Legendre with NODES = 16 nodes (1e-11 at field variances
  of 9, 1e-16 at variances of 1; checked against 4 NODES in the tests). r = 6 never occurs in
  the committee's increments and is refused (NaN).

ReLU (no sampling either): every average is E[P(u) prod_{a in A} Theta(u_a)], a polynomial
weight P times the steps of a set A of distinct fields (Theta^2 = Theta).

* Stein's lemma on a weight u_b: E[u_b F] = sum_j C_bj E[d_j F]; d_j of a weight removes it, d_j
  of a step is delta(u_j), and E[delta(u_a) G] = (2 pi C_aa)^(-1/2) E'[G] with C' = C - C_.a
  C_a. / C_aa (u_a conditioned on 0; a weight u_a left over has no variance there and drops).
* what remains, the orthant probability P(u_A > 0) of d = |A| centred fields (correlations
  r): 1, 1/2, 1/4 + asin(r)/(2 pi) and 1/8 + sum asin(r_ij)/(4 pi) for d <= 3; for d >= 4 the
  path R(s) = (1 - s) I + s R with Plackett's dP/dr_ij = phi_2(0, 0; r_ij) P_{d-2}(the others
  given u_i = u_j = 0) gives P = 2^-d + sum_{i<j} sign(r_ij)/(2 pi) int_0^{asin |r_ij|}
  P_{d-2}(s = sin(psi)/|r_ij|) dpsi: the substitution s |r| = sin psi absorbs the bivariate
  density's 1/sqrt(1 - s^2 r^2) (a student unit aligned with its teacher unit has r -> 1),
  psi = asin|r| (1 - (1 - tau)^2) the square-root edge of a nearly degenerate conditional pair,
  and Gauss-Legendre in tau with ORTHANT_NODES = 24 nodes does the rest (1e-12 at
  equicorrelation 1/2, 5e-10 relative with a pair at correlation 0.99995; recursive, so six
  fields are a double integral).
"""
import math

import numpy as np
from numba import njit

LINEAR, ERF, RELU = 0, 1, 2
NODES = 16
_u, _w = np.polynomial.legendre.leggauss(NODES)
S_NODES = (_u + 1.0) / 2.0
S_WEIGHTS = _w / 2.0
#: Gauss-Legendre nodes on [0, 1] of the orthant path (ReLU steps in four or more dimensions)
ORTHANT_NODES = 24
_u, _w = np.polynomial.legendre.leggauss(ORTHANT_NODES)
O_NODES = (_u + 1.0) / 2.0
O_WEIGHTS = _w / 2.0
TWO_PI = 2.0 / math.pi
SQ2PI = math.sqrt(2.0 / math.pi)


@njit(cache=True)
def _tilt(C, a):
    """(C', factor) of E[exp(-u_a^2 / 2) F] = factor E'[F]."""
    d = 1.0 + C[a, a]
    n = C.shape[0]
    out = np.empty_like(C)
    for i in range(n):
        for j in range(n):
            out[i, j] = C[i, j] - C[i, a] * C[a, j] / d
    return out, 1.0 / math.sqrt(d)


@njit(cache=True)
def _erf2(C, a, b):
    x = C[a, b] / math.sqrt((1.0 + C[a, a]) * (1.0 + C[b, b]))
    x = min(1.0, max(-1.0, x))
    return TWO_PI * math.asin(x)


_PAIRS = np.array([(0, 1, 2, 3), (0, 2, 1, 3), (0, 3, 1, 2), (1, 2, 0, 3), (1, 3, 0, 2),
                   (2, 3, 0, 1)], dtype=np.int64)


@njit(cache=True)
def erf4(G, nodes, weights):
    """E[prod_{i<4} erf(u_i / sqrt 2)], u ~ N(0, G) (4 x 4, repeated fields allowed), by the
    covariance path of the module docstring."""
    return _erf4_terms(G, _PAIRS, np.ones(6), 6, nodes, weights)


@njit(cache=True)
def _erf4_terms(G, pairs, mult, npairs, nodes, weights):
    """The path integral of ``erf4`` over the pair terms pairs[:npairs] = (i, j, k, l) (the
    pair i, j of the covariance path and the other two), each ``mult`` times."""
    acc = 0.0
    for q in range(nodes.shape[0]):
        s = nodes[q]
        tot = 0.0
        for p in range(npairs):
            i, j, k, l = pairs[p, 0], pairs[p, 1], pairs[p, 2], pairs[p, 3]
            gij = G[i, j]
            if gij == 0.0:
                continue
            a11, a12, a22 = 1.0 + G[i, i], s * gij, 1.0 + G[j, j]
            det = a11 * a22 - a12 * a12
            # X A^-1 X^T for the cross covariances X = s [[G_ki, G_kj], [G_li, G_lj]]
            xk1, xk2, xl1, xl2 = s * G[k, i], s * G[k, j], s * G[l, i], s * G[l, j]
            ik1 = (a22 * xk1 - a12 * xk2) / det
            ik2 = (a11 * xk2 - a12 * xk1) / det
            il1 = (a22 * xl1 - a12 * xl2) / det
            il2 = (a11 * xl2 - a12 * xl1) / det
            ckk = G[k, k] - (xk1 * ik1 + xk2 * ik2)
            cll = G[l, l] - (xl1 * il1 + xl2 * il2)
            ckl = s * G[k, l] - (xk1 * il1 + xk2 * il2)
            x = ckl / math.sqrt((1.0 + ckk) * (1.0 + cll))
            x = min(1.0, max(-1.0, x))
            tot += mult[p] * gij * TWO_PI / math.sqrt(det) * TWO_PI * math.asin(x)
        acc += weights[q] * tot
    return acc


@njit(cache=True)
def _erf4_fields(C, erfs):
    """``erf4`` of the fields erfs[:4] of C with the pair terms that repeated fields make equal
    evaluated once (a term depends only on the fields of its pair and of the other two): 1
    term for (a, a, a, a), 2 for (a, a, a, b), 3 for (a, a, b, b), 4 for (a, a, b, c), 6 for
    four distinct fields."""
    f = np.sort(erfs[:4])
    G = np.empty((4, 4))
    for i in range(4):
        for j in range(4):
            G[i, j] = C[f[i], f[j]]
    pairs = np.empty((6, 4), dtype=np.int64)
    mult = np.zeros(6)
    npairs = 0
    for p in range(6):
        i, j, k, l = _PAIRS[p, 0], _PAIRS[p, 1], _PAIRS[p, 2], _PAIRS[p, 3]
        found = -1
        for r in range(npairs):
            if (f[pairs[r, 0]] == f[i] and f[pairs[r, 1]] == f[j] and f[pairs[r, 2]] == f[k]
                    and f[pairs[r, 3]] == f[l]):
                found = r
                break
        if found < 0:
            pairs[npairs, 0], pairs[npairs, 1], pairs[npairs, 2], pairs[npairs, 3] = i, j, k, l
            mult[npairs] = 1.0
            npairs += 1
        else:
            mult[found] += 1.0
    return _erf4_terms(G, pairs, mult, npairs, S_NODES, S_WEIGHTS)


@njit(cache=True)
def _base(C, erfs, ne):
    if ne == 0:
        return 1.0
    if ne % 2 == 1:
        return 0.0
    if ne == 2:
        return _erf2(C, erfs[0], erfs[1])
    if ne == 4:
        return _erf4_fields(C, erfs)
    return math.nan


@njit(cache=True)
def _tilted(C, e, i, j):
    """Entry (i, j) of C tilted at e (``_tilt`` without the matrix)."""
    return C[i, j] - C[i, e] * C[e, j] / (1.0 + C[e, e])


@njit(cache=True)
def _erf2_tilted(C, e, p, q):
    """E'[erf erf] of fields p, q under C tilted at e."""
    x = _tilted(C, e, p, q) / math.sqrt((1.0 + _tilted(C, e, p, p))
                                        * (1.0 + _tilted(C, e, q, q)))
    return TWO_PI * math.asin(min(1.0, max(-1.0, x)))


@njit(cache=True)
def _one_weight(C, b, erfs, ne):
    """``_reduce`` with one weight u_b and one or three erf factors (the Stein step written
    out, no tilted matrices)."""
    if ne == 1:
        e = erfs[0]
        return C[b, e] * SQ2PI / math.sqrt(1.0 + C[e, e])
    total = 0.0
    for i in range(3):
        e = erfs[i]
        cb = C[b, e]
        if cb == 0.0:
            continue
        p, q = erfs[(i + 1) % 3], erfs[(i + 2) % 3]
        total += cb * SQ2PI / math.sqrt(1.0 + C[e, e]) * _erf2_tilted(C, e, p, q)
    return total


@njit(cache=True)
def _two_weights(C, c, b, p, q):
    """``_reduce`` with weights u_c u_b (b the one Stein's lemma takes) and erf factors p, q."""
    total = C[b, c] * _erf2(C, p, q)
    for e, o in ((p, q), (q, p)):
        cb = C[b, e]
        if cb == 0.0:
            continue
        d = 1.0 + C[e, e]
        inner = _tilted(C, e, c, o) * SQ2PI / math.sqrt(1.0 + _tilted(C, e, o, o))
        total += cb * SQ2PI / math.sqrt(d) * inner
    return total


@njit(cache=True)
def _without(fields, n, i):
    """The first n entries of ``fields`` but the i-th (at least one slot: numba wants a size)."""
    out = np.empty(max(n - 1, 1), dtype=np.int64)
    m = 0
    for j in range(n):
        if j != i:
            out[m] = fields[j]
            m += 1
    return out


@njit(cache=True)
def _reduce(C, polys, npoly, erfs, ne):
    """E_C[prod u_polys prod erf(u_erfs / sqrt 2)] by Stein's lemma on the polynomial weights."""
    if (npoly + ne) % 2 == 1:
        return 0.0
    if npoly == 0:
        return _base(C, erfs, ne)
    if npoly == 1 and ne <= 3:
        return _one_weight(C, polys[0], erfs, ne)
    if npoly == 2 and ne == 2:
        return _two_weights(C, polys[0], polys[1], erfs[0], erfs[1])
    b = polys[npoly - 1]
    rest = polys[:npoly - 1]
    total = 0.0
    # pair with another weight
    for i in range(npoly - 1):
        cb = C[b, rest[i]]
        if cb == 0.0:
            continue
        sub = _without(rest, npoly - 1, i)
        total += cb * _reduce(C, sub, npoly - 2, erfs, ne)
    # differentiate an erf factor: a tilt
    for i in range(ne):
        e = erfs[i]
        cb = C[b, e]
        if cb == 0.0:
            continue
        sub = _without(erfs, ne, i)
        Ct, fac = _tilt(C, e)
        total += cb * SQ2PI * fac * _reduce(Ct, rest.copy(), npoly - 1, sub, ne - 1)
    return total


@njit(cache=True)
def _orthant_R(R, d):
    """P(z > 0) for z ~ N(0, R) in d dimensions, R a correlation matrix (d x d), by the path
    of the module docstring (closed forms up to d = 3)."""
    if d == 0:
        return 1.0
    if d == 1:
        return 0.5
    if d == 2:
        return 0.25 + math.asin(min(1.0, max(-1.0, R[0, 1]))) / (2.0 * math.pi)
    if d == 3:
        return 0.125 + (math.asin(min(1.0, max(-1.0, R[0, 1])))
                        + math.asin(min(1.0, max(-1.0, R[0, 2])))
                        + math.asin(min(1.0, max(-1.0, R[1, 2])))) / (4.0 * math.pi)
    total = 0.5 ** d
    sub = np.empty((d - 2, d - 2))
    rest = np.empty(d - 2, dtype=np.int64)
    for i in range(d):
        for j in range(i + 1, d):
            r = min(1.0, max(-1.0, R[i, j]))
            if r == 0.0:
                continue
            n = 0
            for k in range(d):
                if k != i and k != j:
                    rest[n] = k
                    n += 1
            top = math.asin(abs(r))
            acc = 0.0
            for q in range(O_NODES.shape[0]):
                # psi = top (1 - (1 - tau)^2): nodes gather at psi = top, where a nearly
                # degenerate conditional pair puts a square-root edge into the integrand
                om = 1.0 - O_NODES[q]
                sv = math.sin(top * (1.0 - om * om)) / abs(r)
                a12 = sv * r
                det = 1.0 - a12 * a12
                for x in range(d - 2):
                    kx = rest[x]
                    pk, qk = sv * R[kx, i], sv * R[kx, j]
                    for y in range(x, d - 2):
                        ky = rest[y]
                        pl, ql = sv * R[ky, i], sv * R[ky, j]
                        base = 1.0 if x == y else sv * R[kx, ky]
                        sub[x, y] = base - (pk * pl - a12 * (pk * ql + qk * pl)
                                            + qk * ql) / det
                for x in range(d - 2):
                    for y in range(x + 1, d - 2):
                        sub[x, y] /= math.sqrt(sub[x, x] * sub[y, y])
                        sub[y, x] = sub[x, y]
                for x in range(d - 2):
                    sub[x, x] = 1.0
                acc += 2.0 * om * O_WEIGHTS[q] * _orthant_R(sub.copy(), d - 2)
            total += math.copysign(1.0, r) * top * acc / (2.0 * math.pi)
    return total


@njit(cache=True)
def orthant(C, fields, d):
    """P(u_f > 0 for the d fields f = fields[:d]), u ~ N(0, C) centred (distinct fields of
    positive variance)."""
    R = np.empty((d, d))
    for i in range(d):
        for j in range(d):
            R[i, j] = C[fields[i], fields[j]] / math.sqrt(C[fields[i], fields[i]]
                                                          * C[fields[j], fields[j]])
    return _orthant_R(R, d)


@njit(cache=True)
def _condition(C, a):
    """C given u_a = 0, and the density of u_a at 0."""
    d = C[a, a]
    n = C.shape[0]
    out = np.empty_like(C)
    for i in range(n):
        for j in range(n):
            out[i, j] = C[i, j] - C[i, a] * C[a, j] / d
    return out, 1.0 / math.sqrt(2.0 * math.pi * d)


@njit(cache=True)
def _reduce_step(C, polys, npoly, steps, ns):
    """E_C[prod u_polys prod Theta(u_steps)] (distinct step fields) by Stein's lemma: a weight
    pairs with another or differentiates a step into a delta, which conditions on u = 0."""
    if npoly == 0:
        return orthant(C, steps, ns)
    if ns == 0 and npoly % 2 == 1:
        return 0.0
    b = polys[npoly - 1]
    rest = polys[:npoly - 1].copy()
    total = 0.0
    for i in range(npoly - 1):
        cb = C[b, rest[i]]
        if cb == 0.0:
            continue
        sub = _without(rest, npoly - 1, i)
        total += cb * _reduce_step(C, sub, npoly - 2, steps, ns)
    for i in range(ns):
        a = steps[i]
        cb = C[b, a]
        if cb == 0.0:
            continue
        sub = _without(steps, ns, i)
        Ca, fac = _condition(C, a)
        total += cb * fac * _reduce_step(Ca, rest, npoly - 1, sub, ns - 1)
    return total


@njit(cache=True)
def _add_step(steps, ns, p):
    for i in range(ns):
        if steps[i] == p:
            return ns
    steps[ns] = p
    return ns + 1


@njit(cache=True)
def _prepare(C, acts, tilt, poly, hs, extra):
    """Sort the factors: (tilted C, scale, raw-field weights, erf fields, their counts, the
    distinct ReLU step fields and their count, ok); ``extra`` free slots are left at the ends
    of the lists. A ReLU field is u Theta(u) (a weight and a step), its derivative Theta(u);
    erf and ReLU factors in one average are not handled (ok False)."""
    polys = np.empty(poly.shape[0] + hs.shape[0] + extra, dtype=np.int64)
    erfs = np.empty(hs.shape[0] + extra + 1, dtype=np.int64)
    steps = np.empty(tilt.shape[0] + hs.shape[0] + extra + 1, dtype=np.int64)
    npoly, ne, ns = 0, 0, 0
    for b in poly:
        polys[npoly] = b
        npoly += 1
    ok = True
    for p in hs:
        if acts[p] == LINEAR:
            polys[npoly] = p
            npoly += 1
        elif acts[p] == ERF:
            erfs[ne] = p
            ne += 1
        elif acts[p] == RELU:
            polys[npoly] = p
            npoly += 1
            ns = _add_step(steps, ns, p)
        else:
            ok = False
    scale = 1.0
    Cw = C.copy()
    for a in tilt:
        if acts[a] == ERF:
            Cw, fac = _tilt(Cw, a)
            scale *= SQ2PI * fac
        elif acts[a] == RELU:
            ns = _add_step(steps, ns, a)
        elif acts[a] != LINEAR:
            ok = False
    if ne > 0 and ns > 0:
        ok = False
    return Cw, scale, polys, npoly, erfs, ne, steps, ns, ok


@njit(cache=True)
def moment(C, acts, tilt, poly, hs):
    """E[prod h'_tilt prod u_poly prod h_hs] (see the module docstring); NaN for more than four
    erf factors or erf and ReLU factors together."""
    Cw, scale, polys, npoly, erfs, ne, steps, ns, ok = _prepare(C, acts, tilt, poly, hs, 0)
    if not ok:
        return math.nan
    if ns > 0:
        return scale * _reduce_step(Cw, polys, npoly, steps, ns)
    return scale * _reduce(Cw, polys, npoly, erfs, ne)


@njit(cache=True)
def moment_S(C, acts, c, tilt, poly, hs, n):
    """E[prod h'_tilt prod u_poly prod h_hs S^n], S = sum_p c_p h_p(u_p), 0 <= n <= 4: the sum
    over multisets p_1 <= ... <= p_n with their multinomial counts (the tilts applied once);
    NaN where a product would hold erf and ReLU factors together."""
    N = C.shape[0]
    Cw, scale, polys, npoly, erfs, ne, steps, ns, ok = _prepare(C, acts, tilt, poly, hs, n)
    if not ok:
        return math.nan
    if n == 0:
        if ns > 0:
            return scale * _reduce_step(Cw, polys, npoly, steps, ns)
        return scale * _reduce(Cw, polys, npoly, erfs, ne)
    for p in range(N):
        if acts[p] != LINEAR and acts[p] != ERF and acts[p] != RELU:
            return math.nan
    idx = np.zeros(n, dtype=np.int64)
    fact = (1.0, 1.0, 2.0, 6.0, 24.0)
    total = 0.0
    while True:
        coef = fact[n]
        run = 1
        for i in range(n):
            coef *= c[idx[i]]
            if i > 0 and idx[i] == idx[i - 1]:
                run += 1
            else:
                run = 1
            coef /= run
        if coef != 0.0:
            np_, ne_, ns_ = npoly, ne, ns
            for i in range(n):
                if acts[idx[i]] == LINEAR:
                    polys[np_] = idx[i]
                    np_ += 1
                elif acts[idx[i]] == ERF:
                    erfs[ne_] = idx[i]
                    ne_ += 1
                else:
                    polys[np_] = idx[i]
                    np_ += 1
                    ns_ = _add_step(steps, ns_, idx[i])
            if ne_ > 0 and ns_ > 0:
                return math.nan
            if ns_ > 0:
                total += coef * _reduce_step(Cw, polys[:np_].copy(), np_,
                                             steps[:ns_].copy(), ns_)
            else:
                total += coef * _reduce(Cw, polys[:np_].copy(), np_,
                                        erfs[:max(ne_, 1)].copy(), ne_)
        # next multiset (non-decreasing sequence)
        i = n - 1
        while i >= 0 and idx[i] == N - 1:
            i -= 1
        if i < 0:
            break
        idx[i] += 1
        for j in range(i + 1, n):
            idx[j] = idx[i]
    return scale * total


@njit(cache=True)
def _noise_moment(C, acts, c, sigma2, power, tilt, poly, hs):
    """E[prod g' prod u prod h delta^power], delta = S + sigma xi: the xi moments
    E xi^j = (j - 1)!! (j even) times the moments with S^(power - j)."""
    total = 0.0
    dfact = 1.0
    binom = 1.0
    for j in range(0, power + 1, 2):
        if j > 0:
            dfact *= j - 1.0
            binom *= (power - j + 2.0) * (power - j + 1.0) / ((j - 1.0) * j)
            if sigma2 == 0.0:
                break
        w = binom * dfact * sigma2 ** (j // 2)
        total += w * moment_S(C, acts, c, tilt, poly, hs, power - j)
    return total


@njit(cache=True)
def _fields(zf, i, t):
    r = zf[i, t]
    nt, npl, nh = r[1], r[2], r[3]
    return (r[0], r[4:4 + nt].copy(), r[4 + nt:4 + nt + npl].copy(),
            r[4 + nt + npl:4 + nt + npl + nh].copy())


@njit(cache=True)
def term_covariance(C, acts, c, sigma2, zc, zf, nz, B, mean):
    """B = Cov(Z) and mean = E[Z] in place, for Z_i = sum_t zc[i, t] prod h'(tilt) prod u(poly)
    prod h(hs) delta^power over nz[i] terms, delta = S + sigma xi (xi an independent standard
    normal), each term's fields listed in zf[i, t] = (power, ntilt, npoly, nh, tilt fields,
    poly fields, h fields)."""
    n = nz.shape[0]
    for i in range(n):
        acc = 0.0
        for t in range(nz[i]):
            pw, tl, pl, hh = _fields(zf, i, t)
            acc += zc[i, t] * _noise_moment(C, acts, c, sigma2, pw, tl, pl, hh)
        mean[i] = acc
    for i in range(n):
        for j in range(i, n):
            acc = 0.0
            for t in range(nz[i]):
                pw, tl, pl, hh = _fields(zf, i, t)
                for u in range(nz[j]):
                    pw2, tl2, pl2, hh2 = _fields(zf, j, u)
                    acc += zc[i, t] * zc[j, u] * _noise_moment(
                        C, acts, c, sigma2, pw + pw2, np.concatenate((tl, tl2)),
                        np.concatenate((pl, pl2)), np.concatenate((hh, hh2)))
            B[i, j] = acc - mean[i] * mean[j]
            B[j, i] = B[i, j]


def term_plan(zf, nz):
    """The distinct moments behind ``term_covariance`` for a fixed term structure (fields and
    powers; the coefficients may change): (keys (nkeys, width) in the zf row format, the key of
    each term (n, T) and of each product of two terms (n, T, n, T), -1 where unused). Products
    that are the same average up to the order of their factors share a key."""
    n, T, width = zf.shape
    keys, index = [], {}

    def key_of(parts):
        power = sum(p[0] for p in parts)
        tilt = sorted(sum((list(p[1]) for p in parts), []))
        poly = sorted(sum((list(p[2]) for p in parts), []))
        hs = sorted(sum((list(p[3]) for p in parts), []))
        k = (power, tuple(tilt), tuple(poly), tuple(hs))
        if k not in index:
            index[k] = len(keys)
            keys.append(k)
        return index[k]

    def parts(i, t):
        r = zf[i, t]
        nt, npl, nh = int(r[1]), int(r[2]), int(r[3])
        return (int(r[0]), r[4:4 + nt], r[4 + nt:4 + nt + npl], r[4 + nt + npl:4 + nt + npl + nh])

    single = np.full((n, T), -1, dtype=np.int64)
    pair = np.full((n, T, n, T), -1, dtype=np.int64)
    for i in range(n):
        for t in range(nz[i]):
            single[i, t] = key_of([parts(i, t)])
    for i in range(n):
        for j in range(i, n):
            for t in range(nz[i]):
                for u in range(nz[j]):
                    pair[i, t, j, u] = key_of([parts(i, t), parts(j, u)])
    width = max([4] + [4 + len(k[1]) + len(k[2]) + len(k[3]) for k in keys])
    out = np.zeros((len(keys), width), dtype=np.int64)
    for q, (power, tilt, poly, hs) in enumerate(keys):
        row = [power, len(tilt), len(poly), len(hs)] + list(tilt) + list(poly) + list(hs)
        out[q, :len(row)] = row
    return out, single, pair


@njit(cache=True)
def planned_covariance(C, acts, c, sigma2, keys, single, pair, zc, nz, B, mean):
    """``term_covariance`` with every distinct moment of ``term_plan`` evaluated once."""
    nk = keys.shape[0]
    vals = np.empty(nk)
    for q in range(nk):
        r = keys[q]
        nt, npl, nh = r[1], r[2], r[3]
        vals[q] = _noise_moment(C, acts, c, sigma2, r[0], r[4:4 + nt].copy(),
                                r[4 + nt:4 + nt + npl].copy(),
                                r[4 + nt + npl:4 + nt + npl + nh].copy())
    n = nz.shape[0]
    for i in range(n):
        acc = 0.0
        for t in range(nz[i]):
            acc += zc[i, t] * vals[single[i, t]]
        mean[i] = acc
    for i in range(n):
        for j in range(i, n):
            acc = 0.0
            for t in range(nz[i]):
                for u in range(nz[j]):
                    acc += zc[i, t] * zc[j, u] * vals[pair[i, t, j, u]]
            B[i, j] = acc - mean[i] * mean[j]
            B[j, i] = B[i, j]
