"""Population dynamics of the one-bit autoencoder against the issue's criteria, the CLI
contract of kind sign-autoencoder, and bad configs."""
import json

import numpy as np
import pytest

from odedyn.cli import main
from odedyn.integrate import output_times
from odedyn.onebit.denoiser import decoder_risks, haar_rows, noise_variance, scalar_mmse
from odedyn.onebit.experiment import single_blas_thread
from odedyn.onebit.model import Objective, SignAutoencoder
from odedyn.onebit.theory import gradient_descent, gradient_flow
from odedyn.onebit.simulate import fresh_risk
from odedyn.onebit.sources import Source

CONFIG = """
[model]
kind = "sign-autoencoder"
d = 30
r = 0.5

[data]
source = "gaussian"

[training]
t_max = 50.0

[init]
seed = 0
"""


@pytest.mark.parametrize("r", [0.25, 0.5, 1.0])
def test_gaussian_flow_reaches_one_minus_2r_over_pi_at_d_100(r):
    model = SignAutoencoder(100, int(100 * r))
    with single_blas_thread():
        traj = gradient_flow(Objective(model), *model.random_network(1), output_times(200, 10))
    assert abs(traj["risk"][-1] - (1 - 2 * r / np.pi)) < 1e-3
    assert traj["gram_offdiag_max"][-1] < 0.02
    assert traj["risk"][0] > traj["risk"][-1] + 0.1


def test_gradient_descent_is_the_euler_scheme_of_the_flow():
    """GD with step eta tracks the flow with an O(eta) error: halving eta halves the gap."""
    model = SignAutoencoder(20, 10)
    A0, B0 = model.random_network(2)
    obj, times = Objective(model), [0.0, 0.5, 1.0, 2.0]
    flow = gradient_flow(obj, A0, B0, times)["risk"]
    gaps = [np.abs(gradient_descent(obj, A0, B0, eta, times)["risk"] - flow).max()
            for eta in (0.02, 0.01)]
    assert 1.6 < gaps[0] / gaps[1] < 2.4, gaps


@pytest.mark.slow
@pytest.mark.parametrize("p", [0.1, 0.3])
def test_bernoulli_gaussian_descent_ends_at_gaussian_performance_d_200(p):
    d, n = 200, 50
    model = SignAutoencoder(d, n, Source("bernoulli-gaussian", p))
    with single_blas_thread():
        traj = gradient_descent(Objective(model, 64, 3), *model.random_network(0), 0.25,
                                [0.0, 60.0], Objective(model, 64, 4), 5)
    mean, se = fresh_risk(traj.arrays["final_A"], traj.arrays["final_B"], model.source,
                          np.random.default_rng(6), samples=100000)
    assert abs(mean - (1 - 2 * (n / d) / np.pi)) < 0.01, (mean, se)


@pytest.mark.slow
@pytest.mark.parametrize("r", [0.5, 1.0])
def test_denoiser_matches_scalar_mmse_at_d_1000(r):
    """Tolerance 4 SE + 8/d (the O(1/d) finite-size bias, measured d x gap ~ 6)."""
    d = 1000
    source = Source("bernoulli-gaussian", 0.1)
    lin, den = decoder_risks(haar_rows(int(r * d), d, 0), source, np.random.default_rng(1), 3000)
    se = den.std(ddof=1) / np.sqrt(len(den))
    mmse = scalar_mmse(source, noise_variance(r))
    assert abs(den.mean() - mmse) < 4 * se + 8 / d
    assert den.mean() < 1 - 2 * r / np.pi - 0.05


def test_scalar_mmse_limits():
    g = Source()
    assert scalar_mmse(g, 0.5) == pytest.approx(1 / 3)
    bg = Source("bernoulli-gaussian", 0.999999)
    assert scalar_mmse(bg, 0.5) == pytest.approx(1 / 3, abs=1e-4)       # p -> 1: Gaussian
    assert scalar_mmse(Source("bernoulli-gaussian", 0.1), 1e-4) < 1e-4    # almost no noise


def test_integrate_json_and_out(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG)
    assert main(["integrate", str(cfg), "--json", "--out", str(tmp_path / "o.npz")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"t", "risk", "order_parameters", "timing"} <= set(out)
    assert set(out["timing"]) == {"integrate_s", "startup_s", "startup"}
    assert out["t"][-1] == 50.0 and abs(out["risk"][-1] - (1 - 1 / np.pi)) < 1e-3
    assert "gram_offdiag_max" in out["observables"]
    with np.load(tmp_path / "o.npz") as f:
        assert f["initial_A"].shape == (30, 15) and f["initial_B"].shape == (15, 30)


@pytest.mark.parametrize("edit,key", [
    (("r = 0.5", "r = 0.51"), "model.r"),
    (("d = 30", "d = 0"), "model.d"),
    (('source = "gaussian"', 'source = "laplace"'), "data.source"),
    (('source = "gaussian"', 'source = "bernoulli-gaussian"\np = 1.5'), "data.p"),
    (('source = "gaussian"', 'source = "gaussian"\nsparsity = 0.1'), "data.sparsity"),
    (("t_max = 50.0", "t_max = -1.0"), "training.t_max"),
])
def test_bad_config_exits_2_naming_the_key(tmp_path, capsys, edit, key):
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG.replace(*edit))
    assert main(["integrate", str(cfg), "--json", "--out", str(tmp_path / "o.npz")]) == 2
    err = capsys.readouterr().err.strip()
    assert key in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o.npz").exists()
