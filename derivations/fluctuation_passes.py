"""Generate the compiled passes of the finite-size expansion (odedyn/fluctuations.py): the
linear equations of the fluctuation covariance S and of the mean correction mu along a theory
curve whose coefficients come in as a piecewise polynomial of time, with the compiled
Runge-Kutta integrator of derivations/integrators.py printed beside them.

Run ``python derivations/fluctuation_passes.py`` to (re)write
``odedyn/_generated/fluctuation_passes.py``; ``--check`` only reports (exit 1) when the
committed module is stale.

Nothing is derived symbolically here: the equations are the shared engine's (for n order
parameters, J = df/dm, B the noise, F the force of mu and H = H[S]/2),

    mode 0   y = S (n x n, row-major)      dS/dt  = J S + S J^T + B
    mode 1   y = (mu, mu_H) (2 n)          dmu/dt = J mu + F,   dmu_H/dt = J mu_H + H

and the coefficients at time t are the columns of a piecewise polynomial in the local power
basis (scipy's PPoly layout: breakpoints x, coefficients c[order, interval, column], highest
power first): mode 0 columns J (n^2) then B (n^2); mode 1 columns J (n^2), F (n), H (n). The
module exists so that the integrator loop, which numba caches only beside a right-hand side it
calls by name, runs these passes without a Python call per evaluation.
"""
import sys

from codegen import generator_main
from integrators import INTEGRATOR_IMPORTS, integrator_source

RHS = '''

@njit(cache=True)
def coefficients(t, x, c, out):
    """The columns of the piecewise polynomial (x, c) at t into ``out`` (t clipped to the
    breakpoints' range)."""
    nint = x.shape[0] - 1
    lo, hi = 0, nint - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if x[mid] <= t:
            lo = mid
        else:
            hi = mid - 1
    dt = min(max(t, x[0]), x[nint]) - x[lo]
    order = c.shape[0]
    for col in range(c.shape[2]):
        acc = c[0, lo, col]
        for p in range(1, order):
            acc = acc * dt + c[p, lo, col]
        out[col] = acc


@njit(cache=True)
def rhs(t, y, dy, status, x, c, n, mode, work):
    """dS/dt (mode 0) or d(mu, mu_H)/dt (mode 1), see the module docstring; ``work`` holds
    the coefficients (one entry per column)."""
    coefficients(t, x, c, work)
    nn = n * n
    if mode == 0:
        for i in range(n):
            for j in range(n):
                acc = work[nn + i * n + j]
                for k in range(n):
                    acc += work[i * n + k] * y[k * n + j] + y[i * n + k] * work[j * n + k]
                dy[i * n + j] = acc
    else:
        for i in range(n):
            a = work[nn + i]
            b = work[nn + n + i]
            for k in range(n):
                a += work[i * n + k] * y[k]
                b += work[i * n + k] * y[n + k]
            dy[i] = a
            dy[n + i] = b
'''


def module_body(check=False):
    doc = ('"""The compiled passes of the finite-size expansion: S and mu along a theory curve '
           'from\npiecewise-polynomial coefficients (generated; see '
           'derivations/fluctuation_passes.py, driven\nby odedyn/fluctuations.py through '
           'odedyn.integrate). Imports nothing from a family package."""\n')
    return doc + INTEGRATOR_IMPORTS + RHS + "\n\n" + integrator_source("rhs")


def main(argv=None):
    return generator_main(__doc__.splitlines()[0], [
        ("odedyn/_generated/fluctuation_passes.py", "fluctuation_passes.py", module_body)],
        argv)


if __name__ == "__main__":
    sys.exit(main())
