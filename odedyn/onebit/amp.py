"""The multi-layer decoder of the one-bit autoencoder: vector approximate message passing (VAMP,
in the expectation-propagation form that is exact for rotationally invariant matrices) for
y = sign(B x), B with orthonormal rows (n = r d <= d), x with i.i.d. entries from a prior.
Owns: the decoder's layers at finite d and the per-layer risk measured on fresh samples. Its
theory (the state evolution) is odedyn/onebit/state_evolution.py; the entrywise maps come from
odedyn/_generated/onebit_amp.py (derived in derivations/onebit_amp.py).

Derivation. Complete B to a rotation O (rows B, then B_perp) and write u = O x: the first n
entries z = B x are seen through sign, the other d - n not at all. The posterior factorises as
prod_i p(x_i) * prod_{i <= n} 1{y_i z_i > 0}, two groups of factors coupled only by the rotation.
Approximate each group by an isotropic Gaussian N(mean, var I) and update the two in turn
(expectation propagation; for Haar O the errors of the messages are asymptotically Gaussian and
independent across entries, which is what makes the state evolution exact):

* the prior side receives R = x + N(0, v) (channel form) and applies the posterior-mean
  denoiser of the prior entrywise, xhat = eta(R; v), with divergence alpha_x = <eta'(R)> =
  <Var[x | R]> / v (Tweedie). It passes on the extrinsic message M = (xhat - alpha_x R) /
  (1 - alpha_x), variance u = v alpha_x / (1 - alpha_x): the Onsager correction that removes
  the part of xhat that is R's own noise.
* the output side receives P = O M, u (prior form: u = P + N(0, u)); on the n observed entries
  the posterior of z ~ N(P_i, u) given sign z = y_i is a truncated Gaussian (mean zhat_i,
  variance s_i), the d - n unobserved entries keep P. Its mean divergence is alpha_u =
  (r <s_i / u> + 1 - r), and its extrinsic message (uhat - alpha_u P) / (1 - alpha_u), rotated
  back, is the next R. Because the unobserved entries pass P through unchanged, B_perp cancels:

      R = M + B^T (zhat - B M) / (1 - alpha_u),      v = u alpha_u / (1 - alpha_u).

So one layer of the decoder computes a linear map (B M, then B^T), the entrywise posterior of the
sign channel, the divergence (Onsager) corrections of both, and the entrywise denoiser of the
prior; its output is xhat. The first layer starts from the prior alone (M = 0, u = 1): zhat =
sqrt(2/pi) y, alpha_u = 1 - 2r/pi, so R = (pi / 2r) sqrt(2/pi) B^T sign(B x) and v = pi/(2r) - 1:
layer 1 IS the single denoiser of odedyn/onebit/denoiser.py (tests/onebit/test_onebit_amp.py checks the
equality to rounding). The divergences are measured on each sample (no knowledge of the state
evolution is used), so every sample is decoded on its own.
"""
import numpy as np
from numba import njit

from .._generated.onebit_amp import bg_posterior, sign_posterior
from ..errors import ConfigError, NumericalError


@njit(cache=True)
def output_layer(P, Y, u):
    """Entrywise posterior of z ~ N(P, u_s) given sign z = Y (row s, u_s its variance):
    (zhat, mean posterior variance over the row / u_s)."""
    m, n = P.shape
    Z = np.empty_like(P)
    alpha = np.empty(m)
    for s in range(m):
        acc = 0.0
        for i in range(n):
            mean, var = sign_posterior(P[s, i], u[s], Y[s, i])
            Z[s, i] = mean
            acc += var
        alpha[s] = acc / (n * u[s])
    return Z, alpha


@njit(cache=True)
def bg_prior_layer(R, v, p):
    """Entrywise Bernoulli-Gaussian posterior mean of rows R = x + N(0, v_s): (xhat, mean
    posterior variance over the row / v_s = the denoiser's divergence)."""
    m, d = R.shape
    X = np.empty_like(R)
    alpha = np.empty(m)
    for s in range(m):
        acc = 0.0
        for i in range(d):
            mean, var = bg_posterior(R[s, i], p, v[s])
            X[s, i] = mean
            acc += var
        alpha[s] = acc / (d * v[s])
    return X, alpha


def prior_layer(prior, R, v):
    """(xhat, divergence) of the prior's posterior-mean denoiser, row s at noise v_s."""
    if prior.kind == "gaussian" or prior.p == 1.0:
        return R / (1 + v[:, None]), 1 / (1 + v)
    if prior.kind != "bernoulli-gaussian":
        raise ConfigError("data.source", prior.kind, "the decoder has gaussian and "
                          "bernoulli-gaussian priors")
    return bg_prior_layer(R, v, prior.p)


def _check(alpha, name, layer):
    if not (np.isfinite(alpha).all() and (alpha > 0).all() and (alpha < 1).all()):
        bad = alpha[~((alpha > 0) & (alpha < 1))]
        raise NumericalError(layer, "the %s divergence left (0, 1): %r" % (name, bad[:3]))


def multilayer_decoder(B, Y, prior, layers):
    """Decode the rows of Y = sign(X B^T) (m x n) with ``layers`` layers; yields, per layer,
    (xhat (m x d), v (m,): the input noise variance of that layer's denoiser)."""
    n, d = B.shape
    r = n / d
    M = np.zeros((Y.shape[0], d))
    u = np.ones(Y.shape[0])
    for layer in range(1, layers + 1):
        P = M @ B.T                                        # linear map to z = B x
        Z, s_over_u = output_layer(P, Y, u)                # sign channel's posterior
        alpha_u = r * s_over_u + 1 - r
        _check(alpha_u, "output-side", layer)
        R = M + ((Z - P) @ B) / (1 - alpha_u)[:, None]     # Onsager-corrected, back to x
        v = u * alpha_u / (1 - alpha_u)
        xhat, alpha_x = prior_layer(prior, R, v)           # the prior's denoiser
        yield xhat, v
        if layer == layers:
            return
        _check(alpha_x, "prior-side", layer)
        M = (xhat - alpha_x[:, None] * R) / (1 - alpha_x)[:, None]
        u = v * alpha_x / (1 - alpha_x)


def layer_risks(B, source, rng, layers, samples=2000, chunk=500, prior=None):
    """Per-sample risks |x - xhat_t|^2 / d after each layer (samples x layers), the layers' noise
    variances v_t (samples x layers) and two control covariates with known mean zero (samples x
    2: |x|^2 / d - 1 and the fraction of non-zero entries minus E sign(x)^2), on fresh samples of
    ``source`` encoded by B; the decoder's prior is ``prior`` (default: the source itself). B may
    be a callable chunk_index -> encoder (a fresh encoder per chunk)."""
    prior = source if prior is None else prior
    nonzero = source.moments()[1]
    risks, noise, controls = [], [], []
    for k, start in enumerate(range(0, samples, chunk)):
        Bk = B(k) if callable(B) else B
        X = source.sample(rng, min(chunk, samples - start), Bk.shape[1])
        out = list(multilayer_decoder(Bk, np.sign(X @ Bk.T), prior, layers))
        risks.append(np.stack([((X - xhat) ** 2).mean(axis=1) for xhat, _ in out], axis=1))
        noise.append(np.stack([v for _, v in out], axis=1))
        controls.append(np.stack([(X * X).mean(axis=1) - 1, (X != 0).mean(axis=1) - nonzero], 1))
    return np.concatenate(risks), np.concatenate(noise), np.concatenate(controls)


def controlled_mean(values, controls):
    """(mean, standard error) of the columns of ``values`` (samples x k) with the control-variate
    correction values - controls @ beta, beta the least-squares coefficients (the controls have
    mean zero; estimating beta on the same samples biases the mean by O(1 / samples))."""
    C = controls - controls.mean(axis=0)
    beta = np.linalg.lstsq(C, values - values.mean(axis=0), rcond=None)[0]
    corrected = values - controls @ beta
    return corrected.mean(axis=0), corrected.std(axis=0, ddof=1 + controls.shape[1]) / np.sqrt(len(values))
