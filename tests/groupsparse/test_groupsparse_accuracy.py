"""The group-sparse theory reports its real numerical error (odedyn.groupsparse.accuracy): the
reported error bounds the distance to a converged reference (many amplitude points, many noise
pairs) on the smallest configs that still have kinks inside the amplitude range (amplitudes
[0.1, 1.5], threshold 0.3) and noise, both when the quadrature dominates and when the noise
sample does."""
import functools

import numpy as np
import pytest

from odedyn.config import experiment_from_dict

OBSERVABLES = ("loss", "distance", "group_distance")


def small(activation, noise, **theory):
    cfg = {"model": {"kind": "group-sparse-autoencoder", "activation": activation,
                     "threshold": 0.3},
           "data": {"n": 30, "groups": 4, "group_size": 2, "active_groups": 1, "seed": 3,
                    "amplitude_range": [0.1, 1.5], "noise": noise},
           "training": {"lr": 0.1, "t_max": 6.0},
           "init": {"distance": 0.4, "seed": 2},
           "theory": dict({"max_amplitude_nodes": 10 ** 6}, **theory),
           "output": {"n_times": 6}}
    return experiment_from_dict(cfg)


@functools.lru_cache(maxsize=None)
def reference(activation):
    """32 points per amplitude (error ~1e-6 by the noiseless 8-to-64 convergence) and 24
    antithetic pairs per node: 8x the nodes of the noisiest case tested."""
    return small(activation, 0.05, amplitude_nodes=32, noise_draws=24, seed=7,
                 error_estimate=False).integrate()


@pytest.mark.slow
@pytest.mark.parametrize("activation", ["group-sparse-relu", "relu"])
@pytest.mark.parametrize("nodes,pairs", [(5, 8), (20, 1)])
def test_reported_error_bounds_the_distance_to_a_converged_reference(activation, nodes, pairs):
    ref = reference(activation)
    th = small(activation, 0.05, amplitude_nodes=nodes, noise_draws=pairs).integrate()
    assert th.meta["diagnostics"]["check"]["replicas"] == 8
    for name in OBSERVABLES:
        gap = np.abs(th[name] - ref[name])
        error = th[name + "_numerical_error"]
        assert np.all(error >= gap), (name, gap, error)
        assert th.meta["diagnostics"]["numerical_error_by_curve"][name] == pytest.approx(error.max())
    # the check is informative: the error is not a blanket, it is within 30x of the gap
    assert th["loss_numerical_error"].max() < 30 * np.abs(th["loss"] - ref["loss"]).max()


@pytest.mark.parametrize("activation", ["group-sparse-relu", "relu"])
def test_noiseless_theory_error_is_the_quadrature_check(activation):
    """No noise: every node is deterministic, one coarse check, and the bound holds against
    a rule with 8x the points."""
    ref = small(activation, 0.0, amplitude_nodes=64, error_estimate=False).integrate()
    th = small(activation, 0.0, amplitude_nodes=8).integrate()
    assert th.meta["diagnostics"]["check"]["replicas"] == 1
    for name in OBSERVABLES:
        assert np.all(th[name + "_numerical_error"] >= np.abs(th[name] - ref[name])), name
    assert th["loss_numerical_error"].max() > 0


def test_cli_reports_the_numerical_error_in_json_and_npz(tmp_path, capsys):
    import json

    from odedyn.cli import main
    from test_groupsparse import CONFIG
    path = tmp_path / "c.toml"
    path.write_text(CONFIG)
    assert main(["integrate", str(path), "--json", "--out", str(tmp_path / "r.npz")]) == 0
    out = json.loads(capsys.readouterr().out)
    for name in ("loss", "distance", "group_distance"):
        error = np.array(out[name + "_numerical_error"])
        assert error.shape == np.shape(out["t"]) and np.all(error > 0)
    with np.load(tmp_path / "r.npz") as f:
        assert np.allclose(f["loss_numerical_error"], out["loss_numerical_error"])


def test_tolerance_refines_the_rule_until_the_reported_error_meets_it():
    """theory.tolerance: noiseless, from 4 points the rule doubles until the reported error
    of the loss and the distances is within 3e-4; the true error (against 64 points) is too."""
    ref = small("relu", 0.0, amplitude_nodes=64, error_estimate=False).integrate()
    th = small("relu", 0.0, amplitude_nodes=4, tolerance=3e-4).integrate()
    assert th.meta["diagnostics"]["tolerance_met"] and th.meta["diagnostics"]["amplitude_nodes"] > 4
    for name in OBSERVABLES:
        assert th.meta["diagnostics"]["numerical_error_by_curve"][name] <= 3e-4
        assert np.max(np.abs(th[name] - ref[name])) <= 3e-4
