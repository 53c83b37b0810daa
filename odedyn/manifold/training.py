"""Training a deep autoencoder on a finite sample (seed 003). Owns: gradient flow on the
empirical loss, d theta / dt = -grad L(theta), integrated by the shared scipy integrator
(odedyn.integrate.solve: the learning dynamics are an ODE in weight space), and its
finite-step companions in one numba kernel: minibatch SGD and full-batch gradient descent,
and the explicit Euler scheme of the flow built on it (``euler_flow``), which lands exactly on
the output times.

Time. A step of (stochastic) gradient descent with learning rate eta advances the time by eta:
after s steps t = eta s, so gradient descent is the explicit Euler scheme of the flow and
agrees with it up to O(eta) (checked in tests/test_manifold_training.py). A minibatch of B
training points, drawn without replacement within each epoch (the order reshuffled every
epoch), replaces L by its minibatch estimate; with B = m it is gradient descent exactly.
"""
import numpy as np
from numba import njit

from ..errors import NumericalError
from ..integrate import solve
from .network import loss_and_gradient


@njit(cache=True, nogil=True)
def sgd_steps(theta, X, offsets, sizes, linear, code, lr, batch, order, cursor, rng, n_steps):
    """``n_steps`` steps theta -= lr grad L_batch(theta), in place. Minibatches are the next
    ``batch`` rows of X in ``order`` (reshuffled when exhausted; never reshuffled when
    batch = len(X)). Returns False if theta stops being finite."""
    m = X.shape[0]
    grad = np.empty_like(theta)
    xb = np.empty((batch, X.shape[1]))
    for _ in range(n_steps):
        for i in range(batch):
            if cursor[0] >= m:
                if batch < m:
                    rng.shuffle(order)
                cursor[0] = 0
            xb[i, :] = X[order[cursor[0]], :]
            cursor[0] += 1
        loss_and_gradient(theta, xb, offsets, sizes, linear, code, grad)
        for j in range(theta.shape[0]):
            theta[j] -= lr * grad[j]
        if not np.isfinite(theta.sum()):
            return False
    return True


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
    steps, so the times are hit exactly). Its distance to the scipy flow is O(step) (checked in
    tests/test_manifold.py). One numba loop: per unit of time it costs a fraction of the scipy
    integrator, which is limited by the same stiffness and pays Python overhead per evaluation.
    Returns (states (len(times), n_parameters), number of gradient evaluations)."""
    X = np.ascontiguousarray(X)
    times = np.asarray(times, dtype=float)
    m = len(X)
    order, cursor = np.arange(m, dtype=np.int64), np.zeros(1, dtype=np.int64)
    rng = np.random.default_rng(0)  # unused: a full batch is never reshuffled
    theta = np.array(theta0, dtype=float)
    out = np.empty((len(times), len(theta)))
    out[0], nfev = theta, 0
    for i in range(1, len(times)):
        gap = times[i] - times[i - 1]
        n = max(1, int(np.ceil(gap / step - 1e-9))) if gap > 0 else 0
        if n and not sgd_steps(theta, X, *net.kernel_args(), gap / n, m, order, cursor, rng, n):
            raise NumericalError(times[i], "Euler scheme of the flow blew up (step %g)" % step)
        out[i], nfev = theta, nfev + n
    return out, nfev


def descend(net, theta0, X, steps, lr, batch=None, seed=0, stop=None, advance=None,
            chunk=2000):
    """Parameters after each number of ``steps`` (increasing) of minibatch SGD from theta0
    (full-batch gradient descent when batch is None or len(X)). Returns a list of copies of
    theta, shorter than ``steps`` if ``stop`` was set."""
    X = np.ascontiguousarray(X)
    m = len(X)
    batch = m if batch is None else int(batch)
    rng = np.random.default_rng([11, seed])
    order = rng.permutation(m).astype(np.int64) if batch < m else np.arange(m, dtype=np.int64)
    cursor = np.zeros(1, dtype=np.int64)
    theta = np.array(theta0, dtype=float)
    out, done = [], 0
    for target in steps:
        while done < target and not (stop is not None and stop.is_set()):
            n = int(min(target - done, chunk))
            if not sgd_steps(theta, X, *net.kernel_args(), lr, batch, order, cursor, rng, n):
                raise NumericalError(lr * (done + n), "SGD blew up (seed %d, lr %g)" % (seed, lr))
            done += n
            if advance is not None:
                advance(n)
        if done < target:
            break
        out.append(theta.copy())
    return out
