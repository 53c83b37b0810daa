"""One-bit autoencoder: the derived kernels and the closed-form risk against Monte Carlo, the
gradient against finite differences, the sign(0) convention, the generated module is current."""
import numpy as np
import pytest

import onebit_kernels
from odedyn._generated.onebit_kernels import (bg_posterior_mean, sign_linear, sign_pair,
                                              sign_pair_slope)
from odedyn.onebit import kernels
from odedyn.onebit.model import Objective, SignAutoencoder, observables
from odedyn.onebit.sources import Source


def test_generated_onebit_kernels_are_not_stale():
    assert onebit_kernels.main(["--check"]) == 0


def test_sign_of_zero_is_zero():
    """The model's convention: sign(0) = 0, so a row that misses the support outputs 0."""
    assert list(kernels.sign0(np.array([-2.0, 0.0, 3.0]))) == [-1.0, 0.0, 1.0]
    A, B = np.ones((2, 1)), np.array([[1.0, 0.0]])
    X = np.array([[0.0, 5.0]])                     # b.x = 0 -> xhat = 0 -> loss |x|^2 / d
    assert kernels.sample_risks(A, B, X)[0] == pytest.approx(12.5)


def test_scalar_kernels_against_monte_carlo():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((2, 400000))
    est = (z[0] * np.sign(z[0]))
    assert abs(est.mean() - sign_linear()[0]) < 4 * est.std() / np.sqrt(z.shape[1])
    for rho in (-0.8, 0.3, 0.95):
        u, v = z[0], rho * z[0] + np.sqrt(1 - rho**2) * z[1]
        s = np.sign(u) * np.sign(v)
        assert abs(s.mean() - sign_pair(rho)[0]) < 4 * s.std() / np.sqrt(len(s))
        h = 1e-6
        fd = (sign_pair(rho + h)[0] - sign_pair(rho - h)[0]) / (2 * h)
        assert sign_pair_slope(rho)[0] == pytest.approx(fd, rel=1e-6)


def test_bg_posterior_mean_is_the_bayes_estimate():
    """E[x | y] by Bayes' rule on a grid, against the generated logistic form (also far out)."""
    p, v = 0.2, 0.7
    g = np.linspace(-12, 12, 200001)
    for y in (-3.0, 0.1, 2.5, 40.0):
        like = np.exp(-(y - g) ** 2 / (2 * v))
        slab = p * np.exp(-g**2 * p / 2) * np.sqrt(p / (2 * np.pi))
        post = like * slab
        spike = (1 - p) * np.exp(-y**2 / (2 * v))
        expected = (g * post).sum() * (g[1] - g[0]) / (post.sum() * (g[1] - g[0]) + spike)
        if y == 40.0:
            expected = y / (1 + p * v)               # slab certain, Gaussian posterior mean
        assert bg_posterior_mean(y, p, v)[0] == pytest.approx(expected, rel=1e-6, abs=1e-9)


def _mc_risk(A, B, source, samples, seed):
    rng = np.random.default_rng(seed)
    losses = np.concatenate([kernels.sample_risks(A, B, source.sample(rng, 10000, A.shape[0]))
                             for _ in range(samples // 10000)])
    return losses.mean(), losses.std(ddof=1) / np.sqrt(len(losses))


@pytest.mark.parametrize("d,n,seed", [(30, 10, 1), (20, 20, 2), (12, 24, 3)])
def test_gaussian_risk_closed_form_against_monte_carlo(d, n, seed):
    """Random (A, B), 1e5 samples: the closed form lies within 4 standard errors."""
    model = SignAutoencoder(d, n)
    A, B = model.random_network(seed)
    B *= np.random.default_rng(seed).uniform(0.5, 2.0, size=(n, 1))  # rows of any norm
    risk = Objective(model).evaluate(A, B)[0]
    mean, se = _mc_risk(A, B, model.source, 100000, seed)
    assert abs(risk - mean) < 4 * se, (risk, mean, se)


def test_gaussian_risk_at_the_rotation_optimum():
    d, n = 40, 20
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((d, d)))[0][:, :n].T
    risk = Objective(SignAutoencoder(d, n)).evaluate(np.sqrt(2 / np.pi) * Q.T, Q)[0]
    assert risk == pytest.approx(1 - 2 * (n / d) / np.pi, abs=1e-12)


def test_bernoulli_gaussian_support_average_against_monte_carlo():
    """The support-conditioned closed form (exact given each support, averaged over 4000
    supports, with its standard error) against 1e5 samples, including a sparse encoder whose
    rows often miss the support (sign(0) = 0 matters there)."""
    d, n = 16, 8
    source = Source("bernoulli-gaussian", 0.2)
    model = SignAutoencoder(d, n, source)
    A, B = model.random_network(4)
    B[:, d // 2:] = 0.0                                   # rows live on half the coordinates
    B[0, 1:] = 0.0                                        # row 0 is a single coordinate
    risk, _, _, se_support = Objective(model, supports=4000, seed=5).evaluate(
        A, B, gradient=False)
    mean, se = _mc_risk(A, B, source, 100000, 6)
    assert abs(risk - mean) < 4 * np.hypot(se, se_support), (risk, mean, se, se_support)


@pytest.mark.parametrize("source", [Source(), Source("bernoulli-gaussian", 0.5)])
def test_gradient_against_finite_differences(source):
    """(Supports of one coordinate make all rows parallel there, a singular gradient: at d = 30,
    p = 0.5 they have probability 1e-8.)"""
    model = SignAutoencoder(30, 6, source)
    obj = Objective(model, supports=50, seed=1)
    A, B = model.random_network(7)
    _, gA, gB, _ = obj.evaluate(A, B)
    rng = np.random.default_rng(8)
    for grad, which in ((gA, 0), (gB, 1)):
        for _ in range(5):
            i, j = (rng.integers(s) for s in grad.shape)
            h = 1e-6
            shifted = []
            for sgn in (1, -1):
                W = [A.copy(), B.copy()]
                W[which][i, j] += sgn * h
                shifted.append(obj.evaluate(*W)[0])
            assert grad[i, j] == pytest.approx((shifted[0] - shifted[1]) / (2 * h), rel=1e-5, abs=1e-9)


def test_gradient_in_B_is_orthogonal_to_the_rows():
    model = SignAutoencoder(10, 5)
    A, B = model.random_network(0)
    gB = Objective(model).evaluate(A, B)[2]
    assert np.abs((gB * B).sum(axis=1)).max() < 1e-14


def test_observables_of_identity_and_rotation():
    d = 50
    ident = observables(np.eye(d), np.eye(d))
    assert ident["identity_overlap"] == 1.0 and ident["gram_offdiag_max"] == 0.0
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((d, d)))[0]
    rot = observables(np.sqrt(2 / np.pi) * Q.T, Q)
    assert rot["rotation_defect"] < 1e-12 and rot["identity_overlap"] < 0.6
    assert rot["decoder_alignment"] == pytest.approx(1.0)


def test_surrogate_gradient_tends_to_the_population_gradient():
    """Mean of the surrogate over 2e5 Gaussian samples against the exact gradient; the bias is
    O(width^2), so at width 0.05 it is below the sampling error of this test."""
    model = SignAutoencoder(8, 4)
    A, B = model.random_network(3)
    _, gA, gB, _ = Objective(model).evaluate(A, B)
    rng = np.random.default_rng(9)
    parts = [kernels.surrogate_gradient(A, B, rng.standard_normal((20000, 8)), 0.05)
             for _ in range(10)]
    for k, exact in ((0, gA), (1, gB)):
        stack = np.stack([p[k] for p in parts])
        mean, se = stack.mean(0), stack.std(0, ddof=1) / np.sqrt(len(parts))
        assert (np.abs(mean - exact) < 4 * se + 1e-12).mean() > 0.95, (mean, exact, se)
