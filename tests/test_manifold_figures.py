"""The claims of the manifold figures, asserted on their --quick numbers (seed 003).

Claims taken from the statement, not from the numbers: the maximal error never falls below the
Borsuk-Ulam bound (a theorem, so this checks the measurement); on the circle (radius 1) a wide
enough network (width 32, 128 training points, flow to t = 3200 by its Euler scheme) brings the
mean error on the dense test set below 0.05. This is one seeded initial network, not an average
over initial networks (the budget of this test set does not allow several width-32 runs).
"""
import numpy as np
import pytest

from odedyn import figures

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return str(tmp_path_factory.mktemp("manifold_figures"))


@pytest.mark.parametrize("name", ["manifold-circle", "manifold-linked-circles"])
def test_circles_error_falls_while_max_stays_above_bound(name, out):
    n = figures.run(name, out, quick=True)
    err, mx, exc = (np.asarray(n[k]) for k in ("error", "max_error", "exceptional_measure"))
    assert n["bound"] == 1.0
    assert np.all(mx >= n["bound"])
    assert err[-1] < 0.5 * err[1] and exc[-1] < 0.8 * exc[1]
    if name == "manifold-circle":
        assert err[-1] < 0.05 * n["bound"]  # the claim, radius 1
    # SGD (markers) from the same start follows the flow
    assert abs(n["sgd_error"][-1] - err[-1]) < 0.1 * err[-1] + 4 * n["sgd_error_sem"][-1]


def test_scaling_with_width(out):
    n = figures.run("manifold-scaling", out, quick=True)
    mean, exc = np.asarray(n["mean_error"]), np.asarray(n["exceptional_measure"])
    assert np.all(np.diff(mean) < 0) and np.all(np.diff(exc) < 0), (mean, exc)
    assert exc[-1] < 0.5 * exc[0]
    assert np.all(np.asarray(n["max_error"]) >= n["bound"])


def test_torus_positive_control(out):
    n = figures.run("manifold-torus", out, quick=True)
    k1, k3 = n["k1"], n["k3"]
    assert k1["bound"] == 3.0 and np.all(np.asarray(k1["max_error"]) >= k1["bound"])
    assert k3["bound"] == 0.0
    assert k3["max_error"][-1] < k1["bound"] and k3["error"][-1] < 0.5 * k1["error"][-1]
