"""What is measured on a trained deep autoencoder (seed 003). Owns: the reconstruction errors
|f(x) - x| on the dense test set of K, and from them, with the test set's quadrature weights
(the uniform probability measure on K): the mean error, the maximal error, and the measure of
the exceptional set {x in K : |f(x) - x| > epsilon}; also the empirical training loss.
"""
import numpy as np

#: the curves every run records, in this order (the error curve first)
OBSERVABLES = ("error", "max_error", "exceptional_measure", "train_loss")


def measure(net, theta, test_points, weights, epsilon, train=None):
    """Dict of the observables of the network ``theta`` (train_loss needs ``train``)."""
    err = net.errors(theta, test_points)
    out = {"error": float(weights @ err), "max_error": float(err.max()),
           "exceptional_measure": float(weights[err > epsilon].sum())}
    out["train_loss"] = float(net.loss(theta, train)[0]) if train is not None else np.nan
    return out


def measure_many(net, thetas, test_points, weights, epsilon, train=None):
    """Observables of a sequence of parameter vectors: dict name -> array over them."""
    rows = [measure(net, th, test_points, weights, epsilon, train) for th in thetas]
    return {name: np.array([r[name] for r in rows]) for name in OBSERVABLES}
