"""The theory of the deep autoencoder (seed 003): gradient flow on the empirical loss,
d theta / dt = -grad L(theta), an ODE in weight space. Owns: its integration by the shared
scipy integrator (``gradient_flow``) and by the flow's explicit Euler scheme (``euler_flow``:
full-batch gradient descent with the companion's kernel, landing exactly on the output times).
"""
import numpy as np

from ..errors import NumericalError
from ..integrate import solve
from ..simulation import euler_steps, record
from .model import loss_and_gradient
from .simulate import parameters, sgd_advance, sgd_state


def gradient_flow(net, theta0, X, times, **solver):
    """theta(t) at ``times`` under d theta / dt = -grad L(theta) (scipy, shared integrator);
    returns (states (len(times), n_parameters), number of right-hand-side evaluations)."""
    X = np.ascontiguousarray(X)
    args = net.kernel_args()
    grad = np.empty(net.n_parameters)

    def rhs(t, theta):
        loss = loss_and_gradient(np.ascontiguousarray(theta), X, *args, grad)
        if not np.isfinite(loss):
            raise NumericalError(t, "empirical loss is not finite (%r)" % loss)
        return -grad

    return solve(rhs, theta0, times, names=lambda i: "theta[%d]" % i, **solver)


def euler_flow(net, theta0, X, times, step):
    """theta(t) at ``times`` under the flow, by the explicit Euler scheme: full-batch gradient
    descent with steps of at most ``step`` (each interval between output times is cut into equal
    steps, so the times are hit exactly: odedyn.simulation.euler_steps). Its distance to the
    scipy flow is O(step) (checked in tests/manifold/test_manifold.py). One numba loop: per unit of time
    it costs a fraction of the scipy integrator, which is limited by the same stiffness and pays
    Python overhead per evaluation. Returns (states (len(times), n_parameters), number of
    gradient evaluations)."""
    steps, sizes = euler_steps(times, step)
    rec = record(sgd_advance, parameters, sgd_state(net, theta0, X), steps, chunk=1 << 40,
                 sizes=sizes)
    return rec["theta"], int(steps[-1])
