"""Derive the smooth activations of the deep autoencoders (seed 003) and generate their kernels.

Run ``python derivations/manifold_activations.py`` to (re)write
``odedyn/_generated/manifold_activations.py``; ``--check`` only reports (exit 1) when the
committed module is stale.

What is derived. Backpropagation through a layer needs each activation g and its slope g'.
Both are written here once as sympy expressions and g' is obtained by differentiation, never
by hand. Every activation is smooth (the paper's networks compute continuous maps; smoothness
makes gradient flow an ODE with a locally Lipschitz right-hand side):

* tanh:     g = tanh z
* sigmoid:  g = 1 / (1 + exp(-z)), written as (1 + tanh(z/2)) / 2 so that g and g' stay
            finite in floating point for every z (the two forms are checked equal here)
* erf:      g = erf(z / sqrt 2)
* gelu:     g = z Phi(z), Phi the standard normal distribution function
* sin:      g = sin z

Each kernel ``<name>_pair(z)`` returns (g(z), g'(z)).
"""
import argparse
import sys

import sympy as sp

from codegen import Phi, function_source, write_module

z = sp.Symbol("z", real=True)

ACTIVATIONS = {
    "tanh": sp.tanh(z),
    "sigmoid": (1 + sp.tanh(z / 2)) / 2,
    "erf": sp.erf(z / sp.sqrt(2)),
    "gelu": z * Phi(z),
    "sin": sp.sin(z),
}


def check_sigmoid_form():
    """The tanh form of the sigmoid is the logistic function (exactly)."""
    logistic = 1 / (1 + sp.exp(-z))
    assert sp.simplify((ACTIVATIONS["sigmoid"] - logistic).rewrite(sp.exp)) == 0


def module_body():
    parts = ['"""Smooth activations and their slopes for odedyn.manifold (deep autoencoders)."""\n',
             "import math\n\nfrom numba import njit\n\n",
             "#: activation names, in the order of their integer codes\n",
             "ACTIVATIONS = (%s)\n" % "".join('"%s", ' % name for name in ACTIVATIONS)]
    for name, g in ACTIVATIONS.items():
        slope = sp.diff(g, z)
        parts.append("\n\n" + function_source(
            name + "_pair", ["z"], [g, slope], "(g(z), g'(z)) for g = %s." % sp.sstr(g)))
    return "".join(parts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed module is stale")
    args = ap.parse_args(argv)
    check_sigmoid_form()
    rel = "odedyn/_generated/manifold_activations.py"
    ok = write_module(rel, "manifold_activations.py", module_body(), check=args.check)
    if args.check and not ok:
        print("%s is stale: run python derivations/manifold_activations.py" % rel, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
