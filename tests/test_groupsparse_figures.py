"""The claims of the group-sparse figures, asserted on their --quick numbers."""
import numpy as np
import pytest

from odedyn.figures import run


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return str(tmp_path_factory.mktemp("figs"))


def test_recovery_figure(out):
    nums = run("group-sparse-recovery", out, quick=True)
    for act in ("group-sparse-relu", "relu"):
        r = nums[act]
        th, sim = np.array(r["distance_theory"]), np.array(r["distance_sgd"])
        assert th[-1] < 0.8 * th[0]          # from distance 0.5 towards A
        # SGD at lr = 0.1 follows the flow up to its O(lr) discretisation (a few 1e-4 here)
        assert np.max(np.abs(th - sim)) < 1e-3
    assert all(f.endswith((".png", ".pdf")) for f in nums["files"])


def test_support_figure_group_sparse_relu_recovers_better(out):
    nums = run("group-sparse-support", out, quick=True)
    gs, relu = nums["group-sparse-relu"], nums["relu"]
    for k in range(len(nums["active_groups"])):
        se = np.hypot(gs["sgd_sem"][k], relu["sgd_sem"][k])
        assert gs["sgd"][k] - relu["sgd"][k] > 4 * se
    # the theory's network on fresh samples agrees with SGD (binomial error of 20000 samples)
    for r in (gs, relu):
        th = r["theory"][0]
        se = np.hypot(r["sgd_sem"][0], np.sqrt(th * (1 - th) / 20000))
        assert abs(th - r["sgd"][0]) < 4 * se


def test_clustering_figure_beats_kmeans(out):
    nums = run("group-sparse-clustering", out, quick=True)
    for i in range(len(nums["noise"])):
        se = np.hypot(nums["sgd_sem"][i], nums["kmeans_sem"][i])
        assert nums["sgd"][i] - nums["kmeans"][i] > 4 * se
        assert abs(nums["theory"][i] - nums["sgd"][i]) < 4 * max(nums["sgd_sem"][i], 1e-3)
