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
def loss_and_gradient(theta, X, offsets, sizes, linear, code, grad):
    """Empirical loss (1/2m) sum_i |f(x_i) - x_i|^2 at theta; its gradient (backpropagation,
    one input at a time) is written into ``grad`` (same shape as theta)."""
    m, n = X.shape
    total = sizes.sum()
    a, s = np.empty(total), np.empty(total)
    width = sizes.max()
    delta, previous = np.empty(width), np.empty(width)
    grad[:] = 0.0
    loss = 0.0
    for i in range(m):
        u = _forward_one(theta, X[i], offsets, sizes, linear, code, a, s)
        for j in range(n):
            r = a[u + j] - X[i, j]
            loss += r * r
            delta[j] = r / m
        for l in range(len(sizes) - 2, -1, -1):
            fan_in, fan_out, o = sizes[l], sizes[l + 1], offsets[l]
            u -= fan_in
            bias = o + fan_out * fan_in
            previous[:fan_in] = 0.0
            for j in range(fan_out):
                d = delta[j]
                grad[bias + j] += d
                row = o + j * fan_in
                for k in range(fan_in):
                    grad[row + k] += d * a[u + k]
                    previous[k] += d * theta[row + k]
            for k in range(fan_in):
                delta[k] = previous[k] * s[u + k]
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
        return loss_and_gradient(theta, np.ascontiguousarray(X), *self.kernel_args(), grad), grad

    def reconstruct(self, theta, X):
        return reconstruct(theta, np.ascontiguousarray(X), *self.kernel_args())

    def encode(self, theta, X):
        return encode(theta, np.ascontiguousarray(X), *self.kernel_args(), self.n_encoder)

    def errors(self, theta, X):
        """Reconstruction error |f(x) - x| of every row of X."""
        return np.linalg.norm(self.reconstruct(theta, X) - X, axis=1)
