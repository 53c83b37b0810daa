"""Data sources of the one-bit autoencoder. Owns: the i.i.d. scalar laws x_i (all with
E x_i^2 = 1), sampling them, their moments, and -- where a source is Gaussian given which
coordinates are active -- the supports over which its population risk is an exact average.

* ``gaussian``: x_i ~ N(0, 1). One support (all coordinates), scale 1: the risk is exact.
* ``bernoulli-gaussian``: x_i = s_i g_i, s_i ~ Bernoulli(p), g_i ~ N(0, 1/p). Given its support
  S the vector is N(0, I_S / p): the risk is the average over S of Gaussian closed forms,
  evaluated exactly for each support in a fixed sample of supports (the only approximation;
  its standard error is reported).
* ``discrete``: x_i takes ``values`` with ``probs`` (rescaled to E x^2 = 1), e.g. the sparse
  Rademacher law {-1, 0, 1} with probs {p/2, 1-p, p/2}. Not Gaussian given anything: it is
  handled by samples only (finite-size companion).
"""
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

KINDS = ("gaussian", "bernoulli-gaussian", "discrete")


@dataclass(frozen=True)
class Source:
    kind: str = "gaussian"
    p: float = 1.0
    values: tuple = ()
    probs: tuple = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ConfigError("data.source", self.kind, "unknown; one of %s" % ", ".join(KINDS))
        if self.kind == "bernoulli-gaussian" and not 0 < self.p <= 1:
            raise ConfigError("data.p", self.p, "must be in (0, 1]")
        if self.kind == "discrete":
            v, q = np.asarray(self.values, float), np.asarray(self.probs, float)
            if len(v) < 2 or len(v) != len(q):
                raise ConfigError("data.values", list(self.values),
                                  "needs >= 2 values and as many probs")
            if (q < 0).any() or abs(q.sum() - 1) > 1e-9:
                raise ConfigError("data.probs", list(self.probs), "must be >= 0 and sum to 1")
            if not (q * v * v).sum() > 0:
                raise ConfigError("data.values", list(self.values), "the law is a point mass at 0")

    @classmethod
    def sparse_rademacher(cls, p):
        """x_i = 0 with probability 1 - p, else +-1/sqrt(p)."""
        return cls("discrete", p, (-1.0, 0.0, 1.0), (p / 2, 1 - p, p / 2))

    @property
    def gaussian_given_support(self):
        return self.kind != "discrete"

    def _law(self):
        v, q = np.asarray(self.values, float), np.asarray(self.probs, float)
        return v / np.sqrt((q * v * v).sum()), q

    def sample(self, rng, m, d):
        """m samples in R^d (rows)."""
        if self.kind == "gaussian":
            return rng.standard_normal((m, d))
        if self.kind == "bernoulli-gaussian":
            return (rng.random((m, d)) < self.p) * rng.standard_normal((m, d)) / np.sqrt(self.p)
        v, q = self._law()
        return v[rng.choice(len(v), size=(m, d), p=q)]

    def moments(self):
        """(E|x|, E sign(x)^2) with sign(0) = 0."""
        if self.kind == "gaussian":
            return np.sqrt(2 / np.pi), 1.0
        if self.kind == "bernoulli-gaussian":
            return np.sqrt(2 * self.p / np.pi), self.p
        v, q = self._law()
        return float((q * np.abs(v)).sum()), float(q[v != 0].sum())

    def identity_risk(self, r):
        """Risk of B = a permutation of n = r d coordinates with the best decoder:
        1 - r (E|x|)^2 / E sign(x)^2 (coordinate-wise; exact at every d)."""
        e_abs, e_sign2 = self.moments()
        return 1 - r * e_abs**2 / e_sign2

    def supports(self, d, count, seed):
        """(concatenated indices, offsets, scale) of the supports the risk averages over."""
        if self.kind == "gaussian" or self.p == 1.0:
            return np.arange(d, dtype=np.int64), np.array([0, d], dtype=np.int64), 1.0
        if self.kind != "bernoulli-gaussian":
            raise ConfigError("data.source", self.kind, "has no population risk (use samples)")
        rng = np.random.default_rng([seed, 7919])
        masks = rng.random((count, d)) < self.p
        idx = np.flatnonzero(masks.ravel()) % d
        offsets = np.concatenate([[0], np.cumsum(masks.sum(axis=1))]).astype(np.int64)
        return idx.astype(np.int64), offsets, 1.0 / np.sqrt(self.p)
