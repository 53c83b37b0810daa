"""Single-index escape (odedyn.committee.analysis: single_index, escape_time, theory_escape,
sgd_escape; ``[init] overlap``): the start has the prescribed overlap exactly and bad values are
ConfigErrors; the theory's escape times as eta -> 0 (eta = 1e-6, time tau = eta t) follow the
known laws: k = 1 saturates, k = 2 equals the solution of dm/dtau = 2 m (1 - m^2) (linear in
ln(1/m0) with slope 1/2), k = 4 scales as m0^(2-k) = m0^-2 (fitted exponent); k = 3 does not
escape from a small overlap (the student's norm collapses to ~eta/2), though it does from
m0 = 0.4; He_2 and He_4 teachers: theory against SGD from the same weights within standard
errors, and the same SGD runs reject a theory started 10% lower (the test has teeth); the
figure's quick mode runs and shows the same."""
import json

import numpy as np
import pytest

from odedyn.cli import main
from odedyn.committee import Experiment, configure
from odedyn.committee.analysis import (escape_time, overlap, sgd_escape, single_index,
                                       theory_escape)
from odedyn.compare import compare
from odedyn.errors import ConfigError
from test_committee_simulation import assert_within

LIMIT = 1e-6      # eta of the eta -> 0 theory (tau = eta t)


def tau_esc(k, m0, tau_max, lr=LIMIT):
    return theory_escape(single_index(k, m0, lr, tau_max / lr)) * lr


def k2_law(m0):
    f = lambda m: 0.5 * (np.log(m) - 0.5 * np.log(1 - m * m))
    return f(0.5) - f(m0)


# ---------------------------------------------------------------- the start
@pytest.mark.parametrize("K, M, m0, std", [(1, 1, 0.03, 1.0), (3, 2, -0.2, 0.5)])
def test_overlap_start_is_exact(K, M, m0, std):
    exp = configure(model={"K": K}, teacher={"M": M}, data={"D": 300},
                    init={"std": std, "seed": 4, "overlap": m0})
    Q, R, T, v = exp.initial_order_parameters()
    same = (np.arange(K)[:, None] % M) == (np.arange(K)[None, :] % M)
    assert np.allclose(Q, std ** 2 * np.where(np.eye(K) > 0, 1.0, m0 ** 2 * same), atol=1e-12)
    assert np.allclose(T, np.eye(M), atol=1e-12)
    want = np.zeros((K, M))
    want[np.arange(K), np.arange(K) % M] = std * m0
    assert np.allclose(R, want, atol=1e-12)
    assert overlap(Q, R, T) == pytest.approx(m0, abs=1e-12)
    # the seed draws the student's other directions, the overlap stays
    other = exp.derive(init={"std": std, "seed": 5, "overlap": m0})
    assert not np.allclose(other.W0, exp.W0)
    assert np.allclose(other.initial_order_parameters()[1], R, atol=1e-12)


@pytest.mark.parametrize("init, data, key", [
    ({"std": 1.0, "overlap": 1.5}, {"D": 100}, "init.overlap"),
    ({"std": 1.0, "overlap": "0.1"}, {"D": 100}, "init.overlap"),
    ({"std": 0.0, "overlap": 0.1}, {"D": 100}, "init.std"),
    ({"std": 1.0, "overlap": 0.1}, {"D": 3}, "init.overlap"),        # K + M = 4 > D
])
def test_bad_overlap_is_a_config_error(init, data, key):
    with pytest.raises(ConfigError) as info:
        configure(model={"K": 2}, teacher={"M": 2}, data=data, init=init)
    assert info.value.key == key


def test_overlap_with_a_weights_file_is_a_config_error(tmp_path):
    np.savez(tmp_path / "w.npz", W=np.ones((1, 5)), v=np.ones(1), W_teacher=np.ones((1, 5)))
    cfg = {"model": {"kind": "committee", "K": 1}, "teacher": {"M": 1}, "data": {"D": 5},
           "training": {"t_max": 1.0}, "init": {"weights": "w.npz", "overlap": 0.1}}
    with pytest.raises(ConfigError) as info:
        Experiment.from_config(cfg, base_dir=str(tmp_path))
    assert info.value.key == "init.overlap"
    del cfg["init"]["overlap"]
    assert Experiment.from_config(cfg, base_dir=str(tmp_path)).D == 5


def test_bad_overlap_from_the_command_line(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text('[model]\nkind = "committee"\nK = 1\n[teacher]\nM = 1\n[data]\nD = 10\n'
                    '[training]\nt_max = 1.0\n[init]\nstd = 1.0\noverlap = -2.0\n')
    assert main(["integrate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "init.overlap" in err and "-2" in err and len(err.splitlines()) == 1


def test_escape_time_interpolates_and_says_never():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    assert escape_time(t, [0.1, 0.3, 0.7, 0.9]) == pytest.approx(1.5)
    assert escape_time(t, [0.1, -0.3, -0.6, -0.9]) == pytest.approx(1.0 + 0.2 / 0.3)   # |m|
    assert np.isnan(escape_time(t, [0.1, 0.2, 0.3, 0.4]))
    assert escape_time(t, [0.6, 0.7, 0.8, 0.9]) == 0.0


# ---------------------------------------------------------------- the laws, from the theory
def test_k1_escape_time_saturates():
    """O(1): tau_esc(m0) = tau_esc(0) + O(m0), so each decade of m0 changes it 10x less than
    the one before (measured ratio 0.099), and by less than 0.2% below m0 = 1e-3."""
    times = [tau_esc(1, m0, 3.0) for m0 in (1e-2, 1e-3, 1e-4)]
    print("k = 1: tau_esc", times)
    assert abs(times[1] - times[2]) < 2e-3 * times[2]
    assert (times[1] - times[2]) / (times[0] - times[1]) == pytest.approx(0.1, abs=0.02)


def test_k2_escape_time_is_the_log_law():
    """As eta -> 0 and for any Q the He_2 student has dm/dtau = 2 m (1 - m^2) exactly (the Q
    terms cancel), so tau_esc = (1/2)[ln(m / sqrt(1 - m^2))] from m0 to 1/2: linear in
    ln(1/m0) with slope 1/2. Measured against it within 1e-4 (relative; eta = 1e-6 adds a
    noise term ~ eta, the interpolation on the refined grid ~ 1e-8)."""
    m0s = np.array([1e-2, 1e-3, 1e-4, 1e-5])
    times = np.array([tau_esc(2, m0, 3.0 + np.log(1 / m0)) for m0 in m0s])
    print("k = 2: tau_esc", times, "law", k2_law(m0s))
    assert np.allclose(times, k2_law(m0s), rtol=1e-4)
    slope, icpt = np.polyfit(np.log(1 / m0s), times, 1)
    assert slope == pytest.approx(0.5, abs=1e-3)
    assert np.max(np.abs(times - (slope * np.log(1 / m0s) + icpt))) < 1e-3


@pytest.mark.slow
def test_k4_escape_time_scales_as_m0_to_the_2_minus_k():
    """Fit of ln tau_esc against ln m0 at m0 = 0.03, 0.02, 0.015: exponent 2 - k = -2 within
    0.03. The stated tolerance: with Q settled at its plateau value the escape is
    tau = c (m0^-2 - 4) up to the (1 - m^2) factor, whose local exponent is -2 / (1 - 4 m0^2),
    within 0.8% of -2 at these m0; the transient of Q (tau ~ 1 against tau_esc ~ 10^3) and the
    eta = 1e-6 noise term are smaller still."""
    m0s = np.array([0.03, 0.02, 0.015])
    times = np.array([tau_esc(4, m0, 2.5 / m0 ** 2) for m0 in m0s])
    slope = np.polyfit(np.log(m0s), np.log(times), 1)[0]
    print("k = 4: tau_esc", times, "exponent", slope)
    assert abs(slope - (2 - 4)) < 0.03


def test_k3_norm_collapses_and_there_is_no_escape():
    """The square loss pulls an uncorrelated He_3 student's norm down (E[g^2] grows with Q):
    Q falls to ~eta/2 (where the O(eta^2) term balances it) and m decays: no escape from
    m0 = 0.1 by tau = 200; from m0 = 0.4 the correlation wins first and it escapes."""
    lr = 0.02
    exp = single_index(3, 0.1, lr, 200.0 / lr)
    assert np.isnan(theory_escape(exp, n=200))
    tr = exp.theory_curve(np.linspace(0.0, exp.t_max, 50), progress=False)
    m = overlap(tr["Q"], tr["R"], tr["T"])
    assert tr["Q"][-1, 0, 0] == pytest.approx(lr / 2, rel=0.2)
    assert abs(m[-1]) < 0.05 and np.max(np.abs(m)) < 0.5
    assert tau_esc(3, 0.4, 5.0, lr) < 1.0


# ---------------------------------------------------------------- theory against SGD
@pytest.mark.slow
@pytest.mark.parametrize("k, m0, lr, tau", [(2, 0.2, 0.1, 1.5), (4, 0.4, 0.005, 2.0)])
def test_hermite_teacher_theory_against_sgd(k, m0, lr, tau):
    """He_k teacher and student, D = 1000, 8 seeds, from the same weights: the error within 4
    SE at every output time and the order parameters within the Bonferroni bound
    (assert_within); the same runs reject (beyond that bound) the theory from m0 10% lower,
    so the comparison resolves a 10% change of the start."""
    exp = single_index(k, m0, lr, tau / lr, D=1000, n_times=20)
    theory, sim, _ = compare(exp, seeds=8, progress=False, size_test=False)
    assert sim["n_seeds"].min() == 8
    zerr, worst = assert_within(theory, sim)
    esc = sgd_escape(sim)
    print("k = %d: error max z %.2f, order parameters %s; SGD tau_esc %.3f +- %.3f, theory %.3f"
          % (k, zerr, worst, esc["mean"] * lr, esc["sem"] * lr, theory_escape(exp) * lr))
    assert esc["escaped"] == 8
    lower = single_index(k, 0.9 * m0, lr, tau / lr, D=1000, n_times=20)
    wrong = lower.theory_curve(sim.t, progress=False)
    z = np.abs(sim["R"] - wrong["R"])[1:] / sim["R_sem"][1:]
    assert z.max() > 10.0, z.max()


@pytest.mark.slow
def test_index_escape_figure_quick(tmp_path, capsys):
    assert main(["figure", "index-escape", "--quick", "--json", "--out", str(tmp_path)]) == 0
    n = json.loads(capsys.readouterr().out)
    for path in n["files"]:
        assert (tmp_path / path.split("/")[-1]).exists()
    k = n["k"]
    # k = 2 as eta -> 0: the log law; at the SGD's eta the O(eta^2) term makes it slower
    m0 = np.array(k["2"]["theory_m0"])
    assert np.allclose(k["2"]["theory_tau_esc_limit"], k2_law(m0), rtol=1e-3)
    assert np.all(np.array(k["2"]["theory_tau_esc_at_lr"])
                  > np.array(k["2"]["theory_tau_esc_limit"]))
    # k = 3: neither theory nor SGD escapes from m0 = 0.1
    assert k["3"]["panel_a_tau_esc_theory"] is None and k["3"]["panel_a_sgd"]["escaped"] == 0
    # k = 4: the steepest, and at the SGD's eta no escape from the smallest m0
    assert k["4"]["theory_slope_small_m0"] < -1.9
    assert k["4"]["theory_tau_esc_at_lr"][-1] is None
    # SGD follows the theory before the escape (4 SE, 4 seeds: a loose check)
    for kk in ("2", "3", "4"):
        assert k[kk]["panel_a_max_z_before_escape"] < 5.0, kk
    # below 1/sqrt(D) SGD escapes earlier than the D -> infinity theory (k = 2, m0 = 0.003)
    low = [p for p in k["2"]["sgd"] if p["m0"] < 1 / np.sqrt(k["2"]["D"])][0]
    assert low["tau_esc_mean"] + 3 * low["tau_esc_sem"] < low["theory_tau_esc_at_lr"]
