"""The theory of the deep autoencoder (seed 003): gradient flow on the empirical loss,
d theta / dt = -grad L(theta), an ODE in weight space, integrated by the shared front door
odedyn.integrate.solve (scipy's methods, or the flow's explicit Euler scheme: full-batch
gradient descent with steps of at most dt, landing exactly on the output times; its distance to
the flow is O(dt), checked in tests/manifold/test_manifold.py). Owns: the right-hand side."""
import numpy as np

from ..errors import NumericalError
from ..integrate import Layout, solve
from .model import loss_and_gradient


def gradient_flow(net, theta0, X, times, solver=None, progress=True):
    """The odedyn.integrate.Solution of d theta / dt = -grad L(theta) at ``times``."""
    X = np.ascontiguousarray(X)
    args = net.kernel_args()
    grad = np.empty(net.n_parameters)

    def rhs(t, theta):
        loss = loss_and_gradient(np.ascontiguousarray(theta), X, *args, grad)
        if not np.isfinite(loss):
            raise NumericalError(t, "empirical loss is not finite (%r)" % loss)
        return -grad

    return solve(rhs, theta0, times, solver, layout=Layout.flat(len(theta0), "theta"),
                 progress=progress)
