"""Deep autoencoders R^n -> R^k -> R^n (seed 003), in numpy and numba. Owns: the architecture
(``DeepAutoencoder``: layer widths, bottleneck k, smooth activation), the packing of all
weights and biases into one parameter vector theta (the state of the gradient-flow ODE),
random initial networks, and the compiled kernels: the forward pass, the empirical loss

    L(theta) = (1 / 2m) sum_i |f_theta(x_i) - x_i|^2

with its gradient by backpropagation, and reconstruction errors |f_theta(x) - x|.

Layers: z_l = W_l a_{l-1} + b_l, a_l = g(z_l), except the bottleneck layer (the encoder's
output, the k latent variables) and the output layer, which are linear. W_l has shape
(width_l, width_{l-1}); theta holds W_1, b_1, W_2, b_2, ... row-major, one after another.
"""
import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from .._generated import manifold_activations as acts
from ..errors import ConfigError

ACTIVATIONS = acts.ACTIVATIONS


@njit(cache=True, nogil=True)
def _activation(code, z):
    if code == 0:
        return acts.tanh_pair(z)
    if code == 1:
        return acts.sigmoid_pair(z)
    if code == 2:
        return acts.erf_pair(z)
    if code == 3:
        return acts.gelu_pair(z)
    return acts.sin_pair(z)


@njit(cache=True, nogil=True)
def _forward_one(theta, x, offsets, sizes, linear, code, a, s):
    """Forward pass of one input x: a[u_l:u_l + width_l] holds layer l's activations (layer 0
    is x) and s the slopes g'(z) (1 for linear layers); u_l = sizes[0] + ... + sizes[l-1]."""
    n = sizes[0]
    a[:n] = x
    u_in = 0
    for l in range(len(sizes) - 1):
        fan_in, fan_out, o = sizes[l], sizes[l + 1], offsets[l]
        u_out = u_in + fan_in
        bias = o + fan_out * fan_in
        for j in range(fan_out):
            z = theta[bias + j]
            row = o + j * fan_in
            for k in range(fan_in):
                z += theta[row + k] * a[u_in + k]
            if linear[l]:
                a[u_out + j], s[u_out + j] = z, 1.0
            else:
                a[u_out + j], s[u_out + j] = _activation(code, z)
        u_in = u_out
    return u_in


@njit(cache=True, nogil=True)
def _tanh_pair(z):
    """(tanh z, 1 - tanh^2 z) from one exp: about 4x faster than math.tanh (glibc) and equal
    to it within 1e-15 absolute (tests/manifold/test_manifold.py); tanh in the training kernel."""
    e = math.exp(-2.0 * abs(z))
    t = (1.0 - e) / (1.0 + e)
    if z < 0:
        t = -t
    return t, 1.0 - t * t


@njit(cache=True, nogil=True)
def loss_and_gradient(theta, X, offsets, sizes, linear, code, grad):
    """Empirical loss (1/2m) sum_i |f(x_i) - x_i|^2 at theta; its gradient (backpropagation)
    is written into ``grad`` (same shape as theta). Batched: every layer's activations of all
    m inputs form one (width, m) matrix, so the products are BLAS matrix products."""
    m, n = X.shape
    total = sizes.sum()
    A = np.empty(total * m)  # layer l: rows u_l .. u_l + width_l of a (total, m) matrix
    S = np.empty(total * m)  # the slopes g'(z) (1 for linear layers)
    XT = A[:n * m].reshape((n, m))
    for j in range(n):
        for i in range(m):
            XT[j, i] = X[i, j]
    u = 0
    L = len(sizes) - 1
    for l in range(L):
        fi, fo, o = sizes[l], sizes[l + 1], offsets[l]
        W = theta[o:o + fo * fi].reshape((fo, fi))
        Z = A[(u + fi) * m:(u + fi + fo) * m].reshape((fo, m))
        Sl = S[(u + fi) * m:(u + fi + fo) * m].reshape((fo, m))
        np.dot(W, A[u * m:(u + fi) * m].reshape((fi, m)), Z)
        b = o + fo * fi
        for j in range(fo):
            bj = theta[b + j]
            if linear[l]:
                for i in range(m):
                    Z[j, i] += bj
                    Sl[j, i] = 1.0
            elif code == 0:
                for i in range(m):
                    Z[j, i], Sl[j, i] = _tanh_pair(Z[j, i] + bj)
            else:
                for i in range(m):
                    Z[j, i], Sl[j, i] = _activation(code, Z[j, i] + bj)
        u += fi
    out = A[u * m:(u + n) * m].reshape((n, m))
    D = np.empty((n, m))
    loss = 0.0
    for j in range(n):
        for i in range(m):
            r = out[j, i] - X[i, j]
            loss += r * r
            D[j, i] = r / m
    for l in range(L - 1, -1, -1):
        fi, fo, o = sizes[l], sizes[l + 1], offsets[l]
        u -= fi
        Ain = A[u * m:(u + fi) * m].reshape((fi, m))
        np.dot(D, Ain.T, grad[o:o + fo * fi].reshape((fo, fi)))
        b = o + fo * fi
        for j in range(fo):
            s = 0.0
            for i in range(m):
                s += D[j, i]
            grad[b + j] = s
        if l > 0:
            P = np.dot(theta[o:o + fo * fi].reshape((fo, fi)).T, D)
            Sin = S[u * m:(u + fi) * m].reshape((fi, m))
            for k in range(fi):
                for i in range(m):
                    P[k, i] *= Sin[k, i]
            D = P
    return 0.5 * loss / m


@njit(cache=True, nogil=True)
def _layers_output(theta, X, offsets, sizes, linear, code, last):
    """Activations of layer ``last`` (1-based count of weight layers applied) for every input."""
    m = X.shape[0]
    a, s = np.empty(sizes.sum()), np.empty(sizes.sum())
    out = np.empty((m, sizes[last]))
    sub = sizes[:last + 1]
    for i in range(m):
        u = _forward_one(theta, X[i], offsets, sub, linear, code, a, s)
        out[i, :] = a[u:u + sizes[last]]
    return out


def reconstruct(theta, X, offsets, sizes, linear, code):
    return _layers_output(theta, X, offsets, sizes, linear, code, len(sizes) - 1)


def encode(theta, X, offsets, sizes, linear, code, n_encoder):
    """Latent variables (the bottleneck layer's output) of the inputs X."""
    return _layers_output(theta, X, offsets, sizes, linear, code, n_encoder)


@dataclass(frozen=True)
class DeepAutoencoder:
    """Encoder n -> encoder widths -> k, decoder k -> decoder widths -> n (linear bottleneck
    and output, smooth ``activation`` elsewhere)."""

    n: int
    bottleneck: int
    encoder: tuple = (32, 32)
    decoder: tuple = None
    activation: str = "tanh"

    def __post_init__(self):
        if self.decoder is None:
            object.__setattr__(self, "decoder", tuple(reversed(self.encoder)))
        object.__setattr__(self, "encoder", tuple(self.encoder))
        object.__setattr__(self, "decoder", tuple(self.decoder))
        for key, val in (("model.bottleneck", self.bottleneck), ("data.n", self.n)):
            if not (isinstance(val, (int, np.integer)) and val >= 1):
                raise ConfigError(key, val, "must be a positive integer")
        for key, widths in (("model.encoder", self.encoder), ("model.decoder", self.decoder)):
            if not widths or not all(isinstance(w, (int, np.integer)) and w >= 1 for w in widths):
                raise ConfigError(key, list(widths), "must be a non-empty list of positive integers "
                                  "(hidden widths)")
        if self.activation not in ACTIVATIONS:
            raise ConfigError("model.activation", self.activation,
                              "unknown; one of %s" % ", ".join(ACTIVATIONS))

    @property
    def sizes(self):
        return np.array((self.n,) + self.encoder + (self.bottleneck,) + self.decoder + (self.n,),
                        dtype=np.int64)

    @property
    def n_encoder(self):
        """Number of weight layers of the encoder (the last one is the bottleneck)."""
        return len(self.encoder) + 1

    @property
    def linear(self):
        """Which layers are linear: the bottleneck and the output."""
        flags = np.zeros(len(self.sizes) - 1, dtype=np.bool_)
        flags[self.n_encoder - 1] = flags[-1] = True
        return flags

    @property
    def offsets(self):
        s = self.sizes
        return np.concatenate([[0], np.cumsum(s[1:] * s[:-1] + s[1:])]).astype(np.int64)

    @property
    def n_parameters(self):
        return int(self.offsets[-1])

    @property
    def code(self):
        return ACTIVATIONS.index(self.activation)

    def kernel_args(self):
        """(offsets, sizes, linear, activation code) for the compiled kernels."""
        return self.offsets, self.sizes, self.linear, self.code

    def random_parameters(self, seed, std=1.0, bias_std=0.1, input_std=None):
        """Weights N(0, std^2 / fan_in), biases N(0, bias_std^2), from ``seed``. The first
        layer may have its own scale: W_1 ~ N(0, input_std^2 / n), b_1 ~ N(0, input_std^2 / n),
        so that its pre-activations w.x + b of unit-norm inputs have comparable spread and a
        large ``input_std`` gives steep random features that switch somewhere on the data."""
        rng = np.random.default_rng([7, seed])
        theta = np.empty(self.n_parameters)
        s, o = self.sizes, self.offsets
        for l in range(len(s) - 1):
            nw = s[l + 1] * s[l]
            w_std, b_std = std / np.sqrt(s[l]), bias_std
            if l == 0 and input_std is not None:
                w_std = b_std = input_std / np.sqrt(s[0])
            theta[o[l]:o[l] + nw] = rng.standard_normal(nw) * w_std
            theta[o[l] + nw:o[l + 1]] = rng.standard_normal(s[l + 1]) * b_std
        return theta

    def loss(self, theta, X, grad=None):
        grad = np.empty_like(theta) if grad is None else grad
        return loss_and_gradient(np.ascontiguousarray(theta, dtype=float),
                                 np.ascontiguousarray(X, dtype=float), *self.kernel_args(),
                                 grad), grad

    def reconstruct(self, theta, X):
        return reconstruct(theta, np.ascontiguousarray(X), *self.kernel_args())

    def encode(self, theta, X):
        return encode(theta, np.ascontiguousarray(X), *self.kernel_args(), self.n_encoder)

    def errors(self, theta, X):
        """Reconstruction error |f(x) - x| of every row of X."""
        return np.linalg.norm(self.reconstruct(theta, X) - X, axis=1)
