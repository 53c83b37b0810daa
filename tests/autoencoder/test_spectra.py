"""Spectra: grouping, binning, empirical spectra, and the data-set readers on small files in the
standard download formats (CIFAR-10 python batches, idx3-ubyte)."""
import gzip
import pickle

import numpy as np
import pytest

import odedyn
from odedyn import ConfigError
from odedyn.autoencoder.spectra import Spectrum, from_data, spiked
from odedyn.datasets import load_dataset


@pytest.mark.parametrize("D", [50, 1000, 100000])
def test_spiked_spectrum_needs_len_spikes_plus_one_groups(D):
    g = spiked(D, [0.7, 0.25, 0.1], 0.03).grouping()
    assert g.size == 4 and g.n.sum() == D
    np.testing.assert_allclose(np.sort(g.p), np.sort([0.03 / D, 0.1, 0.25, 0.7]))


def test_binning_states_its_error():
    ev = np.geomspace(1e-3, 10, 500)
    g = Spectrum(ev).grouping(bins=20)
    assert g.size == 20 and g.n.sum() == 500
    rep = g.p[g.labels] * 500
    assert g.binning_error == pytest.approx(np.max(np.abs(rep - ev) / ev))
    assert 0 < g.binning_error < 1


def test_empirical_spectrum_is_standardised():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4000, 6)) @ np.diag([5.0, 2.0, 1.0, 0.5, 0.1, 0.0]) + 3.0
    spec = from_data(X)
    assert spec.eigenvalues.sum() / spec.D == pytest.approx(1.0)
    assert np.all(np.diff(spec.eigenvalues) <= 0) and spec.eigenvalues[-1] == 0.0
    # the rows in the eigenbasis have the spectrum as their covariance
    np.testing.assert_allclose(spec.data.T @ spec.data / len(X), np.diag(spec.eigenvalues), atol=1e-10)


def write_cifar(folder, n=30):
    rng = np.random.default_rng(1)
    folder.mkdir()
    for i in (1, 2):
        with open(folder / ("data_batch_%d" % i), "wb") as fh:
            pickle.dump({b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                         b"labels": list(range(n))}, fh)
    return folder


def write_idx(path, n=40, side=28):
    rng = np.random.default_rng(2)
    header = np.array([2051, n, side, side], dtype=">u4").tobytes()
    with gzip.open(path, "wb") as fh:
        fh.write(header + rng.integers(0, 256, n * side * side, dtype=np.uint8).tobytes())
    return path


def test_cifar10_batches_read_as_grey_scale(tmp_path):
    folder = write_cifar(tmp_path / "cifar-10-batches-py")
    X = load_dataset("cifar10:%s" % folder)
    assert X.shape == (60, 1024)
    with open(folder / "data_batch_1", "rb") as fh:
        raw = pickle.load(fh, encoding="bytes")[b"data"][0].astype(float)
    np.testing.assert_allclose(X[0], 0.299 * raw[:1024] + 0.587 * raw[1024:2048] + 0.114 * raw[2048:])


def test_fashion_mnist_idx_file_and_config(tmp_path, capsys):
    path = write_idx(tmp_path / "train-images-idx3-ubyte.gz")
    X = load_dataset("fashion-mnist:%s" % path)
    assert X.shape == (40, 784) and X.max() <= 255
    cfg = tmp_path / "f.toml"
    cfg.write_text('[model]\nkind = "autoencoder"\nK = 2\n[data]\nspectrum = "dataset"\ndataset = "fashion-mnist:%s"\n'
                   '[training]\nt_max = 2.0\n[init]\nstd = 0.3\n' % path)
    exp = odedyn.load(str(cfg))
    assert exp.D == 784 and np.isfinite(exp.integrate()["error"]).all()


def test_bad_dataset_names(tmp_path):
    with pytest.raises(ConfigError, match="data.dataset"):
        load_dataset("imagenet")
    with pytest.raises(ConfigError, match="file not found"):
        load_dataset("cifar10:%s" % (tmp_path / "nope"))
    bad = tmp_path / "bad.gz"
    with gzip.open(bad, "wb") as fh:
        fh.write(np.array([1, 2, 3, 4], dtype=">u4").tobytes())
    with pytest.raises(ConfigError, match="cannot read"):
        load_dataset("fashion-mnist:%s" % bad)
