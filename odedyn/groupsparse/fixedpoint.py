"""Where the gradient flow on the expected loss ends (seed 002). Owns: the network W* = A M*
at which the expected-loss gradient vanishes, for an orthonormal dictionary (C = I) and
noiseless data, within the symmetric span M = a I + b E1 + c E2 (odedyn.groupsparse.theory), and
its distance to A; and, for any dictionary, the asymptotic radius read off the flow itself
(``asymptotic_radius``). Both measure the radius of the neighbourhood of A the flow converges to.

Without noise x lies in span(A) and the part of W orthogonal to it decays (dW_perp/dt =
-2 W_perp G_Q), so a fixed point is W = A M with R = M^T, Q = M^T M and
G_R(M)^T + 2 M G_Q(M) = 0 (the X equation of flow.py at Y = 0): three scalar equations, solved by
Powell's hybrid method (odedyn.analysis.fixed_point). Measured (tests/groupsparse/test_groupsparse_fixedpoint.py): M* ~ (1 + 0.35 lambda) I,
radius ~ 0.35 lambda for K = 1 and 2 (the columns lengthen to undo the shrinkage), so the
asymptotic radius shrinks to zero with the threshold; with an orthonormal dictionary it barely
depends on K (no cross-talk between active groups).
"""
import numpy as np

from .. import analysis
from .theory import group_distances


def symmetric_fixed_point(flow, start=(1.1, 0.0, 0.0), tol=1e-12):
    """(coefficients (a, b, c) of M*, M*, radius = mean |w_i - a_i|) for a symmetric ``flow``
    with C = I and sigma = 0; raises NumericalError when the residual exceeds ``tol``."""
    if not flow.symmetric or flow.sigma != 0 or np.abs(flow.C - np.eye(flow.p)).max() > 1e-10:
        raise ValueError("needs the symmetric reduction, an orthonormal dictionary and sigma = 0")

    def residual(c):
        Mx = flow.expand(c)
        GR, GQ = flow.gradients(Mx.T, Mx.T @ Mx)
        return flow.project(GR.T + 2 * Mx @ flow.expand(flow.project(GQ)))

    coef, _ = analysis.fixed_point(residual, start, tol, xtol=1e-14,
                                   what="symmetric fixed point")
    Mx = flow.expand(coef)
    radius = float(np.sqrt(((Mx - np.eye(flow.p)) ** 2).sum(axis=0)).mean())
    return coef, Mx, radius


def symmetric_group_radius(flow, **kwargs):
    """Group distance (odedyn.groupsparse.theory.group_distances) of the symmetric fixed point."""
    _, Mx, _ = symmetric_fixed_point(flow, **kwargs)
    return float(group_distances(Mx.T, Mx.T @ Mx, flow.C, flow.g).mean())


def asymptotic_radius(exp, t_end):
    """(group distance of the flow's network to A at t_end, its change since t_end / 2) for an
    Experiment: the radius of the neighbourhood of A the flow ends in, and how far from settled
    it is. The group distance is used because the column distance keeps drifting along
    rotations inside each group (measured for n = 100, K = 1, lambda = 0.2, noiseless: 0.132 at
    t = 8.5e3 and 0.136 at t = 3e4, while the group distance stays at 0.1102 and the loss at
    0.003162)."""
    d = exp.integrate(np.array([0.0, t_end / 2, t_end]))["group_distance"]
    return float(d[-1]), float(abs(d[-1] - d[-2]))
