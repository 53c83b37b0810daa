"""Every generated Gaussian average against Monte Carlo: 10^6 samples, within 4 standard errors.

Averages of pointwise-defined functions are estimated directly. Those with distributional
derivatives of ReLU (delta, delta') are estimated through the Gaussian score, which needs no
derivative of g at all: for u ~ N(b, c), d^n/db^n E f(u) = E[f(u) He_n((u - b)/sqrt c)] / c^(n/2),
and for a pair, d^2/db1^2 E[f] = E[f (s1^2 - L11)] with s = L (phi - b), L = C^-1.
Covariances are random, nearly degenerate (|corr| = 0.999) or with a tiny variance.
"""
import math

import numpy as np
import pytest
from scipy.special import erf

from odedyn._generated import gaussian_averages as gen

N = 1_000_000


def g_funcs(name):
    if name == "linear":
        return [lambda x: x, lambda x: np.ones_like(x), lambda x: np.zeros_like(x),
                lambda x: np.zeros_like(x)]
    if name == "erf":
        d1 = lambda x: np.sqrt(2 / np.pi) * np.exp(-x * x / 2)  # noqa: E731
        return [lambda x: erf(x / np.sqrt(2)), d1, lambda x: -x * d1(x),
                lambda x: (x * x - 1) * d1(x)]
    return [lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(float), None, None]


CASES = [  # (c11, corr, c22)
    (1.0, 0.3, 0.5), (0.4, -0.8, 1.7), (1.3, 0.999, 0.9), (0.8, -0.999, 1.1), (0.01, 0.5, 1.2),
    (2.0, 0.0, 0.3),
]


def check(est_samples, value, what):
    """|MC - value| <= 4 standard errors. A sample without spread cannot resolve a tail
    probability below 1/N, so the standard error is floored at max|f| / N."""
    est = est_samples.mean()
    n = len(est_samples)
    se = max(est_samples.std(ddof=1) / math.sqrt(n), np.abs(est_samples).max() / n)
    tol = 4 * se if se > 0 else 1e-12
    assert abs(est - value) <= tol + 1e-12, "%s: MC %.6g +- %.2g vs %.6g (%.1f se)" % (
        what, est, se, value, abs(est - value) / max(se, 1e-300))


@pytest.mark.parametrize("name", ["linear", "erf", "relu"])
@pytest.mark.parametrize("centred", [True, False])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_pair_and_single_averages_against_monte_carlo(name, centred, case):
    c11, corr, c22 = CASES[case]
    c12 = corr * math.sqrt(c11 * c22)
    rng = np.random.default_rng(1000 * case + 7 * centred + len(name))
    b1, b2 = (0.0, 0.0) if centred else tuple(rng.uniform(-1, 1, 2))
    C = np.array([[c11, c12], [c12, c22]])
    z = rng.multivariate_normal([b1, b2], C, size=N, method="eigh")
    u, v = z[:, 0], z[:, 1]
    f = g_funcs(name)
    if centred:
        pair = getattr(gen, name + "_pair0")(c11, c12, c22)
        single = getattr(gen, name + "_single0")(c11)
        diag = getattr(gen, name + "_diag0")(c11)
    else:
        pair = getattr(gen, name + "_pair")(b1, b2, c11, c12, c22)
        single = getattr(gen, name + "_single")(b1, c11)
        diag = getattr(gen, name + "_diag")(b1, c11)
    tag = "%s %s case %d" % (name, "centred" if centred else "biased", case)
    gu, gv, du, dv = f[0](u), f[0](v), f[1](u), f[1](v)
    L = np.linalg.inv(C)
    s1 = L[0, 0] * (u - b1) + L[0, 1] * (v - b2)
    s2 = L[1, 0] * (u - b1) + L[1, 1] * (v - b2)
    check(gu * gv, pair[0], tag + " E g g")
    check(du * dv, pair[1], tag + " E g'g'")
    if name == "relu":  # score estimators for E g''(u) g(v) = d^2/db1^2 E g(u) g(v)
        check(gu * gv * (s1 * s1 - L[0, 0]), pair[2], tag + " E g''(u) g(v)")
        check(gu * gv * (s2 * s2 - L[1, 1]), pair[3], tag + " E g(u) g''(v)")
    else:
        check(f[2](u) * gv, pair[2], tag + " E g''(u) g(v)")
        check(gu * f[2](v), pair[3], tag + " E g(u) g''(v)")
    check(du * gv, pair[4], tag + " E g'(u) g(v)")
    check(gu * dv, pair[5], tag + " E g(u) g'(v)")
    # one field u ~ N(b1, c11)
    x = (u - b1) / c11
    check(gu, single[0], tag + " E g")
    check(du, single[1], tag + " E g'")
    check(gu * (x * x - 1 / c11), single[2], tag + " E g'' (score)")
    check(gu * (x**3 - 3 * x / c11), single[3], tag + " E g''' (score)")
    if name != "relu":
        check(f[2](u), single[2], tag + " E g''")
        check(f[3](u), single[3], tag + " E g'''")
    check(gu * gu, diag[0], tag + " E g^2")
    check(du * du, diag[1], tag + " E g'^2")
    check(du * gu, diag[3], tag + " E g' g")
    # d^2/db^2 E g^2 = 2 E g'' g + 2 E g'^2  (score), which pins down E g'' g
    check(gu * gu * (x * x - 1 / c11), 2 * diag[2] + 2 * diag[1], tag + " E g'' g (score)")


def test_textbook_closed_forms():
    """The centred kernels reduce to the classic formulas (models.md section 6)."""
    c11, c12, c22 = 0.7, 0.3, 1.4
    G, P, S12, *_ = gen.erf_pair0(c11, c12, c22)
    assert G == pytest.approx(2 / np.pi * np.arcsin(c12 / np.sqrt((1 + c11) * (1 + c22))))
    th = np.arccos(c12 / np.sqrt(c11 * c22))
    G, P, *_ = gen.relu_pair0(c11, c12, c22)
    assert G == pytest.approx(np.sqrt(c11 * c22) / (2 * np.pi) * (np.sin(th) + (np.pi - th) * np.cos(th)))
    assert P == pytest.approx(0.25 + np.arcsin(c12 / np.sqrt(c11 * c22)) / (2 * np.pi))


def test_centred_relu_regular_at_identical_units():
    out = gen.relu_pair0(0.8, 0.8, 0.8)
    assert all(np.isfinite(out))
    assert out[0] == pytest.approx(0.4)  # E relu(u)^2 = c / 2
