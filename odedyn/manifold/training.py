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
from ..simulation import euler_steps, record
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


def sgd_state(net, theta0, X, batch=None, seed=0):
    """The microscopic state of minibatch SGD on X from theta0 (full-batch gradient descent when
    batch is None or len(X)): parameters, kernel arguments, and the minibatch order of ``seed``."""
    X = np.ascontiguousarray(X)
    m = len(X)
    batch = m if batch is None else int(batch)
    rng = np.random.default_rng([11, seed])
    order = rng.permutation(m).astype(np.int64) if batch < m else np.arange(m, dtype=np.int64)
    return {"theta": np.array(theta0, dtype=float), "X": X, "args": net.kernel_args(),
            "batch": batch, "order": order, "cursor": np.zeros(1, dtype=np.int64), "rng": rng,
            "time": 0.0, "seed": seed}


def sgd_advance(state, n, lr):
    """``n`` steps of size ``lr`` (time advances by lr per step)."""
    if not sgd_steps(state["theta"], state["X"], *state["args"], lr, state["batch"],
                     state["order"], state["cursor"], state["rng"], n):
        raise NumericalError(state["time"] + lr * n, "SGD blew up (seed %d, lr %g)"
                             % (state["seed"], lr))
    state["time"] += lr * n


def _parameters(state):
    return {"theta": state["theta"].copy()}


def euler_flow(net, theta0, X, times, step):
    """theta(t) at ``times`` under the flow, by the explicit Euler scheme: full-batch gradient
    descent with steps of at most ``step`` (each interval between output times is cut into equal
    steps, so the times are hit exactly: odedyn.simulation.euler_steps). Its distance to the
    scipy flow is O(step) (checked in tests/test_manifold.py). One numba loop: per unit of time
    it costs a fraction of the scipy integrator, which is limited by the same stiffness and pays
    Python overhead per evaluation. Returns (states (len(times), n_parameters), number of
    gradient evaluations)."""
    steps, sizes = euler_steps(times, step)
    rec = record(sgd_advance, _parameters, sgd_state(net, theta0, X), steps, chunk=1 << 40,
                 sizes=sizes)
    return rec["theta"], int(steps[-1])


def descend(net, theta0, X, steps, lr, batch=None, seed=0, stop=None, advance=None,
            chunk=2000):
    """Parameters after each number of ``steps`` (increasing) of minibatch SGD from theta0
    (full-batch gradient descent when batch is None or len(X)). Returns a list of copies of
    theta, shorter than ``steps`` if ``stop`` was set."""
    rec = record(lambda s, n: sgd_advance(s, n, lr), _parameters,
                 sgd_state(net, theta0, X, batch, seed), steps, stop, advance, chunk)
    return list(rec.get("theta", []))
