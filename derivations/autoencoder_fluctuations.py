"""Derive the Gaussian averages of the shallow autoencoder's finite-size expansion with their
exact derivatives, and generate their numba kernels.

Run ``python derivations/autoencoder_fluctuations.py`` to (re)write
``odedyn/_generated/autoencoder_fluctuations.py``; ``--check`` only reports (exit 1) when the
committed module is stale.

The drift of odedyn/autoencoder/kernels.py (centred fields, no bias) needs, over lambda ~ N(0, Q),

    beta_k = E g'(lambda_k),   e3_k = E g'''(lambda_k),
    G_kl = E g_k g_l,   P_kl = E g'_k g'_l,   S_kl = E g''(lambda_k) g(lambda_l)

(F = E g'_k g_l vanishes for centred odd activations). For erf, g(x) = erf(x / sqrt 2):
E g' = sqrt(2/pi) / sqrt(1 + q), and Price's theorem (dE[phi]/dq = E[phi'']/2 for a variance)
gives E g''' = 2 d/dq E g'; G = (2/pi) asin(r / sqrt((1 + q1)(1 + q2))), P = dG/dr and
S = 2 dG/dq1 (the derivative in the variance of the field carrying g''). On the diagonal (one
field twice, k = l) the same functions hold at r = q1 = q2 = q (the joint law is the limit of
the two-field one and every form is smooth there: the erf correlations carry the +1). Linear:
beta = 1, e3 = S = 0, P = 1, G = r.

For each form sympy writes the value with its gradient and Hessian in the arguments (q for one
field; q1, r, q2 for two fields, with a separate diagonal form in q), so that the family's
expansion (odedyn/autoencoder/fluctuations.py) differentiates its drift exactly through them.
"""
import sys

import sympy as sp

from codegen import derivative_source, generator_main

q = sp.Symbol("q", positive=True)           # a variance
q1, q2, r = sp.symbols("q1 q2 r", real=True)
SQ2PI = sp.sqrt(2 / sp.pi)


def erf_forms():
    G = 2 / sp.pi * sp.asin(r / sp.sqrt((1 + q1) * (1 + q2)))
    beta = SQ2PI / sp.sqrt(1 + q)
    pair = {"G": G, "P": sp.diff(G, r), "S": 2 * sp.diff(G, q1)}
    diag = {k: v.subs({q1: q, q2: q, r: q}) for k, v in pair.items()}
    single = {"beta": beta, "e3": 2 * sp.diff(beta, q)}
    return single, pair, diag


def linear_forms():
    single = {"beta": sp.S.One, "e3": sp.S.Zero}
    pair = {"G": r, "P": sp.S.One, "S": sp.S.Zero}
    diag = {"G": q, "P": sp.S.One, "S": sp.S.Zero}
    return single, pair, diag


def module_body(check=False):
    parts = ['"""Gaussian averages of the shallow autoencoder\'s finite-size expansion with exact\n'
             'gradients and Hessians (generated; see derivations/autoencoder_fluctuations.py).\n'
             'Imports nothing from the family package."""\n',
             "import math\n\nfrom numba import njit\n"]
    for act, forms in (("erf", erf_forms()), ("linear", linear_forms())):
        single, pair, diag = forms
        for name, expr in single.items():
            parts.append("\n\n" + derivative_source("%s_%s" % (name, act), (q,), expr))
        for name, expr in pair.items():
            parts.append("\n\n" + derivative_source("%s_%s" % (name, act), (q1, r, q2), expr))
        for name, expr in diag.items():
            parts.append("\n\n" + derivative_source("%s_diag_%s" % (name, act), (q,), expr))
    return "".join(parts)


def main(argv=None):
    return generator_main(__doc__.splitlines()[0], [
        ("odedyn/_generated/autoencoder_fluctuations.py", "autoencoder_fluctuations.py",
         module_body)], argv)


if __name__ == "__main__":
    sys.exit(main())
