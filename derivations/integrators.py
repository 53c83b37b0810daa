"""The compiled Dormand-Prince 5(4) integrator as a template, instantiated by a family's
derivation script inside the generated module that holds the family's right-hand side.

Not a script: ``integrator_source(rhs)`` returns the source of ``integrate``, which calls the
function named ``rhs`` of the same module; the module imports ``math``, ``numpy as np``,
``numba.njit`` and ``A, B, C, E`` from odedyn.dopri (``INTEGRATOR_IMPORTS``).

Why a template in the family's module: numba caches a compiled function only if it lives in a
real file and does not take another compiled function as an argument (measured: such a function
is recompiled in every new process, 0.8 s); and a generated module must not import from a
family package. So the stepping loop is written once, here, and printed next to each family's
generated right-hand side. The template is the Dormand-Prince 5(4) pair with
first-same-as-last, an elementary step-size controller, and steps clipped to land exactly on
the output times; its Butcher tableau lives in odedyn/dopri.py.

The right-hand side protocol: ``rhs(y, dy, status, *args) -> float`` writes dy/dt into dy (no
time dependence) and reports trouble through ``status``, an int64 array whose first entry it
sets non-zero.
"""

INTEGRATOR_IMPORTS = ("import math\n\nimport numpy as np\nfrom numba import njit\n\n"
                      "from odedyn.dopri import A, B, C, E\n")

TEMPLATE = '''@njit(cache=True)
def integrate(y0, times, rtol, atol, max_steps, out, status, args):
    """Integrate dy/dt = rhs(y) from times[0]; write the states at ``times`` into ``out``.
    ``args`` are passed on to the right-hand side after ``status``. Returns (rhs evaluations,
    accepted steps, code, t): code 0 = success, 1 = the right-hand side reported trouble in
    ``status`` at time t, 2 = step size underflow at t, 3 = too many steps, 4 = non-finite state
    at t."""
    n = y0.shape[0]
    y = y0.copy()
    k = np.empty((7, n))
    ytmp = np.empty(n)
    ynew = np.empty(n)
    t = times[0]
    out[0, :] = y
    nfev = 1
    {rhs}(y, k[0], status, *args)
    if status[0] != 0:
        return nfev, 0, 1, t
    # initial step from the scale of y and dy/dt
    d0 = 0.0
    d1 = 0.0
    for i in range(n):
        sc = atol + rtol * abs(y[i])
        d0 += (y[i] / sc) ** 2
        d1 += (k[0, i] / sc) ** 2
    d0 = math.sqrt(d0 / n)
    d1 = math.sqrt(d1 / n)
    h = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    steps = 0
    for j in range(1, times.shape[0]):
        t_out = times[j]
        while t < t_out:
            if steps >= max_steps:
                return nfev, steps, 3, t
            last = h >= t_out - t
            hs = t_out - t if last else h
            for s in range(1, 7):
                for i in range(n):
                    acc = 0.0
                    for r in range(s):
                        acc += A[s, r] * k[r, i]
                    ytmp[i] = y[i] + hs * acc
                {rhs}(ytmp, k[s], status, *args)
                nfev += 1
                if status[0] != 0:
                    return nfev, steps, 1, t + C[s] * hs
            err = 0.0
            for i in range(n):
                acc = 0.0
                for r in range(6):
                    acc += B[r] * k[r, i]
                ynew[i] = y[i] + hs * acc
                e = 0.0
                for r in range(7):
                    e += E[r] * k[r, i]
                sc = atol + rtol * max(abs(y[i]), abs(ynew[i]))
                err += (hs * e / sc) ** 2
            err = math.sqrt(err / n)
            if not math.isfinite(err):
                h = 0.2 * hs
            elif err <= 1.0:
                t = t_out if last else t + hs
                steps += 1
                for i in range(n):
                    y[i] = ynew[i]
                    k[0, i] = k[6, i]  # first same as last
                factor = 5.0 if err == 0.0 else min(5.0, max(0.2, 0.9 * err ** -0.2))
                h = hs * factor if not last or factor < 1.0 else max(h, hs * factor)
            else:
                h = hs * max(0.2, 0.9 * err ** -0.2)
            if h < 1e-14 * max(1.0, abs(t)):
                return nfev, steps, 2, t
        for i in range(n):
            if not math.isfinite(y[i]):
                return nfev, steps, 4, t
        out[j, :] = y
    return nfev, steps, 0, t
'''


def integrator_source(rhs="rhs"):
    """Source of the compiled ``integrate`` calling the right-hand side named ``rhs``."""
    return TEMPLATE.format(rhs=rhs)
