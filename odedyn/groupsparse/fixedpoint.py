"""Fixed points of the permutation-symmetric gradient flow (seed 002). Owns: the network
W* = A M* at which the expected-loss gradient vanishes, for an orthonormal dictionary (C = I) and
noiseless data, within the symmetric span M = a I + b E1 + c E2 (odedyn.groupsparse.flow), and
its column distance to A -- the asymptotic radius of the neighbourhood of A.

Without noise x lies in span(A) and the part of W orthogonal to it decays (dW_perp/dt =
-2 W_perp G_Q), so a fixed point is W = A M with R = M^T, Q = M^T M and
G_R(M)^T + 2 M G_Q(M) = 0 (the X equation of flow.py at Y = 0): three scalar equations, solved by
Powell's hybrid method. Measured (tests/test_groupsparse_fixedpoint.py): M* ~ (1 + 0.35 lambda) I,
radius ~ 0.35 lambda for K = 1 and 2 (the columns lengthen to undo the shrinkage), so the
asymptotic radius shrinks to zero with the threshold; with an orthonormal dictionary it barely
depends on K (no cross-talk between active groups).
"""
import numpy as np
from scipy.optimize import root

from ..errors import NumericalError


def symmetric_fixed_point(flow, start=(1.1, 0.0, 0.0), tol=1e-12):
    """(coefficients (a, b, c) of M*, M*, radius = mean |w_i - a_i|) for a symmetric ``flow``
    with C = I and sigma = 0; raises NumericalError when the residual exceeds ``tol``."""
    if not flow.symmetric or flow.sigma != 0 or np.abs(flow.C - np.eye(flow.p)).max() > 1e-10:
        raise ValueError("needs the symmetric reduction, an orthonormal dictionary and sigma = 0")

    def residual(c):
        Mx = flow.expand(c)
        GR, GQ = flow.gradients(Mx.T, Mx.T @ Mx)
        return flow.project(GR.T + 2 * Mx @ flow.expand(flow.project(GQ)))

    sol = root(residual, np.asarray(start, dtype=float), method="hybr", options={"xtol": 1e-14})
    res = np.abs(residual(sol.x)).max()
    if res > tol:
        raise NumericalError(0.0, "symmetric fixed point: residual %.3g" % res)
    Mx = flow.expand(sol.x)
    radius = float(np.sqrt(((Mx - np.eye(flow.p)) ** 2).sum(axis=0)).mean())
    return sol.x, Mx, radius
