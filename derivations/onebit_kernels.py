"""Derive the scalar kernels of the one-bit compression autoencoder and generate their numba code.

Run ``python derivations/onebit_kernels.py`` to (re)write ``odedyn/_generated/onebit_kernels.py``;
``--check`` only reports (exit 1) when the committed module is stale.

What is derived (z, u, v standard Gaussians, corr(u, v) = rho; sign(0) = 0, which is a null
event for a Gaussian field of non-zero variance):

* ``sign_linear``: E[z sign(z)] = 2 int_0^oo z phi(z) dz = sqrt(2/pi). With Stein's lemma this is
  the whole of the encoder-input correlation, E[x sign(b.x)] = sqrt(2/pi) b / |b|.
* ``sign_pair(rho)``, ``sign_pair_slope(rho)``: k(rho) = E[sign(u) sign(v)] and k'(rho). By
  Price's theorem dk/drho = E[d sign(u)/du d sign(v)/dv] = 4 E[delta(u) delta(v)] = 4 p_{u,v}(0, 0)
  = 2 / (pi sqrt(1 - rho^2)); with k(0) = 0 (independent signs) the integral is
  k = (2/pi) asin(rho). The script integrates Price's derivative symbolically and checks
  k(1) = E[sign(u)^2] = 1, i.e. the diagonal needs no special formula.
* ``bg_posterior_mean(y, p, v)``: the posterior-mean denoiser of the Bernoulli-Gaussian prior
  x = s g, s ~ Bernoulli(p), g ~ N(0, 1/p) (E x^2 = 1) observed as y = x + sqrt(v) w, by Bayes'
  rule: E[x | y] = pi1(y) (1/p) / (1/p + v) y, with pi1(y) the posterior weight of the slab,
  written in a form that cannot overflow (a logistic of the log-likelihood ratio).
"""
import sys

import sympy as sp

from codegen import function_source, generator_main, phi

z = sp.Symbol("z", real=True)
rho = sp.Symbol("rho", real=True)
t = sp.Symbol("t", real=True)
y = sp.Symbol("y", real=True)
p, v = sp.symbols("p v", positive=True)


def sign_linear():
    """E[z sign z] for z ~ N(0, 1)."""
    return sp.simplify(2 * sp.integrate(z * phi(z), (z, 0, sp.oo)))


def sign_pair():
    """k(rho) = E[sign u sign v] from Price's theorem, and its derivative."""
    density_at_origin = 1 / (2 * sp.pi * sp.sqrt(1 - t**2))      # p_{u,v}(0, 0) at corr t
    dk = 4 * density_at_origin
    k = sp.integrate(dk, (t, 0, rho))
    k = sp.simplify(k)
    if sp.simplify(k.subs(rho, 1) - 1) != 0:
        raise AssertionError("E[sign(u)^2] should be 1, got %s" % k.subs(rho, 1))
    return k, sp.simplify(sp.diff(k, rho))


def gaussian_density(x, var):
    return sp.exp(-x**2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)


def bg_posterior_mean():
    """E[x | y] for the Bernoulli-Gaussian prior at Gaussian noise of variance v."""
    slab_var = 1 / p
    slab = p * gaussian_density(y, slab_var + v)
    spike = (1 - p) * gaussian_density(y, v)
    log_ratio = sp.expand_log(sp.log(slab / spike), force=True)
    weight = 1 / (1 + sp.exp(-log_ratio))                         # pi1(y), logistic form
    mean = weight * slab_var / (slab_var + v) * y
    bayes = slab / (slab + spike) * slab_var / (slab_var + v) * y
    R = sp.Rational
    for point in ({y: R(3, 10), p: R(1, 10), v: R(1, 2)}, {y: -2, p: R(2, 5), v: R(17, 10)},
                  {y: 5, p: R(9, 10), v: R(1, 5)}):
        gap = float(sp.N((mean - bayes).subs(point), 30))
        if abs(gap) > 1e-20:
            raise AssertionError("logistic form differs from Bayes' rule by %g at %s" % (gap, point))
    return sp.simplify(log_ratio), mean


def module_body():
    c = sign_linear()
    k, dk = sign_pair()
    log_ratio, _ = bg_posterior_mean()
    lr = sp.Symbol("log_ratio", real=True)
    posterior = 1 / (1 + sp.exp(-lr)) * (1 / p) / (1 / p + v) * y
    parts = ['"""Scalar kernels of the one-bit autoencoder (see derivations/onebit_kernels.py)."""\n',
             "import math\n\nfrom numba import njit\n"]
    parts.append("\n\n" + function_source("sign_linear", [], [c],
                                          "E[z sign(z)], z ~ N(0, 1)."))
    parts.append("\n\n" + function_source("sign_pair", ["rho"], [k],
                                          "E[sign(u) sign(v)] at correlation rho."))
    parts.append("\n\n" + function_source("sign_pair_slope", ["rho"], [dk],
                                          "d/drho E[sign(u) sign(v)] (diverges at |rho| = 1)."))
    parts.append("\n\n" + function_source(
        "bg_posterior_mean", ["y", "p", "v"], [posterior],
        "E[x | y = x + sqrt(v) w] for x = Bernoulli(p) N(0, 1/p).",
        prelude=["log_ratio = min(700.0, max(-700.0, %s))" % _print(log_ratio)]))
    return "".join(parts)


def _print(expr):
    from codegen import NumbaPrinter
    return NumbaPrinter({"fully_qualified_modules": True}).doprint(expr)


def main(argv=None):
    return generator_main(__doc__.split("\n")[0], [(
        "odedyn/_generated/onebit_kernels.py", "onebit_kernels.py", lambda check: module_body())],
        argv)


if __name__ == "__main__":
    sys.exit(main())
