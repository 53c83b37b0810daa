"""The shallow autoencoder of seed 001: the model and its initial networks.

Owns: ``Autoencoder`` (K units, activation, tied weights, trained bias, rule, learning rates),
random and explicit initial weights, and the public map ``order_parameters`` from weights to
the macroscopic state (its theory: odedyn.autoencoder.theory).

Conventions (x in the eigenbasis of Omega, x_tau = sqrt(rho_tau) z_tau):

    lambda_k = w_k . x / sqrt(D) + b_k,   xhat = sum_k v_k g(lambda_k),   loss = |x - xhat|^2 / 2D,
    online SGD, one fresh sample per step, time t = steps / D:
    w_k += (eta_W / D) g'(lambda_k) [v_k . (x - xhat_k) / D] x / sqrt(D)
    v_k += (eta_V / D) g(lambda_k) (x - xhat_k)
    b_k += (eta_W / D) g'(lambda_k) [v_k . (x - xhat_k) / D]

with xhat_k = xhat (vanilla) or sum_{a <= k} v_a g(lambda_a) (truncated, Sanger-like rule).
Tied weights are v_k = sqrt(D) w_k (so that v has O(sqrt D) components along the spikes, as the
untied decoder learns, while lambda stays O(1)); then |w_k| = O(1) and SGD on w with the single
rate eta / D, i.e. w_k += (eta / D) [g(lambda_k)(x - xhat) / sqrt(D) + g'(lambda_k)
(v_k . (x - xhat) / D) x / sqrt(D)], is the sum of the untied decoder and encoder updates with
eta_V = eta_W = eta: that is the scaling under which a limit at t = steps / D exists.
"""
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from . import kernels

RULES = ("vanilla", "truncated")


@dataclass(frozen=True)
class Autoencoder:
    """A shallow autoencoder with K hidden units and its learning rule."""

    K: int
    activation: str = "erf"
    tied: bool = False
    train_bias: bool = False
    rule: str = "vanilla"
    lr_encoder: float = 1.0
    lr_decoder: float = 1.0

    def __post_init__(self):
        if not (isinstance(self.K, (int, np.integer)) and self.K >= 1):
            raise ConfigError("model.K", self.K, "must be a positive integer")
        if self.activation not in kernels.ACTIVATIONS:
            raise ConfigError("model.activation", self.activation,
                              "unknown; one of %s" % ", ".join(kernels.ACTIVATIONS))
        if self.rule not in RULES:
            raise ConfigError("model.rule", self.rule, "unknown; one of %s" % ", ".join(RULES))
        for key, lr in (("training.lr_encoder", self.lr_encoder),
                        ("training.lr_decoder", self.lr_decoder)):
            if not (np.isfinite(lr) and lr > 0):
                raise ConfigError(key, lr, "must be a positive number")
        if self.tied and self.lr_encoder != self.lr_decoder:
            raise ConfigError("training.lr_encoder", self.lr_encoder,
                              "tied weights take a single learning rate (lr); got lr_decoder = %r"
                              % self.lr_decoder)

    @property
    def rows(self):
        """Rows of a direction's vector x = (w, v / sqrt(D)), or x = w for tied weights."""
        return self.K if self.tied else 2 * self.K

    def layout(self, grouping):
        """(m, off): columns m_g = min(n_g, rows) of each group's factor, and the offsets of the
        groups in the state vector (each column is ``rows`` contiguous entries)."""
        m = np.minimum(grouping.n.astype(np.int64), self.rows)
        off = np.concatenate([[0], np.cumsum(self.rows * m)]).astype(np.int64)
        return m, off

    def column_weights(self, grouping):
        """Per factor column: p_g, n_g p_g and n_g; and Tr(Omega) / 2D."""
        m, _ = self.layout(grouping)
        p = np.repeat(grouping.p, m)
        n = np.repeat(grouping.n, m)
        return p, n * p, n, float(0.5 * np.sum(grouping.n * grouping.p))

    # ------------------------------------------------------------ initial networks
    def random_weights(self, D, std, seed):
        """Gaussian weights: untied w, v entries N(0, std^2); tied w entries N(0, std^2 / D)
        (so that v = sqrt(D) w has entries N(0, std^2) like the untied decoder); b = 0."""
        if not (np.isfinite(std) and std >= 0):
            raise ConfigError("init.std", std, "must be a finite number >= 0")
        rng = np.random.default_rng(seed)
        if self.tied:
            W = rng.standard_normal((self.K, D)) * std / np.sqrt(D)
            return W, np.sqrt(D) * W, np.zeros(self.K)
        W = rng.standard_normal((self.K, D)) * std
        V = rng.standard_normal((self.K, D)) * std
        return W, V, np.zeros(self.K)

    def check_weights(self, W, V, b, D, key="init.weights"):
        """Validate explicit weights (eigenbasis coordinates); returns float arrays (W, V, b)."""
        W = np.asarray(W, dtype=float)
        if W.shape != (self.K, D):
            raise ConfigError(key + ":W", W.shape, "must have shape (K, D) = (%d, %d)" % (self.K, D))
        if self.tied:
            if V is not None and not np.allclose(V, np.sqrt(D) * W):
                raise ConfigError(key + ":V", "given", "model.tied = true: V is sqrt(D) W; omit V")
            V = np.sqrt(D) * W
        else:
            if V is None:
                raise ConfigError(key + ":V", None, "untied weights need the decoder V (K x D)")
            V = np.asarray(V, dtype=float)
            if V.shape != (self.K, D):
                raise ConfigError(key + ":V", V.shape, "must have shape (K, D) = (%d, %d)" % (self.K, D))
        b = np.zeros(self.K) if b is None else np.asarray(b, dtype=float)
        if b.shape != (self.K,):
            raise ConfigError(key + ":b", b.shape, "must have shape (K,) = (%d,)" % self.K)
        for name, arr in (("W", W), ("V", V), ("b", b)):
            if not np.all(np.isfinite(arr)):
                raise ConfigError(key + ":" + name, "non-finite", "weights must be finite")
        return W, V, b

    # ------------------------------------------------------------ macroscopic state
    def order_parameters(self, W, V, b, grouping):
        """The map weights -> macroscopic state (public): for each group g of directions the
        factor Z_g with Z_g Z_g^T = mean over the group of x x^T, x_tau = (w_tau, v_tau / sqrt D)
        (see kernels), packed group after group and followed by the biases b."""
        D = W.shape[1]
        X = W if self.tied else np.vstack([W, V / np.sqrt(D)])  # rows x D
        m, off = self.layout(grouping)
        y = np.zeros(off[-1] + self.K)
        order = np.argsort(grouping.labels, kind="stable")
        starts = np.concatenate([[0], np.cumsum(grouping.n.astype(np.int64))])
        for g in range(grouping.size):
            cols = X[:, order[starts[g]:starts[g + 1]]]
            ng = cols.shape[1]
            if ng <= self.rows:
                Z = cols / np.sqrt(ng)
            else:
                evals, evecs = np.linalg.eigh(cols @ cols.T / ng)
                Z = evecs * np.sqrt(np.clip(evals, 0.0, None))
            y[off[g]:off[g + 1]] = Z.T.ravel()  # column after column
        y[off[-1]:] = b
        return y

    def group_moments(self, y, grouping):
        """Group means of q, r, t (each (G, K, K)) and b from a state vector."""
        m, off = self.layout(grouping)
        q, r, t = (np.empty((grouping.size, self.K, self.K)) for _ in range(3))
        kernels.group_moments(np.ascontiguousarray(y), m, self.K, self.rows, q, r, t)
        return q, r, t, y[off[-1]:].copy()
