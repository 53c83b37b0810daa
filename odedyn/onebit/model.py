"""The one-bit compression autoencoder of seed 000 (Koegler, Shevchenko, Hassani, Mondelli, ICML
2024). Owns: the model xhat = A sign(B x) (encoder B: n x d, decoder A: d x n, rate r = n/d,
sign(0) = 0), random initial networks, the population risk and its gradient as an objective,
and the observables of a network (the map weights -> macroscopic state). Its gradient flow and
gradient descent are in odedyn.onebit.theory.

Time normalisation: dA/dt = -d dR/dA, dB/dt = -d dR/dB. With rows of B of norm O(1) and A of
entries O(1/sqrt d), d times either gradient is O(1/sqrt d) per entry, so every entry moves at
a rate O(1) relative to its size and convergence happens at t = O(1) whatever d. R depends on
B only through its normalised rows and dR/db_i is orthogonal to b_i, so the flow keeps every
|b_i| fixed (the start normalises them to 1). Gradient descent with step eta is the Euler scheme
of the same flow, one step advancing t by eta.
"""
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError, NumericalError
from . import kernels
from .sources import Source

OBSERVABLES = ("gram_offdiag_max", "identity_overlap", "rotation_defect", "decoder_alignment")


@dataclass(frozen=True)
class SignAutoencoder:
    d: int
    n: int
    source: Source = Source()

    def __post_init__(self):
        if self.d < 1:
            raise ConfigError("model.d", self.d, "must be >= 1")
        if self.n < 1:
            raise ConfigError("model.r", self.n / self.d, "gives n = r d < 1 encoder rows")

    @property
    def r(self):
        return self.n / self.d

    def random_network(self, seed, std=1.0):
        """B with i.i.d. Gaussian rows normalised to 1, A with i.i.d. N(0, std^2 / d) entries."""
        rng = np.random.default_rng([seed, 4099])
        B = rng.standard_normal((self.n, self.d))
        B /= np.linalg.norm(B, axis=1, keepdims=True)
        return std * rng.standard_normal((self.d, self.n)) / np.sqrt(self.d), B

    def check_network(self, A, B):
        if A.shape != (self.d, self.n) or B.shape != (self.n, self.d):
            raise ConfigError("init.weights", (A.shape, B.shape),
                              "need A (d x n) = %s, B (n x d) = %s" % ((self.d, self.n), (self.n, self.d)))
        if not (np.isfinite(A).all() and np.isfinite(B).all()):
            raise ConfigError("init.weights", "A, B", "contain non-finite entries")
        if (np.linalg.norm(B, axis=1) == 0).any():
            raise ConfigError("init.weights", "B", "has a zero row (its sign is always 0)")
        return np.array(A, float), np.array(B, float)


@dataclass
class Objective:
    """The population risk as a function of (A, B): exact for the Gaussian source, the exact
    average over a fixed sample of supports for a Bernoulli-Gaussian one."""

    model: SignAutoencoder
    supports: int = 400
    seed: int = 0

    def __post_init__(self):
        self.idx, self.offsets, self.scale = self.model.source.supports(
            self.model.d, self.supports, self.seed)

    def fresh(self, seed):
        """The same objective over another sample of supports (the same one if exact)."""
        return self if self.exact else Objective(self.model, self.supports, seed)

    @property
    def exact(self):
        return len(self.offsets) == 2

    def evaluate(self, A, B, t=0.0, gradient=True):
        """(risk, dR/dA, dR/dB, standard error of the support average). Two rows parallel on a
        support leave the risk finite but its gradient singular: an error when ``gradient``."""
        risk, gA, gB, per_support, largest = kernels.population_risk(
            A, B, self.idx, self.offsets, self.scale)
        if not np.isfinite(risk) or (gradient and largest >= kernels.PARALLEL):
            raise NumericalError(t, "two encoder rows became parallel (|G_ij| = %r) or the risk "
                                 "is not finite (%r)" % (largest, risk))
        if self.exact:
            return risk, gA, gB, 0.0
        # control variate: the energy term scale^2 |S| / d has mean exactly 1
        sizes = np.diff(self.offsets)
        per_support = per_support - self.scale**2 * sizes / self.model.d + 1.0
        return (per_support.mean(), gA, gB,
                per_support.std(ddof=1) / np.sqrt(len(per_support)))


def observables(A, B):
    """Shape of a network: the largest |off-diagonal| of the Gram matrix of normalised encoder
    rows; the mean over rows of the largest |entry| of the normalised row (1 for the identity up
    to a permutation, O(sqrt(log d / d)) for a random rotation); the largest distance of a
    singular value of the normalised encoder from 1 (0 for orthonormal rows, i.e. a rotation when
    r <= 1); and the cosine between A and sqrt(2/pi) Bbar^T (1 at the Gaussian optimum)."""
    Bbar = B / np.linalg.norm(B, axis=1, keepdims=True)
    G = Bbar @ Bbar.T
    off = np.abs(G - np.diag(np.diag(G)))
    sv = np.linalg.svd(Bbar, compute_uv=False)
    align = (A * Bbar.T).sum() / max(np.linalg.norm(A) * np.linalg.norm(Bbar), 1e-300)
    return {"gram_offdiag_max": off.max() if len(G) > 1 else 0.0,
            "identity_overlap": np.abs(Bbar).max(axis=1).mean(),
            "rotation_defect": np.abs(sv - 1).max(),
            "decoder_alignment": align}
