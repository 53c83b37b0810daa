"""Finite-size companion: minibatch SGD of the tied autoencoder on fresh samples.

Owns: the weight-space gradient of the sample loss l = |x - W h(W^T x)|^2 / 2,
    grad_W l = -(e h^T + x u^T),   e = x - W h,  u = J W^T e  (J = dh/dz, symmetric),
the SGD loop (W <- W - lr * mean over a batch of grad_W l, a fresh batch each step; time
t = lr * steps, the time of the gradient flow), and the measurement of the theory's
observables on the network: R = W^T A and Q = W^T W (hence the distance to A, exactly), and the
loss and support recovery on a fresh test sample.
"""
import numpy as np

from ..errors import NumericalError
from .activation import activate, jacobian_apply, support_recovered
from .theory import cluster_labels, column_distances, group_distances


def weight_gradient(W, X, g, lam, kind):
    """Mean over the rows of X of grad_W l."""
    Z = X @ W
    H = activate(Z, g, lam, kind)
    E = X - H @ np.ascontiguousarray(W.T)
    U = jacobian_apply(Z, E @ W, g, lam, kind)
    return -(E.T @ H + X.T @ U) / len(X)


def measure(W, model, kind, lam, test):
    """The observables of network W; ``test`` = (X, S, mask) fresh samples."""
    X, S, mask = test
    g = model.group_size
    R, Q = W.T @ model.A, W.T @ W
    Z = X @ W
    H = activate(Z, g, lam, kind)
    d = column_distances(R, Q)
    out = {"loss": 0.5 * np.mean(np.sum((X - H @ np.ascontiguousarray(W.T)) ** 2, axis=1)),
           "distance": d.mean(), "distance_max": d.max(), "distance_columns": d,
           "group_distance": group_distances(R, Q, model.C, g).mean(),
           "support_accuracy": np.mean(support_recovered(H, S)),
           "R": R, "Q": Q, "W": W.copy()}
    if model.active_groups == 1:
        out["cluster_accuracy"] = np.mean(cluster_labels(Z, H, g) == mask.argmax(axis=1))
    return out


def sgd_steps(state, n, model, kind, lam, lr, batch):
    """``n`` minibatch SGD steps on fresh samples, in place (t advances by lr per step)."""
    W = state["W"]
    for _ in range(n):
        X, _, _ = model.sample(state["rng"], batch)
        W -= lr * weight_gradient(W, X, model.group_size, lam, kind)
    state["done"] += n
    if not np.all(np.isfinite(W)):
        raise NumericalError(lr * state["done"], "SGD weights not finite (step %d)" % state["done"])
