"""Scalar special functions used by the generated Gaussian-average kernels.

Owns: the standard normal density ``phi``, its distribution ``Phi`` and the bivariate
normal orthant probability ``bvn_cdf`` (``Phi2`` in the derivations), all compiled with numba.

``bvn_cdf(h, k, rho) = P(X <= h, Y <= k)`` for standard normals with correlation ``rho``.
It is evaluated deterministically from the one-dimensional representation

    Phi2(h, k; rho) = Phi(h) Phi(k)
                      + 1/(2 pi) * int_0^{asin rho} exp(-(h^2 - 2 h k sin t + k^2) / (2 cos^2 t)) dt,

whose derivative in ``rho`` is the bivariate density (differentiate under the integral).
The integrand is smooth and bounded by one on the closed interval, so a fixed composite
Gauss-Legendre rule converges quickly; for ``|rho| > sin 1`` the panels are graded
geometrically toward ``|t| = pi/2`` so that the boundary layer there (of width ``|h - k|``
in ``cos t``) is resolved whatever ``rho``. Exactly degenerate correlations
use the limiting closed forms.
"""
import math

import numpy as np
from numba import njit

SQRT2 = math.sqrt(2.0)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

# 24-point Gauss-Legendre nodes and weights on [-1, 1], computed once at import.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(24)


@njit(cache=True)
def phi(x):
    """Standard normal density."""
    return INV_SQRT_2PI * math.exp(-0.5 * x * x)


@njit(cache=True)
def Phi(x):
    """Standard normal distribution function (accurate in both tails)."""
    return 0.5 * math.erfc(-x / SQRT2)


@njit(cache=True)
def _theta_integral(h, k, a, b):
    # Gauss-Legendre on [a, b] of exp(-(h^2 - 2 h k sin t + k^2) / (2 cos^2 t))
    half = 0.5 * (b - a)
    mid = 0.5 * (b + a)
    hh = h * h + k * k
    hk = 2.0 * h * k
    total = 0.0
    for i in range(_GL_X.shape[0]):
        t = mid + half * _GL_X[i]
        c = math.cos(t)
        c2 = c * c
        if c2 <= 0.0:
            continue
        total += _GL_W[i] * math.exp(-(hh - hk * math.sin(t)) / (2.0 * c2))
    return half * total


@njit(cache=True)
def bvn_cdf(h, k, rho):
    """P(X <= h, Y <= k) for standard bivariate normal (X, Y) with correlation rho."""
    if rho >= 1.0:
        return Phi(min(h, k))
    if rho <= -1.0:
        return max(0.0, Phi(h) + Phi(k) - 1.0)
    upper = math.asin(rho)
    sgn = 1.0 if upper >= 0.0 else -1.0
    a = abs(upper)
    if a <= 1.0:
        integral = _theta_integral(h, k, 0.0, upper)
    else:
        # [0, 1], then panels graded geometrically toward pi/2 in d = pi/2 - |t|,
        # each a third of the previous one, down to d_end = pi/2 - |upper|
        integral = _theta_integral(h, k, 0.0, sgn)
        d_end = 0.5 * math.pi - a
        d = 0.5 * math.pi - 1.0
        while d > d_end:
            d_next = max(d / 3.0, d_end)
            integral += _theta_integral(h, k, sgn * (0.5 * math.pi - d),
                                        sgn * (0.5 * math.pi - d_next))
            d = d_next
    return Phi(h) * Phi(k) + integral / (2.0 * math.pi)


@njit(cache=True)
def mills_ratio(s):
    """R(s) = Phi(-s) / phi(s) (Mills' ratio), accurate in the far tails: for s < 5 from erfc
    (no cancellation: Phi(-s) >= Phi(-5) ~ 3e-7 keeps full relative precision), for s >= 5 from
    Laplace's continued fraction R(s) = 1 / (s + 1 / (s + 2 / (s + 3 / (s + ...)))) evaluated
    backwards with 80 terms (relative error below 1e-15 for s >= 5). R(s) -> inf as s -> -inf
    (R(s) ~ sqrt(2 pi) exp(s^2 / 2) for s < -38 overflows to inf, which callers divide by: returned as inf below s = -38)."""
    if s < -38.0:
        return math.inf
    if s < 5.0:
        return 0.5 * math.erfc(s / SQRT2) / (INV_SQRT_2PI * math.exp(-0.5 * s * s))
    tail = s
    for k in range(80, 0, -1):
        tail = s + k / tail
    return 1.0 / tail
