"""State evolution of the one-bit multi-layer decoder (odedyn/onebit/amp.py). Owns: the two
scalar MMSE functions the decoder's layers are characterised by, evaluated by composite Gauss-
Legendre quadrature (deterministic; the integrands come from odedyn/_generated/onebit_amp.py), and the
scalar recursion that predicts the risk after every layer.

For a Haar-distributed row-orthonormal encoder B (n = r d rows) and large d, every message of
the decoder is, entrywise, an AWGN observation of its target with one scalar variance (see amp.py
for the derivation). With a prior that matches the source (Bayes-optimal denoisers):

* prior side: the layer-t input is R = x + sqrt(v_t) w; its denoiser has risk
  mmse_x(v) = E Var[x | x + sqrt(v) w] and mean divergence mmse_x(v) / v (Tweedie);
  the extrinsic message it passes on is x = M + sqrt(u_t) w' with 1/u_t = 1/mmse_x(v_t) - 1/v_t.
* output side: z = B x entrywise is z = P + sqrt(u) xi, P ~ N(0, 1 - u) the message, y = sign z;
  the mean posterior variance is mmse_z(u) = u (1 - E_P[I(P / sqrt u)]), I(t) = phi(t)^2 /
  (Phi(t) Phi(-t)). The n observed coordinates have mean divergence mmse_z(u) / u, the d - n
  unobserved ones 1, so alpha_u = r mmse_z(u) / u + 1 - r, and the next layer's input has
  v_{t+1} = u alpha_u / (1 - alpha_u).

The recursion starts from u_0 = 1 (the message carries only the prior, E x^2 = 1): alpha_u =
1 - 2r/pi and v_1 = pi/(2r) - 1, the effective noise of the single denoiser (denoiser.py), so
the first layer's risk is its scalar MMSE. For a Gaussian source mmse_x(v) = v / (1 + v) gives
u = 1 again: the recursion is stuck at 1 - 2r/pi, which is then the Bayes risk (z = B x has
i.i.d. N(0, 1) entries and E[x | y] = sqrt(2/pi) B^T y is linear).
"""
import math

import numpy as np
from numba import njit

from .._generated.onebit_amp import bg_posterior, sign_information
from ..errors import ConfigError, NumericalError

#: half-width (in standard deviations) beyond which the Gaussian weight is dropped (< 1e-32)
Z_MAX = 12.0
#: Gauss-Legendre points per panel; the tests hold the averages against adaptive quadrature
#: (1e-10) over v in [0.02, 20], p in [0.05, 0.7]
NODES = 20


def gauss_legendre(k=NODES):
    """Nodes and weights of a k-point Gauss-Legendre rule on [-1, 1]."""
    return np.polynomial.legendre.leggauss(k)


@njit(cache=True)
def _gaussian_panels(f_args, breaks, x, w, kind):
    """E f(z) for z ~ N(0, 1) and f even: 2 int_0^Z_MAX f(z) phi(z) dz, composite Gauss-Legendre
    with panel ends at the sorted ``breaks`` (the places where f changes fast), each interval
    split in four panels."""
    edges = np.sort(breaks)
    total = 0.0
    for j in range(len(edges) - 1):
        lo, hi = edges[j], edges[j + 1]
        if hi <= lo:
            continue
        h = (hi - lo) / 4.0
        for q in range(4):
            a = lo + q * h
            for k in range(len(x)):
                zk = a + 0.5 * h * (x[k] + 1.0)
                total += 0.5 * h * w[k] * _integrand(kind, f_args, zk) * math.exp(-0.5 * zk * zk)
    return 2.0 * total / math.sqrt(2.0 * math.pi)


@njit(cache=True)
def _integrand(kind, a, z):
    if kind == 0:                                    # Bernoulli-Gaussian posterior variance
        return bg_posterior(a[0] * z, a[1], a[2])[1]
    return sign_information(a[0] * z)[0]             # the sign channel's information


@njit(cache=True)
def _breaks(centres, scale):
    out = np.empty(len(centres) + 2)
    out[0], out[1] = 0.0, Z_MAX
    for j in range(len(centres)):
        out[j + 2] = min(Z_MAX, max(0.0, centres[j] / scale))
    return out


@njit(cache=True)
def bg_mmse(p, v, x, w):
    """mmse_x(v) = E Var[x | x + sqrt(v) w] for the Bernoulli-Gaussian prior: the average of the
    posterior variance over the two Gaussian components of the observation y. The posterior
    weight of the slab is a logistic of a y^2 + b, a = (1/v - 1/(v + 1/p)) / 2: panels end
    where a y^2 + b = 0, +-2, +-6, +-20 (the logistic's transition), in each component's
    standardised variable."""
    a = 0.5 * (1.0 / v - 1.0 / (v + 1.0 / p))
    b = 0.5 * math.log(v / (v + 1.0 / p)) + math.log(p / (1.0 - p))
    ks = np.array([-20.0, -6.0, -2.0, 0.0, 2.0, 6.0, 20.0])
    centres = np.sqrt(np.maximum(0.0, (ks - b) / a))
    total = 0.0
    for c in range(2):
        weight, var = (p, 1.0 / p + v) if c == 0 else (1.0 - p, v)
        s = math.sqrt(var)
        total += weight * _gaussian_panels(np.array([s, p, v]), _breaks(centres, s), x, w, 0)
    return total


@njit(cache=True)
def sign_mmse(u, x, w):
    """mmse_z(u) = E Var[z | P, sign z] for z = P + sqrt(u) xi, P ~ N(0, 1 - u), 0 < u <= 1;
    the information I(t) varies on the scale |t| ~ 1, i.e. P ~ sqrt(u): panels end there."""
    scale = math.sqrt((1.0 - u) / u)
    if scale == 0.0:
        return u * (1.0 - sign_information(0.0)[0])
    centres = np.array([0.5, 1.0, 2.0, 4.0, 8.0])
    acc = _gaussian_panels(np.array([scale]), _breaks(centres, 1.0 / scale), x, w, 1)
    return u * (1.0 - acc)


def prior_mmse(source, v, rule=None):
    """mmse_x(v) of the source's prior (gaussian: v / (1 + v))."""
    if source.kind == "gaussian" or source.p == 1.0:
        return v / (1.0 + v)
    if source.kind != "bernoulli-gaussian":
        raise ConfigError("data.source", source.kind, "prior MMSE implemented for gaussian and "
                          "bernoulli-gaussian priors")
    z, w = rule if rule is not None else gauss_legendre()
    return bg_mmse(source.p, v, z, w)


def state_evolution(source, r, layers, rule=None):
    """The predicted risk after each of ``layers`` layers and the scalar variances of the
    recursion: {"risk": mmse_x(v_t), "v": v_t (input noise of layer t), "u": u_t (extrinsic
    prior-side variance after layer t)}, t = 1..layers."""
    if not 0 < r <= 1:
        raise ConfigError("model.r", r, "state evolution needs a rate 0 < r <= 1")
    rule = rule if rule is not None else gauss_legendre()
    out = {"risk": [], "v": [], "u": []}
    u = 1.0
    for t in range(layers):
        alpha_u = r * sign_mmse(u, *rule) / u + 1.0 - r
        v = u * alpha_u / (1.0 - alpha_u)
        mmse = prior_mmse(source, v, rule)
        # a Gaussian prior gives u = 1 up to rounding, any other a smaller u
        u = min(1.0, 1.0 / (1.0 / mmse - 1.0 / v))
        if not (np.isfinite(v) and u > 0):
            raise NumericalError(t + 1, "state evolution: layer %d gives u = %r, v = %r" % (t + 1, u, v))
        out["risk"].append(mmse)
        out["v"].append(v)
        out["u"].append(u)
    return {k: np.array(val) for k, val in out.items()}
