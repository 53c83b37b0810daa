"""The compiled explicit Runge-Kutta integrator as a template, printed by a family's derivation
script into the generated module that holds the family's right-hand side.

Not a script: ``integrator_source(rhs)`` returns the source of ``integrate``, which calls the
function named ``rhs`` of the same module; the module imports ``math``, ``numpy as np`` and
``numba.njit`` (``INTEGRATOR_IMPORTS``).

Why a template in the family's module: numba caches a compiled function only if it lives in a
real file and does not take another compiled function (a dispatcher) as an argument (measured:
such a function is recompiled in every new process, 0.8 s); and a generated module must not
import from a family package. So the stepping loop is written once, here, and printed next to
each family's generated right-hand side. The method is data: the Butcher tableau (odedyn/
tableaus.py) comes in as arrays, so one loop runs Dormand-Prince 5(4), Bogacki-Shampine 3(2),
or fixed-step RK4 and Euler. Steps are clipped to land exactly on the output times, so every
reported value is a step end point that the error control covers (no interpolant).

The loop is resumable: it stops after ``budget`` steps and keeps its state in ``y``, ``clock``
and ``k``, so that the Python driver (odedyn.integrate) can show progress and answer Ctrl-C
between calls at no cost to the compiled loop.

The right-hand side protocol: ``rhs(t, y, dy, status, *args)`` writes dy/dt into dy and reports
trouble through ``status``, an int64 array whose first entry it sets non-zero (its return value
is ignored).
"""

INTEGRATOR_IMPORTS = "import math\n\nimport numpy as np\nfrom numba import njit\n"

TEMPLATE = '''@njit(cache=True)
def integrate(times, j, y, clock, rtol, atol, budget, out, status, args, A, B, C, E, exponent,
              fsal, adaptive, k):
    """Advance dy/dt = {rhs}(t, y) from t = clock[0] towards times[j], times[j + 1], ...,
    writing the state at each into out[j], for at most ``budget`` tried steps (explicit
    Runge-Kutta with tableau A, B, C, E; odedyn.integrate drives it). State kept between calls:
    ``y``; clock = [t, step size (adaptive: the next one to try, 0 = choose; fixed: the
    largest), 1 if k[0] holds the derivative at (t, y) else 0, the latest time the right-hand
    side may see (stage times are clipped to it)]. Returns (rhs evaluations, accepted steps,
    code, j): code 0 = done, 1 = the right-hand side reported trouble in ``status``, 2 = step
    size underflow, 4 = non-finite state, 5 = budget used up (call again); clock[0] is the
    time reached."""
    n = y.shape[0]
    S = C.shape[0]
    ytmp = np.empty(n)
    ynew = np.empty(n)
    t = clock[0]
    h = clock[1]
    t_see = clock[3]
    nfev = 0
    steps = 0
    tries = 0
    if clock[2] == 0.0:
        {rhs}(min(t, t_see), y, k[0], status, *args)
        nfev += 1
        clock[2] = 1.0
        if status[0] != 0:
            return nfev, steps, 1, j
    if adaptive and h <= 0.0:  # initial step from the scale of y and dy/dt
        d0 = 0.0
        d1 = 0.0
        for i in range(n):
            sc = atol + rtol * abs(y[i])
            d0 += (y[i] / sc) ** 2
            d1 += (k[0, i] / sc) ** 2
        d0 = math.sqrt(d0 / n)
        d1 = math.sqrt(d1 / n)
        h = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    while j < times.shape[0]:
        t_out = times[j]
        while t < t_out:
            if tries >= budget:
                clock[0] = t
                clock[1] = h
                return nfev, steps, 5, j
            if adaptive:
                last = h >= t_out - t
                hs = t_out - t if last else h
            else:  # equal steps of at most h that land on t_out
                m = math.ceil((t_out - t) / h - 1e-9)
                hs = (t_out - t) / max(m, 1)
                last = m <= 1
            for s in range(1, S):
                for i in range(n):
                    acc = 0.0
                    for r in range(s):
                        acc += A[s, r] * k[r, i]
                    ytmp[i] = y[i] + hs * acc
                {rhs}(min(t + C[s] * hs, t_see), ytmp, k[s], status, *args)
                nfev += 1
                if status[0] != 0:
                    clock[0] = t
                    return nfev, steps, 1, j
            err = 0.0
            for i in range(n):
                acc = 0.0
                for r in range(S):
                    acc += B[r] * k[r, i]
                ynew[i] = y[i] + hs * acc
                if adaptive:
                    e = 0.0
                    for r in range(S):
                        e += E[r] * k[r, i]
                    sc = atol + rtol * max(abs(y[i]), abs(ynew[i]))
                    err += (hs * e / sc) ** 2
                elif not math.isfinite(ynew[i]):
                    clock[0] = t
                    return nfev, steps, 4, j
            tries += 1
            err = math.sqrt(err / n)
            if not math.isfinite(err):
                h = 0.2 * hs
            elif err <= 1.0:
                t = t_out if last else t + hs
                steps += 1
                for i in range(n):
                    y[i] = ynew[i]
                if fsal:
                    for i in range(n):
                        k[0, i] = k[S - 1, i]
                else:
                    {rhs}(min(t, t_see), y, k[0], status, *args)
                    nfev += 1
                    if status[0] != 0:
                        clock[0] = t
                        return nfev, steps, 1, j
                if adaptive:
                    factor = 5.0 if err == 0.0 else min(5.0, max(0.2, 0.9 * err ** -exponent))
                    h = hs * factor if not last or factor < 1.0 else max(h, hs * factor)
            else:
                h = hs * max(0.2, 0.9 * err ** -exponent)
            if adaptive and h < 1e-14 * max(1.0, abs(t)):
                clock[0] = t
                return nfev, steps, 2, j
        for i in range(n):
            if not math.isfinite(y[i]):
                clock[0] = t
                return nfev, steps, 4, j
            out[j, i] = y[i]
        j += 1
    clock[0] = t
    clock[1] = h
    return nfev, steps, 0, j
'''


def integrator_source(rhs="rhs"):
    """Source of the compiled ``integrate`` calling the right-hand side named ``rhs``."""
    return TEMPLATE.format(rhs=rhs)
