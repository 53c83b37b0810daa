"""The finite-size companion of the deep autoencoder (seed 003). Owns: minibatch SGD and
full-batch gradient descent on a finite sample in one numba kernel (``sgd_steps``), the state
of a run and its step (``sgd_state``, ``sgd_advance``: the family's hooks for the shared
odedyn.simulation loop), and ``descend`` (parameters at given step counts).

Time. A step of (stochastic) gradient descent with learning rate eta advances the time by eta:
after s steps t = eta s, so gradient descent is the explicit Euler scheme of the flow and
agrees with it up to O(eta) (checked in tests/manifold/test_manifold.py). A minibatch of B
training points, drawn without replacement within each epoch (the order reshuffled every
epoch), replaces L by its minibatch estimate; with B = m it is gradient descent exactly.
"""
import numpy as np
from numba import njit

from ..errors import NumericalError
from ..simulation import record
from .model import loss_and_gradient


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


def parameters(state):
    return {"theta": state["theta"].copy()}


def descend(net, theta0, X, steps, lr, batch=None, seed=0, stop=None, advance=None,
            chunk=2000):
    """Parameters after each number of ``steps`` (increasing) of minibatch SGD from theta0
    (full-batch gradient descent when batch is None or len(X)). Returns a list of copies of
    theta, shorter than ``steps`` if ``stop`` was set."""
    rec = record(lambda s, n: sgd_advance(s, n, lr), parameters,
                 sgd_state(net, theta0, X, batch, seed), steps, stop, advance, chunk)
    return list(rec.get("theta", []))
