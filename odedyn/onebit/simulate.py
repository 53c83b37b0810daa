"""Finite-size companion of the one-bit autoencoder. Owns: the risk of a network measured on
fresh samples (mean and standard error), and training from samples: minibatch stochastic
gradient descent on fresh samples with the surrogate gradient of kernels.surrogate_gradient
(sign' replaced by a Gaussian of width ``width`` |b_i| in u_i = b_i . x, applied to the jump of
the loss across u_i = 0). One step of size eta advances t by eta, as in model.gradient_descent,
so the companion and the population dynamics share a clock: after k steps the sample-trained
network sits at t = k eta, the time of the population flow dA/dt = -d dR/dA it approximates.

What separates the two at a given t (measured in tests/onebit/test_onebit_companion.py): (i) the Euler
error of a finite step, O(eta); (ii) minibatch noise, which raises the mean risk by O(eta /
batch) (a "temperature"; at lr 0.05, batch 200, d = 30 about 2e-3 at the end, halving with eta,
quartering with 4x the batch); (iii) the surrogate's bias, derived exactly in
odedyn/onebit/surrogate.py: O(width^2), zero at the population optimum. For a Gaussian source the
exact population risk of the sample-trained network is recorded too ("population_risk"), so
the sampling error of the test set can be told apart from the training noise.
"""
import numpy as np

from ..errors import NumericalError
from ..simulation import record
from . import kernels
from .model import Objective, SignAutoencoder, observables


def fresh_risk(A, B, source, rng, samples=20000, chunk=5000):
    """(mean, standard error) of |x - A sign(B x)|^2 / d over ``samples`` fresh samples."""
    d = A.shape[0]
    losses = np.concatenate([kernels.sample_risks(A, B, source.sample(rng, min(chunk, samples - i), d))
                             for i in range(0, samples, chunk)])
    return losses.mean(), losses.std(ddof=1) / np.sqrt(len(losses))


def sample_training(A0, B0, source, eta, batch, width, seed, test_samples=20000):
    """The state of SGD on fresh minibatches from (A0, B0): the network, the sample stream of
    ``seed`` and a test set drawn once."""
    d = A0.shape[0]
    exact = Objective(SignAutoencoder(d, A0.shape[1], source)) if source.kind == "gaussian" else None
    return {"A": A0.copy(), "B": B0.copy(), "rng": np.random.default_rng([seed, 31337]),
            "X_test": source.sample(np.random.default_rng([seed, 2718]), test_samples, d),
            "source": source, "eta": eta, "batch": batch, "width": width, "seed": seed,
            "exact": exact, "done": 0}


def sample_steps(s, n):
    """``n`` surrogate-gradient steps on fresh minibatches, in place."""
    A, B, d = s["A"], s["B"], s["A"].shape[0]
    for _ in range(n):
        gA, gB = kernels.surrogate_gradient(A, B, s["source"].sample(s["rng"], s["batch"], d),
                                            s["width"])
        A -= s["eta"] * d * gA
        B -= s["eta"] * d * gB
    s["done"] += n
    if not (np.isfinite(A).all() and np.isfinite(B).all()):
        raise NumericalError(s["done"] * s["eta"], "sample-based training diverged (seed %d)"
                             % s["seed"])


def sample_measure(s):
    """The risk on the test set (and its standard error), the exact population risk for a
    Gaussian source, and the observables of the network."""
    losses = kernels.sample_risks(s["A"], s["B"], s["X_test"])
    out = {"risk": losses.mean(), "risk_test_se": losses.std(ddof=1) / np.sqrt(len(losses))}
    if s["exact"] is not None:
        out["population_risk"] = s["exact"].evaluate(s["A"], s["B"], gradient=False)[0]
    return out | observables(s["A"], s["B"])


def train_on_samples(A0, B0, source, times, eta, batch, width, seed, test_samples=20000):
    """SGD on fresh minibatches from (A0, B0); at the steps nearest to ``times`` the risk on a
    fixed test set drawn once (and its standard error) and the observables; the final network
    under "_final" (A, B)."""
    steps = np.unique(np.round(np.asarray(times) / eta).astype(np.int64))
    state = sample_training(A0, B0, source, eta, batch, width, seed, test_samples)
    return record(sample_steps, sample_measure, state, steps) | {"_final": (state["A"], state["B"])}
