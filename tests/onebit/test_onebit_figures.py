"""The claims of the four one-bit figures, asserted on their --quick numbers."""
import subprocess
import sys

import numpy as np
import pytest

from odedyn import figures


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return str(tmp_path_factory.mktemp("onebit_figures"))


def test_sign_gaussian_reaches_gaussian_performance_at_a_rotation(out):
    nums = figures.run("sign-gaussian", out, quick=True)
    for r, row in nums["rates"].items():
        assert abs(row["final_risk"] - row["target"]) < 1e-3
        assert row["gram_offdiag_max"] < 0.02 and row["rotation_defect"] < 0.02
        assert row["identity_overlap"] < 0.6                      # no preferred coordinates
        assert abs(row["fresh_risk"] - row["target"]) < 4 * row["fresh_risk_se"]


def test_sign_sparse_ends_at_the_gaussian_performance(out):
    """Quick run at d = 80: the finite-d excess of a rotation on sparse data is O(1/d) (measured
    0.0098 at d = 200, r = 0.5, p = 0.1, i.e. ~0.012 at d = 80, r = 0.25 ... plus SGD noise);
    tolerance 0.025 here, 0.01 at d = 200 in test_onebit_dynamics."""
    nums = figures.run("sign-sparse", out, quick=True)
    for p, row in nums["sparsities"].items():
        assert abs(row["fresh_risk"] - nums["target"]) < 0.025 + 4 * row["fresh_risk_se"], (p, row)
        assert row["identity_overlap"] < 0.5                      # it did not go sparse


def test_sign_phase_transition_rotation_below_identity_above(out):
    nums = figures.run("sign-phase-transition", out, quick=True)
    p, ov = np.array(nums["p"]), np.array(nums["overlap"])
    assert ov[p <= 0.3].max() < nums["rotation_overlap"] + 0.05
    # orthonormal rows at p = 0.2, 0.3; at p = 0.1 the quick run (t = 40) measured a singular-
    # value defect of 0.15: the sparsest point is not yet an exact rotation
    assert np.array(nums["rotation_defect"])[(p > 0.15) & (p <= 0.3)].max() < 0.1
    assert ov[p >= 0.7].min() > 0.85
    assert 0.3 < nums["p_critical"] < 0.7


def test_sign_denoiser_reaches_the_scalar_mmse(out):
    """d = 300: the denoised risk lies above the scalar MMSE by an O(1/d) bias (measured
    d x gap ~ 6 at p = 0.1, r = 1 for d = 250 and 1000), tolerance 4 SE + 8/d."""
    nums = figures.run("sign-denoiser", out, quick=True)
    for row in nums["rows"]:
        assert abs(row["denoised"] - row["mmse"]) < 4 * row["denoised_se"] + 8 / nums["d"]
        assert row["denoised"] < row["linear"] - 4 * np.hypot(row["denoised_se"], row["linear_se"])
        assert row["mmse"] < row["linear_theory"]


def test_figure_cli_json():
    proc = subprocess.run([sys.executable, "-m", "odedyn", "figure", "--list"],
                          capture_output=True, text=True, check=True)
    for name in ("sign-gaussian", "sign-sparse", "sign-phase-transition", "sign-denoiser"):
        assert name in proc.stdout
