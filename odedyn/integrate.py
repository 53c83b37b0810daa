"""The shared integrator. Owns: turning a right-hand side into a trajectory at requested output
times, with a compiled Dormand-Prince 5(4) loop (``method="dopri5"``, the default: the template
derivations/integrators.py printed into each family's generated module), scipy's ``solve_ivp``
(the reference path, any of its methods), or a fixed-step classical Runge-Kutta scheme (an
independent check); and stopping with a NumericalError that says when and what went wrong
instead of returning garbage.

A Python right-hand side is a callable ``f(t, y) -> dy/dt`` that may raise NumericalError.
"""
import numpy as np
from scipy.integrate import solve_ivp

from .errors import NumericalError

COMPILED = "dopri5"
SCIPY_METHODS = ("RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")
METHODS = (COMPILED,) + SCIPY_METHODS
DEFAULT_RTOL = 1e-9
DEFAULT_ATOL = 1e-12
MAX_STEPS = 10_000_000


def output_times(t_max, n_times=60, t_first=None, extra=()):
    """0, then ``n_times`` log-spaced times from ``t_first`` (default t_max / 1000) to t_max,
    plus any ``extra`` times, sorted and without duplicates."""
    if not t_max > 0:
        raise ValueError("t_max must be positive, got %r" % (t_max,))
    t_first = t_max / 1000.0 if t_first is None else t_first
    times = np.concatenate([[0.0], np.geomspace(t_first, t_max, int(n_times)),
                            np.asarray(extra, dtype=float)])
    return np.unique(times[(times >= 0) & (times <= t_max)])


def _check(t, y, names=None):
    bad = ~np.isfinite(y)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = names(i) if names else "component %d" % i
        raise NumericalError(t, "non-finite state (%s = %r)" % (where, y[i]))


def solve_compiled(integrate, y0, times, status, args, trouble, rtol=DEFAULT_RTOL,
                   atol=DEFAULT_ATOL):
    """Run a generated compiled integrator (see derivations/integrators.py) with the right-hand
    side's ``status`` array and further ``args``; ``trouble()`` describes what the right-hand
    side reported. Returns (states at times, RHS evaluations)."""
    times = np.asarray(times, dtype=float)
    y0 = np.ascontiguousarray(y0, dtype=float)
    _check(times[0], y0)
    out = np.empty((len(times), len(y0)))
    nfev, steps, code, t = integrate(y0, times, float(rtol), float(atol), MAX_STEPS, out, status,
                                     args)
    if code == 1:
        raise NumericalError(t, trouble())
    if code == 2:
        raise NumericalError(t, "step size underflow (the equations became stiff or singular)")
    if code == 3:
        raise NumericalError(t, "more than %d steps" % MAX_STEPS)
    if code == 4:
        raise NumericalError(t, "non-finite state")
    return out, int(nfev)


def solve(rhs, y0, times, method="DOP853", rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL, names=None):
    """Integrate from times[0] and return the states at ``times`` (shape (len(times), len(y0)))
    and the number of right-hand-side evaluations."""
    times = np.asarray(times, dtype=float)
    y0 = np.asarray(y0, dtype=float)
    _check(times[0], y0, names)
    if len(times) == 1:
        return y0[None, :].copy(), 0
    sol = solve_ivp(rhs, (times[0], times[-1]), y0, method=method, t_eval=times,
                    rtol=rtol, atol=atol)
    if sol.status != 0:
        t_fail = sol.t[-1] if len(sol.t) else times[0]
        raise NumericalError(t_fail, "integrator failed: %s" % sol.message)
    ys = sol.y.T
    for t, y in zip(times, ys):
        _check(t, y, names)
    return ys, sol.nfev


def solve_fixed(rhs, y0, times, dt):
    """Classical 4th-order Runge-Kutta with step at most ``dt``, landing exactly on ``times``
    (the schedule and the recording are the shared fixed-step loop of odedyn.simulation)."""
    from .simulation import euler_steps, record

    def advance(s, n, h):
        y, t = s["y"], s["t"]
        for _ in range(n):
            k1 = rhs(t, y)
            k2 = rhs(t + h / 2, y + h / 2 * k1)
            k3 = rhs(t + h / 2, y + h / 2 * k2)
            k4 = rhs(t + h, y + h * k3)
            y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            t += h
        s["y"], s["t"] = y, t

    def measure(s):
        _check(s["t"], s["y"])
        return {"y": s["y"]}

    steps, sizes = euler_steps(times, dt)
    state = {"y": np.asarray(y0, dtype=float).copy(), "t": float(np.asarray(times)[0])}
    return record(advance, measure, state, steps, chunk=1 << 40, sizes=sizes)["y"]
