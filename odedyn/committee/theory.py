"""The theory of the committee machine: its order-parameter equations (derived in
derivations/committee_averages.py, generated into odedyn._generated.committee_averages with
the compiled integrator beside them) integrated through the shared front door
odedyn.integrate.solve, restarting at the jumps of a step schedule. Owns: the right-hand side
with its arguments (``equations``) and the theory curve (``integrate``)."""
import numpy as np

from .._generated import committee_averages as ca
from ..integrate import Compiled, solve
from ..results import Trajectory


def equations(model, T, A):
    """The compiled right-hand side (odedyn.integrate.Compiled) of the state (Q, R, v) against
    the teacher (T, A); the average tables live in preallocated work arrays."""
    K, M = model.K, model.M
    N = K + M
    status = np.zeros(2, dtype=np.int64)
    work = (np.empty((N, N)), np.empty(N), np.empty((N, N)), np.empty((K, K)),
            np.empty((K, N, N)), np.zeros((K, K, N, N)))
    args = (K, M, np.ascontiguousarray(T, dtype=float), np.ascontiguousarray(A, dtype=float),
            model.acts, float(model.lr), float(model.lr_second_layer),
            float(model.weight_decay), float(model.noise) ** 2, bool(model.train_second_layer),
            model.schedule.args()) + work

    def trouble():
        k = int(status[1])
        status[:] = 0
        return "student unit %d has Q_kk <= 0 (its weights vanished)" % k

    return Compiled(ca, args, status, trouble)


def integrate(model, Q0, R0, T, v0, A, times, solver=None, progress=True):
    """Trajectory of the order parameters and the error at ``times`` from (Q0, R0, v0)
    (``solver``: odedyn.integrate's, default Dopri5 on the compiled right-hand side)."""
    T = np.asarray(T, dtype=float)
    sol = solve(equations(model, T, A), model.state(Q0, R0, v0), times, solver,
                layout=model.layout, jumps=model.schedule.breakpoints(), progress=progress)
    Q, R, v = model.unpack(sol.y)
    err = np.array([model.error(Q[i], R[i], T, v[i], A) for i in range(len(sol.t))])
    curves = {"error": err, "Q": Q, "R": R,
              "T": np.broadcast_to(T, (len(sol.t),) + T.shape).copy(), "v": v}
    record = sol.record()
    if model.quadrature:
        record["numerical_error"] = quadrature_error(model, Q, R, T, model.lr != 0.0)
    return Trajectory(sol.t, curves, record)


def quadrature_error(model, Q, R, T, second_order=True):
    """The largest error estimate of the quadrature averages (activations after relu) over the
    states (Q[i], R[i]): |average with the value rule - the same with the estimate's rule|
    (Gauss-Hermite: ca.GH_N[0] vs GH_N[1] nodes per dimension; tanh/sigmoid erf mixtures:
    ca.MIX_N[0] vs MIX_N[1] nodes), the largest over every entry of I2, I3, J2, I4.

    Computed here, at the output times from the state, rather than at every right-hand-side
    evaluation inside the compiled integrator: carrying it there would triple the cost of every
    evaluation (a second set of quadratures) for a number that changes slowly along the curve.
    So it is the largest estimate met at the output times, not between them."""
    K, M = model.K, model.M
    C = np.empty((K + M, K + M))
    out = 0.0
    for i in range(len(Q)):
        ca.covariance(K, M, np.ascontiguousarray(Q[i]), np.ascontiguousarray(R[i]),
                      np.ascontiguousarray(T), C)
        out = max(out, float(ca.quadrature_error(K, M, model.acts, C, bool(second_order))))
    return out
