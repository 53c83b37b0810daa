"""Derive the teacher-student committee machine's averages and order-parameter equations, and
generate their numba kernels.

Run ``python derivations/committee_averages.py`` to (re)write
``odedyn/_generated/committee_averages.py``; ``--check`` only reports (exit 1) when the committed
module is stale.

Fields. Student lambda_k = w_k.x/sqrt D (k < K, activation g), teacher nu_m = w*_m.x/sqrt D
(activation g*); together the N = K + M fields x_p, zero-mean Gaussian with covariance
C = [[Q, R], [R^T, T]]. Every field p carries its own activation h_p (g for p < K, g* else),
so mixed student/teacher activations need nothing special. With c = (-v, A),
delta = y - yhat = sum_p c_p h_p(x_p) + sigma xi.

Averages (zero means; first indices carry g', which is that of the student):

    I2[p, q]      = E[h_p(x_p) h_q(x_q)]
    J2[k, l]      = E[g'(x_k) g'(x_l)]
    I3[k, b, p]   = E[g'(x_k) x_b h_p(x_p)]
    I4[k, l, p, q] = E[g'(x_k) g'(x_l) h_p(x_p) h_q(x_q)]

How they are reduced (all deterministic; no Monte Carlo anywhere):

* linear: h = x, h' = 1, and Stein's lemma E[x_b F] = sum_j C_bj E[d_j F].
* erf, h(x) = erf(x/sqrt 2): the derivative h'(a) = sqrt(2/pi) exp(-a^2/2) *tilts* the Gaussian:
  E[h'(a) F(rest)] = sqrt(2/pi)/sqrt(1 + C_aa) E'[F(rest)], with the rest's covariance
  C' = C - C_.a C_a. / (1 + C_aa). Two tilts turn the erf I4 into an I2 (it reproduces Saad &
  Solla's arcsin form; tested to 1e-12), one tilt the erf I3 and J2.
  E[erf(u) erf(v)] = (2/pi) asin(C12/sqrt((1+C11)(1+C22))) and, since erf(d/sqrt 2) = E_z sign(d - z),
  E[sign(b) erf(d)] = (2/pi) asin(C_bd / sqrt(C_bb (1 + C_dd))).
* relu: h = x H(x), h' = H (the step), h'' = delta. Stein's lemma moves every factor x onto
  derivatives; a delta(a) conditions the rest on a = 0 with weight p_a(0) = 1/sqrt(2 pi C_aa);
  orthant probabilities of two zero-mean fields are P2(rho) = 1/4 + asin(rho)/(2 pi). This gives
  closed forms for I2, J2, I3 and the three-field averages E[H(b) h(d)], E[H(b) H(c) h(d)].
  The ReLU four-point average I4 = E[H(a) H(b) h_c(c) h_d(d)] contains a four-dimensional
  orthant probability, which has no elementary form. It is reduced to ONE deterministic
  integral: scale the covariances between the blocks {a, b} and {c, d} by s in [0, 1]; the heat
  identity dE/dC_ij = E[d_i d_j F] gives

      I4 = P2(rho_ab) I2(h_c, h_d) + int_0^1 ds sum_{i in {a,b}, j in {c,d}} C_ij E_s[d_i d_j F],

  where every E_s[d_i d_j F] = p_i(0) E[H(b) h_j'(c) h(d) | x_i = 0] is a closed three-field form
  at the interpolated covariance (the path stays positive semi-definite: it is a convex
  combination of C and its block diagonal). The integrand has at most a square-root singularity
  at s = 1 (coincident or nearly coincident fields, e.g. a student unit aligned with a teacher
  unit), removed by s = 1 - u^2; Gauss-Legendre with NODES nodes in u. When a and b are the same
  field (k = l) H(a)^2 = H(a) and the block {a} is used.

* tanh, sigmoid (with linear/erf): scale mixtures of erf, tanh(x) = E_S[erf(x/sqrt(2 S))]
  with S = K^2, K Kolmogorov-distributed (Andrews & Mallows: the logistic density is a normal
  scale mixture), sigmoid(x) = (1 + tanh(x/2))/2. A g' component (1/s) erf'(x/s) tilts like
  erf' (prefactor sqrt(2/pi)/sqrt(s^2 + C_aa), C' = C - C_.a C_a./(s^2 + C_aa)), so every
  average is a finite sum of the erf forms over a Gauss rule in log S (MIX_J below).
* any other activation: Gauss-Hermite quadrature on the whitened fields, by the shared engine
  (odedyn.averages.gauss_average; its node counts QUAD_NODES, error estimate CHECK_NODES).

The closed forms (tables I2, HG, HHG, J2 below) are checked by ``check_closed_forms`` before
anything is written: each one's derivative with respect to a covariance is what Price's theorem
says it must be (d/dC_ab E[f(a) g(b)] = E[f'(a) g'(b)]), and its value where that covariance
vanishes factorises; together these determine the function.

The order-parameter equations are derived below (``ode_terms``) from the update rule itself:
sympy expands the change of Q, R and v in one step, keeps what survives at t = steps/D as
D -> infinity (including the O(eta^2) terms), and takes the expectation with the definitions
above; the loops over indices of the generated right-hand side are printed from those sums.
"""
import sys

import numpy as np
import sympy as sp

from codegen import NumbaPrinter, generator_main
from integrators import integrator_source

NODES = 40

# ---------------------------------------------------------------- activations
# The named activations (codes, printed g and g') are shared with every family:
# derivations/activations.py writes them into odedyn/_generated/activations.py, and the
# Gauss-Hermite quadrature over the fields is the shared engine's (odedyn.averages).
from activations import ACTS, ERF, LINEAR, RELU, X, check_activations  # noqa: E402,F401

#: tanh and sigmoid are Gaussian scale mixtures of erf (Andrews & Mallows 1974: the logistic
#: density is a scale mixture of normals, the scale 2 K with K Kolmogorov-distributed):
#: tanh(x) = E_S[erf(x / sqrt(2 S))], sigmoid(x) = (1 + tanh(x/2)) / 2, S = K^2. Every average
#: of tanh, sigmoid, erf and linear fields is then a sum, over mixture nodes S_j, of the erf
#: closed forms at rescaled covariances (no quadrature over the fields). The mixture is
#: integrated by a Gauss rule in t = log S (the density of t decays doubly exponentially at
#: both ends; the averages are analytic in t for |Im t| < pi): MIX_J[level][r] nodes for r = 0
#: (I2, J2, I3: J^2 terms) and r = 1 (I4: J^4 terms); level 1 is the error estimate's rule.
#: At the tanh plateau covariance (K = M = 2) I4 with 6 nodes is within 2e-9 of 29-node
#: trapezoid and 4-d trapezoid references (a 20^4 Gauss-Hermite grid on the fields: 5e-4).
#: MIX_RANGE: t range of the discretised measure (weights outside below 1e-16).
#: (In the kernels _alpha/_comps: h = alpha + gamma E_S[erf(x / sqrt(2 lambda^2 S))] with
#: (alpha, gamma, lambda^2) = (0, 1, 1) for tanh and (1/2, 1/2, 4) for sigmoid.)
MIX_J = ((8, 6), (6, 5))
MIX_RANGE = (-3.6, 3.1)


def kolmogorov_square_density(s):
    """Density of S = K^2, K Kolmogorov-distributed, at 60 digits: 4 sum_j (-1)^(j-1) j^2
    exp(-2 j^2 s) for s > 1/2, else the derivative of the theta-transformed CDF
    P(S <= s) = sqrt(2 pi / s) sum_j exp(-(2j - 1)^2 pi^2 / (8 s))."""
    import mpmath as mp
    s = mp.mpf(s)
    if s > 0.5:
        return 4 * mp.nsum(lambda j: (-1)**(j - 1) * j**2 * mp.exp(-2 * j**2 * s), [1, mp.inf])
    return mp.diff(lambda x: mp.sqrt(2 * mp.pi / x) * mp.nsum(
        lambda j: mp.exp(-(2 * j - 1)**2 * mp.pi**2 / (8 * x)), [1, mp.inf]), s)


def mixture_rule(J, h=0.05):
    """Gauss rule (J nodes S_j, weights W_j) for E_S[f(S)] in the variable t = log S: the
    measure is first discretised by the trapezoidal rule of step h in t on MIX_RANGE (error
    ~ exp(-pi^2 / h), far below double precision), then the Stieltjes procedure gives its
    three-term recurrence and Golub-Welsch the rule, all at 60 digits."""
    import mpmath as mp
    with mp.workdps(60):
        lo, hi = int(np.floor(MIX_RANGE[0] / h)), int(np.ceil(MIX_RANGE[1] / h))
        ts = [mp.mpf(i) * mp.mpf(h) for i in range(lo, hi + 1)]
        wd = [mp.mpf(h) * kolmogorov_square_density(mp.exp(t)) * mp.exp(t) for t in ts]
        total = sum(wd)
        p_prev, p = [mp.mpf(0)] * len(ts), [mp.mpf(1)] * len(ts)
        a, b, nrm_prev = [], [], None
        for k in range(J):
            nrm = sum(w * x * x for w, x in zip(wd, p))
            a.append(sum(w * t * x * x for w, t, x in zip(wd, ts, p)) / nrm)
            if k:
                b.append(nrm / nrm_prev)
            p_new = [(t - a[-1]) * x - (b[-1] if k else 0) * y for t, x, y in zip(ts, p, p_prev)]
            p_prev, p, nrm_prev = p, p_new, nrm
        Jm = mp.matrix(J, J)
        for i in range(J):
            Jm[i, i] = a[i]
            if i + 1 < J:
                Jm[i, i + 1] = Jm[i + 1, i] = mp.sqrt(b[i])
        E, V = mp.eigsy(Jm)
        return ([float(mp.exp(E[i])) for i in range(J)],
                [float(V[0, i]**2 * total) for i in range(J)])


def check_mixture(tol=1e-8):
    """The value rules reproduce E S = pi^2/12 (the logistic variance) and E 1/K = sqrt(pi/2)
    (tanh'(0) = 1), and E[tanh(x)^2], E[tanh'(x)^2] for x ~ N(0, v), v from 0.03 to 30,
    against adaptive quadrature, to ``tol`` (the J^2-term form that I2 and J2 use)."""
    from scipy.integrate import quad
    S, W = (np.array(v) for v in mixture_rule(MIX_J[0][0]))
    errs = [W.sum() - 1, W @ S - np.pi**2 / 12, W @ (1 / np.sqrt(S)) - np.sqrt(np.pi / 2)]
    for v in (0.03, 0.3, 1.0, 4.0, 30.0):
        def gauss(f):
            return quad(lambda z: f(np.sqrt(v) * z) * np.exp(-z * z / 2) / np.sqrt(2 * np.pi),
                        -40, 40, epsabs=1e-14, epsrel=1e-13, limit=400, points=[0.0])[0]
        Si, Sj = np.meshgrid(S, S)
        ww = np.outer(W, W)
        i2 = (ww * 2 / np.pi * np.arcsin(v / np.sqrt((Si + v) * (Sj + v)))).sum()
        j2 = (ww * 2 / np.pi / np.sqrt(Si * Sj + v * (Si + Sj))).sum()
        errs += [i2 - gauss(lambda x: np.tanh(x)**2), j2 - gauss(lambda x: np.cosh(x)**-4)]
    if not max(abs(e) for e in errs) < tol:
        raise AssertionError("mixture rule off: %s" % (errs,))


# ---------------------------------------------------------------- closed forms (sympy)
aa, ab, ac, bb, bc, bd, cc, cd, dd, var = sp.symbols("aa ab ac bb bc bd cc cd dd var", real=True)


class Corr(sp.Function):
    """x / sqrt(va vb) clipped to [-1, 1] (0 when a variance vanishes): printed as _corr."""
    nargs = 3


class CondCorr(sp.Function):
    """Correlation of x and y given a = 0, from (xy, xa, ya, xx, yy, aa); 0 when aa vanishes:
    printed as _ccorr."""
    nargs = 6


class Ratio(sp.Function):
    """x / sqrt(2 pi v) (0 when v vanishes): a covariance times a density at 0, printed _ratio."""
    nargs = 2


def P2(rho):
    """P(u > 0, v > 0) for zero-mean fields with correlation rho."""
    return sp.Rational(1, 4) + sp.asin(rho) / (2 * sp.pi)


SQ2PI = sp.sqrt(2 / sp.pi)


# E[h(u)] for zero-mean u of variance var
E1 = {LINEAR: sp.S.Zero, ERF: sp.S.Zero,
      RELU: sp.sqrt(sp.Max(var, 0)) / sp.sqrt(2 * sp.pi)}  # (a conditional var may round below 0)
# E[h'(u)]
D1 = {LINEAR: sp.S.One, ERF: SQ2PI / sp.sqrt(1 + var), RELU: sp.Rational(1, 2)}
# E[h_a(a) h_b(b)] for the pairs (t_a <= t_b); the other order by symmetry
I2 = {
    (LINEAR, LINEAR): ab,
    (LINEAR, ERF): ab * SQ2PI / sp.sqrt(1 + bb),                 # Stein on a
    (LINEAR, RELU): ab / 2,
    (ERF, ERF): 2 / sp.pi * sp.asin(Corr(ab, 1 + aa, 1 + bb)),
    (ERF, RELU): Ratio(ab, 1 + aa),                               # Stein on b: ab E[h'(a)H(b)]
    (RELU, RELU): ab / 4 + sp.sqrt(aa * bb) / (2 * sp.pi) * (
        sp.sqrt(1 - Corr(ab, aa, bb)**2) + Corr(ab, aa, bb) * sp.asin(Corr(ab, aa, bb))),
}
# E[H(b) h(d)] (fields b, d; covariances bb, bd, dd)
HG = {
    LINEAR: Ratio(bd, bb),
    ERF: sp.asin(Corr(bd, bb, 1 + dd)) / sp.pi,
    RELU: (Ratio(bd, bb) + Ratio(dd, dd)) / 2,
}
# E[H(b) H(c) h(d)] (fields b, c, d)
HHG = {
    LINEAR: (Ratio(bd, bb) + Ratio(cd, cc)) / 2,
    ERF: (sp.asin(Corr(bd, bb, 1 + dd)) + sp.asin(Corr(cd, cc, 1 + dd))) / (2 * sp.pi),
    RELU: (Ratio(bd, bb) * P2(CondCorr(cd, bc, bd, cc, dd, bb))      # Stein on d, then
           + Ratio(cd, cc) * P2(CondCorr(bd, bc, cd, bb, dd, cc))    # delta(b), delta(c),
           + Ratio(dd, dd) * P2(CondCorr(bc, bd, cd, bb, cc, dd))),  # delta(d)
}
# J2 = E[g'(a) g'(b)] (same student activation)
J2 = {LINEAR: sp.S.One, ERF: 2 / sp.pi / sp.sqrt((1 + aa) * (1 + bb) - ab**2),
      RELU: P2(Corr(ab, aa, bb))}


def explicit(expr):
    """``expr`` with the guarded helpers written out (valid where every variance is > 0)."""
    expr = expr.replace(Corr, lambda x, va, vb: x / sp.sqrt(va * vb))
    expr = expr.replace(CondCorr, lambda xy, xa, ya, xx, yy, a: (xy - xa * ya / a) / sp.sqrt(
        (xx - xa**2 / a) * (yy - ya**2 / a)))
    expr = expr.replace(Ratio, lambda x, v: x / sp.sqrt(2 * sp.pi * v))
    return expr.replace(sp.Max, lambda *args: [a for a in args if a != 0][0])


def price_targets():
    """What Price's theorem says the derivatives of the closed forms must be:
    d/dC_ab E[h_a(a) h_b(b)] = E[h_a'(a) h_b'(b)], with a delta for H' = delta conditioning on
    zero. Returned as (form, variable, target, value at variable = 0) quadruples; a form that
    matches its target derivative and its value where the variable vanishes is the average."""
    def phi0(v):
        return 1 / sp.sqrt(2 * sp.pi * v)
    DD = {(LINEAR, LINEAR): sp.S.One, (LINEAR, ERF): D1[ERF].subs(var, bb),
          (LINEAR, RELU): sp.Rational(1, 2), (ERF, ERF): J2[ERF],
          (ERF, RELU): D1[ERF].subs(var, aa) / 2, (RELU, RELU): J2[RELU]}
    out = []
    for (ta, tb), form in I2.items():
        out.append(("I2 %d%d" % (ta, tb), form, ab, DD[ta, tb],
                    E1[ta].subs(var, aa) * E1[tb].subs(var, bb)))
    for t, form in HG.items():     # d/dbd E[H(b) h(d)] = p_b(0) E[h'(d) | b = 0]
        out.append(("HG %d" % t, form, bd, phi0(bb) * D1[t].subs(var, dd - bd**2 / bb),
                    E1[t].subs(var, dd) / 2))
    for t, form in HHG.items():    # d/dbd E[H(b) H(c) h(d)] = p_b(0) E[H(c) h'(d) | b = 0]
        vd = dd - bd**2 / bb
        inner = {LINEAR: sp.Rational(1, 2), ERF: D1[ERF].subs(var, vd) / 2,
                 RELU: P2(CondCorr(cd, bc, bd, cc, dd, bb))}[t]
        at0 = P2(Corr(bc, bb, cc)) * E1[t].subs(var, dd)
        out.append(("HHG %d d/dbd" % t, form, bd, phi0(bb) * inner, None))
        inner_c = {LINEAR: sp.Rational(1, 2), ERF: D1[ERF].subs(var, dd - cd**2 / cc) / 2,
                   RELU: P2(CondCorr(bd, bc, cd, bb, dd, cc))}[t]
        out.append(("HHG %d d/dcd" % t, form, cd, phi0(cc) * inner_c,
                    at0.subs(bd, 0)))
    return out


def check_closed_forms(points=5, tol=1e-12):
    """Every closed form against Price's theorem and its value at zero covariance, at random
    positive-definite covariances (30 digits), before anything is written."""
    rng = np.random.default_rng(11)
    names = (aa, ab, bb, bc, bd, cc, cd, dd)
    for label, form, x, target, at0 in price_targets():
        f = explicit(form)
        df = sp.diff(f, x) - explicit(target)
        for _ in range(points):
            W = rng.standard_normal((3, 5))
            C = W @ W.T / 5
            # fields (b, c, d) for the three-field forms; (a, b) = (b, d) for I2
            vals = {bb: C[0, 0], bc: C[0, 1], bd: C[0, 2], cc: C[1, 1], cd: C[1, 2],
                    dd: C[2, 2], aa: C[0, 0], ab: C[0, 2]}
            vals = {k: sp.Float(v, 30) for k, v in vals.items() if k in names}
            err = abs(sp.N(df.subs(vals), 30))
            if not err < tol:
                raise AssertionError("%s: Price's theorem fails by %s" % (label, err))
            if at0 is not None:
                vals0 = dict(vals)
                vals0[x] = sp.S.Zero
                if x == cd:
                    vals0[bd] = sp.S.Zero
                err = abs(sp.N((f - explicit(at0)).subs(vals0), 30))
                if not err < tol:
                    raise AssertionError("%s at zero covariance: off by %s" % (label, err))


# ---------------------------------------------------------------- the ODE (sympy)
k, l, p, q, m = sp.symbols("k l p q m", integer=True)
K, M, N = sp.symbols("K M N", integer=True, positive=True)
cI, I2s, I3s, I4s, J2s = (sp.IndexedBase(n) for n in ("c", "I2", "I3", "I4", "J2"))
vI, Qs, Rs = sp.IndexedBase("v"), sp.IndexedBase("Q"), sp.IndexedBase("R")
eta, eta_v, kappa, sigma2 = sp.symbols("eta eta_v kappa sigma2", real=True)


def order_one(expr, D):
    """The D -> infinity limit of a sum of monomials in powers of D (an error if one grows)."""
    out = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(expr)):
        coeff, power = term.as_coeff_exponent(D)
        if power > 0:
            raise ValueError("a term grows with D: %s" % term)
        if power == 0:
            out += coeff
    return out


def ode_terms():
    """dQ[k, l]/dt, dR[k, m]/dt and dv[k]/dt as sympy sums over field indices.

    One SGD step: w_k += a_k x + b w_k with a_k = (eta/sqrt D) v_k g'_k delta, b = -eta kappa/D,
    and v_k += (eta_v/D)(g_k delta - kappa v_k). With x.x = D, x.w_l = sqrt(D) lambda_l and
    w_k.w_l = D Q_kl, D steps per unit time: dQ_kl/dt = E[D (w_k' . w_l' - w_k . w_l) / D] in the
    limit. delta = S + sigma xi with S = sum_p c_p h_p; xi independent, E xi = 0, E xi^2 = 1."""
    D = sp.Symbol("D", positive=True)
    gk, gl, lam_k, lam_l, S, xi, gK = sp.symbols("gp_k gp_l lam_k lam_l S xi g_k")
    vk, vl, Qkl = sp.symbols("v_k v_l Q_kl")
    sigma = sp.sqrt(sigma2)
    delta = S + sigma * xi
    a_k, a_l = eta / sp.sqrt(D) * vk * gk * delta, eta / sp.sqrt(D) * vl * gl * delta
    b = -eta * kappa / D
    # D dQ_kl = (a_k x + b w_k + w_k).(a_l x + b w_l + w_l) - w_k.w_l, per step; times D steps / D
    dQ = (a_k * a_l * D + a_k * sp.sqrt(D) * lam_l + a_l * sp.sqrt(D) * lam_k
          + (b + b + b * b) * D * Qkl + (a_k * b * sp.sqrt(D) * lam_l + a_l * b * sp.sqrt(D) * lam_k))
    dQ = order_one(dQ, D)
    dv = sp.expand(eta_v * (gK * delta - kappa * vk))

    def expect(expr, first, second):
        """E[...] of a polynomial in (gp_k, gp_l, lam_l, S, xi, g_k) by the average definitions;
        ``first``/``second`` are the field indices of lam_k / lam_l."""
        out = sp.S.Zero
        for term in sp.Add.make_args(sp.expand(expr)):
            coeff, mono = sp.S.One, {}
            for f in sp.Mul.make_args(term):
                base, e = f.as_base_exp()
                if base in (gk, gl, lam_k, lam_l, S, xi, gK):
                    mono[base] = int(e)
                else:
                    coeff *= f
            key = tuple(sorted((str(s), e) for s, e in mono.items()))
            table = {
                (("S", 1), ("gp_k", 1), ("lam_l", 1)):
                    sp.Sum(cI[p] * I3s[first, second, p], (p, 0, N - 1)),
                (("S", 1), ("gp_l", 1), ("lam_k", 1)):
                    sp.Sum(cI[p] * I3s[second, first, p], (p, 0, N - 1)),
                (("S", 2), ("gp_k", 1), ("gp_l", 1)):
                    sp.Sum(sp.Sum(cI[p] * cI[q] * I4s[first, second, p, q], (q, 0, N - 1)),
                           (p, 0, N - 1)),
                (("gp_k", 1), ("gp_l", 1), ("xi", 2)): J2s[first, second],
                (("S", 1), ("g_k", 1)): sp.Sum(cI[p] * I2s[first, p], (p, 0, N - 1)),
                (): sp.S.One,
            }
            if ("xi", 1) in key:          # independent zero-mean noise
                continue
            if key not in table:
                raise ValueError("no average for %s" % (key,))
            out += coeff * table[key]
        return out

    dQkl = expect(dQ, k, l).subs({vk: vI[k], vl: vI[l], Qkl: Qs[k, l]})
    # R_km: w*_m is fixed, so only the terms linear in a_k survive: dR = E[a_k sqrt(D) nu_m] + b R
    dR = expect(order_one(eta * vk * gk * delta * lam_l, D), k, K + m).subs(vk, vI[k]) - eta * kappa * Rs[k, m]
    dvk = expect(dv, k, l).subs(vk, vI[k])  # (no second field enters)
    return dQkl, dR, dvk


# ---------------------------------------------------------------- printing
class Printer(NumbaPrinter):
    def _print_Corr(self, expr):
        return "_corr(%s)" % ", ".join(self._print(a) for a in expr.args)

    def _print_CondCorr(self, expr):
        return "_ccorr(%s)" % ", ".join(self._print(a) for a in expr.args)

    def _print_Ratio(self, expr):
        return "_ratio(%s)" % ", ".join(self._print(a) for a in expr.args)


def pr(expr):
    return Printer({"fully_qualified_modules": True}).doprint(expr)


def table_function(name, args, table, key_args, doc):
    """A numba function dispatching on activation codes to the printed closed forms."""
    lines = ["@njit(cache=True)", "def %s(%s):" % (name, ", ".join(key_args + args)),
             '    """%s"""' % doc]
    for key, expr in table.items():
        key = key if isinstance(key, tuple) else (key,)
        cond_ = " and ".join("%s == %d" % (a, v) for a, v in zip(key_args, key))
        lines.append("    if %s:" % cond_)
        lines.append("        return %s" % pr(expr))
    lines.append("    return math.nan")
    return "\n".join(lines) + "\n"


def sum_code(expr, target, indent):
    """Loops (printed) accumulating ``expr`` -- an Add of products of a coefficient and nested
    sympy Sums -- into ``target``."""
    lines = []
    pad = " " * indent
    rest = sp.S.Zero
    for i, term in enumerate(sp.Add.make_args(expr)):
        sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
        if not sums:
            rest += term
            continue
        coeff = sp.Mul(*[f for f in sp.Mul.make_args(term) if not isinstance(f, sp.Sum)])
        body, limits = sums[0], []
        while isinstance(body, sp.Sum):
            limits += list(body.limits)
            body = body.function
        acc = "acc%d" % i
        lines.append(pad + "%s = 0.0" % acc)
        inner = pad
        for idx, lo, hi in limits:
            lines.append(inner + "for %s in range(%s, %s):" % (idx, sp.sstr(lo), sp.sstr(hi + 1)))
            inner += "    "
        lines.append(inner + "%s += %s" % (acc, pr(body)))
        rest += coeff * sp.Symbol(acc)
    lines.append(pad + "%s = %s" % (target, pr(rest)))
    return lines


def rhs_source():
    dQ, dR, dv = ode_terms()
    sub = {sp.Symbol("v_k"): vI[k]}
    lines = [
        "@njit(cache=True)",
        "def ode_loops(K, M, Q, R, v, c, I2, J2, I3, I4, eta, eta_v, kappa, sigma2, train_v,",
        "              dQ, dR, dv):",
        '    """dQ/dt, dR/dt, dv/dt (printed from the sums derived in ode_terms) given the',
        '    average tables and c = (-v, A)."""',
        "    N = K + M",
        "    for k in range(K):",
        "        for l in range(k, K):",
    ]
    lines += sum_code(dQ.subs(sub), "val", 12)
    lines += ["            dQ[k, l] = val", "            dQ[l, k] = val",
              "        for m in range(M):"]
    lines += sum_code(dR.subs(sub), "dR[k, m]", 12)
    lines += ["        if train_v:"]
    lines += sum_code(dv.subs(sub), "dv[k]", 12)
    lines += ["        else:", "            dv[k] = 0.0"]
    return "\n".join(lines) + "\n", (dQ, dR, dv)


QUAD_TEMPLATE = '''
@njit(cache=True)
def _quad(nf, t0, d0, t1, d1, t2, d2, t3, d3, C, level):
    codes = np.array([t0, t1, t2, t3], dtype=np.int64)
    ders = np.array([d0, d1, d2, d3], dtype=np.int64)
    return gauss_average(nf, codes, ders, C, level, np.empty((4, 4)), np.empty(4))


# ---- tanh / sigmoid as scale mixtures of erf (see the derivation): h = alpha + gamma *
# sum_j W_j erf(x / sqrt(2 lambda^2 S_j)); MIX_S / MIX_W [level, r, j] (r = 0: I2, J2, I3;
# r = 1: I4), MIX_N[level, r] nodes
MIX_N = np.array({mix_n}, dtype=np.int64)
MIX_S = np.array({mix_s})
MIX_W = np.array({mix_w})
R2P = math.sqrt(2.0 / math.pi)


@njit(cache=True)
def mixable(t):
    """Has activation t an erf-mixture form (linear, erf, tanh, sigmoid)?"""
    return t == LINEAR or t == ERF or t == TANH or t == SIGMOID


@njit(cache=True)
def _alpha(t):
    return 0.5 if t == SIGMOID else 0.0


@njit(cache=True)
def _comps(t, level, r, S, W):
    """Mixture components of activation t (erf or tanh or sigmoid): scales^2 into S, weights
    (gamma included) into W; returns their number."""
    if t == ERF:
        S[0] = 1.0
        W[0] = 1.0
        return 1
    n = MIX_N[level, r]
    for j in range(n):
        if t == SIGMOID:
            S[j] = 4.0 * MIX_S[level, r, j]
            W[j] = 0.5 * MIX_W[level, r, j]
        else:
            S[j] = MIX_S[level, r, j]
            W[j] = MIX_W[level, r, j]
    return n


@njit(cache=True)
def _asin(x):
    return math.asin(1.0 if x > 1.0 else (-1.0 if x < -1.0 else x))


@njit(cache=True)
def _mix_pair(ta, tb, aa, ab, bb, na, Sa, Wa, nb, Sb, Wb):
    """E[m_a(a) m_b(b)] of the zero-mean parts (no alpha) of mixture activations: erf forms
    E[erf(a/sqrt(2 s)) erf(b/sqrt(2 s'))] = (2/pi) asin(ab / sqrt((s + aa)(s' + bb))) and
    E[a erf(b/sqrt(2 s'))] = sqrt(2/pi) ab / sqrt(s' + bb)."""
    if ta == LINEAR and tb == LINEAR:
        return ab
    if ta == LINEAR or tb == LINEAR:
        n, S, W, v = (nb, Sb, Wb, bb) if ta == LINEAR else (na, Sa, Wa, aa)
        acc = 0.0
        for j in range(n):
            acc += W[j] / math.sqrt(S[j] + v)
        return R2P * ab * acc
    acc = 0.0
    for i in range(na):
        x = ab / math.sqrt(Sa[i] + aa)
        part = 0.0
        for j in range(nb):
            part += Wb[j] * _asin(x / math.sqrt(Sb[j] + bb))
        acc += Wa[i] * part
    return 2.0 / math.pi * acc


@njit(cache=True)
def m_i2(ta, tb, aa, ab, bb, level):
    """E[h_a(a) h_b(b)] by the erf mixture."""
    w = MIX_S.shape[2]
    Sa, Wa, Sb, Wb = np.empty(w), np.empty(w), np.empty(w), np.empty(w)
    na = _comps(ta, level, 0, Sa, Wa)
    nb = _comps(tb, level, 0, Sb, Wb)
    return _alpha(ta) * _alpha(tb) + _mix_pair(ta, tb, aa, ab, bb, na, Sa, Wa, nb, Sb, Wb)


@njit(cache=True)
def _m_j2(na, S, W, aa, ab, bb):
    acc = 0.0
    for i in range(na):
        for j in range(na):
            acc += W[i] * W[j] / math.sqrt(max((S[i] + aa) * (S[j] + bb) - ab * ab, 1e-300))
    return 2.0 / math.pi * acc


@njit(cache=True)
def m_j2(t, aa, ab, bb, level):
    """E[g'(a) g'(b)] by the erf mixture: each g' component (1/s) erf'(x/s) tilts the Gaussian."""
    if t == LINEAR:
        return 1.0
    S, W = np.empty(MIX_S.shape[2]), np.empty(MIX_S.shape[2])
    n = _comps(t, level, 0, S, W)
    return _m_j2(n, S, W, aa, ab, bb)


@njit(cache=True)
def m_i3(ts, th, aa, ab, ac, bb, bc, cc, level):
    """E[g'(a) b h(c)] by the erf mixture (a tilt by each g' component; the constant alpha of h
    drops out: E'[b] = 0)."""
    Sc, Wc = np.empty(MIX_S.shape[2]), np.empty(MIX_S.shape[2])
    nc = 0 if th == LINEAR else _comps(th, level, 0, Sc, Wc)
    if ts == LINEAR:
        return _mix_pair(LINEAR, th, bb, bc, cc, 0, Sc, Wc, nc, Sc, Wc)
    Sa, Wa = np.empty(MIX_S.shape[2]), np.empty(MIX_S.shape[2])
    na = _comps(ts, level, 0, Sa, Wa)
    acc = 0.0
    for i in range(na):
        f = 1.0 / (Sa[i] + aa)
        acc += Wa[i] * math.sqrt(f) * _mix_pair(LINEAR, th, bb - ab * ab * f, bc - ab * ac * f,
                                                cc - ac * ac * f, 0, Sc, Wc, nc, Sc, Wc)
    return R2P * acc


@njit(cache=True)
def m_i4(ts, tc, td, aa, ab, ac, ad, bb, bc, bd, cc, cd, dd, level):
    """E[g'(a) g'(b) h_c(c) h_d(d)] by the erf mixture: two tilts (by the g' components of a
    and b) leave zero-mean c, d, whose pair average is the asin form; alpha_c alpha_d J2 is the
    constant part (the cross terms vanish by parity). J^4 terms at r = 1."""
    w = MIX_S.shape[2]
    Sc, Wc, Sd, Wd = np.empty(w), np.empty(w), np.empty(w), np.empty(w)
    nc = 0 if tc == LINEAR else _comps(tc, level, 1, Sc, Wc)
    nd = 0 if td == LINEAR else _comps(td, level, 1, Sd, Wd)
    if ts == LINEAR:
        return _alpha(tc) * _alpha(td) + _mix_pair(tc, td, cc, cd, dd, nc, Sc, Wc, nd, Sd, Wd)
    Sa, Wa = np.empty(w), np.empty(w)
    na = _comps(ts, level, 1, Sa, Wa)
    out = 0.0
    if _alpha(tc) * _alpha(td) != 0.0:
        out = _alpha(tc) * _alpha(td) * m_j2(ts, aa, ab, bb, level)
    acc = 0.0
    for i in range(na):
        f = 1.0 / (Sa[i] + aa)
        b2, bc2, bd2 = bb - ab * ab * f, bc - ab * ac * f, bd - ab * ad * f
        c2, cd2, d2 = cc - ac * ac * f, cd - ac * ad * f, dd - ad * ad * f
        part = 0.0
        for j in range(na):
            f2 = 1.0 / (Sa[j] + b2)
            part += Wa[j] * math.sqrt(f2) * _mix_pair(
                tc, td, c2 - bc2 * bc2 * f2, cd2 - bc2 * bd2 * f2, d2 - bd2 * bd2 * f2,
                nc, Sc, Wc, nd, Sd, Wd)
        acc += Wa[i] * math.sqrt(f) * part
    return out + 2.0 / math.pi * acc


@njit(cache=True)
def q_i2(ta, tb, aa, ab, bb, level):
    """E[h_a(a) h_b(b)] by quadrature."""
    C = np.array([[aa, ab], [ab, bb]])
    return _quad(2, ta, 0, tb, 0, 0, 0, 0, 0, C, level)


@njit(cache=True)
def q_j2(t, aa, ab, bb, level):
    """E[g'(a) g'(b)] by quadrature."""
    C = np.array([[aa, ab], [ab, bb]])
    return _quad(2, t, 1, t, 1, 0, 0, 0, 0, C, level)


@njit(cache=True)
def q_i3(ts, th, aa, ab, ac, bb, bc, cc, level):
    """E[g'(a) b h(c)] by quadrature over (a, c); b by its conditional mean."""
    C = np.array([[aa, ab, ac], [ab, bb, bc], [ac, bc, cc]])
    return _quad(3, ts, 1, LINEAR, 0, th, 0, 0, 0, C, level)


@njit(cache=True)
def q_i4(ts, tc, td, aa, ab, ac, ad, bb, bc, bd, cc, cd, dd, level):
    """E[g'(a) g'(b) h_c(c) h_d(d)] by quadrature."""
    C = np.array([[aa, ab, ac, ad], [ab, bb, bc, bd], [ac, bc, cc, cd], [ad, bd, cd, dd]])
    return _quad(4, ts, 1, ts, 1, tc, 0, td, 0, C, level)


@njit(cache=True)
def _i3_shared(k, p, N, ts, tp, C, I3, level, L, zm):
    """I3[k, b, p] for every b from one quadrature over (x_k, x_p): E[b | z] = beta . z, so
    I3 = beta_0 E[F z_0] + beta_1 E[F z_1] (both activations nonlinear)."""
    C2 = np.array([[C[k, k], C[k, p]], [C[k, p], C[p, p]]])
    codes = np.array([ts, tp, 0, 0], dtype=np.int64)
    ders = np.array([1, 0, 0, 0], dtype=np.int64)
    gauss_average(2, codes, ders, C2, level, L, zm)
    for b in range(N):
        b0 = C[b, k] / L[0, 0] if L[0, 0] > 0.0 else 0.0
        b1 = (C[b, p] - b0 * L[1, 0]) / L[1, 1] if L[1, 1] > 0.0 else 0.0
        I3[k, b, p] = b0 * zm[0] + b1 * zm[1]
'''


TEMPLATE = '''
import math

import numpy as np
from numba import njit

from odedyn.averages import GH_N, GH_TOL, GH_W, GH_X, act, dact, gauss_average  # noqa: F401
from odedyn.schedules import lr_factor

{codes}
#: activation name -> code; LINEAR, ERF and RELU have closed-form averages, the others
#: (codes > RELU) by erf scale mixtures (tanh, sigmoid: m_i2 ...) or Gauss-Hermite
#: quadrature (gauss_average)
ACTIVATIONS = {{{names}}}
# Gauss-Legendre nodes and weights on [0, 1] (u; s = 1 - u^2) for the ReLU four-point path
U_NODES = np.array({nodes})
U_WEIGHTS = np.array({weights})
SQRT_2PI = math.sqrt(2.0 * math.pi)


@njit(cache=True)
def _corr(x, va, vb):
    d = va * vb
    if d <= 0.0:
        return 0.0
    r = x / math.sqrt(d)
    return 1.0 if r > 1.0 else (-1.0 if r < -1.0 else r)


@njit(cache=True)
def _ccorr(xy, xa, ya, xx, yy, aa):
    if aa <= 0.0:
        return 0.0
    return _corr(xy - xa * ya / aa, xx - xa * xa / aa, yy - ya * ya / aa)


@njit(cache=True)
def _ratio(x, v):
    return x / math.sqrt(2.0 * math.pi * v) if v > 0.0 else 0.0


{quad}
{e1}
{d1}
@njit(cache=True)
def i2(ta, tb, aa, ab, bb):
    """E[h_a(a) h_b(b)], zero-mean fields with covariances aa, ab, bb."""
    return i2_at(ta, tb, aa, ab, bb, 0)


@njit(cache=True)
def i2_at(ta, tb, aa, ab, bb, level):
    """i2; a code > RELU by quadrature at node level ``level``."""
    if ta > RELU or tb > RELU:
        if mixable(ta) and mixable(tb):
            return m_i2(ta, tb, aa, ab, bb, level)
        return q_i2(ta, tb, aa, ab, bb, level)
    if ta > tb:
        return _i2(tb, ta, bb, ab, aa)
    return _i2(ta, tb, aa, ab, bb)


{i2}
{hg}
{hhg}
{j2}
@njit(cache=True)
def j2(t, aa, ab, bb):
    """E[g'(a) g'(b)]."""
    return j2_at(t, aa, ab, bb, 0)


@njit(cache=True)
def j2_at(t, aa, ab, bb, level):
    if t > RELU:
        if mixable(t):
            return m_j2(t, aa, ab, bb, level)
        return q_j2(t, aa, ab, bb, level)
    return _j2(t, aa, ab, bb)

@njit(cache=True)
def _e2(tc, td, cc, cd, dd):
    """E[h_c'(c) h_d(d)]."""
    if tc == LINEAR:
        return e1(td, dd)
    if tc == ERF:
        return math.sqrt(2.0 / math.pi) / math.sqrt(1.0 + cc) * e1(td, dd - cd * cd / (1.0 + cc))
    return hg(td, cc, cd, dd)


@njit(cache=True)
def _e3(tc, td, bb, bc, bd, cc, cd, dd):
    """E[H(b) h_c'(c) h_d(d)]."""
    if tc == LINEAR:
        return hg(td, bb, bd, dd)
    if tc == ERF:
        f = 1.0 / (1.0 + cc)
        return (math.sqrt(2.0 / math.pi) * math.sqrt(f)
                * hg(td, bb - bc * bc * f, bd - bc * cd * f, dd - cd * cd * f))
    return hhg(td, bb, bc, bd, cc, cd, dd)


@njit(cache=True)
def i3(ts, th, aa, ab, ac, bb, bc, cc):
    """E[g'(a) b h(c)]: g' of the student activation ts, b a field, h of activation th."""
    return i3_at(ts, th, aa, ab, ac, bb, bc, cc, 0)


@njit(cache=True)
def i3_at(ts, th, aa, ab, ac, bb, bc, cc, level):
    if ts > RELU or th > RELU:
        if mixable(ts) and mixable(th):
            return m_i3(ts, th, aa, ab, ac, bb, bc, cc, level)
        return q_i3(ts, th, aa, ab, ac, bb, bc, cc, level)
    return _i3(ts, th, aa, ab, ac, bb, bc, cc)


@njit(cache=True)
def _i3(ts, th, aa, ab, ac, bb, bc, cc):
    """i3 in closed form (codes <= RELU)."""
    if ts == LINEAR:
        return bc * d1(th, cc)
    if ts == ERF:
        f = 1.0 / (1.0 + aa)
        return math.sqrt(2.0 / math.pi) * math.sqrt(f) * (bc - ab * ac * f) * d1(th, cc - ac * ac * f)
    # Stein on b: ab E[delta(a) h(c)] + bc E[H(a) h'(c)]
    if th == LINEAR:
        hp = 0.5
    elif th == ERF:
        hp = 0.5 * math.sqrt(2.0 / math.pi) / math.sqrt(1.0 + cc)
    else:
        hp = _j2(RELU, aa, ac, cc)
    return _ratio(ab, aa) * e1(th, cc - ac * ac / aa) + bc * hp


@njit(cache=True)
def i4(ts, tc, td, aa, ab, ac, ad, bb, bc, bd, cc, cd, dd, same):
    """E[g'(a) g'(b) h_c(c) h_d(d)]; ``same``: a and b are one field (k = l)."""
    return i4_at(ts, tc, td, aa, ab, ac, ad, bb, bc, bd, cc, cd, dd, same, 0)


@njit(cache=True)
def i4_at(ts, tc, td, aa, ab, ac, ad, bb, bc, bd, cc, cd, dd, same, level):
    """i4; a code > RELU by quadrature (a coincident pair needs no flag there: the guarded
    Cholesky factor drops its dimension)."""
    if ts > RELU or tc > RELU or td > RELU:
        if mixable(ts) and mixable(tc) and mixable(td):
            return m_i4(ts, tc, td, aa, ab, ac, ad, bb, bc, bd, cc, cd, dd, level)
        return q_i4(ts, tc, td, aa, ab, ac, ad, bb, bc, bd, cc, cd, dd, level)
    return _i4(ts, tc, td, aa, ab, ac, ad, bb, bc, bd, cc, cd, dd, same)


@njit(cache=True)
def _i4(ts, tc, td, aa, ab, ac, ad, bb, bc, bd, cc, cd, dd, same):
    """i4 in closed form (codes <= RELU)."""
    if ts == LINEAR:
        return i2(tc, td, cc, cd, dd)
    if ts == ERF:
        f = 1.0 / (1.0 + aa)
        b2, bc2, bd2 = bb - ab * ab * f, bc - ab * ac * f, bd - ab * ad * f
        c2, cd2, d2 = cc - ac * ac * f, cd - ac * ad * f, dd - ad * ad * f
        f2 = 1.0 / (1.0 + b2)
        return (2.0 / math.pi * math.sqrt(f * f2)
                * i2(tc, td, c2 - bc2 * bc2 * f2, cd2 - bc2 * bd2 * f2, d2 - bd2 * bd2 * f2))
    return _i4_relu(tc, td, aa, ab, ac, ad, bb, bc, bd, cc, cd, dd, same)


@njit(cache=True)
def _i4_relu(tc, td, aa, ab, ac, ad, bb, bc, bd, cc, cd, dd, same):
    """E[H(a) H(b) h_c(c) h_d(d)] by the block path (see the derivation)."""
    if same:
        acc = 0.0
        for i in range(U_NODES.shape[0]):
            u = U_NODES[i]
            s = 1.0 - u * u
            xc, xd = s * ac, s * ad
            c1, cd1, d1_ = cc - xc * xc / aa, cd - xc * xd / aa, dd - xd * xd / aa
            acc += 2.0 * u * U_WEIGHTS[i] * (ac * _e2(tc, td, c1, cd1, d1_)
                                             + ad * _e2(td, tc, d1_, cd1, c1))
        return 0.5 * i2(tc, td, cc, cd, dd) + acc / math.sqrt(2.0 * math.pi * aa)
    acc = 0.0
    for i in range(U_NODES.shape[0]):
        u = U_NODES[i]
        s = 1.0 - u * u
        xac, xad, xbc, xbd = s * ac, s * ad, s * bc, s * bd
        # given a = 0: fields (b, c, d)
        b1, bc1, bd1 = bb - ab * ab / aa, xbc - ab * xac / aa, xbd - ab * xad / aa
        c1, cd1, d1_ = cc - xac * xac / aa, cd - xac * xad / aa, dd - xad * xad / aa
        ta = (ac * _e3(tc, td, b1, bc1, bd1, c1, cd1, d1_)
              + ad * _e3(td, tc, b1, bd1, bc1, d1_, cd1, c1)) / math.sqrt(aa)
        # given b = 0: fields (a, c, d)
        a2, ac2, ad2 = aa - ab * ab / bb, xac - ab * xbc / bb, xad - ab * xbd / bb
        c2, cd2, d2 = cc - xbc * xbc / bb, cd - xbc * xbd / bb, dd - xbd * xbd / bb
        tb = (bc * _e3(tc, td, a2, ac2, ad2, c2, cd2, d2)
              + bd * _e3(td, tc, a2, ad2, ac2, d2, cd2, c2)) / math.sqrt(bb)
        acc += 2.0 * u * U_WEIGHTS[i] * (ta + tb)
    return _j2(RELU, aa, ab, bb) * i2(tc, td, cc, cd, dd) + acc / SQRT_2PI


@njit(cache=True)
def covariance(K, M, Q, R, T, C):
    """C = [[Q, R], [R^T, T]] of the K + M fields, in place."""
    for i in range(K):
        for j in range(K):
            C[i, j] = Q[i, j]
        for m in range(M):
            C[i, K + m] = R[i, m]
            C[K + m, i] = R[i, m]
    for m in range(M):
        for n in range(M):
            C[K + m, K + n] = T[m, n]


@njit(cache=True)
def fill_i2(N, acts, C, I2, level):
    for p in range(N):
        for q in range(p, N):
            I2[p, q] = i2_at(acts[p], acts[q], C[p, p], C[p, q], C[q, q], level)
            I2[q, p] = I2[p, q]


@njit(cache=True)
def fill_tables(K, M, acts, C, I2, J2, I3, I4, second_order, level):
    """Every average the right-hand side needs, from the covariance C of the fields; I4 and J2
    only when ``second_order`` (eta^2 terms with eta > 0). Quadrature averages (codes > RELU)
    at node level ``level`` (0: the value; 1: the error estimate's second node count); I3 of
    two nonlinear fields shares one quadrature over (x_k, x_p) between all b."""
    N = K + M
    ts = acts[0]
    fill_i2(N, acts, C, I2, level)
    L = np.empty((4, 4))
    zm = np.empty(4)
    for k in range(K):
        for p in range(N):
            tp = acts[p]
            if ((ts > RELU or tp > RELU) and ts != LINEAR and tp != LINEAR
                    and not (mixable(ts) and mixable(tp))):
                _i3_shared(k, p, N, ts, tp, C, I3, level, L, zm)
                continue
            for b in range(N):
                I3[k, b, p] = i3_at(ts, tp, C[k, k], C[k, b], C[k, p], C[b, b], C[b, p],
                                    C[p, p], level)
    if not second_order:
        return
    for k in range(K):
        for l in range(k, K):
            J2[k, l] = j2_at(ts, C[k, k], C[k, l], C[l, l], level)
            J2[l, k] = J2[k, l]
            for p in range(N):
                for q in range(p, N):
                    val = i4_at(ts, acts[p], acts[q], C[k, k], C[k, l], C[k, p], C[k, q],
                                C[l, l], C[l, p], C[l, q], C[p, p], C[p, q], C[q, q], k == l,
                                level)
                    I4[k, l, p, q] = val
                    I4[k, l, q, p] = val
                    I4[l, k, p, q] = val
                    I4[l, k, q, p] = val


@njit(cache=True)
def generalisation_error(N, acts, C, c, I2):
    """eps = E[(y* - yhat)^2] / 2 = (1/2) sum_pq c_p c_q I2[p, q] with c = (-v, A)."""
    fill_i2(N, acts, C, I2, 0)
    e = 0.0
    for p in range(N):
        for q in range(N):
            e += c[p] * c[q] * I2[p, q]
    return 0.5 * e


@njit(cache=True)
def quadrature_error(K, M, acts, C, second_order):
    """The error estimate of the quadrature averages at the covariance C: the largest
    |average at GH_N[0] nodes - the same at GH_N[1] nodes| over I2, I3 and (``second_order``)
    J2 and I4; 0 where every average is a closed form."""
    N = K + M
    out = 0.0
    I2a, I2b = np.zeros((N, N)), np.zeros((N, N))
    J2a, J2b = np.zeros((K, K)), np.zeros((K, K))
    I3a, I3b = np.zeros((K, N, N)), np.zeros((K, N, N))
    I4a, I4b = np.zeros((K, K, N, N)), np.zeros((K, K, N, N))
    fill_tables(K, M, acts, C, I2a, J2a, I3a, I4a, second_order, 0)
    fill_tables(K, M, acts, C, I2b, J2b, I3b, I4b, second_order, 1)
    out = max(out, np.max(np.abs(I2a - I2b)), np.max(np.abs(J2a - J2b)))
    out = max(out, np.max(np.abs(I3a - I3b)), np.max(np.abs(I4a - I4b)))
    return out


{rhs}

@njit(cache=True)
def rhs(t, y, out, status, K, M, T, A, acts, eta, eta_v, kappa, sigma2, train_v, schedule,
        work_C, work_c, I2, J2, I3, I4):
    """d/dt of the state y = (Q.ravel(), R.ravel(), v) at time t into ``out`` (the rates
    scaled by the learning-rate schedule's factor at t: schedule = (kind, tau, beta, times,
    factors) of odedyn.schedules); the work arrays are preallocated (C: N x N, c: N,
    I2: N x N, J2: K x K, I3: K x N x N, I4: K x K x N x N). A covariance that is not positive
    on its diagonal sets status = (1, k)."""
    Q = y[:K * K].reshape((K, K))
    R = y[K * K:K * K + K * M].reshape((K, M))
    v = y[K * K + K * M:]
    covariance(K, M, Q, R, T, work_C)
    for k in range(K):
        if not work_C[k, k] > 0.0:
            status[0] = 1
            status[1] = k
            return
    for k in range(K):
        work_c[k] = -v[k]
    for m in range(M):
        work_c[K + m] = A[m]
    g = lr_factor(schedule[0], t, schedule[1], schedule[2], schedule[3], schedule[4])
    fill_tables(K, M, acts, work_C, I2, J2, I3, I4, eta != 0.0, 0)
    dQ = out[:K * K].reshape((K, K))
    dR = out[K * K:K * K + K * M].reshape((K, M))
    dv = out[K * K + K * M:]
    ode_loops(K, M, Q, R, v, work_c, I2, J2, I3, I4, eta * g, eta_v * g, kappa, sigma2,
              train_v, dQ, dR, dv)
'''


def module_body(check=False):
    check_closed_forms()
    check_activations()
    u, w = np.polynomial.legendre.leggauss(NODES)
    check_mixture()
    rules = [[mixture_rule(j) for j in js] for js in MIX_J]
    mw = max(len(r[0]) for hs in rules for r in hs)
    quad = QUAD_TEMPLATE.format(
        mix_n=repr([[len(r[0]) for r in hs] for hs in rules]),
        mix_s=repr([[r[0] + [1.0] * (mw - len(r[0])) for r in hs] for hs in rules]),
        mix_w=repr([[r[1] + [0.0] * (mw - len(r[1])) for r in hs] for hs in rules]),
        )
    codes = "LINEAR, ERF, RELU = %d, %d, %d\n" % (LINEAR, ERF, RELU) + "".join(
        "%s = %d\n" % (ACTS[c][0].upper().replace("-", ""), c) for c in ACTS if c > RELU)
    u, w = (u + 1) / 2, w / 2
    rhs, _ = rhs_source()
    body = TEMPLATE.format(
        codes=codes.rstrip(), quad=quad,
        names=", ".join('"%s": %d' % (ACTS[c][0], c) for c in ACTS),
        nodes="[%s]" % ", ".join(repr(float(x)) for x in u),
        weights="[%s]" % ", ".join(repr(float(x)) for x in w),
        e1=table_function("e1", ["var"], E1, ["t"], "E[h(u)], u ~ N(0, var)."),
        d1=table_function("d1", ["var"], D1, ["t"], "E[h'(u)], u ~ N(0, var)."),
        i2=table_function("_i2", ["aa", "ab", "bb"], I2, ["ta", "tb"],
                          "E[h_a(a) h_b(b)] for ta <= tb."),
        hg=table_function("hg", ["bb", "bd", "dd"], HG, ["t"], "E[H(b) h(d)]."),
        hhg=table_function("hhg", ["bb", "bc", "bd", "cc", "cd", "dd"], HHG, ["t"],
                           "E[H(b) H(c) h(d)]."),
        j2=table_function("_j2", ["aa", "ab", "bb"], J2, ["t"],
                          "E[g'(a) g'(b)] in closed form (codes <= RELU)."),
        rhs=rhs)
    return '"""Committee-machine averages and order-parameter equations (teacher-student).\n\n' \
        'Activation codes LINEAR, ERF (erf(x/sqrt 2)), RELU (closed forms), TANH and SIGMOID\n' \
        '(erf scale mixtures), GELU ... HERMITE6 and ERFQUADRATURE (erf by quadrature: the check\n' \
        'of the closed form) by the Gauss-Hermite quadrature of the shared engine odedyn.averages;\n' \
        'see\n' \
        'derivations/committee_averages.py for the derivation, and its compiled integrator\n' \
        '(derivations/integrators.py). Imports\n' \
        'nothing from the family package."""\n' + body + "\n\n" + integrator_source("rhs")


def main(argv=None):
    return generator_main(__doc__.splitlines()[0], [
        ("odedyn/_generated/committee_averages.py", "committee_averages.py", module_body)], argv)


if __name__ == "__main__":
    sys.exit(main())
