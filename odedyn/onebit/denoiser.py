"""Denoising decoders of the one-bit autoencoder. Owns: the effective-noise picture of a rotation
encoder, the scalar MMSE it predicts, and the risk of the linear and the denoised decoders
measured on samples.

For B with orthonormal rows (a random rotation, r = n/d <= 1) and a source with E x_i^2 = 1,
y = (pi / 2r) sqrt(2/pi) B^T sign(B x) has E[y x^T] / d -> 1 and E|y|^2 / d = pi / (2r) exactly,
so y = x + w with per-entry noise variance v = pi/(2r) - 1 on average (models.md §3; for a random
rotation the noise is asymptotically Gaussian and independent of x, the observation channel of
approximate message passing). Applying the posterior-mean denoiser of the prior at noise v
entrywise then gives the scalar MMSE(v), below the linear decoder's 1 - 2r/pi = v / (1 + v),
the MMSE of a Gaussian prior at the same noise. This denoiser is the first layer of the
multi-layer decoder of odedyn/onebit/amp.py.
"""
import numpy as np
from numba import njit

from .._generated.onebit_kernels import bg_posterior_mean
from .state_evolution import prior_mmse


def noise_variance(r):
    """Effective noise variance of the rescaled linear decoder at rate r <= 1."""
    return np.pi / (2 * r) - 1


def scalar_mmse(source, v):
    """E[(x - E[x | y])^2] for y = x + sqrt(v) w, x from ``source`` (Gaussian or Bernoulli-
    Gaussian), by deterministic quadrature (state_evolution.prior_mmse)."""
    return prior_mmse(source, v)


def haar_rows(n, d, seed):
    """n orthonormal rows of a Haar-random d x d rotation: the QR factor of a d x n Gaussian
    matrix with the signs of R's diagonal moved into Q (a uniform point of the Stiefel manifold,
    the law of n rows of a Haar rotation; O(d n^2) work)."""
    rng = np.random.default_rng([*np.atleast_1d(seed).tolist(), 65537])   # seed: int or ints
    Q, R = np.linalg.qr(rng.standard_normal((d, n)))
    return (Q * np.sign(np.diag(R))).T.copy()


@njit(cache=True)
def _denoise(Y, p, v):
    out = np.empty_like(Y)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            out[i, j] = bg_posterior_mean(Y[i, j], p, v)[0]
    return out


def denoiser(source, v):
    """The entrywise posterior-mean denoiser of the prior at noise variance v."""
    if source.kind == "gaussian":
        return lambda Y: Y / (1 + v)
    if source.kind != "bernoulli-gaussian":
        raise ValueError("posterior mean implemented for gaussian and bernoulli-gaussian priors")
    return lambda Y: _denoise(Y, source.p, v)


def decoder_risks(B, source, rng, samples=2000, chunk=500):
    """Per-sample risks of the linear decoder A = sqrt(2/pi) B^T and of the denoised decoder
    eta(y), y = (pi/2r) A sign(B x), for an encoder with orthonormal rows B (n x d)."""
    n, d = B.shape
    v = noise_variance(n / d)
    eta = denoiser(source, v)
    lin, den = [], []
    for start in range(0, samples, chunk):
        X = source.sample(rng, min(chunk, samples - start), d)
        Xlin = np.sqrt(2 / np.pi) * np.sign(X @ B.T) @ B
        lin.append(((X - Xlin) ** 2).mean(axis=1))
        den.append(((X - eta(Xlin * np.pi * d / (2 * n))) ** 2).mean(axis=1))
    return np.concatenate(lin), np.concatenate(den)
