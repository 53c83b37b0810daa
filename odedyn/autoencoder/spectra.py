"""Input spectra. Owns: ``Spectrum`` (the eigenvalues rho_tau of the input covariance, in the
order of the eigenbasis coordinates), its constructors (spiked, explicit eigenvalues, the
empirical spectrum of a data matrix, e.g. of a data set of odedyn.datasets), and the
grouping of directions with equal eigenvalues into the groups the order-parameter equations use.

The equations depend on the data only through p_tau = rho_tau / D, and directions with equal
eigenvalue obey identical (linear) equations, so they can be merged exactly: a spiked spectrum
needs len(spikes) + 1 groups whatever D is. An empirical spectrum can also be binned (``bins``),
which replaces the eigenvalues in each bin by their mean; that changes the dynamics and its
effect is reported by ``binning_error`` (the largest relative change of an eigenvalue).
"""
from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError


@dataclass(frozen=True)
class Grouping:
    """Directions merged into groups: ``labels[tau]`` is the group of direction tau,
    ``p[g]`` = rho_g / D is the group's eigenvalue over D, ``n[g]`` its size."""

    labels: np.ndarray
    p: np.ndarray
    n: np.ndarray
    binning_error: float = 0.0

    @property
    def size(self):
        return len(self.p)


@dataclass(frozen=True)
class Spectrum:
    """Eigenvalues rho_tau (length D) of the input covariance Omega = sum rho u u^T.

    ``basis`` (D x D, columns u_tau) and ``mean`` are kept for empirical spectra so that real
    rows can be brought into the eigenbasis; ``data`` holds the standardised rows (N x D) there.
    """

    eigenvalues: np.ndarray
    description: str = ""
    basis: np.ndarray = field(default=None, repr=False)
    data: np.ndarray = field(default=None, repr=False)

    def __post_init__(self):
        ev = np.asarray(self.eigenvalues, dtype=float)
        if ev.ndim != 1 or ev.size == 0:
            raise ConfigError("data.eigenvalues", ev.shape, "need a non-empty 1-d array")
        if not np.all(np.isfinite(ev)):
            bad = int(np.flatnonzero(~np.isfinite(ev))[0])
            raise ConfigError("data.eigenvalues[%d]" % bad, float(ev[bad]), "must be finite")
        if np.any(ev < 0):
            bad = int(np.flatnonzero(ev < 0)[0])
            raise ConfigError("data.eigenvalues[%d]" % bad, float(ev[bad]),
                              "a covariance has no negative eigenvalue")
        object.__setattr__(self, "eigenvalues", ev)

    @property
    def D(self):
        return self.eigenvalues.size

    def pca_error(self, K):
        """(1/2D) x the sum of the D - K smallest eigenvalues: the best error of K linear units."""
        ev = np.sort(self.eigenvalues)
        return float(ev[: max(self.D - K, 0)].sum() / (2.0 * self.D))

    def total_error(self):
        """Tr(Omega) / (2D): the error of the network that outputs zero."""
        return float(self.eigenvalues.sum() / (2.0 * self.D))

    def grouping(self, bins=None, rtol=1e-12, merge=True):
        """Group equal eigenvalues (to ``rtol``) exactly, or into ``bins`` bins of equal mass
        on a log scale of the non-zero eigenvalues (zeros keep a group of their own).
        ``merge=False`` keeps every direction in a group of its own (the full system)."""
        ev = self.eigenvalues
        if not merge:
            return Grouping(labels=np.arange(self.D), p=ev / self.D, n=np.ones(self.D))
        if bins is None:
            order = np.argsort(ev, kind="stable")
            s = ev[order]
            new = np.ones(len(s), dtype=bool)
            new[1:] = np.abs(np.diff(s)) > rtol * np.maximum(np.abs(s[1:]), 1e-300)
            ids = np.cumsum(new) - 1
            labels = np.empty(len(ev), dtype=np.int64)
            labels[order] = ids
            rep = s[new]
            err = 0.0
        else:
            if int(bins) < 1:
                raise ConfigError("data.bins", bins, "must be a positive integer")
            nz = ev > 0
            edges = np.unique(np.quantile(np.log(ev[nz]), np.linspace(0, 1, int(bins) + 1))) \
                if nz.any() else np.array([0.0])
            raw = np.where(nz, np.searchsorted(edges[1:-1], np.log(np.where(nz, ev, 1.0)),
                                               side="right") + 1, 0)
            uniq, labels = np.unique(raw, return_inverse=True)
            rep = np.array([ev[labels == g].mean() for g in range(len(uniq))])
            err = float(np.max(np.abs(rep[labels] - ev) / np.maximum(ev, 1e-300)))
        n = np.bincount(labels, minlength=len(rep)).astype(float)
        return Grouping(labels=labels, p=rep / self.D, n=n, binning_error=err)


def spiked(D, spikes, bulk):
    """Outlier eigenvalues D * s for s in ``spikes`` on the first coordinates, ``bulk`` elsewhere."""
    spikes = np.atleast_1d(np.asarray(spikes, dtype=float))
    if int(D) != D or D < 1:
        raise ConfigError("data.D", D, "must be a positive integer")
    D = int(D)
    if len(spikes) > D:
        raise ConfigError("data.spikes", list(spikes), "more spikes than dimensions D = %d" % D)
    for i, s in enumerate(spikes):
        if not np.isfinite(s) or s < 0:
            raise ConfigError("data.spikes[%d]" % i, float(s), "must be finite and >= 0")
    if not np.isfinite(bulk) or bulk < 0:
        raise ConfigError("data.bulk", bulk, "must be finite and >= 0")
    ev = np.full(D, float(bulk))
    ev[: len(spikes)] = D * spikes
    return Spectrum(ev, "spiked(D=%d, spikes=%s, bulk=%g)" % (D, list(spikes), bulk))


def from_data(X, description="data matrix"):
    """Empirical spectrum of the rows of ``X`` (N x D): centred, scaled globally so that
    Tr(Omega) / D = 1 (the mean variance of a coordinate is one), then diagonalised.
    The eigenvalues are sorted in decreasing order; ``data`` holds the rows in that eigenbasis."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ConfigError("data.dataset", X.shape, "need a 2-d array of rows (N >= 2, D)")
    if not np.all(np.isfinite(X)):
        raise ConfigError("data.dataset", description, "contains non-finite values")
    Xc = X - X.mean(axis=0)
    scale = np.sqrt(np.mean(Xc**2))
    if scale == 0:
        raise ConfigError("data.dataset", description, "has zero variance")
    Xc = Xc / scale
    cov = Xc.T @ Xc / Xc.shape[0]
    ev, U = np.linalg.eigh(cov)
    order = np.argsort(ev)[::-1]
    ev, U = ev[order], U[:, order]
    ev = np.where(ev > 1e-12 * ev[0], ev, 0.0)  # round-off of constant coordinates is zero
    return Spectrum(ev, "empirical spectrum of %s (N=%d, D=%d)" % (description, *X.shape),
                    basis=U, data=Xc @ U)
