"""Derive the named activations and their derivatives, and generate their numba kernels.

Run ``python derivations/activations.py`` to (re)write ``odedyn/_generated/activations.py``;
``--check`` only reports (exit 1) when the committed module is stale.

One registry for every family (the committee and the autoencoder use the same names and codes):
an activation is a sympy expression g(x); its derivatives g', g'', g''' are sympy's. Where the
definition would overflow in floating point (exp of a large argument) a rewriting is printed
instead, and ``check_activations`` proves it equal to the definition (and its derivatives to
the definition's) at 40 digits before anything is written. The codes below RELU + 1 (linear,
erf, relu) have closed-form averages in the families; the others are averaged by the
deterministic quadrature of odedyn.averages, and so is ``erf-quadrature``: erf(x/sqrt 2) again,
registered under its own code so that the quadrature path can be held against the closed form.

ReLU's second and third derivatives are distributions (delta, delta'): they are never evaluated
pointwise (its averages are closed forms), and the kernels return NaN for them.
"""
import sys

import sympy as sp

from codegen import NumbaPrinter, generator_main

LINEAR, ERF, RELU = 0, 1, 2
X = sp.Symbol("x", real=True)


def hermite(k):
    """Probabilists' Hermite He_k(x) / sqrt(k!) (orthonormal under N(0, 1))."""
    return sp.horner(sp.expand(sp.hermite_prob(k, X))) / sp.sqrt(sp.factorial(k))


def _sig(x):
    return (1 + sp.tanh(x / 2)) / 2   # = 1 / (1 + exp(-x)), without overflow


# code: (name, definition g(x), printed g or None = the definition, printed g' or None = the
# sympy derivative of the definition). Higher derivatives are those of the printed g'.
ACTS = {
    LINEAR: ("linear", X, None, None),
    ERF: ("erf", sp.erf(X / sp.sqrt(2)), None, None),
    RELU: ("relu", sp.Max(X, 0), None, None),
    3: ("tanh", sp.tanh(X), None, None),
    4: ("sigmoid", 1 / (1 + sp.exp(-X)), _sig(X), (1 - sp.tanh(X / 2)**2) / 4),
    5: ("softplus", sp.log(1 + sp.exp(X)), sp.Max(X, 0) + sp.log(1 + sp.exp(-sp.Abs(X))),
        _sig(X)),
    6: ("gelu", X * (1 + sp.erf(X / sp.sqrt(2))) / 2, None, None),
    7: ("silu", X / (1 + sp.exp(-X)), X * _sig(X), _sig(X) + X * (1 - sp.tanh(X / 2)**2) / 4),
    8: ("quadratic", X**2, None, None),
}
for _k in range(1, 7):
    ACTS[8 + _k] = ("hermite-%d" % _k, hermite(_k), None, None)
ERF_QUADRATURE = 15
ACTS[ERF_QUADRATURE] = ("erf-quadrature", sp.erf(X / sp.sqrt(2)), None, None)
#: how many derivatives are printed (g, g', g'', g''')
DERIVS = 4


def act_forms(code):
    """[g, g', g'', g'''] as printed for activation ``code`` (None: not pointwise, ReLU's
    distributional g'', g''')."""
    name, g, pg, pdg = ACTS[code]
    out = [g if pg is None else pg, sp.diff(g, X) if pdg is None else pdg]
    for _ in range(DERIVS - 2):
        out.append(None if code == RELU else sp.diff(out[-1], X))
    return out


def check_activations(tol=1e-25):
    """Every printed form equal to the definition's derivative of the same order, at 40 digits
    on points from -30 to 40 (-20 to 20 for g'', g''')."""
    for code, (name, g, _, _) in ACTS.items():
        forms = act_forms(code)
        target = g
        for der, printed in enumerate(forms):
            if der:
                target = sp.diff(target, X)
            if printed is None or (der == 0 and printed == g):
                continue
            for x0 in ((-30, -7.3, -1.1, 0.3, 2.9, 12, 40) if der < 2 else (-20, -1.1, 0.3, 7, 20)):
                a = sp.N(printed.subs(X, sp.Float(x0, 40)), 40)
                b = sp.N(target.subs(X, sp.Float(x0, 40)), 40)
                if not abs(a - b) <= tol * max(1, abs(b)):
                    raise AssertionError("%s: printed g^(%d) off by %s at %s" % (name, der, a - b, x0))


def pr(expr):
    return NumbaPrinter({"fully_qualified_modules": True}).doprint(expr)


FUNCTION_NAMES = ("act", "dact", "d2act", "d3act")


def act_function(der):
    """numba source of the der-th derivative of activation code t at x."""
    name = FUNCTION_NAMES[der]
    lines = ["@njit(cache=True)", "def %s(t, x):" % name,
             '    """g%s of activation code t at x."""' % ("'" * der)]
    for code in ACTS:
        form = act_forms(code)[der]
        if form is None:
            continue
        lines.append("    if t == %d:" % code)
        lines.append("        return %s" % pr(form))
    lines.append("    return math.nan")
    return "\n".join(lines) + "\n"


def jet_function():
    """numba source of jet(t, x) = (g, g', g'', g''') of activation code t at x in one call,
    common subexpressions shared (the quadrature evaluates all of them at every node)."""
    lines = ["@njit(cache=True)", "def jet(t, x):",
             '    """(g, g\', g\'\', g\'\'\') of activation code t at x in one call (ReLU: NaN '
             'for the last two)."""']
    for code in ACTS:
        forms = act_forms(code)
        known = [f for f in forms if f is not None]
        subs, reduced = sp.cse(known, symbols=sp.numbered_symbols("s"), optimizations="basic")
        printed = iter("float(%s)" % pr(f) for f in reduced)
        lines.append("    if t == %d:" % code)
        for sym, expr in subs:
            lines.append("        %s = %s" % (sym, pr(expr)))
        lines.append("        return (%s)" % ", ".join(
            "math.nan" if f is None else next(printed) for f in forms))
    lines.append("    return (math.nan, math.nan, math.nan, math.nan)")
    return "\n".join(lines) + "\n"


def module_body(check=False):
    check_activations()
    codes = "".join("%s = %d\n" % (ACTS[c][0].upper().replace("-", "_"), c) for c in ACTS)
    names = "\n".join('    "%s": %d,' % (ACTS[c][0], c) for c in ACTS)
    parts = ['"""The named activations of every family and their derivatives g, g\', g\'\', '
             'g\'\'\' (see\nderivations/activations.py). Codes up to RELU have closed-form '
             'averages; the others\nare averaged by odedyn.averages."""\n',
             "import math\n\nfrom numba import njit\n\n", codes,
             "#: activation name -> code (the names of the CONFIG's ``activation``)\n"
             "ACTIVATIONS = {\n%s\n}\n" % names,
             "#: codes whose averages are closed forms\nCLOSED_FORM = (LINEAR, ERF, RELU)\n"]
    for der in range(DERIVS):
        parts.append("\n\n" + act_function(der))
    parts.append("\n\n" + jet_function())
    parts.append('''

@njit(cache=True)
def act_der(t, der, x):
    """g^(der) of activation code t at x (der = 0 ... 3)."""
    if der == 0:
        return act(t, x)
    if der == 1:
        return dact(t, x)
    if der == 2:
        return d2act(t, x)
    return d3act(t, x)
''')
    return "".join(parts)


def main(argv=None):
    return generator_main(__doc__.splitlines()[0], [
        ("odedyn/_generated/activations.py", "activations.py", module_body)], argv)


if __name__ == "__main__":
    sys.exit(main())
