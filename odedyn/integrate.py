"""The one front door to integration. Owns: ``solve`` (a right-hand side, an initial state and
output times in; a typed ``Solution`` out), the solvers as values, the state ``Layout`` that
names the components, and stopping with a NumericalError that says when and what went wrong
instead of returning garbage.

    sol = solve(rhs, y0, times, solver=Dopri5(rtol=1e-9), layout=layout, jumps=(50.0,),
                observe=lambda t, y: {"error": ...})
    sol.t, sol.y, sol.curves, sol.stats.rhs_evaluations, sol.to_xarray()

Right-hand sides (``rhs``):
* a Python callable ``f(t, y) -> dy/dt`` (it may raise NumericalError);
* ``Compiled(module, args, status, trouble)``: a generated module's ``rhs(t, y, dy, status,
  *args)`` with the compiled integrator printed beside it (derivations/integrators.py), which
  the Runge-Kutta solvers run without a Python call per evaluation; it is also a Python
  callable, so every solver accepts it;
* for ``GradientDescent`` also ``Map(step)``, a discrete map ``step(t, y, lr) -> y_next``;
* ``Switching(held, values)``: a right-hand side that is smooth but on switching surfaces, where
  it jumps (kinks of an activation averaged over finitely many nodes). scipy's Runge-Kutta
  solvers (SWITCHING_METHODS) integrate it from switch to switch: the pattern (which side of
  each surface) is held, with ``held`` the smooth continuation of the right-hand side past the
  surfaces; after each step the switching functions ``values`` are checked, a sign change is
  located on the step's interpolant (the first of them, to a relative 1e-12 in time), the step
  is redone to that time and the integrator restarted there with the new pattern. So no step straddles a jump, where the
  embedded error estimate misjudges the error (measured on the group-sparse case of
  tests/test_accuracy.py: RK45 stepping across them 46 tolerances off, 249 at a 100 times
  tighter tolerance; from switch to switch 0.4 at both, for twice the evaluations). Where the
  pattern chatters (the field points into a surface from both sides: sliding), the rest of that
  output interval is stepped across the surfaces, as for a plain right-hand side.

Solvers (``solver``): ``RungeKutta`` (an embedded pair with adaptive steps: ``Dopri5()``,
``RungeKutta("bs3")``), ``FixedStep(dt, "rk4" | "euler")``, ``Scipy(method)`` (solve_ivp's
methods, the reference path), ``GradientDescent(lr)`` (t = lr * steps). Every solver lands
exactly on the output times (no interpolant: each reported value is a step end point under
the error control), restarts at ``jumps`` (times where the right-hand side changes
discontinuously; between two jumps it sees t in [lo, hi), its left limit at hi), and shows
progress on stderr for runs longer than a few seconds, answering Ctrl-C (KeyboardInterrupt)
within a fraction of a second.
"""
import math
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .errors import ConfigError, NumericalError, NumericalWarning
from .tableaus import TABLEAUS

SCIPY_METHODS = ("RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")
#: the scipy methods that integrate a Switching right-hand side from switch to switch (one-step
#: methods, restarted cheaply; the others step across its surfaces: LSODA from switch to switch
#: was 3.9 tolerances off against 1.0 stepping across, on the group-sparse case of
#: tests/test_accuracy.py)
SWITCHING_METHODS = ("RK45", "RK23", "DOP853")
ADAPTIVE = ("dopri5", "bs3")
FIXED = ("rk4", "euler")
METHODS = ADAPTIVE + SCIPY_METHODS
DEFAULT_RTOL = 1e-9
DEFAULT_ATOL = 1e-12
MAX_STEPS = 10_000_000
#: wall seconds before a run shows progress, and before its step rate is judged
PROGRESS_AFTER = 2.0
#: a run projected to need more steps than this is flagged (stiff, or blowing up)
STIFF_STEPS = 1_000_000


def output_times(t_max, n_times=60, t_first=None, extra=()):
    """0, then ``n_times`` log-spaced times from ``t_first`` (default t_max / 1000) to t_max,
    plus any ``extra`` times, sorted and without duplicates."""
    if not t_max > 0:
        raise ValueError("t_max must be positive, got %r" % (t_max,))
    t_first = t_max / 1000.0 if t_first is None else t_first
    times = np.concatenate([[0.0], np.geomspace(t_first, t_max, int(n_times)),
                            np.asarray(extra, dtype=float)])
    return np.unique(times[(times >= 0) & (times <= t_max)])


# ---------------------------------------------------------------- the state
@dataclass(frozen=True)
class Layout:
    """Names and shapes of the parts of a flat state vector, in order: ((name, shape), ...),
    and optionally the dimension names of each part (for ``Solution.to_xarray``)."""

    parts: tuple
    dims: dict = field(default_factory=dict)

    @classmethod
    def flat(cls, n, name="y"):
        return cls(((name, (int(n),)),))

    @property
    def sizes(self):
        return [int(np.prod(shape, dtype=np.int64)) for _, shape in self.parts]

    @property
    def size(self):
        return sum(self.sizes)

    def pack(self, *arrays):
        return np.concatenate([np.ravel(a) for a in arrays]).astype(float)

    def unpack(self, y):
        """{name: array} of a state (or of states with leading axes, e.g. (time, size))."""
        y = np.asarray(y)
        lead, out, start = y.shape[:-1], {}, 0
        for (name, shape), size in zip(self.parts, self.sizes):
            out[name] = y[..., start:start + size].reshape(lead + tuple(shape))
            start += size
        return out

    def name(self, i):
        """The component ``i`` of the flat state as NAME[index]."""
        start = 0
        for (name, shape), size in zip(self.parts, self.sizes):
            if i < start + size:
                idx = np.unravel_index(i - start, shape) if shape else ()
                return "%s[%s]" % (name, ", ".join(str(int(j)) for j in idx))
            start += size
        return "y[%d]" % i


# ---------------------------------------------------------------- right-hand sides
class Compiled:
    """A compiled right-hand side: ``module.rhs(t, y, dy, status, *args)`` and the integrator
    ``module.integrate`` printed beside it (derivations/integrators.py). ``trouble()`` says
    what the right-hand side reported in ``status`` (and clears it). Calling it evaluates the
    right-hand side once (raising NumericalError on trouble)."""

    def __init__(self, module, args, status, trouble):
        self.module, self.args, self.status, self._trouble = module, tuple(args), status, trouble

    def trouble(self):
        return self._trouble()

    def __call__(self, t, y):
        y = np.ascontiguousarray(y, dtype=float)
        dy = np.empty_like(y)
        self.module.rhs(float(t), y, dy, self.status, *self.args)
        if self.status[0] != 0:
            raise NumericalError(t, self.trouble())
        return dy


@dataclass(frozen=True)
class Switching:
    """A right-hand side smooth but on switching surfaces. ``held(t, y, pattern)``: dy/dt with
    the boolean ``pattern`` held (continued smoothly past the surfaces); ``values(y, pattern)``:
    the switching functions, with y's own pattern ``values(y, None) > 0`` (``pattern`` says
    which of them to take the others over, where they depend on it). Calling it evaluates the
    right-hand side at y's own pattern, so every solver accepts it; scipy's Runge-Kutta
    solvers locate the switches (module docstring). ``margin``: how far past a surface a switching function
    must be to count as switched (round-off of functions that are zero by symmetry)."""
    held: object
    values: object
    margin: float = 1e-12

    def pattern(self, y):
        return self.values(y, None) > 0

    def __call__(self, t, y):
        return self.held(t, y, self.pattern(y))


@dataclass(frozen=True)
class Map:
    """A discrete map ``step(t, y, lr) -> next state`` (gradient descent on a macroscopic state
    that is not y + lr f(y))."""
    step: object


# ---------------------------------------------------------------- solvers
@dataclass(frozen=True)
class RungeKutta:
    """An embedded explicit Runge-Kutta pair with adaptive steps (error per step below
    atol + rtol |y| in the RMS norm), compiled for a ``Compiled`` right-hand side."""
    method: str = "dopri5"
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL


def Dopri5(rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL):
    """Dormand-Prince 5(4), the default for compiled right-hand sides."""
    return RungeKutta("dopri5", rtol, atol)


@dataclass(frozen=True)
class FixedStep:
    """A fixed-step explicit method ("rk4" or "euler"): each interval between output times is
    cut into the fewest equal steps of at most ``dt``."""
    dt: float
    method: str = "rk4"


@dataclass(frozen=True)
class Scipy:
    """scipy.integrate's solvers (the reference path), stepped to each output time."""
    method: str = "DOP853"
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL


@dataclass(frozen=True)
class GradientDescent:
    """y_{n+1} = y_n + lr f(t_n, y_n) (or a ``Map``), t_n = n lr: output times move to that
    grid (a family checks at reading that two steps fit before t_max: odedyn.config.check_steps;
    ``key`` names the CONFIG key of lr in messages);
    ``monitor`` names a curve of ``observe`` (a loss) that must not grow: a NumericalWarning
    says when it does."""
    lr: float
    key: str = "training.lr"
    monitor: str = None

    @property
    def method(self):
        return "gradient-descent"

    def grid(self, times):
        """The step numbers of ``times`` on the step grid (see ``grid_steps``)."""
        return grid_steps(times, self.lr)


def grid_steps(times, step):
    """``times`` as numbers of steps of size ``step``: the nearest, never past the last time
    (a time that would round past it is rounded down); sorted, without duplicates."""
    times = np.asarray(times, dtype=float)
    steps = np.round(times / step)
    over = steps * step > times.max() * (1 + 1e-12)
    steps[over] = np.floor(times[over] / step + 1e-9)
    return np.unique(steps).astype(np.int64)


def solver_from(options, compiled=True, default=None):
    """The solver of a ``[solver]`` section's {method, rtol, atol, dt} (read by
    odedyn.config.solver_from): what it does not set comes from ``default`` (a family's declared
    solver), else dopri5 for a compiled right-hand side and DOP853 for a Python one, at
    DEFAULT_RTOL and DEFAULT_ATOL."""
    options = dict(options or {})
    if default is not None and not options:
        return default
    method = options.get("method") or getattr(default, "method", None) or (
        "dopri5" if compiled else "DOP853")

    def get(key, fallback):
        return options.get(key, getattr(default, key, fallback))

    if method in FIXED:
        if get("dt", None) is None:
            raise ConfigError("solver.dt", None, "method = %r needs a step dt" % method)
        return FixedStep(float(get("dt", None)), method)
    if "dt" in options:
        raise ConfigError("solver.dt", options["dt"], "only for method = rk4 or euler")
    tol = {"rtol": get("rtol", DEFAULT_RTOL), "atol": get("atol", DEFAULT_ATOL)}
    if method in ADAPTIVE:
        if not compiled:
            raise ConfigError("solver.method", method, "needs a compiled right-hand side; "
                              "this family's is Python: one of %s" % ", ".join(SCIPY_METHODS))
        return RungeKutta(method, **tol)
    if method in SCIPY_METHODS:
        return Scipy(method, **tol)
    raise ConfigError("solver.method", method, "one of %s" % ", ".join(METHODS + FIXED))


# ---------------------------------------------------------------- the result
@dataclass
class Stats:
    method: str
    rhs_evaluations: int = 0
    steps: int = 0
    wall_s: float = 0.0
    #: the largest numerical error a right-hand side reported (e.g. its quadrature), or None
    numerical_error: float = None
    #: a Switching right-hand side: switches located, output intervals found sliding
    switches: int = 0
    sliding_intervals: int = 0


@dataclass
class Solution:
    """States ``y`` (len(t), layout.size) at the times ``t``, the curves ``observe`` returned
    there (name -> array with a leading time axis) and the solver's statistics."""
    t: np.ndarray
    y: np.ndarray
    layout: Layout
    stats: Stats
    curves: dict = field(default_factory=dict)

    def record(self):
        """The solver's part of a theory run's metadata record (odedyn.experiment)."""
        return {"method": self.stats.method, "rhs_evaluations": self.stats.rhs_evaluations,
                "steps": self.stats.steps, "numerical_error": self.stats.numerical_error}

    def state(self):
        """{part name: array (len(t), *shape)}."""
        return self.layout.unpack(self.y)

    def to_xarray(self):
        """The parts of the state and the curves as an xarray Dataset over time."""
        import xarray as xr
        data = {}
        for name, value in {**self.state(), **self.curves}.items():
            value = np.asarray(value)
            dims = ("t",) + tuple(self.layout.dims.get(name, ["%s_%d" % (name, i)
                                                              for i in range(value.ndim - 1)]))
            data[name] = (dims, value)
        return xr.Dataset(data, coords={"t": self.t},
                          attrs={"method": self.stats.method,
                                 "rhs_evaluations": self.stats.rhs_evaluations})


# ---------------------------------------------------------------- the front door
def solve(rhs, y0, times, solver=None, layout=None, jumps=(), observe=None, progress=True,
          label="theory"):
    """Integrate from ``times[0]`` and return a Solution at ``times`` (increasing). See the
    module docstring for ``rhs`` and ``solver`` (default: Dopri5 for a compiled right-hand
    side, scipy's DOP853 otherwise)."""
    t_start = time.perf_counter()
    times = np.asarray(times, dtype=float)
    y0 = np.ascontiguousarray(y0, dtype=float)
    layout = layout or Layout.flat(len(y0))
    if len(y0) != layout.size:
        raise ValueError("state has %d entries, layout %d" % (len(y0), layout.size))
    if times.ndim != 1 or not len(times) or np.any(np.diff(times) < 0):
        raise ValueError("output times must be a non-empty increasing sequence")
    if solver is None:
        solver = Dopri5() if isinstance(rhs, Compiled) else Scipy()
    _check_finite(times[0], y0, layout)
    stats = Stats(solver.method)
    with _Progress(label, times[0], times[-1], progress) as bar:
        if isinstance(solver, GradientDescent):
            times, ys = _descend(rhs, y0, times, solver, stats, bar)
        else:
            ys = np.empty((len(times), len(y0)))
            ys[times == times[0]] = y0
            edges = _segments(times, jumps)
            y = y0
            for lo, hi in zip(edges[:-1], edges[1:]):
                inside = np.flatnonzero((times > lo) & (times <= hi))
                seg = np.unique(np.concatenate([[lo], times[inside], [hi]]))
                out = _segment(rhs, y, seg, solver, stats, bar, layout)
                y = out[-1]
                ys[inside] = out[np.searchsorted(seg, times[inside])]
    for t, y in zip(times, ys):
        _check_finite(t, y, layout)
    curves = _observed(observe, times, ys)
    stats.wall_s = time.perf_counter() - t_start
    if isinstance(solver, GradientDescent) and solver.monitor in curves:
        _check_descent(times, curves[solver.monitor], solver)
    return Solution(times, ys, layout, stats, curves)


def _segments(times, jumps):
    inner = sorted(float(b) for b in jumps if times[0] < b < times[-1])
    return [float(times[0])] + inner + [float(times[-1])]


def _observed(observe, times, ys):
    if observe is None:
        return {}
    rows = [observe(t, y) for t, y in zip(times, ys)]
    return {k: np.array([r[k] for r in rows]) for k in rows[0]} if rows else {}


def _check_finite(t, y, layout):
    bad = ~np.isfinite(y)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise NumericalError(t, "non-finite state (%s = %r)" % (layout.name(i), y[i]))


def _segment(rhs, y0, seg, solver, stats, bar, layout):
    """States at ``seg`` (seg[0] = start, no jump inside)."""
    if isinstance(solver, Scipy):
        if isinstance(rhs, Switching) and solver.method in SWITCHING_METHODS:
            return _scipy_switching(rhs, y0, seg, solver, stats, bar)
        return _scipy(rhs, y0, seg, solver, stats, bar)
    if isinstance(solver, RungeKutta):
        if not isinstance(rhs, Compiled):
            raise ConfigError("solver.method", solver.method,
                              "needs a compiled right-hand side; use one of %s"
                              % ", ".join(SCIPY_METHODS))
        return _compiled(rhs, y0, seg, TABLEAUS[solver.method], solver.rtol, solver.atol, True,
                         0.0, stats, bar)
    if isinstance(solver, FixedStep):
        tab = TABLEAUS[solver.method]
        if isinstance(rhs, Compiled):
            return _compiled(rhs, y0, seg, tab, 0.0, 0.0, False, float(solver.dt), stats, bar)
        return _fixed_python(rhs, y0, seg, tab, float(solver.dt), stats, bar)
    raise TypeError("unknown solver %r" % (solver,))


def _compiled(rhs, y0, seg, tab, rtol, atol, adaptive, h, stats, bar):
    """Drive the compiled resumable loop in slices of about 0.1 s (progress, Ctrl-C)."""
    n = len(y0)
    out = np.empty((len(seg), n))
    out[0] = y0
    y = y0.copy()
    clock = np.array([seg[0], h, 0.0, np.nextafter(seg[-1], -np.inf)])
    k = np.zeros((tab.stages, n))
    exponent = 1.0 / (tab.error_order + 1)
    j, budget, total = 1, 256, 0
    while True:
        c0 = time.perf_counter()
        nfev, steps, code, j = rhs.module.integrate(
            seg, j, y, clock, float(rtol), float(atol), budget, out, rhs.status, rhs.args,
            tab.A, tab.B, tab.C, tab.E, exponent, tab.fsal, adaptive, k)
        stats.rhs_evaluations += int(nfev)
        stats.steps += int(steps)
        total += int(steps)
        t = float(clock[0])
        if code == 0:
            bar.update(t)
            return out
        if code == 1:
            raise NumericalError(t, rhs.trouble())
        if code == 2:
            raise NumericalError(t, "step size underflow (the equations became stiff or "
                                 "singular)")
        if code == 4:
            raise NumericalError(t, "non-finite state")
        if total > MAX_STEPS:
            raise NumericalError(t, "more than %d steps" % MAX_STEPS)
        elapsed = time.perf_counter() - c0
        budget = int(min(max(budget * min(4.0, 0.1 / max(elapsed, 1e-6)), 16), 1 << 24))
        bar.update(t, step=float(clock[1]), steps=stats.steps)


def _fixed_python(rhs, y0, seg, tab, dt, stats, bar):
    """The fixed-step loop of the compiled template, for a Python right-hand side."""
    out = np.empty((len(seg), len(y0)))
    out[0] = y = y0.copy()
    t = seg[0]
    for j in range(1, len(seg)):
        m = max(1, math.ceil((seg[j] - t) / dt - 1e-9))
        h = (seg[j] - t) / m
        for _ in range(m):
            k = np.empty((tab.stages, len(y)))
            for s in range(tab.stages):
                k[s] = rhs(t + tab.C[s] * h, y + h * (tab.A[s, :s] @ k[:s]))
            y = y + h * (tab.B @ k)
            t += h
            stats.rhs_evaluations += tab.stages
            stats.steps += 1
        t = seg[j]
        out[j] = y
        bar.update(t)
    return out


def _ode(f, t0, x0, t1, solver, t_see, first):
    """scipy's OdeSolver of ``solver.method`` for f from (t0, x0) to t_bound = t1, with f never
    called past t_see (the segment's end: a solver may probe just beyond its bound) and the
    first step ``first`` (clipped to the interval) when one is known."""
    from scipy.integrate._ivp.ivp import METHODS as IVP

    def clamped(t, x):
        return f(min(t, t_see), x)
    return IVP[solver.method](clamped, t0, x0, t1, rtol=solver.rtol, atol=solver.atol,
                              **({"first_step": min(first, t1 - t0)} if first else {}))


def _step(ode, stats):
    """One step of an OdeSolver; a failure is a NumericalError at its time."""
    msg = ode.step()
    if ode.status == "failed":
        raise NumericalError(ode.t, "integrator failed: %s" % msg)
    stats.steps += 1


def _scipy(rhs, y0, seg, solver, stats, bar):
    """scipy's OdeSolver stepped to each output time (t_bound = that time: no interpolant),
    carrying the step size over."""
    out = np.empty((len(seg), len(y0)))
    out[0] = y = y0
    first = None
    t_see = np.nextafter(seg[-1], -np.inf)
    for j in range(1, len(seg)):
        ode = _ode(rhs, seg[j - 1], y, seg[j], solver, t_see, first)
        while ode.status == "running":
            intended = getattr(ode, "h_abs", None)  # before the last step is clipped to seg[j]
            _step(ode, stats)
        stats.rhs_evaluations += ode.nfev
        first = intended or None
        y = ode.y
        out[j] = y
        bar.update(seg[j], step=first, steps=stats.steps)
    return out


#: switches located in one output interval before the rest of it counts as sliding
MAX_SWITCHES = 200


def _scipy_switching(rhs, y0, seg, solver, stats, bar):
    """scipy's OdeSolver stepped to each output time from switch to switch (Switching).

    Sliding (the field points into a surface from both sides, so that the pattern chatters)
    is seen as a switch undone within two steps, a switching function already past its
    surface where a step begins (after a restart) and moving farther, or more than
    MAX_SWITCHES switches in one output interval; the rest of that interval is then stepped
    across the surfaces, as for a plain right-hand side (measured on chattering starts of the
    group-sparse flow: flipping the held pattern at each crossing through them ended elsewhere,
    1.582 against 1.570 in
    distance, at every tolerance from 1e-5 to 1e-7, where stepping across converges to 1.570)."""
    from scipy.optimize import brentq
    out = np.empty((len(seg), len(y0)))
    out[0] = y = y0
    t = float(seg[0])
    t_see = np.nextafter(seg[-1], -np.inf)
    pattern = rhs.pattern(y)
    first = None

    def start(t0, x0, t1, h, sliding=False):
        """A solver from (t0, x0) to t1: with the pattern held, or stepping across."""
        held = pattern
        f = rhs if sliding else (lambda s, x: rhs.held(s, x, held))
        return _ode(f, t0, x0, t1, solver, t_see, h)

    def run(ode):
        while ode.status == "running":
            _step(ode, stats)
        stats.rhs_evaluations += ode.nfev

    for j in range(1, len(seg)):
        target, switches = float(seg[j]), 0
        recent = np.zeros(len(pattern), dtype=bool)   # flipped at the last switch
        while t < target:
            ode = start(t, y, target, first)
            event, steps = None, 0
            # how far each switching function is past its surface, against the pattern
            sign = np.where(pattern, -1.0, 1.0)
            before = sign * rhs.values(y, pattern)
            while ode.status == "running" and event is None:
                first = getattr(ode, "h_abs", None) or first
                t0, x0 = ode.t, ode.y
                _step(ode, stats)
                steps += 1
                after = sign * rhs.values(ode.y, pattern)
                hit = np.flatnonzero((after > rhs.margin) & (after > before))
                if hit.size:
                    event = (t0, x0, ode.t, ode.dense_output(), hit, before)
                before = after
            stats.rhs_evaluations += ode.nfev
            if event is None:
                t, y = target, ode.y
                break
            t0, x0, t1, dense, hit, before = event
            if (np.any(recent[hit]) and steps <= 2) or np.any(before[hit] > rhs.margin) \
                    or switches >= MAX_SWITCHES:   # sliding: step across to the output time
                stats.sliding_intervals += 1
                sliding = start(t0, x0, target, first, sliding=True)
                run(sliding)
                t, y = target, sliding.y
                pattern = rhs.pattern(y)
                break
            xtol = 1e-12 * max(abs(t1), 1.0)

            def past(s, i):
                return sign[i] * rhs.values(dense(s), pattern)[i] - rhs.margin

            t_hit, i = min((brentq(past, t0, t1, args=(int(i),), xtol=xtol), int(i))
                           for i in hit)
            t_hit = min(t_hit + xtol, t1)
            flipped = sign * rhs.values(dense(t_hit), pattern) > rhs.margin
            flipped[i] = True
            redo = start(t0, x0, t_hit, t_hit - t0)   # the step redone to the switch
            run(redo)
            t, y = t_hit, redo.y
            pattern = pattern ^ flipped
            recent = flipped
            switches += 1
            stats.switches += 1
        out[j] = y
        bar.update(target, step=first, steps=stats.steps)
    return out


def _descend(rhs, y0, times, solver, stats, bar):
    """Gradient descent: the states at the output times on the step grid."""
    steps = solver.grid(times)
    step = rhs.step if isinstance(rhs, Map) else (
        lambda t, y, lr: y + lr * np.asarray(rhs(t, y)))
    ys = np.empty((len(steps), len(y0)))
    y, done = y0.copy(), 0
    for j, target in enumerate(steps):
        while done < target:
            y = np.asarray(step(done * solver.lr, y, solver.lr), dtype=float)
            done += 1
            if not np.all(np.isfinite(y)):
                raise NumericalError(done * solver.lr, "gradient descent: non-finite state")
            if done % 64 == 0:
                bar.update(done * solver.lr)
        ys[j] = y
    stats.steps = stats.rhs_evaluations = int(done)
    return steps * solver.lr, ys


def _check_descent(times, loss, solver):
    loss = np.asarray(loss, dtype=float)
    up = np.flatnonzero(np.diff(loss) > 1e-9 * np.maximum(np.abs(loss[:-1]), 1e-300))
    if up.size:
        i = int(up[0])
        warnings.warn(NumericalWarning(
            times[i + 1], "the loss grows under gradient descent (%.6g at t = %g -> %.6g at "
            "t = %g, and %.6g at the end): %s = %g is too large a step"
            % (loss[i], times[i], loss[i + 1], times[i + 1], loss[-1], solver.key, solver.lr)))


class _Progress:
    """Progress of a solve on stderr, once it has run PROGRESS_AFTER seconds: a bar on a
    terminal, a plain line every 10 s otherwise; flags a run whose step size projects more than
    STIFF_STEPS steps (once)."""

    def __init__(self, label, t0, t1, enabled):
        self.label, self.t0, self.t1, self.enabled = label, float(t0), float(t1), enabled
        self.start = time.perf_counter()
        self.bar = None
        self.last_line = -math.inf
        self.flagged = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()

    def update(self, t, step=None, steps=0):
        elapsed = time.perf_counter() - self.start
        if elapsed < PROGRESS_AFTER or t >= self.t1:
            return
        if step and steps and not self.flagged and self.t1 > t:
            projected = steps + (self.t1 - t) / step
            if projected > STIFF_STEPS:
                self.flagged = True
                warnings.warn(NumericalWarning(t, "the %s needs steps of %.3g (%d so far, about "
                                               "%.3g in all): the equations are stiff or "
                                               "blowing up here" % (self.label, step, steps,
                                                                    projected)))
        if not self.enabled:
            return
        frac = (t - self.t0) / (self.t1 - self.t0) if self.t1 > self.t0 else 1.0
        if sys.stderr.isatty():
            if self.bar is None:
                from tqdm import tqdm
                self.bar = tqdm(total=1000, desc=self.label, leave=False, file=sys.stderr,
                                bar_format="{desc}: {percentage:3.0f}%|{bar}| t = {postfix}")
            self.bar.set_postfix_str("%.4g of %.4g" % (t, self.t1), refresh=False)
            self.bar.update(int(1000 * frac) - self.bar.n)
        elif elapsed - self.last_line >= 10.0:
            self.last_line = elapsed
            print("odedyn: %s at t = %.4g of %.4g (%.0f%%, %.0f s)"
                  % (self.label, t, self.t1, 100 * frac, elapsed), file=sys.stderr, flush=True)
