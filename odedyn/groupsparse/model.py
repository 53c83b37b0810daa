"""The group-sparse generative model x = A s + sigma eps. Owns: dictionaries (random incoherent
or orthonormal unit-norm columns, or user-given), the group structure (M groups of g consecutive
columns), the law of the codes s (K active groups chosen uniformly, non-negative amplitudes:
constant or uniform on [lo, hi], i.i.d. over the active entries) and sampling from it. The
clustering variant is K = 1: the active group is the cluster label.
"""
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError


def random_dictionary(n, p, seed=0):
    """Gaussian columns normalised to unit norm (incoherent: |a_i.a_j| ~ 1 / sqrt(n))."""
    A = np.random.default_rng([seed, 2]).standard_normal((n, p))
    return A / np.linalg.norm(A, axis=0)


def orthonormal_dictionary(n, p, seed=0):
    """Orthonormal columns (A^T A = I, needs p <= n): the permutation-symmetric case."""
    if p > n:
        raise ConfigError("data.n", n, "an orthonormal dictionary needs n >= p = %d" % p)
    q, _ = np.linalg.qr(np.random.default_rng([seed, 3]).standard_normal((n, p)))
    return q


def coherence(A):
    """Largest |a_i . a_j| over distinct columns."""
    C = A.T @ A
    return float(np.max(np.abs(C - np.diag(np.diag(C))))) if A.shape[1] > 1 else 0.0


@dataclass(frozen=True)
class GenerativeModel:
    """x = A s + noise * eps with K = ``active_groups`` of the M groups active per sample."""

    A: np.ndarray
    group_size: int
    active_groups: int
    amplitude_range: tuple = (0.5, 1.5)
    noise: float = 0.0

    def __post_init__(self):
        n, p = self.A.shape
        if p % self.group_size:
            raise ConfigError("data.group_size", self.group_size, "must divide p = %d" % p)
        if not 1 <= self.active_groups <= self.M:
            raise ConfigError("data.active_groups", self.active_groups,
                              "must be between 1 and M = %d" % self.M)
        lo, hi = self.amplitude_range
        if not 0 < lo <= hi:
            raise ConfigError("data.amplitude_range", list(self.amplitude_range),
                              "must be [lo, hi] with 0 < lo <= hi")

    @property
    def n(self):
        return self.A.shape[0]

    @property
    def p(self):
        return self.A.shape[1]

    @property
    def M(self):
        return self.p // self.group_size

    @property
    def constant_amplitude(self):
        return self.amplitude_range[0] == self.amplitude_range[1]

    @property
    def C(self):
        return self.A.T @ self.A

    def codes(self, supports, amplitudes):
        """Codes s (N x p) from active groups (N x K) and amplitudes (N x K x g)."""
        N, K = supports.shape
        g = self.group_size
        S = np.zeros((N, self.M, g))
        S[np.arange(N)[:, None], supports] = amplitudes.reshape(N, K, g)
        return S.reshape(N, self.p)

    def sample(self, rng, N):
        """(X (N x n), codes S (N x p), active-group mask (N x M)) for N fresh samples."""
        K, g = self.active_groups, self.group_size
        supports = np.argsort(rng.random((N, self.M)), axis=1)[:, :K]
        lo, hi = self.amplitude_range
        S = self.codes(supports, lo + (hi - lo) * rng.random((N, K, g)))
        X = S @ np.ascontiguousarray(self.A.T)
        if self.noise > 0:
            X += self.noise * rng.standard_normal(X.shape)
        mask = np.zeros((N, self.M), dtype=bool)
        mask[np.arange(N)[:, None], supports] = True
        return X, S, mask
