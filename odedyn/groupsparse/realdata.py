"""Real data through the group-sparse autoencoder (``[data] source = "dataset"``). Owns: the
rows of a data set and their labels when known, the stated preprocessing, the split into
training and held-out rows, minibatches drawn from the training rows (so that SGD runs the same
loop as on synthetic data, odedyn.groupsparse.simulate), the start from training rows, and what
is measured on the held-out rows: reconstruction loss, active groups, clustering by the active
group (accuracy after Hungarian matching, adjusted Rand index), the active groups and units
(sparse coding).

Sources: ``dataset = "digits"`` (scikit-learn's 8x8 digits with their labels),
``"fashion-mnist:PATH"`` / ``"mnist:PATH"`` (idx3-ubyte images; labels from ``data.labels``,
an idx1-ubyte file), ``"cifar10:PATH"`` (grey scale, odedyn.spectra's reader) or a ``.npy``
file of rows (labels: ``data.labels``, a .npy of integers). Preprocessing (``data.preprocess``):
``"unit-norm"`` (default: centre every coordinate on the training mean, then scale each row to
unit norm), ``"centre"`` (centre only, then one global scale so that the mean squared row norm
is one) or ``"whiten"`` (centre, then map the training covariance to the identity on its
non-zero eigenvalues, scaled so that the mean squared row norm is one).
"""
import gzip
import os
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from ..datasets import load_dataset, read_idx_images
from .activation import activate, group_norms
from .clustering import matched_accuracy
from .theory import cluster_labels

PREPROCESSING = ("unit-norm", "centre", "whiten")


def read_idx_labels(path):
    """Labels from an idx1-ubyte file (MNIST / Fashion-MNIST format, optionally gzipped)."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as fh:
        raw = fh.read()
    magic, n = np.frombuffer(raw[:8], dtype=">u4")
    if magic != 2049:
        raise ValueError("not an idx1-ubyte label file (magic %d)" % magic)
    return np.frombuffer(raw[8:], dtype=np.uint8, count=n).astype(int)


def load_rows(name, labels_path=None):
    """(rows N x n, labels N or None) of a data set."""
    labels = None
    if name == "digits":
        from sklearn.datasets import load_digits
        d = load_digits()
        return d.data.astype(float), d.target.astype(int)
    kind, _, path = name.partition(":")
    try:
        if name.endswith(".npy"):
            rows = np.asarray(np.load(name), dtype=float)
        elif kind == "mnist" and path:
            rows = read_idx_images(path)
        else:
            rows = load_dataset(name)
        if labels_path is not None:
            labels = (np.load(labels_path) if labels_path.endswith(".npy")
                      else read_idx_labels(labels_path)).astype(int)
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError("data.dataset", name, "cannot read it: %s" % exc) from exc
    if rows.ndim != 2 or len(rows) < 4 or not np.all(np.isfinite(rows)):
        raise ConfigError("data.dataset", name, "must be a finite 2-d array of rows (N >= 4)")
    if labels is not None and labels.shape != (len(rows),):
        raise ConfigError("data.labels", labels_path, "needs one label per row (%d)" % len(rows))
    return rows, labels


def preprocess(train, test, how):
    """Fit the preprocessing on the training rows, apply it to both."""
    mean = train.mean(axis=0)
    tr, te = train - mean, test - mean
    if how == "unit-norm":
        def unit(X):
            norms = np.linalg.norm(X, axis=1, keepdims=True)
            return X / np.where(norms > 0, norms, 1.0)
        return unit(tr), unit(te)
    if how == "whiten":
        ev, U = np.linalg.eigh(tr.T @ tr / len(tr))
        keep = ev > 1e-10 * ev.max()
        P = U[:, keep] / np.sqrt(ev[keep])
        tr, te = tr @ P @ U[:, keep].T, te @ P @ U[:, keep].T
    scale = np.sqrt(np.mean(np.sum(tr ** 2, axis=1)))
    return tr / scale, te / scale


@dataclass(frozen=True)
class DataSet:
    """Training and held-out rows of a real data set, with the autoencoder's group structure."""

    train: np.ndarray
    test: np.ndarray
    train_labels: object
    test_labels: object
    group_size: int
    groups: int
    description: str

    @property
    def n(self):
        return self.train.shape[1]

    @property
    def p(self):
        return self.groups * self.group_size

    @property
    def M(self):
        return self.groups

    def sample(self, rng, N):
        """A minibatch of N training rows drawn uniformly with replacement (X, None, None)."""
        return self.train[rng.integers(len(self.train), size=N)], None, None

    def start(self, seed, noise=0.0):
        """W0 whose columns are distinct random training rows (unit norm), plus ``noise``
        times a unit Gaussian direction each."""
        rng = np.random.default_rng([seed, 7])
        W = self.train[rng.choice(len(self.train), size=self.p, replace=False)].T.copy()
        if noise > 0:
            U = rng.standard_normal(W.shape)
            W += noise * U / np.linalg.norm(U, axis=0)
        return W / np.linalg.norm(W, axis=0)


def build(ds, base_dir):
    """A DataSet from the [data] section (``ds``, an odedyn.config.Section)."""
    name = ds.string("dataset")
    kind, _, path = name.partition(":")
    if name.endswith(".npy") and not path:
        name = os.path.join(base_dir, name)
    elif path:
        name = kind + ":" + os.path.join(base_dir, path)
    labels_path = ds.path("labels", base_dir, None)
    rows, labels = load_rows(name, labels_path)
    how = ds.string("preprocess", "unit-norm", PREPROCESSING)
    g = ds.integer("group_size", minimum=1)
    M = ds.integer("groups", minimum=1)
    held = ds.number("test_fraction", 0.25, positive=True)
    if held >= 1:
        raise ConfigError("data.test_fraction", held, "must be below 1")
    order = np.random.default_rng([ds.integer("seed", 0, minimum=0), 8]).permutation(len(rows))
    n_test = max(1, int(round(held * len(rows))))
    test, train = order[:n_test], order[n_test:]
    if len(train) < M * g:
        raise ConfigError("data.groups", M, "the %d training rows cannot start %d columns"
                          % (len(train), M * g))
    Xtr, Xte = preprocess(rows[train], rows[test], how)
    lab = (None, None) if labels is None else (labels[train], labels[test])
    return DataSet(Xtr, Xte, *lab, g, M, "%s (%d rows, n = %d), %s" % (name, len(rows),
                                                                        rows.shape[1], how))


def cluster_of(W, X, g, lam, kind):
    """The most active group of h(W^T x) for every row (a silent code: the group with the
    largest |z+_G|)."""
    Z = X @ W
    return cluster_labels(Z, activate(Z, g, lam, kind), g)


def clustering_scores(labels, truth):
    """(accuracy after the best one-to-one renaming of the labels, adjusted Rand index)."""
    from sklearn.metrics import adjusted_rand_score
    k = int(max(labels.max(), truth.max())) + 1
    return matched_accuracy(labels, truth, k), adjusted_rand_score(truth, labels)


def measure(W, data, kind, lam):
    """Observables of network W on the held-out rows."""
    X, g = data.test, data.group_size
    Z = X @ W
    H = activate(Z, g, lam, kind)
    out = {"loss": 0.5 * np.mean(np.sum((X - H @ W.T) ** 2, axis=1)),
           "active_groups": np.mean(np.sum(group_norms(H, g) > 0, axis=1)),
           "active_units": np.mean(np.sum(H > 0, axis=1)),
           "W": W.copy()}
    if data.test_labels is not None:
        out["cluster_accuracy"], out["ari"] = clustering_scores(cluster_labels(Z, H, g),
                                                                data.test_labels)
    return out
