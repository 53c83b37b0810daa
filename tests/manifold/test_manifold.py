"""Deep autoencoders on manifolds (seed 003): data, network, gradient flow vs gradient descent,
the Borsuk-Ulam bound, the CLI contract and the figures' claims on their --quick numbers."""
import json

import numpy as np
import pytest

import manifold_activations
from odedyn.cli import main
from odedyn.config import experiment_from_dict
from odedyn.errors import ConfigError
from odedyn.integrate import FixedStep, Scipy
from odedyn.manifold import DeepAutoencoder, Manifold
from odedyn.manifold.model import _activation, _tanh_pair

CIRCLE = {"model": {"kind": "deep-autoencoder", "encoder": [8, 8], "bottleneck": 1},
          "data": {"manifold": "circle", "train": 32, "test": 512},
          "training": {"t_max": 40.0, "lr": 0.01, "batch": 8},
          "output": {"n_times": 5}}


def circle_experiment(**training):
    cfg = {k: dict(v) for k, v in CIRCLE.items()}
    cfg["training"].update(training)
    return experiment_from_dict(cfg)


def test_generated_activations_are_not_stale():
    assert manifold_activations.main(["--check"]) == 0


@pytest.mark.parametrize("code", range(5))
def test_activation_slopes_are_derivatives(code):
    z = np.linspace(-4, 4, 41)
    h = 1e-5
    for x in z:
        g, slope = _activation(code, x)
        fd = (_activation(code, x + h)[0] - _activation(code, x - h)[0]) / (2 * h)
        assert abs(slope - fd) < 1e-8


def test_fast_tanh_of_the_training_kernel_equals_the_generated_one():
    """The batched kernel's tanh (one exp) agrees with math.tanh to 1e-15, slope included."""
    for z in np.concatenate([np.linspace(-25, 25, 2001), [0.0, 1e-300, -1e-12, 800.0, -800.0]]):
        assert np.allclose(_tanh_pair(z), _activation(0, z), rtol=0, atol=1e-15)


@pytest.mark.parametrize("activation", ["tanh", "gelu"])
def test_backpropagation_matches_finite_differences(activation):
    net = DeepAutoencoder(3, 2, (5, 4), (3,), activation)
    X = Manifold("sphere").sample(17, 1, noise=0.05)
    theta = net.random_parameters(2, input_std=3.0)
    loss, grad = net.loss(theta, X)
    assert loss == pytest.approx(0.5 * np.mean(np.sum((net.reconstruct(theta, X) - X)**2, 1)))
    grad, h = grad.copy(), 1e-6
    for i in range(net.n_parameters):
        e = np.zeros_like(theta)
        e[i] = h
        fd = (net.loss(theta + e, X)[0] - net.loss(theta - e, X)[0]) / (2 * h)
        assert abs(fd - grad[i]) < 1e-7


@pytest.mark.parametrize("design", ["random", "stratified"])
@pytest.mark.parametrize("kind", ["circle", "linked-circles", "sphere", "torus"])
def test_samples_and_test_set_represent_the_same_uniform_measure(kind, design):
    """E|x_1|^2 + x_3 e^{x_2} under the uniform sample (Monte Carlo, 4 standard errors of
    independent draws, which bound a Latin hypercube's) equals the test set's quadrature; the
    embedding is an isometry; points lie on K."""
    M = Manifold(kind, r=1.0, R=2.0, n=7, embedding_seed=3)
    Q = M.embedding
    assert np.allclose(Q.T @ Q, np.eye(M.natural_dim))
    x = M.sample(40000, 0, design=design) @ Q
    pts, w, _ = M.test_set(20000)
    y = pts @ Q
    f = lambda p: p[:, 0]**2 + (p[:, 2] if p.shape[1] > 2 else 0) * np.exp(p[:, 1])
    fx = f(x)
    assert abs(fx.mean() - w @ f(y)) < 4 * fx.std() / np.sqrt(len(fx))
    assert w.sum() == pytest.approx(1.0)
    if kind == "circle" or kind == "sphere":
        assert np.allclose(np.linalg.norm(pts, axis=1), 1.0)


def test_stratified_sample_leaves_no_large_gap():
    """On the curves every gap between neighbouring sample points is at most two cells
    (2 x 2 pi / m per circle); independent draws of the same size leave far larger ones."""
    def largest_gap(angles):
        a = np.sort(np.mod(angles, 2 * np.pi))
        return np.diff(np.concatenate([a, [a[0] + 2 * np.pi]])).max()

    m = 128
    x = Manifold("circle").sample(m, 3, design="stratified")
    assert largest_gap(np.arctan2(x[:, 1], x[:, 0])) <= 2 * 2 * np.pi / m
    assert largest_gap(np.arctan2(*Manifold("circle").sample(m, 3)[:, ::-1].T)) > 3 * 2 * np.pi / m
    y = Manifold("linked-circles").sample(m + 1, 3, design="stratified")
    first = np.abs(y[:, 2]) < 1e-12  # the first circle lies in the plane x_3 = 0
    assert first.sum() == m // 2 + 1
    assert largest_gap(np.arctan2(y[first, 1], y[first, 0])) <= 2 * 2 * np.pi / (m // 2 + 1)
    assert largest_gap(np.arctan2(y[~first, 2], y[~first, 0] - 1)) <= 2 * 2 * np.pi / (m // 2)
    with pytest.raises(ConfigError, match="data.sampling"):
        Manifold("circle").sample(8, 0, design="grid")


def test_noise_has_the_requested_standard_deviation():
    M = Manifold("circle", n=4)
    clean, noisy = M.sample(20000, 5), M.sample(20000, 5, noise=0.1)
    s = (noisy - clean).std()
    assert abs(s - 0.1) < 4 * 0.1 / np.sqrt(2 * 80000)


def test_borsuk_ulam_bound_holds_for_random_networks():
    """A theorem: it must hold for any network, trained or not (checks the measurement)."""
    for kind, k in (("circle", 1), ("sphere", 2), ("sphere", 1), ("linked-circles", 1)):
        M = Manifold(kind, r=1.5, n=5)
        pts, w, _ = M.test_set(4000)
        for seed in range(3):
            net = DeepAutoencoder(5, k, (12,), activation="tanh")
            err = net.errors(net.random_parameters(seed, input_std=4.0), pts)
            assert err.max() >= M.borsuk_ulam_bound(k) - 1e-9
    assert Manifold("torus", r=1, R=2).borsuk_ulam_bound(1) == 3.0
    assert Manifold("torus", r=1, R=2).borsuk_ulam_bound(3) == 0.0


def test_gradient_flow_and_small_step_gradient_descent_agree():
    """Gradient descent with step lr is the Euler scheme of the flow: its distance to the
    scipy flow is O(lr). Tolerance stated: halving lr halves the distance (ratio in [1.6,
    2.4]) and at lr = 0.005 the mean error of the two differs by < 2e-3 at every time."""
    exp = circle_experiment()
    times = np.array([0.0, 10.0, 20.0, 40.0])
    flow = exp.integrate(times)
    dist = {}
    for lr in (0.01, 0.005):
        exp.lr = lr
        thetas = exp.descend(times)
        dist[lr] = max(np.linalg.norm(a - b) for a, b in zip(thetas, flow.arrays["theta_at_times"]))
        err = exp._measure(thetas)["error"]
    assert 1.6 < dist[0.01] / dist[0.005] < 2.4, dist
    assert np.max(np.abs(err - flow["error"])) < 2e-3
    assert flow["error"][-1] < 0.9 * flow["error"][0]


def test_full_batch_sgd_is_gradient_descent():
    exp = circle_experiment()
    a = exp.descend([100], batch=None)[0]
    b = exp.descend([100], batch=len(exp.train), seed=9)[0]
    assert np.array_equal(a, b)
    c = exp.descend([100], batch=8, seed=1)[0]
    assert not np.allclose(a, c)


def test_sgd_simulation_starts_from_the_same_network_and_follows_the_flow():
    exp = circle_experiment(lr=0.02)
    sim = exp.simulate(seeds=3, progress=False)
    flow = exp.integrate(sim.t)
    assert sim["error"][0] == flow["error"][0] and sim["error_sem"][0] == 0
    assert np.max(np.abs(sim["error"] - flow["error"])) < 0.05


CFG = """
[model]
kind = "deep-autoencoder"
encoder = [6]
bottleneck = 1
[data]
manifold = "linked-circles"
n = 5
train = 24
test = 256
[training]
t_max = 5.0
"""


def test_cli_integrate_json_and_out(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text(CFG)
    out = tmp_path / "r" / "run.npz"
    assert main(["integrate", str(cfg), "--json", "--out", str(out)]) == 0
    res = json.loads(capsys.readouterr().out)
    assert set(res) >= {"t", "error", "order_parameters", "timing"}
    assert set(res["observables"]) == {"max_error", "exceptional_measure", "train_loss"}
    assert set(res["timing"]) == {"integrate_s", "startup_s", "startup"}
    assert res["t"][-1] == 5.0 and len(res["error"]) == len(res["t"])
    with np.load(out) as f:
        assert {"t", "error", "max_error", "initial_theta"} <= set(f.files)
    assert main(["simulate", str(cfg), "--seeds", "2", "--json", "--no-progress"]) == 0
    sim = json.loads(capsys.readouterr().out)
    assert sim["error"][0] == res["error"][0]


@pytest.mark.parametrize("edit,key", [
    (('manifold = "linked-circles"', 'manifold = "klein"'), "data.manifold"),
    (("n = 5", "n = 2"), "data.n"),
    (("encoder = [6]", "encoder = [0]"), "model.encoder"),
    (("bottleneck = 1", 'bottleneck = 1\nactivation = "relu"'), "model.activation"),
    (("t_max = 5.0", "t_max = 5.0\nbatch = 100"), "training.batch"),
    (("test = 256", "test = 256\nwidth = 3"), "data.width"),
])
def test_bad_config_exit_2_names_key_writes_nothing(tmp_path, capsys, edit, key):
    cfg = tmp_path / "c.toml"
    cfg.write_text(CFG.replace(*edit))
    out = tmp_path / "o.npz"
    assert main(["integrate", str(cfg), "--json", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and key in captured.err and "\n" not in captured.err.strip()
    assert not out.exists()


def test_euler_flow_is_gradient_descent_and_approaches_the_scipy_flow():
    """solver.method = "euler" is full-batch gradient descent with step <= solver.step landing
    on the output times: on the lr grid it equals descend() bit for bit, and its distance to
    the scipy flow halves with the step (ratio in [1.6, 2.4], first-order scheme)."""
    cfg = {k: dict(v) for k, v in CIRCLE.items()}
    cfg["solver"] = {"method": "euler", "step": 0.01}
    exp = experiment_from_dict(cfg)
    times = np.array([0.0, 10.0, 20.0, 40.0])
    euler = exp.integrate(times)
    exp.lr = 0.01
    assert all(np.array_equal(a, b) for a, b in zip(euler.arrays["theta_at_times"], exp.descend(times)))
    assert euler.meta["rhs_evaluations"] == 4000
    exp.solver = Scipy("RK23", rtol=1e-6, atol=1e-9)
    scipy = exp.integrate(times).arrays["theta_at_times"]
    dist = []
    for step in (0.01, 0.005):
        exp.solver = FixedStep(step, "euler")
        th = exp.integrate(times).arrays["theta_at_times"]
        dist.append(max(np.linalg.norm(a - b) for a, b in zip(th, scipy)))
    assert 1.6 < dist[0] / dist[1] < 2.4, dist


def test_bad_solver_method_names_key():
    from odedyn.errors import ConfigError
    cfg = {k: dict(v) for k, v in CIRCLE.items()}
    cfg["solver"] = {"method": "leapfrog"}
    with pytest.raises(ConfigError, match="solver.method"):
        experiment_from_dict(cfg)
