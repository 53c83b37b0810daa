"""bvn_cdf against high-precision quadrature (mpmath), including |rho| -> 1."""
import mpmath as mp
import numpy as np
import pytest

from odedyn.special import Phi, bvn_cdf, phi


def reference(h, k, r):
    mp.mp.dps = 30
    h, k, r = mp.mpf(h), mp.mpf(k), mp.mpf(r)
    s = mp.sqrt(1 - r * r)
    f = lambda x: mp.npdf(x) * mp.ncdf((k - r * x) / s)  # noqa: E731
    pts = [-mp.inf] + ([k / r] if r != 0 and k / r < h else []) + [h]
    return float(mp.quad(f, pts))


@pytest.mark.parametrize("r", [0.0, 0.3, -0.7, 0.95, 0.999, -0.99999, 0.9999999, 1 - 1e-10])
@pytest.mark.parametrize("h,k", [(0, 0), (0.5, 0.501), (1, -1), (-2, 0.3), (2.5, 2.4), (-3, -3.2)])
def test_bvn_cdf_matches_high_precision_quadrature(h, k, r):
    assert abs(bvn_cdf(h, k, r) - reference(h, k, r)) < 1e-12


def test_bvn_cdf_degenerate_limits_and_closed_form():
    for h, k in [(0.3, -0.2), (-1.0, 2.0)]:
        assert bvn_cdf(h, k, 1.0) == pytest.approx(Phi(min(h, k)), abs=1e-15)
        assert bvn_cdf(h, k, -1.0) == pytest.approx(max(0.0, Phi(h) + Phi(k) - 1), abs=1e-15)
    for r in np.linspace(-0.99, 0.99, 7):
        assert bvn_cdf(0.0, 0.0, r) == pytest.approx(0.25 + np.arcsin(r) / (2 * np.pi), abs=1e-14)


def test_phi_and_Phi():
    assert phi(0.0) == pytest.approx(1 / np.sqrt(2 * np.pi))
    assert Phi(-40.0) == 0.0 and Phi(40.0) == 1.0 and Phi(0.0) == 0.5
    assert Phi(-8.0) == pytest.approx(6.22096057427178e-16, rel=1e-12)
