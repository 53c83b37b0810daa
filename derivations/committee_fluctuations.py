"""Derive the finite-size expansion of the committee machine's online SGD and generate its
numba kernels.

Run ``python derivations/committee_fluctuations.py`` to (re)write
``odedyn/_generated/committee_fluctuations.py``; ``--check`` only reports (exit 1) when the
committed module is stale.

The Markov chain. Order parameters m = (Q_kl for k <= l, R_km, v_k if the second layer trains);
T is fixed. The law of one step's increment depends on the weights only through m (x is
isotropic: the K + M fields u = (lambda, nu) are N(0, C) with C = [[Q, R], [R^T, T]], and
|x|^2 = u^T C^+ u + an independent chi^2), so m is a Markov chain by itself. One step of the
rule of odedyn/committee/model.py, with a_k = eta v_k g'(lambda_k) delta, delta = S + sigma xi,
S = sum_p c_p h_p(u_p), c = (-v, A), b = -eta kappa / D and zeta = |x|^2 / D, is exactly

    D dQ_kl = D (2 b + b^2) Q_kl + (1 + b)(a_k lambda_l + a_l lambda_k) + a_k a_l zeta
    D dR_km = D b R_km + a_k nu_m
    D dv_k  = eta_v (g(lambda_k) delta - kappa v_k)

``step()`` writes these with sympy and splits them by powers of 1/D: D dm = Z + Z1 / D, Z the
O(1) part (random and deterministic), Z1 the O(1/D) part. Then, per step,

    E[dm]   = f / D + f1 / D^2,    Cov(dm) = B / D^2 + O(D^-3),

    f  = E[Z] (zeta -> 1),  B = Cov(Z) (zeta -> 1: its fluctuation is O(D^-1/2)),
    f1 = E[Z1] + Lap E[zeta-part of Z],

where the last term is the correlation of |x|^2 with the fields: Stein's lemma on every one of
the D coordinates gives E[|x|^2 F(u)] = D E[F] + sum_ab C_ab E[d_a d_b F], and by Price's
theorem sum_ab C_ab E[d_a d_b F] = 2 sum_{a <= b} C_ab dE[F]/dC_ab (T included) =: Lap E[F].
No projection counting (K + M)/D enters: it is inside Lap.

Expectations are taken with the tables of derivations/committee_averages.py (``expect``), and
the result is checked against that script's ``ode_terms`` before anything is written (the O(1)
mean must be the order-parameter equations the theory integrates).

Exact derivatives. Each term of f is coefficient(v, A) x table(C entries), with tables I2, J2, I3,
I4 of closed forms (linear and erf, written here as sympy expressions, tested against the
committee module's numeric ones). sympy differentiates every closed form twice with respect to
its covariance arguments; the generated code applies the chain rule (an argument C_ij is the
order parameter Q or R it equals, or the fixed T), and the coefficient's derivatives in v are
exact polynomial ones. So J = df/dm and H[S] = sum_jk d^2 f / dm_j dm_k S_jk are exact. The
error eps = (1/2) sum_pq c_p c_q I2[p, q] gets its gradient and H[S] the same way.

B: the generated ``z_terms`` lists the random part of Z entry by entry (coefficient, the fields
carrying g', the raw fields, the fields carrying h, the power of delta); odedyn/
gaussian_moments.py evaluates the averages of the products exactly (``term_covariance``). ReLU has no
closed forms here (its four-point average is a path integral): this module covers linear and erf
fields, and the kernels return NaN for ReLU.
"""
import sys
import textwrap
from dataclasses import dataclass, field

import sympy as sp

from codegen import NumbaPrinter, derivative_source, generator_main
import committee_averages as cav

LINEAR, ERF = 0, 1
ACTS = {"L": LINEAR, "E": ERF}
SQ2PI = sp.sqrt(2 / sp.pi)

# ---------------------------------------------------------------- closed forms (sympy)
aa, ab, ac, ad, bb, bc, bd, cc, cd, dd = sp.symbols("aa ab ac ad bb bc bd cc cd dd", real=True)


def d1(t, var):
    """E[h'(u)], u ~ N(0, var)."""
    return sp.S.One if t == "L" else SQ2PI / sp.sqrt(1 + var)


def i2(ta, tb, xaa, xab, xbb):
    """E[h_a(a) h_b(b)]."""
    if ta == "L" and tb == "L":
        return xab
    if ta == "L":
        return xab * d1("E", xbb)
    if tb == "L":
        return xab * d1("E", xaa)
    return 2 / sp.pi * sp.asin(xab / sp.sqrt((1 + xaa) * (1 + xbb)))


def j2(ts):
    """E[g'(a) g'(b)]."""
    if ts == "L":
        return sp.S.One
    return 2 / sp.pi / sp.sqrt((1 + aa) * (1 + bb) - ab**2)


def i3(ts, th):
    """E[g'(a) b h(c)] (arguments aa, ab, ac, bb, bc, cc)."""
    if ts == "L":
        return bc * d1(th, cc)
    f = 1 / (1 + aa)
    return SQ2PI * sp.sqrt(f) * (bc - ab * ac * f) * d1(th, cc - ac**2 * f)


def i4(ts, tc, td):
    """E[g'(a) g'(b) h_c(c) h_d(d)] (arguments aa, ab, ac, ad, bb, bc, bd, cc, cd, dd): two
    Gaussian tilts for erf, then a two-field average."""
    if ts == "L":
        return i2(tc, td, cc, cd, dd)
    f = 1 / (1 + aa)
    b2, bc2, bd2 = bb - ab**2 * f, bc - ab * ac * f, bd - ab * ad * f
    c2, cd2, d2 = cc - ac**2 * f, cd - ac * ad * f, dd - ad**2 * f
    f2 = 1 / (1 + b2)
    return 2 / sp.pi * sp.sqrt(f * f2) * i2(tc, td, c2 - bc2**2 * f2, cd2 - bc2 * bd2 * f2,
                                            d2 - bd2**2 * f2)


TABLES = {
    # name: (arguments, {activation key: expression}); the key holds the activations of the
    # fields in the table's order of activation arguments
    "i2": ((aa, ab, bb), {a + b: i2(a, b, aa, ab, bb) for a in "LE" for b in "LE"}),
    "j2": ((aa, ab, bb), {a: j2(a) for a in "LE"}),
    "i3": ((aa, ab, ac, bb, bc, cc), {a + b: i3(a, b) for a in "LE" for b in "LE"}),
    "i4": ((aa, ab, ac, ad, bb, bc, bd, cc, cd, dd),
           {a + b + c: i4(a, b, c) for a in "LE" for b in "LE" for c in "LE"}),
}


def closed_form_sources():
    out = []
    for name, (args, forms) in TABLES.items():
        for key, expr in forms.items():
            out.append(derivative_source("%s_%s" % (name, key), args, expr))
    return out


def dispatch_source(name, nact):
    """Glue: call the closed form of the activation combination (codes of ``nact`` fields)."""
    args, forms = TABLES[name]
    acts = ["t%d" % i for i in range(nact)]
    lines = ["@njit(cache=True)",
             "def %s_d(%s, %s, grad, hess):" % (name, ", ".join(acts),
                                                  ", ".join(str(a) for a in args)),
             '    """%s with gradient and Hessian; NaN for an activation without a closed form."""'
             % name.upper()]
    for key in forms:
        cond = " and ".join("%s == %d" % (a, ACTS[c]) for a, c in zip(acts, key))
        lines.append("    if %s:" % cond)
        lines.append("        return %s_%s(%s, grad, hess)" % (name, key,
                                                               ", ".join(str(a) for a in args)))
    lines.append("    return math.nan")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- one SGD step (sympy)
D, eta, eta_v, kappa, sigma2 = sp.symbols("D eta eta_v kappa sigma2", positive=True)
gp_k, gp_l, lam_k, lam_l, nu_m, g_k, delta, zeta = sp.symbols(
    "gp_k gp_l lam_k lam_l nu_m g_k delta zeta", real=True)
v_k, v_l, Q_kl, R_km = sp.symbols("v_k v_l Q_kl R_km", real=True)
RANDOM = (gp_k, gp_l, lam_k, lam_l, nu_m, g_k, delta, zeta)
# each symbol's role: ("tilt" | "poly" | "h", unit role); unit roles are k, l (student), m (teacher)
ROLE = {gp_k: ("tilt", "k"), gp_l: ("tilt", "l"), lam_k: ("poly", "k"), lam_l: ("poly", "l"),
        nu_m: ("poly", "m"), g_k: ("h", "k")}


def step():
    """D x (one step's change) of Q_kl, R_km, v_k, exactly, as {block: sympy expression}."""
    b = -eta * kappa / D
    a_k, a_l = eta * v_k * gp_k * delta, eta * v_l * gp_l * delta
    return {"Q": D * (2 * b + b**2) * Q_kl + (1 + b) * (a_k * lam_l + a_l * lam_k)
            + a_k * a_l * zeta,
            "R": D * b * R_km + a_k * nu_m,
            "v": eta_v * (g_k * delta - kappa * v_k)}


def by_order(expr):
    """(O(1) part, O(1/D) part) of an expression polynomial in 1/D; an error if anything else."""
    eps = sp.Symbol("eps", positive=True)
    e = sp.expand(expr.subs(D, 1 / eps))
    poly = sp.Poly(e, eps)
    if poly.degree() > 1:
        raise ValueError("terms beyond O(1/D): %s" % e)
    return poly.coeff_monomial(1), poly.coeff_monomial(eps)


# ---------------------------------------------------------------- terms and their means
@dataclass
class Term:
    """const x prod(vars) x table(fields), summed over ``sums`` (field indices 0..N-1).
    vars: ("v", unit) or ("c", field); table: (name, fields) with name in TABLES, "C" (the
    covariance entry itself, for the decay) or "one"; lap: the term is Lap of the table."""
    const: sp.Expr
    vars: list
    table: tuple
    sums: list = field(default_factory=list)
    lap: bool = False


def field_index(role):
    return {"k": "k", "l": "l", "m": "K + m"}[role]


def monomials(expr):
    """(coefficient, {random symbol: power}) for every monomial of ``expr``."""
    out = []
    for t in sp.Add.make_args(sp.expand(expr)):
        coeff, powers = sp.S.One, {}
        for f in sp.Mul.make_args(t):
            base, e = f.as_base_exp()
            if base in RANDOM:
                powers[base] = int(e)
            else:
                coeff *= f
        out.append((coeff, powers))
    return out


def coefficient_vars(coeff):
    """Split a coefficient into (constant, vars, deterministic order parameter or None)."""
    const, vars_, det = sp.S.One, [], None
    for f in sp.Mul.make_args(coeff):
        base, e = f.as_base_exp()
        if base in (v_k, v_l):
            vars_ += [("v", "k" if base == v_k else "l")] * int(e)
        elif base in (Q_kl, R_km):
            det = ("C", ("k", "l") if base == Q_kl else ("k", "K + m"))
        else:
            const *= f
    return const, vars_, det


def expect(expr, lap=False):
    """E[expr] (zeta -> 1) as Terms, by the averages' definitions (delta = S + sigma xi, xi
    independent standard normal): ``lap`` marks the Terms as Lap E[...]."""
    terms = []
    for coeff, powers in monomials(expr):
        powers.pop(zeta, None)
        const, vars_, det = coefficient_vars(coeff)
        key = tuple(sorted((str(s), e) for s, e in powers.items()))
        fld = {s: field_index(ROLE[s][1]) for s in powers if s in ROLE}
        if not powers:
            terms.append(Term(const, vars_, det or ("one", ()), lap=lap))
            continue
        if det is not None:
            raise ValueError("a random term carries an order parameter: %s" % coeff)
        tilts = [fld[s] for s in (gp_k, gp_l) if s in powers]
        polys = [fld[s] for s in (lam_k, lam_l, nu_m) if s in powers]
        if key in ((("delta", 1), ("gp_k", 1), ("lam_l", 1)),
                   (("delta", 1), ("gp_l", 1), ("lam_k", 1)),
                   (("delta", 1), ("gp_k", 1), ("nu_m", 1))):
            terms.append(Term(const, vars_ + [("c", "p")], ("i3", (tilts[0], polys[0], "p")),
                              ["p"], lap))
        elif key == (("delta", 2), ("gp_k", 1), ("gp_l", 1)):
            terms.append(Term(const, vars_ + [("c", "p"), ("c", "q")],
                              ("i4", ("k", "l", "p", "q")), ["p", "q"], lap))
            terms.append(Term(const * sigma2, vars_, ("j2", ("k", "l")), [], lap))
        elif key == (("delta", 1), ("g_k", 1)):
            terms.append(Term(const, vars_ + [("c", "p")], ("i2", ("k", "p")), ["p"], lap))
        else:
            raise ValueError("no average for %s" % (key,))
    return terms


def zeta_part(expr):
    """The part of an O(1) expression proportional to zeta (zeta -> 1)."""
    return sp.expand(expr).coeff(zeta, 1)


def derive():
    """{block: (f Terms, f1 Terms, random part of Z)} from the step."""
    out = {}
    for blk, expr in step().items():
        z0, z1 = by_order(expr)
        rand = sp.Add(*[t for t in sp.Add.make_args(sp.expand(z0))
                        if any(t.has(s) for s in RANDOM)])
        f1 = expect(z1) + expect(zeta_part(z0), lap=True)
        out[blk] = (expect(z0), f1, rand)
    return out


def as_indexed(terms):
    """Terms as the sympy sums of derivations/committee_averages.py (for the consistency check)."""
    k, l, m, p, q = cav.k, cav.l, cav.m, cav.p, cav.q
    names = {"k": k, "l": l, "K + m": cav.K + m, "p": p, "q": q}
    base = {"i2": cav.I2s, "j2": cav.J2s, "i3": cav.I3s, "i4": cav.I4s}
    total = sp.S.Zero
    for t in terms:
        e = t.const.subs({eta: cav.eta, eta_v: cav.eta_v, kappa: cav.kappa, sigma2: cav.sigma2})
        for kind, who in t.vars:
            e *= cav.vI[names[who]] if kind == "v" else cav.cI[names[who]]
        name, fields = t.table
        if name == "C":
            e *= cav.Qs[k, l] if fields == ("k", "l") else cav.Rs[k, m]
        elif name != "one":
            e *= base[name][tuple(names[x] for x in fields)]
        for s in reversed(t.sums):
            e = sp.Sum(e, (names[s], 0, cav.N - 1))
        total += e
    return total


def check_against_ode():
    """The O(1) mean is the right-hand side the theory integrates."""
    ours = derive()
    for blk, theirs in zip("QRv", cav.ode_terms()):
        concrete = {cav.N: 3, cav.K: 2}
        diff = sp.expand((as_indexed(ours[blk][0]) - theirs).subs(concrete).doit())
        if diff != 0:
            raise AssertionError("block %s: derived mean differs from ode_terms by %s" % (blk, diff))


# ---------------------------------------------------------------- printing
def pr(expr):
    return NumbaPrinter({"fully_qualified_modules": True}).doprint(expr)


TABLE_CALL = {
    "i2": ("i2_d", ("acts[{0}]", "acts[{1}]"), ((0, 0), (0, 1), (1, 1))),
    "j2": ("j2_d", ("ts",), ((0, 0), (0, 1), (1, 1))),
    "i3": ("i3_d", ("ts", "acts[{2}]"), ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))),
    "i4": ("i4_d", ("ts", "acts[{2}]", "acts[{3}]"),
           ((0, 0), (0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3))),
}


def term_lines(t, row, pad, derivs):
    """Code accumulating one Term into row ``row`` (f, J, HS when ``derivs``, else f1)."""
    lines = []
    inner = pad
    for s in t.sums:
        lines.append(inner + "for %s in range(N):" % s)
        inner += "    "
    lines.append(inner + "nv = 0")
    for kind, who in t.vars:
        fn = "_push_v" if kind == "v" else "_push_c"
        lines.append(inner + "nv = %s(%s, nv, K, v, A, vidx, vval, vdv, vid)" % (fn, who))
    name, fields = t.table
    if name == "one":
        lines.append(inner + "na = 0")
        lines.append(inner + "val = 1.0")
    elif name == "C":
        i, j = fields
        lines.append(inner + "na = _entry(C, midx, %s, %s, aval, aidx, grad, hess)" % (i, j))
        lines.append(inner + "val = aval[0]")
    else:
        fn, acts, pairs = TABLE_CALL[name]
        acts = [a.format(*fields) for a in acts]
        args = ["C[%s, %s]" % (fields[i], fields[j]) for i, j in pairs]
        lines.append(inner + "na = %d" % len(pairs))
        for n, (i, j) in enumerate(pairs):
            lines.append(inner + "aval[%d] = C[%s, %s]" % (n, fields[i], fields[j]))
            lines.append(inner + "aidx[%d] = midx[%s, %s]" % (n, fields[i], fields[j]))
        call = "%s(%s, %s, grad, hess)" % (fn, ", ".join(acts), ", ".join(args))
        lines.append(inner + "val = " + call)
    if t.lap:
        lines.append(inner + "val = _lap(na, aval, grad)")
    lines.append(inner + "_acc(%s, %s, nv, vval, vdv, vid, val, grad, hess, aidx, na, S, f, J, "
                 "HS, f1, %s)" % (row, pr(t.const), "True" if derivs else "False"))
    return lines


def expansion_source(derived):
    lines = ["@njit(cache=True)",
             "def expansion(K, M, C, v, A, acts, eta, eta_v, kappa, sigma2, train_v, midx, vidx,",
             "              qidx, ridx, S, f, J, HS, f1):",
             '    """f, J = df/dm, HS = H[S] and f1 (see the derivation) at the covariance C of the',
             "    fields and the second layer v; midx[i, j]: the m index of C_ij (-1: fixed),",
             '    vidx[k]: that of v_k (-1: fixed). f, J, HS, f1 are overwritten."""',
             "    N = K + M",
             "    ts = acts[0]",
             "    f[:] = 0.0", "    J[:, :] = 0.0", "    HS[:] = 0.0", "    f1[:] = 0.0",
             "    vval, vdv, vid = np.empty(8), np.empty(8), np.empty(8, dtype=np.int64)",
             "    aval, aidx = np.empty(10), np.empty(10, dtype=np.int64)",
             "    grad, hess = np.zeros(10), np.zeros((10, 10))",
             "    for k in range(K):"]
    f, f1, _ = derived["Q"]
    lines += ["        for l in range(k, K):", "            row = qidx[k, l]"]
    for t in f:
        lines += term_lines(t, "row", " " * 12, True)
    for t in f1:
        lines += term_lines(t, "row", " " * 12, False)
    f, f1, _ = derived["R"]
    lines += ["        for m in range(M):", "            row = ridx[k, m]"]
    for t in f:
        lines += term_lines(t, "row", " " * 12, True)
    for t in f1:
        lines += term_lines(t, "row", " " * 12, False)
    f, f1, _ = derived["v"]
    lines += ["        if train_v:", "            row = vidx[k]"]
    for t in f:
        lines += term_lines(t, "row", " " * 12, True)
    for t in f1:
        lines += term_lines(t, "row", " " * 12, False)
    return "\n".join(lines) + "\n"


def error_source():
    """eps = (1/2) sum_pq c_p c_q I2[p, q] with gradient and H[S] (row 0 of 1-entry arrays)."""
    t = Term(sp.Rational(1, 2), [("c", "p"), ("c", "q")], ("i2", ("p", "q")), ["p", "q"])
    lines = ["@njit(cache=True)",
             "def error_terms(K, M, C, v, A, acts, midx, vidx, S, e, grad_e, HS_e):",
             '    """The error, its gradient in m and H[S] of it, into e[0], grad_e[0, :], HS_e[0]."""',
             "    N = K + M",
             "    e[:] = 0.0", "    grad_e[:, :] = 0.0", "    HS_e[:] = 0.0",
             "    f1 = np.zeros(1)",
             "    vval, vdv, vid = np.empty(8), np.empty(8), np.empty(8, dtype=np.int64)",
             "    aval, aidx = np.empty(10), np.empty(10, dtype=np.int64)",
             "    grad, hess = np.zeros(10), np.zeros((10, 10))"]
    body = term_lines(t, "0", "    ", True)
    body = [b.replace("S, f, J, HS, f1", "S, e, grad_e, HS_e, f1") for b in body]
    return "\n".join(lines + body) + "\n"


def z_source(derived):
    """``z_terms``: the random part of Z entry by entry, from the derived step."""
    lines = ["@njit(cache=True)",
             "def z_terms(K, M, v, eta, eta_v, kappa, train_v, qidx, ridx, vidx, zc, zf, nz):",
             '    """The random part of Z = D dm at O(1): for m index i, nz[i] terms; term t is',
             "    zc[i, t] x prod g'(tilt fields) prod u(poly fields) prod h(h fields) delta^power",
             "    with zf[i, t] = (power, ntilt, npoly, nh, then the tilt, poly and h fields).\"\"\"",
             "    nz[:] = 0",
             "    for k in range(K):"]
    blocks = (("Q", "        for l in range(k, K):", "qidx[k, l]", 12),
              ("R", "        for m in range(M):", "ridx[k, m]", 12),
              ("v", "        if train_v:", "vidx[k]", 12))
    for blk, head, row, ind in blocks:
        lines.append(head)
        pad = " " * ind
        lines.append(pad + "row = %s" % row)
        for coeff, powers in monomials(derived[blk][2]):
            powers.pop(zeta, None)
            const, vars_, _ = coefficient_vars(coeff)
            fld = lambda s: field_index(ROLE[s][1])
            tilts = [fld(s) for s in (gp_k, gp_l) for _ in range(powers.get(s, 0))]
            polys = [fld(s) for s in (lam_k, lam_l, nu_m) for _ in range(powers.get(s, 0))]
            hs = [fld(s) for s in (g_k,) for _ in range(powers.get(s, 0))]
            coef = " * ".join([pr(const)] + ["v[%s]" % w for _, w in vars_])
            lines.append(pad + "t = nz[row]")
            lines.append(pad + "zc[row, t] = %s" % coef)
            head = [str(powers.get(delta, 0)), str(len(tilts)), str(len(polys)), str(len(hs))]
            for n, x in enumerate(head + tilts + polys + hs):
                lines.append(pad + "zf[row, t, %d] = %s" % (n, x))
            lines.append(pad + "nz[row] += 1")
    return "\n".join(lines) + "\n"


TEMPLATE = '''
import math

import numpy as np
from numba import njit

from odedyn.gaussian_moments import term_covariance as noise_covariance

LINEAR, ERF = {LINEAR}, {ERF}
ZMAX = 3        # random terms per entry of Z
ZFIELDS = 10    # power, counts, then at most 6 field indices


@njit(cache=True)
def _push_v(k, nv, K, v, A, vidx, vval, vdv, vid):
    """Append the factor v_k (derivative 1 in m[vidx[k]])."""
    vval[nv] = v[k]
    vdv[nv] = 1.0
    vid[nv] = vidx[k]
    return nv + 1


@njit(cache=True)
def _push_c(p, nv, K, v, A, vidx, vval, vdv, vid):
    """Append c_p = -v_p (student) or A_(p-K) (teacher, fixed)."""
    if p < K:
        vval[nv] = -v[p]
        vdv[nv] = -1.0
        vid[nv] = vidx[p]
    else:
        vval[nv] = A[p - K]
        vdv[nv] = 0.0
        vid[nv] = -1
    return nv + 1


@njit(cache=True)
def _entry(C, midx, i, j, aval, aidx, grad, hess):
    """The covariance entry C_ij as a table of one argument."""
    aval[0] = C[i, j]
    aidx[0] = midx[i, j]
    grad[0] = 1.0
    hess[0, 0] = 0.0
    return 1


@njit(cache=True)
def _lap(na, aval, grad):
    """Lap E = 2 sum_(a <= b) C_ab dE/dC_ab = 2 sum over the arguments of value x derivative."""
    s = 0.0
    for a in range(na):
        s += aval[a] * grad[a]
    return 2.0 * s


@njit(cache=True)
def _acc(row, const, nv, vval, vdv, vid, val, grad, hess, aidx, na, S, f, J, HS, f1, derivs):
    """Add const x prod(vars) x table to f[row] with its exact J row and H[S] (derivs), or the
    value alone to f1[row]."""
    P = const
    for r in range(nv):
        P *= vval[r]
    if not derivs:
        f1[row] += P * val
        return
    f[row] += P * val
    n = S.shape[0]
    hs = 0.0
    for a in range(na):
        ia = aidx[a]
        if ia < 0:
            continue
        J[row, ia] += P * grad[a]
        for b in range(na):
            ib = aidx[b]
            if ib >= 0:
                hs += P * hess[a, b] * S[ia, ib]
    for r in range(nv):
        jr = vid[r]
        if jr < 0 or vdv[r] == 0.0:
            continue
        dP = const * vdv[r]
        for s in range(nv):
            if s != r:
                dP *= vval[s]
        J[row, jr] += dP * val
        for a in range(na):
            if aidx[a] >= 0:
                hs += 2.0 * dP * grad[a] * S[jr, aidx[a]]
        for s in range(nv):
            js = vid[s]
            if s == r or js < 0 or vdv[s] == 0.0:
                continue
            d2 = const * vdv[r] * vdv[s]
            for o in range(nv):
                if o != r and o != s:
                    d2 *= vval[o]
            hs += d2 * val * S[jr, js]
    HS[row] += hs


'''


def module_body(check=False):
    check_against_ode()
    derived = derive()
    parts = ['"""Finite-size expansion of the committee machine\'s online SGD: closed forms with\n'
             'exact gradients and Hessians, the drift f, its Jacobian, H[S], the O(1/D) drift f1\n'
             'and the increments\' random parts (generated; see\n'
             'derivations/committee_fluctuations.py). Imports nothing from the family package."""\n',
             TEMPLATE.format(LINEAR=LINEAR, ERF=ERF)]
    parts += ["\n\n" + s for s in closed_form_sources()]
    parts += ["\n\n" + dispatch_source("i2", 2), "\n\n" + dispatch_source("j2", 1),
              "\n\n" + dispatch_source("i3", 2), "\n\n" + dispatch_source("i4", 3)]
    parts += ["\n\n" + expansion_source(derived), "\n\n" + error_source(),
              "\n\n" + z_source(derived)]
    return "".join(parts)


def main(argv=None):
    return generator_main(__doc__.splitlines()[0], [
        ("odedyn/_generated/committee_fluctuations.py", "committee_fluctuations.py",
         module_body)], argv)


if __name__ == "__main__":
    sys.exit(main())
