"""Real data through the group-sparse autoencoder: [data] source = "dataset" (digits, .npy rows),
the stated preprocessing, SGD on the training rows by the same loop as on synthetic data, and
the configuration errors."""
import numpy as np
import pytest

from odedyn.config import experiment_from_dict
from odedyn.errors import ConfigError
from odedyn.groupsparse import realdata
from odedyn_figures._group_sparse import DIGITS


def digits(**sections):
    cfg = {k: dict(v) for k, v in DIGITS.items()}
    for name, values in sections.items():
        cfg[name] = dict(cfg.get(name, {}), **values)
    return experiment_from_dict(cfg)


def test_preprocessing_is_what_it_says():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 6)) @ rng.standard_normal((6, 6)) + 3.0
    tr, te = realdata.preprocess(X[:300], X[300:], "unit-norm")
    assert np.allclose(np.linalg.norm(tr, axis=1), 1) and np.allclose(np.linalg.norm(te, axis=1), 1)
    tr, te = realdata.preprocess(X[:300], X[300:], "whiten")
    cov = tr.T @ tr / len(tr)
    assert np.allclose(cov, np.eye(6) * np.trace(cov) / 6, atol=1e-10)
    assert np.isclose(np.mean(np.sum(tr ** 2, axis=1)), 1.0)
    tr, _ = realdata.preprocess(X[:300], X[300:], "centre")
    assert np.allclose(tr.mean(axis=0), 0, atol=1e-12)


def test_sgd_on_digits_lowers_the_held_out_loss_and_keeps_the_split():
    exp = digits(training={"t_max": 10.0}, output={"n_times": 2})
    data = exp.model
    assert data.n == 64 and len(data.train) + len(data.test) == 1797
    assert np.allclose(np.linalg.norm(exp.W0, axis=0), 1)
    sim = exp.simulate(seeds=2, progress=False)
    assert sim["loss"][-1] < 0.9 * sim["loss"][0]   # measured: 0.378 -> 0.314 at t = 10
    for name in ("cluster_accuracy", "ari", "active_groups", "active_units"):
        assert np.all(np.isfinite(sim[name]))
    assert 0 < sim["active_groups"][-1] <= 10


def test_npy_rows_with_labels(tmp_path):
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((3, 12)) * 3
    labels = rng.integers(3, size=300)
    np.save(tmp_path / "rows.npy", centres[labels] + 0.1 * rng.standard_normal((300, 12)))
    np.save(tmp_path / "labels.npy", labels)
    cfg = {"model": {"kind": "group-sparse-autoencoder", "threshold": 0.3},
           "data": {"source": "dataset", "dataset": "rows.npy", "labels": "labels.npy",
                    "groups": 3, "group_size": 2},
           "training": {"t_max": 2.0}, "init": {"samples": True}}
    exp = experiment_from_dict(cfg, base_dir=str(tmp_path))
    assert exp.model.n == 12 and len(exp.model.test) == 75
    sim = exp.simulate(seeds=1, progress=False)
    assert 0 <= sim["cluster_accuracy"][-1] <= 1


@pytest.mark.parametrize("section,key,value", [
    ("data", "dataset", "no-such-set"),
    ("data", "preprocess", "standardise"),
    ("data", "test_fraction", 1.5),
    ("init", "distance", 0.2),
])
def test_bad_real_data_config_names_the_key(section, key, value):
    cfg = {k: dict(v) for k, v in DIGITS.items()}
    cfg[section][key] = value
    if key == "distance":
        del cfg["init"]["samples"]
    with pytest.raises(ConfigError, match="%s.%s" % (section, key)):
        experiment_from_dict(cfg)


def test_real_data_has_no_theory_curve():
    with pytest.raises(ConfigError, match="data.source"):
        digits().integrate()


@pytest.mark.parametrize("name", ["recovery", "symmetric", "digits"])
def test_every_group_sparse_example_builds(name):
    import os

    from odedyn.config import experiment
    root = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
    exp = experiment(os.path.join(root, "group_sparse_%s.toml" % name))
    assert exp.error_estimate and exp.times[-1] > 0


def test_mnist_format_images_and_labels(tmp_path):
    """idx3-ubyte images (the autoencoder's reader) with idx1-ubyte labels (gzipped)."""
    import gzip
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, size=(40, 4, 4), dtype=np.uint8)
    labels = rng.integers(0, 3, size=40, dtype=np.uint8)
    with gzip.open(tmp_path / "img.gz", "wb") as fh:
        fh.write(np.array([2051, 40, 4, 4], dtype=">u4").tobytes() + images.tobytes())
    with gzip.open(tmp_path / "lab.gz", "wb") as fh:
        fh.write(np.array([2049, 40], dtype=">u4").tobytes() + labels.tobytes())
    rows, lab = realdata.load_rows("mnist:" + str(tmp_path / "img.gz"), str(tmp_path / "lab.gz"))
    assert rows.shape == (40, 16) and np.array_equal(rows[3], images[3].ravel())
    assert np.array_equal(lab, labels)
    with pytest.raises(ConfigError, match="data.dataset"):
        realdata.load_rows("mnist:" + str(tmp_path / "lab.gz"))
