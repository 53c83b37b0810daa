"""The one-bit autoencoder on scikit-learn's digits: preprocessing, the empirical source and the
fitted prior, and the claims of figure sign-images asserted on its --quick numbers."""
import gzip

import numpy as np
import pytest

from odedyn import figures
from odedyn.errors import ConfigError
from odedyn.onebit.images import EmpiricalSource, fitted_prior, preprocess
from odedyn.onebit.sources import Source


def test_preprocessing_centres_scales_and_the_dct_is_a_rotation():
    rng = np.random.default_rng(0)
    X = rng.random((300, 16)) * 5 + 2
    tr, te = preprocess(X[:200], X[200:])
    assert np.allclose(tr.mean(axis=0), 0, atol=1e-12)
    assert (tr ** 2).mean() == pytest.approx(1.0)
    trd, ted = preprocess(X[:200], X[200:], shape=(4, 4), dct=True)
    assert np.allclose(np.linalg.norm(trd, axis=1), np.linalg.norm(tr, axis=1))
    assert np.allclose(np.linalg.norm(ted, axis=1), np.linalg.norm(te, axis=1))
    with pytest.raises(ConfigError, match="images.shape"):
        preprocess(X[:200], X[200:], shape=(3, 4), dct=True)


def test_fitted_prior_recovers_the_sparsity_of_bernoulli_gaussian_rows():
    rows = Source("bernoulli-gaussian", 0.2).sample(np.random.default_rng(1), 2000, 100)
    p = fitted_prior(rows).p
    # delta method: p = 3 / m4, Var(x^4) = 105 / p^3 - 9 / p^2
    se = 0.2**2 / 3 * np.sqrt((105 / 0.2**3 - 9 / 0.2**2) / rows.size)
    assert abs(p - 0.2) < 4 * se
    src = EmpiricalSource(rows)
    assert src.sample(np.random.default_rng(3), 7, 100).shape == (7, 100)
    with pytest.raises(ConfigError, match="model.d"):
        src.sample(np.random.default_rng(3), 7, 99)


def test_an_idx_image_file_runs_through_the_images_experiment(tmp_path, monkeypatch):
    """The MNIST path of sign-images (ODEDYN_DATASET = "fashion-mnist:FILE", any idx3-ubyte
    file) on a small synthetic file: read, preprocessed with the DCT, trained, decoded."""
    rng = np.random.default_rng(4)
    imgs = (rng.random((300, 8, 8)) * 255).astype(np.uint8)
    path = tmp_path / "imgs-idx3-ubyte.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(np.array([2051, 300, 8, 8], dtype=">u4").tobytes() + imgs.tobytes())
    module = figures.load("sign-images")
    from odedyn.datasets import load_dataset
    X = load_dataset("fashion-mnist:%s" % path)
    rows = module.run_dataset(X, (8, 8), [0.5], steps=20, dct=True, test_rows=100)
    assert rows[0]["n"] == 32
    assert np.isfinite([rows[0][k] for k in ("gd", "denoiser", "haar_multilayer")]).all()


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    return figures.run("sign-images", str(tmp_path_factory.mktemp("img")), quick=True)


@pytest.mark.slow
def test_digits_gradient_descent_beats_the_gaussian_and_does_not_end_rotation_like(images):
    """Digits are far from isotropic: gradient descent goes well below 1 - 2r/pi at every rate,
    and its encoder's rows are not orthonormal (a rotation has defect 0, Gram entries 0)."""
    for key in ("digits_pixels", "digits_dct"):
        for row in images[key]:
            assert row["gd"] < row["linear_gaussian"] - 4 * row["gd_se"], (key, row)
            assert row["rotation_defect"] > 0.2 and row["gram_offdiag_max"] > 0.15, (key, row)


@pytest.mark.slow
def test_digits_denoisers_with_a_haar_encoder_and_with_the_trained_one(images):
    """A Haar encoder with the fitted-prior denoiser is not worse than the Gaussian 1 - 2r/pi
    (within 4 SE), and everything built on a rotation-like picture loses to gradient descent's
    own decoder, which exploits the correlations of the pixels (by > 4 SE)."""
    for key in ("digits_pixels", "digits_dct"):
        for row in images[key]:
            assert row["haar_denoiser"] < row["linear_gaussian"] + 4 * row["haar_denoiser_se"]
            for name in ("denoiser", "multilayer", "haar_denoiser", "haar_multilayer"):
                assert row["gd"] < row[name] - 4 * np.hypot(row["gd_se"], row[name + "_se"])
