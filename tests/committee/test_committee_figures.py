"""The committee-machine figures' claims, asserted on their --quick numbers."""
import json

import numpy as np
import pytest

from odedyn.cli import main

pytestmark = pytest.mark.slow


def run(name, tmp_path, capsys):
    assert main(["figure", name, "--quick", "--json", "--out", str(tmp_path)]) == 0
    numbers = json.loads(capsys.readouterr().out)
    for path in numbers["files"]:
        assert (tmp_path / path.split("/")[-1]).exists()
    return numbers


def test_plateau_figure(tmp_path, capsys):
    n = run("committee-plateau", tmp_path, capsys)
    K2, K3 = n["K=2"], n["K=3"]
    assert K2["plateau_error"] < K3["plateau_error"]
    assert K2["multiplicity"] == 1 and K3["multiplicity"] == 4
    for K in (K2, K3):
        assert K["unstable_eigenvalue"] > 0
        # the linearised escape law: within 10% of the plateau end on the theory curves
        for run_ in K["escape"]:
            assert abs(run_["predicted_exit"] - run_["measured_exit"]) < 0.1 * run_["measured_exit"]
        # SGD follows the theory onto the plateau (4 standard errors) ...
        assert K["max_z_before_escape"] < 4.0
        # ... and both leave it: the error ends far below the plateau
        assert K["final_error_theory"] < 1e-2 * K["plateau_error"]
        assert K["final_error_sgd"] < 1e-2 * K["plateau_error"]
        # at finite D the SGD noise breaks the symmetry: SGD escapes no later than the theory
        assert K["exit_sgd"] <= K["exit_theory"]


def test_relu_figure(tmp_path, capsys):
    n = run("committee-relu", tmp_path, capsys)
    assert n["max_z_error"] < 4.0
    assert n["final_error_theory"] < 0.2 * n["initial_error"]


def test_overparameterised_figure(tmp_path, capsys):
    n = run("committee-overparameterised", tmp_path, capsys)
    fixed, trained = n["fixed"]["final_error"], n["trained"]["final_error"]
    # Goldt et al. 2019: with a fixed second layer the final error grows with K ...
    assert np.all(np.diff(fixed) > 0), fixed
    # ... and not when both layers train (here it even decreases)
    assert np.all(np.diff(trained) < 0), trained
    assert np.all(np.array(trained) < np.array(fixed))
