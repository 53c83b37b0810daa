"""Derive the Gaussian averages of the shallow autoencoder and generate their numba kernels.

Run ``python derivations/gaussian_averages.py`` to (re)write
``odedyn/_generated/gaussian_averages.py``; ``--check`` only reports (exit 1) when the committed
module is stale.

What is derived. For local fields u, v jointly Gaussian with means (b1, b2) and covariance
[[c11, c12], [c12, c22]], and an activation g, the order-parameter equations need

    single(b, c)   = (E g(u), E g'(u), E g''(u), E g'''(u))               u ~ N(b, c)
    diag(b, c)     = (E g^2, E g'^2, E g'' g, E g' g)                      one field
    pair(b1, ...)  = (E g(u)g(v), E g'(u)g'(v), E g''(u)g(v), E g(u)g''(v),
                      E g'(u)g(v), E g(u)g'(v))                            two fields

(derivatives of ReLU in the sense of distributions: g' = H, g'' = delta, g''' = delta').
Everything is obtained from two *master* averages per activation, m(b, c) = E g(u) and
M(b1, b2, c11, c12, c22) = E g(u) g(v), by differentiating with respect to the means:
d/db1 E[F(u, v)] = E[dF/du]. The masters are

* linear: m = b, M = c12 + b1 b2.
* erf, g(x) = erf(x / sqrt 2) = 2 Phi(x) - 1: with Z ~ N(0, 1) independent of u,
  E Phi(u) = P(Z - u <= 0) = Phi(b / sqrt(1 + c)), and likewise
  E Phi(u) Phi(v) = Phi2(h1, h2; rho), h_i = b_i / sqrt(1 + c_ii),
  rho = c12 / sqrt((1 + c11)(1 + c22)).  For b = 0 this gives (2/pi) asin(rho).
* relu: m by direct integration; M by Stein's lemma, E[(u - b1) F] = c11 E[d_u F] + c12 E[d_v F]:
      E relu(u) relu(v) = b1 E[H(u) relu(v)] + c11 p_u(0) E[relu(v) | u = 0] + c12 Phi2,
      E H(u) relu(v)    = b2 Phi2 + c22 p_v(0) P(u > 0 | v = 0) + c12 p_u(0) P(v > 0 | u = 0),
  with Phi2 = P(u > 0, v > 0) = Phi2(b1/sqrt c11, b2/sqrt c22; c12/sqrt(c11 c22)).

Each M is checked here against Price's theorem (dM/dc12 = d2M/db1db2, dM/dc11 = d2M/db1^2 / 2)
and its value at c12 = 0 (= m(b1) m(b2)) at random points before anything is written:
together these determine M uniquely. ``Phi2`` is evaluated by ``odedyn.special.bvn_cdf``
(deterministic quadrature); at zero means it reduces to 1/4 + asin(rho)/(2 pi) and the
*centered* kernels (suffix ``0``) are elementary.
"""
import random
import sys

import sympy as sp

from codegen import Phi, Phi2, function_source, generator_main, phi

b, b1, b2 = sp.symbols("b b1 b2", real=True)
c, c11, c22 = sp.symbols("c c11 c22", positive=True)
c12 = sp.Symbol("c12", real=True)
x = sp.Symbol("x", real=True)


def gaussian_density(z, mean, var):
    return sp.exp(-(z - mean)**2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)


# ---------------------------------------------------------------- masters
def masters_linear():
    return b, c12 + b1 * b2, None


def masters_erf():
    m = 2 * Phi(b / sp.sqrt(1 + c)) - 1
    s1, s2 = sp.sqrt(1 + c11), sp.sqrt(1 + c22)
    h1, h2, rho = b1 / s1, b2 / s2, c12 / (s1 * s2)
    M = 4 * Phi2(h1, h2, rho) - 2 * Phi(h1) - 2 * Phi(h2) + 1
    return m, M, None


def masters_relu():
    dens = gaussian_density(x, b, c)
    m = sp.simplify(sp.integrate(x * dens, (x, 0, sp.oo)))
    second = sp.simplify(sp.integrate(x**2 * dens, (x, 0, sp.oo)))
    s1, s2 = sp.sqrt(c11), sp.sqrt(c22)
    h1, h2, rho = b1 / s1, b2 / s2, c12 / (s1 * s2)
    P2 = Phi2(h1, h2, rho)
    m21, s21 = b2 - c12 * b1 / c11, sp.sqrt(c22 - c12**2 / c11)  # v | u = 0
    m12, s12 = b1 - c12 * b2 / c22, sp.sqrt(c11 - c12**2 / c22)  # u | v = 0
    pu0, pv0 = phi(h1) / s1, phi(h2) / s2
    relu_v_given_u0 = m21 * Phi(m21 / s21) + s21 * phi(m21 / s21)
    H_relu = b2 * P2 + c22 * pv0 * Phi(m12 / s12) + c12 * pu0 * Phi(m21 / s21)
    M = b1 * H_relu + c11 * pu0 * relu_v_given_u0 + c12 * P2
    # one field: H^2 = H, delta(u) relu(u) = 0, H relu = relu
    diag = (second, sp.diff(m, b), sp.S.Zero, m)
    return m, M, diag


MASTERS = {"linear": masters_linear, "erf": masters_erf, "relu": masters_relu}


# ---------------------------------------------------------------- checks
def check_master(name, m, M, rng, points=6, tol=1e-7):
    """Price's theorem and the factorisation at c12 = 0, at random points."""
    m1, m2 = m.subs({b: b1, c: c11}), m.subs({b: b2, c: c22})
    residuals = [sp.diff(M, c12) - sp.diff(M, b1, b2),
                 sp.diff(M, c11) - sp.diff(M, b1, 2) / 2,
                 sp.diff(M, c22) - sp.diff(M, b2, 2) / 2]
    for _ in range(points):
        v11, v22 = rng.uniform(0.3, 2.0), rng.uniform(0.3, 2.0)
        pt = {b1: rng.uniform(-1, 1), b2: rng.uniform(-1, 1), c11: v11, c22: v22,
              c12: rng.uniform(-0.9, 0.9) * (v11 * v22) ** 0.5}
        for res in residuals:
            val = complex(sp.N(res.subs(pt), 20))
            if abs(val) > tol:
                raise AssertionError("%s: Price identity violated (%g) at %s" % (name, abs(val), pt))
        zero = complex(sp.N((M - m1 * m2).subs(c12, 0).subs(pt), 20))
        if abs(zero) > tol:
            raise AssertionError("%s: M != m m at c12 = 0 (%g)" % (name, abs(zero)))


# ---------------------------------------------------------------- averages
r_sym = sp.Symbol("r", real=True)      # correlation c12 / sqrt(c11 c22)
s_sym = sp.Symbol("s", positive=True)  # sqrt(1 - r^2)
CORRELATION_PRELUDE = ["r = c12 / math.sqrt(c11 * c22)", "s = math.sqrt(max(0.0, 1.0 - r * r))"]


def centered(expr, in_correlation=False):
    """Zero means: Phi2(0, 0, rho) = 1/4 + asin(rho) / (2 pi). With ``in_correlation`` the
    result is simplified in terms of the correlation r and s = sqrt(1 - r^2), so that it stays
    regular at |r| = 1 (ReLU; erf is regular as it is, and also at zero variance)."""
    expr = expr.subs({b: 0, b1: 0, b2: 0})
    expr = expr.replace(Phi2, lambda h, k, r: sp.Rational(1, 4) + sp.asin(r) / (2 * sp.pi)
                        if (h == 0 and k == 0) else Phi2(h, k, r))
    if in_correlation and expr.has(c12):
        expr = sp.simplify(expr.subs(c12, r_sym * sp.sqrt(c11 * c22)))
        expr = sp.simplify(expr.subs(sp.sqrt(1 - r_sym**2), s_sym))
    return expr


def averages(name):
    m, M, diag = MASTERS[name]()
    single = [m, sp.diff(m, b), sp.diff(m, b, 2), sp.diff(m, b, 3)]
    pair = [M, sp.diff(M, b1, b2), sp.diff(M, b1, 2), sp.diff(M, b2, 2),
            sp.diff(M, b1), sp.diff(M, b2)]
    if diag is None:  # the pair formula is regular on the diagonal u = v
        on_diag = {b1: b, b2: b, c11: c, c22: c}
        diag = [p.subs(c12, c).subs(on_diag) for p in (pair[0], pair[1], pair[2], pair[4])]
    return m, M, single, list(diag), pair


def module_body(check_masters=True):
    rng = random.Random(20261122)
    parts = ['"""Gaussian averages of the activations (see derivations/gaussian_averages.py)."""\n',
             "import math\n\nfrom numba import njit\n\nfrom odedyn.special import bvn_cdf\n\n"]
    for name in MASTERS:
        m, M, single, diag, pair = averages(name)
        if check_masters:
            check_master(name, m, M, rng)
        doc = {"single": "(E g, E g', E g'', E g''') for u ~ N(b, c).",
               "diag": "(E g^2, E g'^2, E g'' g, E g' g) for u ~ N(b, c).",
               "pair": "(E g g, E g' g', E g''(u) g(v), E g(u) g''(v), E g'(u) g(v), E g(u) g'(v))."}
        for kind, exprs, args in (("single", single, ["b", "c"]), ("diag", diag, ["b", "c"]),
                                  ("pair", pair, ["b1", "b2", "c11", "c12", "c22"])):
            exprs = [sp.sympify(e) for e in exprs]
            parts.append("\n" + function_source("%s_%s" % (name, kind), args, exprs,
                                                "%s: %s" % (name, doc[kind])))
            cargs = [a for a in args if not a.startswith("b")]
            regularize = name == "relu" and kind == "pair"
            parts.append("\n" + function_source("%s_%s0" % (name, kind), cargs,
                                                [centered(e, regularize) for e in exprs],
                                                "%s, zero mean: %s" % (name, doc[kind]),
                                                CORRELATION_PRELUDE if regularize else ()))
    return "".join(parts)


def main(argv=None):
    return generator_main(__doc__.split("\n")[0], [(
        "odedyn/_generated/gaussian_averages.py", "gaussian_averages.py",
        lambda check: module_body(check_masters=not check))], argv)


if __name__ == "__main__":
    sys.exit(main())
