"""Derive the scalar averages of the one-bit multi-layer decoder (vector AMP for y = sign(B x))
and generate their numba code.

Run ``python derivations/onebit_amp.py`` to (re)write ``odedyn/_generated/onebit_amp.py``;
``--check`` only reports (exit 1) when the committed module is stale. The algorithm and its state
evolution are in odedyn/onebit/amp.py and odedyn/onebit/state_evolution.py; this script derives
the entrywise maps they apply and the integrands of their averages.

Prior side (x = s g, s ~ Bernoulli(p), g ~ N(0, 1/p), observed as y = x + sqrt(v) w):

* ``bg_posterior(y, p, v)``: E[x | y] (as onebit_kernels.bg_posterior_mean) and
  Var[x | y] = pi1 (m1^2 + s1) - (pi1 m1)^2, with pi1(y) the posterior weight of the slab (the
  logistic form), m1 = (1/p) y / (1/p + v) and s1 = (1/p) v / (1/p + v) the slab's posterior mean
  and variance. The script checks Tweedie's identity d E[x | y] / dy = Var[x | y] / v (at
  rational points, to 30 digits): the divergence (Onsager term) of the denoiser is its posterior variance
  over v, so the scalar MMSE and the mean divergence are one integral, mmse(v) = v E[eta'].

Output side (z = Bx entrywise, seen through the message z ~ N(p, v) and y = sign z):

* ``sign_posterior(p, v, y)``: mean and variance of z ~ N(p, v) conditioned on y z > 0, derived
  by integrating the Gaussian density over the half line with sympy and rewritten with the
  inverse Mills ratio lam(t) = phi(t) / Phi(t) at t = y p / sqrt(v):
  E = p + y sqrt(v) lam(t), Var = v (1 - lam(t) (lam(t) + t)). (Checked against the integrals.)
  lam(t) = 1 / R(-t) with R = special.mills_ratio, so neither tail over- or underflows.
* ``sign_information(t)``: the average over y of P(y | p) Var[z | p, y] / v is
  1 - phi(t)^2 / (Phi(t) Phi(-t)) (t = p / sqrt(v); the t phi(t) terms of the two signs cancel,
  checked symbolically). sign_information(t) = phi(t)^2 / (Phi(t) Phi(-t)) = 1 / (R(t) R(-t)), so
  the output-side MMSE is v (1 - E_p[sign_information(p / sqrt v)]) with p ~ N(0, 1 - v): a
  one-dimensional integral, done by composite Gauss-Legendre quadrature in state_evolution.py.
"""
import sys

import sympy as sp

from codegen import NumbaPrinter, Phi, function_source, generator_main, phi

y, zz = sp.symbols("y z", real=True)
p, v = sp.symbols("p v", positive=True)
m = sp.Symbol("m", real=True)                 # the mean of the Gaussian message on z
t = sp.Symbol("t", real=True)
sgn = sp.Symbol("sgn", real=True)              # the observed sign, +-1
lam = sp.Symbol("lam", positive=True)          # inverse Mills ratio at t, a runtime value
R = sp.Rational


class mills_ratio(sp.Function):
    """R(s) = Phi(-s) / phi(s), printed as a call to odedyn.special.mills_ratio."""

    nargs = 1

    def _eval_evalf(self, prec):
        s = self.args[0]
        return (Phi(-s) / phi(s)).evalf(prec)

    def _pythoncode(self, printer):
        return "mills_ratio(%s)" % printer._print(self.args[0])



def gaussian_density(x, mean, var):
    return sp.exp(-(x - mean)**2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)


def bg_posterior():
    """(log prior ratio, posterior mean, posterior variance) of the Bernoulli-Gaussian prior."""
    slab_var = 1 / p
    slab = p * gaussian_density(y, 0, slab_var + v)
    spike = (1 - p) * gaussian_density(y, 0, v)
    log_ratio = sp.simplify(sp.expand_log(sp.log(slab / spike), force=True))
    lr = sp.Symbol("log_ratio", real=True)
    weight = 1 / (1 + sp.exp(-lr))
    m1 = slab_var / (slab_var + v) * y
    s1 = slab_var * v / (slab_var + v)
    mean = weight * m1
    var = weight * (m1**2 + s1) - (weight * m1)**2
    # Tweedie: d mean / dy = var / v, with pi1 written through Bayes' rule
    bayes = slab / (slab + spike)
    mean_b, var_b = (e.subs(lr, sp.log(bayes / (1 - bayes))) for e in (mean, var))
    slope = sp.diff(mean_b, y)
    for point in ({y: R(3, 10), p: R(1, 10), v: R(1, 2)}, {y: -2, p: R(2, 5), v: R(17, 10)},
                  {y: 5, p: R(9, 10), v: R(1, 5)}, {y: R(7, 3), p: R(1, 20), v: 4}):
        gap = float(sp.N((slope - var_b / v).subs(point), 30))
        if abs(gap) > 1e-20:
            raise AssertionError("Tweedie's identity fails by %g at %s" % (gap, point))
    return log_ratio, mean, var


def sign_posterior():
    """Mean and variance of z ~ N(m, v) given sgn z > 0 (sgn = +-1), in the Mills-ratio form."""
    s = sp.sqrt(v)
    for sign in (1, -1):
        lower, upper = (0, sp.oo) if sign == 1 else (-sp.oo, 0)
        dens = gaussian_density(zz, m, v)
        mass = sp.integrate(dens, (zz, lower, upper))
        first = sp.integrate(zz * dens, (zz, lower, upper)) / mass
        second = sp.integrate(zz**2 * dens, (zz, lower, upper)) / mass
        tt = sign * m / s
        lam_t = phi(tt) / Phi(tt)
        mean_form = m + sign * s * lam_t
        var_form = v * (1 - lam_t * (lam_t + tt))
        for point in ({m: R(3, 10), v: R(1, 2)}, {m: -2, v: R(17, 10)}, {m: R(5, 2), v: R(1, 5)}):
            for a, b in ((first, mean_form), (second - first**2, var_form)):
                gap = float(sp.N((a - b).subs(point), 30))
                if abs(gap) > 1e-20:
                    raise AssertionError("truncated-Gaussian moment differs by %g at %s" % (gap, point))
    # the forms for both signs in terms of sgn, t = sgn m / sqrt v and lam = lam(t)
    mean = m + sgn * s * lam
    var = v * (1 - lam * (lam + t))
    return mean, var


def sign_information():
    """E_y[P(y | m) Var(z | m, y)] / v = 1 - phi(t)^2 / (Phi(t) Phi(-t)), t = m / sqrt(v)."""
    total = 0
    for sign in (1, -1):
        tt = sign * t
        lam_t = phi(tt) / Phi(tt)
        total += Phi(tt) * (1 - lam_t * (lam_t + tt))
    info = phi(t)**2 / (Phi(t) * Phi(-t))
    if sp.simplify(sp.expand(total - (1 - info))) != 0:
        raise AssertionError("the sign channel's averaged posterior variance is not 1 - info")
    alt = 1 / (mills_ratio(t) * mills_ratio(-t))
    for point in (R(-3, 2), 0, R(7, 10), 4):
        gap = float(sp.N((info - alt).subs(t, point), 30))
        if abs(gap) > 1e-20:
            raise AssertionError("Mills-ratio form of the information differs at t = %s" % point)
    return alt


def _print(expr):
    return NumbaPrinter({"fully_qualified_modules": True}).doprint(expr)


def module_body():
    log_ratio, mean, var = bg_posterior()
    mean_z, var_z = sign_posterior()
    info = sign_information()
    parts = ['"""Scalar maps of the one-bit multi-layer decoder (see derivations/onebit_amp.py)."""\n',
             "import math\n\nfrom numba import njit\n\nfrom ..special import mills_ratio\n"]
    parts.append("\n\n" + function_source(
        "bg_posterior", ["y", "p", "v"], [mean, var],
        "(E, Var)[x | y = x + sqrt(v) w] for x = Bernoulli(p) N(0, 1/p) (Var = v dE/dy).",
        prelude=["log_ratio = min(700.0, max(-700.0, %s))" % _print(log_ratio)]))
    parts.append("\n\n" + function_source(
        "sign_posterior", ["m", "v", "sgn"], [mean_z, sp.Max(var_z, 0)],
        "(E, Var) of z ~ N(m, v) given sign(z) = sgn (+-1).",
        prelude=["t = sgn * m / math.sqrt(v)", "lam = 1.0 / mills_ratio(-t)"]))
    parts.append("\n\n" + function_source(
        "sign_information", ["t"], [info],
        "phi(t)^2 / (Phi(t) Phi(-t)): 1 - the sign channel's mean posterior variance / v."))
    return "".join(parts)


def main(argv=None):
    return generator_main(__doc__.split("\n")[0], [(
        "odedyn/_generated/onebit_amp.py", "onebit_amp.py", lambda check: module_body())], argv)


if __name__ == "__main__":
    sys.exit(main())
