"""Group-sparse autoencoder (seed 002): activations, averages, the closed (R, Q) dynamics, its
reductions, and the CLI contract. Statistical tolerances are 4 standard errors."""
import json

import numpy as np
import pytest

from odedyn.cli import main
from odedyn.errors import ConfigError
from odedyn.groupsparse import averages
from odedyn.groupsparse.activation import (ACTIVATIONS, activate, activate_held, jacobian_apply,
                                           jacobian_held, switch_values)
from odedyn.groupsparse.model import GenerativeModel, random_dictionary
from odedyn.groupsparse.theory import Flow, group_distances
from odedyn_figures._group_sparse import BASE, experiment
from odedyn.groupsparse.simulate import weight_gradient


def small_model(noise=0.0, amplitudes=(0.5, 1.5), K=2):
    return GenerativeModel(random_dictionary(30, 8, seed=3), 2, K, amplitudes, noise)


def start(model, delta=0.2, seed=0):
    U = np.random.default_rng(seed).standard_normal(model.A.shape)
    return model.A + delta * U / np.linalg.norm(U, axis=0)


@pytest.mark.parametrize("kind", sorted(ACTIVATIONS))
def test_jacobian_matches_finite_differences(kind):
    rng = np.random.default_rng(0)
    Z, V = rng.normal(0.3, 1.0, (50, 6)), rng.standard_normal((50, 6))
    eps = 1e-6
    fd = (activate(Z + eps * V, 3, 0.4, ACTIVATIONS[kind])
          - activate(Z - eps * V, 3, 0.4, ACTIVATIONS[kind])) / (2 * eps)
    assert np.allclose(jacobian_apply(Z, V, 3, 0.4, ACTIVATIONS[kind]), fd, atol=1e-6)


@pytest.mark.parametrize("kind", sorted(ACTIVATIONS))
def test_held_pattern_is_the_activation_at_its_own_pattern_and_smooth_past_it(kind):
    """At Z's own switching pattern the held activation and Jacobian are the live ones bit for
    bit (so the flow integrated from switch to switch is the same flow); with a pattern held
    they are smooth past the surfaces: the Jacobian is the derivative of the activation also
    where Z is on the other side of a kink (pattern of a nearby Z)."""
    rng = np.random.default_rng(1)
    k, g, lam = ACTIVATIONS[kind], 3, 0.4
    Z, V = rng.normal(0.3, 1.0, (50, 6)), rng.standard_normal((50, 6))
    uv, gv = switch_values(Z, g, lam, k)
    own = (uv > 0, gv > 0)
    assert np.array_equal(activate_held(Z, g, lam, k, *own), activate(Z, g, lam, k))
    assert np.array_equal(jacobian_held(Z, V, g, lam, k, *own), jacobian_apply(Z, V, g, lam, k))
    Z2 = Z + 0.3 * rng.standard_normal(Z.shape)      # many units and groups switched
    uv2, gv2 = switch_values(Z2, g, lam, k, own[0])
    assert np.any((uv2 > 0) != own[0])
    eps = 1e-6
    fd = (activate_held(Z2 + eps * V, g, lam, k, *own)
          - activate_held(Z2 - eps * V, g, lam, k, *own)) / (2 * eps)
    assert np.allclose(jacobian_held(Z2, V, g, lam, k, *own), fd, atol=1e-6)


def test_flow_from_switch_to_switch_is_the_flow():
    """The drift with y's own pattern held is the drift (bit for bit), and the switching
    functions' signs are y's pattern."""
    model = small_model()
    nodes = averages.build(model, amplitude_nodes=3)
    flow = Flow(model, 0, 0.3, nodes)
    W = start(model)
    y = flow.pack([W.T @ model.A, W.T @ W, np.zeros((8, 8)), np.eye(8)])
    own = flow.switch_values(y) > 0
    assert np.array_equal(flow.rhs_held(0.0, y, own), flow.rhs(0.0, y))
    assert np.array_equal(flow.switch_values(y, own) > 0, own)


def test_group_distance_is_orthogonal_procrustes_after_matching():
    """From (R, Q, C) alone: zero for A with its groups permuted and rotated; otherwise the
    per-group Procrustes distance (scipy.linalg.orthogonal_procrustes on W and A)."""
    from scipy.linalg import orthogonal_procrustes
    from scipy.stats import ortho_group
    g, perm = 3, [2, 0, 3, 1]
    A = random_dictionary(30, 12, seed=0)
    W = np.hstack([A[:, j * g:(j + 1) * g] @ ortho_group.rvs(g, random_state=j) for j in perm])
    assert np.allclose(group_distances(W.T @ A, W.T @ W, A.T @ A, g), 0, atol=1e-7)
    W += 0.1 * np.random.default_rng(1).standard_normal(W.shape)
    direct = []
    for k, j in enumerate(perm):
        Wg, Ag = W[:, k * g:(k + 1) * g], A[:, j * g:(j + 1) * g]
        direct.append(np.linalg.norm(Wg @ orthogonal_procrustes(Wg, Ag)[0] - Ag) / np.sqrt(g))
    assert np.allclose(group_distances(W.T @ A, W.T @ W, A.T @ A, g), direct, rtol=1e-10)


def test_group_sparse_relu_is_block_shrinkage():
    H = activate(np.array([[3.0, 4.0, 0.1, -0.2], [-1.0, 0.2, 0.0, 0.0]]), 2, 1.0, 0)
    assert np.allclose(H, [[2.4, 3.2, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])


def test_data_energy_closed_form_against_monte_carlo():
    model = small_model(noise=0.1)
    flow = Flow(model, 0, 0.3, averages.build(model))
    X, _, _ = model.sample(np.random.default_rng(1), 200000)
    e = 0.5 * np.sum(X ** 2, axis=1)
    assert abs(flow.data_energy() - e.mean()) < 4 * e.std() / np.sqrt(len(e))


@pytest.mark.parametrize("kind", [0, 1])
def test_macroscopic_gradient_is_the_expected_weight_gradient(kind):
    """Constant amplitudes and sigma = 0: the nodes are exact (every support), so the chain-rule
    gradient A G_R^T + 2 W G_Q must equal the mean sample gradient within 4 standard errors."""
    model = small_model(amplitudes=(1.0, 1.0))
    nodes = averages.build(model)
    assert nodes.exact
    W = start(model)
    GR, GQ = Flow(model, kind, 0.3, nodes).gradients(W.T @ model.A, W.T @ W)
    X, _, _ = model.sample(np.random.default_rng(2), 40000)
    per = np.stack([weight_gradient(W, X[i::400], 2, 0.3, kind) for i in range(400)])
    se = per.std(axis=0, ddof=1) / np.sqrt(len(per))
    assert np.all(np.abs(per.mean(axis=0) - (model.A @ GR.T + 2 * W @ GQ)) < 4 * se + 1e-12)


def test_noise_term_of_the_gradient_against_samples():
    """sigma > 0: the Stein form of G_Q on Monte Carlo noise nodes against sample gradients.
    The theory's own error is measured from 8 independent noise samples; tolerance 4 combined
    standard errors."""
    model = small_model(noise=0.2, amplitudes=(1.0, 1.0))
    W = start(model)
    R, Q = W.T @ model.A, W.T @ W

    def theory(seed):
        GR, GQ = Flow(model, 0, 0.3, averages.build(model, noise_draws=200, seed=seed)).gradients(R, Q)
        return model.A @ GR.T + 2 * W @ GQ

    th = np.stack([theory(seed) for seed in range(8)])
    X, _, _ = model.sample(np.random.default_rng(3), 100000)
    per = np.stack([weight_gradient(W, X[i::500], 2, 0.3, 0) for i in range(500)])
    se2 = per.var(axis=0, ddof=1) / len(per) + th.var(axis=0, ddof=1) / len(th)
    assert np.all(np.abs(per.mean(axis=0) - th.mean(axis=0)) < 4 * np.sqrt(se2))


def test_symmetric_reduction_equals_the_full_flow(tmp_path):
    cfg = {"model": {"kind": "group-sparse-autoencoder", "threshold": 0.3},
           "data": {"n": 40, "groups": 4, "group_size": 3, "active_groups": 2,
                    "dictionary": "orthonormal", "amplitude_range": [0.5, 1.5]},
           "training": {"t_max": 4.0},
           "init": {"symmetric": True, "scale": 0.7, "within": 0.1, "across": 0.05,
                    "orthogonal": 0.3},
           "theory": {"amplitude_nodes": 2, "max_amplitude_nodes": 100, "rtol": 1e-9,
                      "atol": 1e-11},
           "output": {"n_times": 4}}
    from odedyn.config import experiment_from_dict
    sym = experiment_from_dict(dict(cfg, theory=dict(cfg["theory"], reduction="symmetric")))
    full = experiment_from_dict(dict(cfg, theory=dict(cfg["theory"], reduction="full")))
    a, b = sym.integrate(), full.integrate()
    assert a.meta["diagnostics"]["symmetric"] and not b.meta["diagnostics"]["symmetric"]
    # equal up to the integrator tolerance (rtol 1e-9)
    assert np.abs(a["R"] - b["R"]).max() < 1e-7 and np.abs(a["Q"] - b["Q"]).max() < 1e-7
    assert a["distance"][-1] < a["distance"][0]


def test_network_map_reproduces_the_macroscopic_state():
    exp = experiment(data={"noise": 0.0}, training={"t_max": 3.0}, output={"n_times": 3},
                     theory={"amplitude_nodes": 4})
    th = exp.integrate()
    W = th.arrays["final_W"]
    assert np.allclose(W.T @ exp.model.A, th["R"][-1], atol=1e-5)
    assert np.allclose(W.T @ W, th["Q"][-1], atol=1e-5)


def test_gradient_descent_map_tends_to_the_flow():
    exp = experiment(data={"noise": 0.0}, training={"t_max": 2.0}, output={"n_times": 2},
                     theory={"amplitude_nodes": 4})
    flow = exp.integrate(np.array([0.0, 2.0]))["R"][-1]
    gaps = []
    for lr in (0.1, 0.05):
        exp.lr, exp.dynamics = lr, "gradient-descent"
        gaps.append(np.abs(exp.integrate(np.array([0.0, 2.0]))["R"][-1] - flow).max())
    assert 1.6 < gaps[0] / gaps[1] < 2.4   # first order in the step


def test_bad_config_names_the_key():
    cfg = {k: dict(v) for k, v in BASE.items()}
    cfg["data"]["active_groups"] = 9
    from odedyn.config import experiment_from_dict
    with pytest.raises(ConfigError, match="data.active_groups"):
        experiment_from_dict(cfg)
    cfg["data"]["active_groups"] = 1
    cfg["model"]["activation"] = "tanh"
    with pytest.raises(ConfigError, match="model.activation"):
        experiment_from_dict(cfg)


CONFIG = """
[model]
kind = "group-sparse-autoencoder"
threshold = 0.5
[data]
n = 50
groups = 4
group_size = 2
active_groups = 1
noise = 0.05
[training]
t_max = 2.0
[init]
distance = 0.2
[theory]
amplitude_nodes = 6
[output]
n_times = 4
"""


def test_cli_integrate_json_and_out(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text(CONFIG)
    assert main(["integrate", str(path), "--json", "--out", str(tmp_path / "r.npz")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"t", "loss", "order_parameters", "timing"} <= set(out)
    assert {"R", "Q"} <= set(out["order_parameters"])
    assert {"distance", "support_accuracy"} <= set(out["observables"])  # issue 13, item 12
    with np.load(tmp_path / "r.npz") as f:
        assert f["initial_W"].shape == f["dictionary"].shape == (50, 8) and "distance" in f.files


def test_cli_bad_value_exits_2_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text(CONFIG.replace("noise = 0.05", "noise = -1"))
    assert main(["integrate", str(path), "--out", str(tmp_path / "r.npz")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "data.noise" in err[0]
    assert not (tmp_path / "r.npz").exists()


def test_cli_simulate_and_compare(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text(CONFIG)
    assert main(["compare", str(path), "--seeds", "2", "--json", "--no-progress"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "distance" in out["simulation"]["observables"]
