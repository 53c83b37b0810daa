"""The phase transition of the one-bit autoencoder is one of where gradient descent ends: the
identity is an exact global minimiser on sparse Rademacher data at r = 1 for every p, and at
r = 1/2 gradient descent still ends rotation-like at small p and identity-like at large p."""
import numpy as np
import pytest

from odedyn.onebit import kernels
from odedyn.onebit.sources import Source
from odedyn.onebit.transition import crossing, crossing_se, scan


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_identity_reconstructs_sparse_rademacher_data_exactly(p):
    """B = I, A = I / sqrt(p): sign(x_i) / sqrt(p) = x_i for x_i in {0, +-1/sqrt p} (sign(0) = 0)."""
    source = Source.sparse_rademacher(p)
    X = source.sample(np.random.default_rng(0), 500, 12)
    d = X.shape[1]
    assert kernels.sample_risks(np.eye(d) / np.sqrt(p), np.eye(d), X).max() == 0.0
    assert source.identity_risk(1.0) == pytest.approx(0.0, abs=1e-15)


def test_crossing_interpolates_the_first_upward_crossing():
    assert crossing(np.array([0.1, 0.2, 0.3]), [0.2, 0.4, 0.8], 0.6) == pytest.approx(0.25)
    assert np.isnan(crossing(np.array([0.1, 0.2]), [0.2, 0.3], 0.6))
    # halfway between two points with standard errors 0.02: se of the value 0.01 sqrt 2, slope 4
    assert crossing_se(np.array([0.1, 0.2]), [0.2, 0.6], [0.02, 0.02], 0.4) == pytest.approx(
        0.01 * np.sqrt(2) / 4)


def test_half_rate_ends_rotation_like_when_sparse_and_identity_like_when_dense():
    """d = 16, r = 1/2, 2 seeds, t = 40: measured identity overlap 0.41 (p = 0.3; a Haar encoder
    0.53 -- a rotation-like end; the criterion is the midpoint 0.76) and 0.89 at p = 0.7 in the
    README's runs; the identity-like end has orthonormal-looking but not orthonormal rows."""
    out = scan(16, 0.5, [0.3, 0.7], seeds=2, t_max=40.0)
    low, high = out["rows"]
    assert low["identity_overlap"] < out["midpoint"] < high["identity_overlap"]
    assert 0.3 < out["p_critical"] < 0.7 and out["p_critical_se"] > 0
    assert high["gram_offdiag_max"] > low["gram_offdiag_max"]
