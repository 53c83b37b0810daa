"""The theory of the one-bit autoencoder: gradient flow on the population risk,
dA/dt = -d dR/dA, dB/dt = -d dR/dB (scipy, the shared integrator), and gradient descent with
step eta, its Euler scheme (the shared fixed-step loop odedyn.simulation.record), each recording
the risk and the observables of odedyn.onebit.model at the output times (time normalisation:
see odedyn.onebit.model)."""
import numpy as np

from ..integrate import solve
from ..results import Trajectory
from ..simulation import record
from .model import observables


def _record(objective, A, B, t, out):
    risk, _, _, se = objective.evaluate(A, B, t, gradient=False)
    out.setdefault("risk", []).append(risk)
    out.setdefault("risk_se", []).append(se)
    for k, v in observables(A, B).items():
        out.setdefault(k, []).append(v)


def _pack(A, B):
    return np.concatenate([A.ravel(), B.ravel()])


def _unpack(y, d, n):
    return y[: d * n].reshape(d, n), y[d * n:].reshape(n, d)


def gradient_flow(objective, A0, B0, times, rtol=1e-8, atol=1e-10, method="DOP853"):
    """Integrate dA/dt = -d dR/dA, dB/dt = -d dR/dB with scipy; a Trajectory of the risk (and
    its support standard error) and the observables at ``times``, final weights in meta."""
    d, n = A0.shape

    def rhs(t, y):
        A, B = _unpack(y, d, n)
        _, gA, gB, _ = objective.evaluate(A, B, t)
        return -d * _pack(gA, gB)

    def name(i):
        return "A[%d, %d]" % divmod(i, n) if i < d * n else "B[%d, %d]" % divmod(i - d * n, d)

    ys, nfev = solve(rhs, _pack(A0, B0), times, method=method, rtol=rtol, atol=atol, names=name)
    curves = {}
    for t, y in zip(times, ys):
        _record(objective, *_unpack(y, d, n), t, curves)
    A, B = _unpack(ys[-1], d, n)
    return Trajectory(np.asarray(times, float), {k: np.array(v) for k, v in curves.items()},
                      {"rhs_evaluations": nfev}, {"A": A.copy(), "B": B.copy()})


def gradient_descent(objective, A0, B0, eta, times, step_objective=None, seed=0):
    """Discrete gradient descent with step ``eta`` (t advances by eta per step); observables at
    the steps nearest to ``times``, measured with ``objective``. With ``step_objective`` (an
    Objective over a few supports) every step uses a fresh sample of supports: each step is then
    an unbiased estimate of the population gradient step (stochastic gradient descent over
    supports, exact given them), which cannot overfit a fixed sample as the full-batch descent
    on a few hundred supports does."""
    d = A0.shape[0]
    state = {"A": A0.copy(), "B": B0.copy(), "done": 0}

    def advance(s, n):
        for _ in range(n):
            step = objective if step_objective is None else step_objective.fresh([seed, s["done"]])
            _, gA, gB, _ = step.evaluate(s["A"], s["B"], s["done"] * eta)
            s["A"] -= eta * d * gA
            s["B"] -= eta * d * gB
            s["done"] += 1

    def measure(s):
        out = {}
        _record(objective, s["A"], s["B"], s["done"] * eta, out)
        return {k: v[0] for k, v in out.items()}

    steps = np.unique(np.round(np.asarray(times) / eta).astype(np.int64))
    curves = record(advance, measure, state, steps)
    return Trajectory(steps * eta, curves, {"eta": eta}, {"A": state["A"], "B": state["B"]})
