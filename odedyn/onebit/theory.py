"""The theory of the one-bit autoencoder: gradient flow on the population risk,
dA/dt = -d dR/dA, dB/dt = -d dR/dB, and gradient descent with step eta (its Euler scheme, time
t = eta x steps), both through the shared front door odedyn.integrate.solve, recording the risk
and the observables of odedyn.onebit.model at the output times (time normalisation: see
odedyn.onebit.model)."""
import numpy as np

from ..integrate import GradientDescent, Layout, Map, solve
from ..results import Trajectory
from .model import observables


def _layout(d, n):
    return Layout((("A", (d, n)), ("B", (n, d))), {"A": ("i", "unit"), "B": ("unit", "i")})


def _observe(objective, layout):
    def observe(t, y):
        parts = layout.unpack(y)
        risk, _, _, se = objective.evaluate(parts["A"], parts["B"], t, gradient=False)
        return {"risk": risk, "risk_se": se} | observables(parts["A"], parts["B"])
    return observe


def _trajectory(sol):
    final = sol.layout.unpack(sol.y[-1])
    return Trajectory(sol.t, sol.curves, sol.record(),
                      {"final_A": final["A"].copy(), "final_B": final["B"].copy()})


def gradient_flow(objective, A0, B0, times, solver=None, progress=True):
    """The gradient flow from (A0, B0): a Trajectory of the risk (and its support standard
    error) and the observables at ``times``; the final weights in its arrays (final_A,
    final_B)."""
    d, n = A0.shape
    layout = _layout(d, n)

    def rhs(t, y):
        parts = layout.unpack(y)
        _, gA, gB, _ = objective.evaluate(parts["A"], parts["B"], t)
        return -d * layout.pack(gA, gB)

    return _trajectory(solve(rhs, layout.pack(A0, B0), times, solver, layout=layout,
                             observe=_observe(objective, layout), progress=progress))


def gradient_descent(objective, A0, B0, eta, times, step_objective=None, seed=0,
                     progress=True):
    """Discrete gradient descent with step ``eta`` (t advances by eta per step); observables at
    the steps nearest to ``times``, measured with ``objective``. With ``step_objective`` (an
    Objective over a few supports) every step uses a fresh sample of supports: each step is then
    an unbiased estimate of the population gradient step (stochastic gradient descent over
    supports, exact given them), which cannot overfit a fixed sample as the full-batch descent
    on a few hundred supports does."""
    d, n = A0.shape
    layout = _layout(d, n)

    def step(t, y, lr):
        parts = layout.unpack(y)
        k = int(round(t / lr))
        obj = objective if step_objective is None else step_objective.fresh([seed, k])
        _, gA, gB, _ = obj.evaluate(parts["A"], parts["B"], t)
        return y - lr * d * layout.pack(gA, gB)

    return _trajectory(solve(Map(step), layout.pack(A0, B0), times,
                             GradientDescent(eta, "training.lr",
                                             "risk" if step_objective is None else None), layout=layout,
                             observe=_observe(objective, layout), progress=progress))
