"""``--fluctuations`` of ``odedyn integrate`` and ``odedyn compare`` (README, "Command line"):
the predicted finite-size band (odedyn.fluctuations) in the JSON (``fluctuations``), in the
--out arrays (``fluctuations_*``), in the comparison's summary (``summary["band"]``, one line
per observable) and figure (the shaded band of single runs); NaN (null) where the expansion is
not valid; a family without an expansion refused in one line, exit 2, nothing written; and the
seeds' spread against the predicted one at D = 500 (16 seeds)."""
import json
import math
import os

import numpy as np
import pytest

from odedyn.cli import main
from odedyn.config import experiment
from odedyn import fluctuations as fl
from tiny_configs import TINY

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ERF = os.path.join(ROOT, "examples", "committee_erf.toml")


def write(tmp_path, text, name="c.toml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def committee_500(tmp_path, t_max=None):
    text = open(ERF).read().replace("D = 1000", "D = 500")
    if t_max is not None:
        text = text.replace("t_max = 200.0", "t_max = %s" % t_max)
    return write(tmp_path, text, "committee500.toml")


def masked(x, valid):
    x = np.array(x, dtype=float)
    x[~valid] = np.nan
    return x


def assert_band_is_the_engines(get, raw, names):
    """``get(key)`` (JSON or npz) holds of(exp): equal where valid, NaN (None) elsewhere."""
    valid = np.asarray(raw["valid"], bool)
    assert np.array_equal(np.asarray(get("valid"), bool), valid)
    for key in ("error_std", "error_bias"):
        np.testing.assert_array_equal(np.asarray(get(key), float), masked(raw[key], valid))
    for name in names:
        for what in ("std", "bias"):
            np.testing.assert_array_equal(
                np.asarray(get(name, what), float),
                masked(raw["order_parameters_" + what][name], valid), err_msg=name)


@pytest.mark.parametrize("kind", ["committee", "autoencoder"])
def test_integrate_fluctuations_json_and_npz_are_the_engines_band(tmp_path, capsys, kind):
    cfg = write(tmp_path, TINY[kind])
    out = tmp_path / "run.npz"
    assert main(["integrate", cfg, "--fluctuations", "--json", "--out", str(out)]) == 0
    js = json.loads(capsys.readouterr().out)
    band = js["fluctuations"]
    exp = experiment(cfg)
    raw = fl.of(exp)                          # the engine itself, not a re-implementation
    names = sorted(raw["order_parameters_std"])
    assert set(band) == {"error_std", "error_bias", "order_parameters_std",
                         "order_parameters_bias", "valid", "fluctuations_s", "D"}
    assert sorted(band["order_parameters_std"]) == names == sorted(band["order_parameters_bias"])
    assert band["D"] == exp.D and band["fluctuations_s"] > 0
    assert js["timing"]["fluctuations_s"] == band["fluctuations_s"]
    assert len(band["valid"]) == len(js["t"]) == len(band["error_std"])
    for name in names:
        assert np.shape(band["order_parameters_std"][name]) == np.shape(
            js["order_parameters"][name])

    def from_json(key, what=None):
        if what is None:
            return band[key]
        x = band["order_parameters_" + what][key]
        return np.array(x, dtype=float)              # null -> nan
    assert_band_is_the_engines(from_json, raw, names)
    with np.load(out) as f:
        files = set(f.files)
        expected = {"fluctuations_error_std", "fluctuations_error_bias", "fluctuations_valid"}
        expected |= {"fluctuations_%s_%s" % (n, w) for n in names for w in ("std", "bias")}
        assert expected <= files
        assert_band_is_the_engines(
            lambda key, what=None: f["fluctuations_" + (key if what is None
                                                        else "%s_%s" % (key, what))], raw, names)
        np.testing.assert_array_equal(f["t"], js["t"])
    side = json.loads((tmp_path / "run.json").read_text())
    assert side["timing"]["fluctuations_s"] > 0
    # without the flag nothing of it
    assert main(["integrate", cfg, "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert "fluctuations" not in plain and set(plain["timing"]) == {"integrate_s", "startup_s",
                                                                     "startup"}


def test_integrate_fluctuations_nan_where_not_valid(tmp_path, capsys):
    """Past the plateau escape (committee erf, D = 500: valid to t ~ 35 of 200) no prediction:
    JSON null and npz NaN exactly where ``valid`` is False, a number wherever it is True."""
    cfg = committee_500(tmp_path)
    out = tmp_path / "run.npz"
    assert main(["integrate", cfg, "--fluctuations", "--json", "--out", str(out)]) == 0
    band = json.loads(capsys.readouterr().out)["fluctuations"]
    valid = np.array(band["valid"])
    assert valid[0] and not valid[-1] and valid.sum() > 10
    assert np.all(np.diff(valid.astype(int)) <= 0)                # never valid again
    assert [x is None for x in band["error_std"]] == list(~valid)
    with np.load(out) as f:
        assert np.array_equal(np.isnan(f["fluctuations_error_bias"]), ~valid)
        assert np.array_equal(np.isnan(f["fluctuations_R_std"]).all(axis=(1, 2)), ~valid)
    assert main(["integrate", cfg, "--fluctuations"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("finite-size band at D = 500") and "not valid from t =" in line


@pytest.mark.parametrize("case", ["oja", "committee-relu", "autoencoder-relu"])
@pytest.mark.parametrize("command", ["integrate", "compare"])
def test_no_expansion_exit_2_one_line_nothing_written(tmp_path, capsys, case, command):
    kind, _, act = case.partition("-")
    text = TINY[kind]
    if act:
        text = text.replace('activation = "erf"', 'activation = "relu"')
    cfg = write(tmp_path, text)
    out = tmp_path / "out"
    os.mkdir(out)
    args = ([command, cfg, "--fluctuations", "--json", "--out",
             str(out / "run.npz") if command == "integrate" else str(out)]
            + (["--seeds", "2", "--no-progress"] if command == "compare" else []))
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = [line for line in captured.err.strip().splitlines()   # a first run compiles
             if not line.startswith("odedyn: compiling kernels")]
    assert len(lines) == 1 and lines[0].startswith("odedyn: error: "), captured.err
    key = "model.kind" if not act else "model.activation"
    assert key in lines[0] and ("finite-size expansion" in lines[0]), lines[0]
    assert os.listdir(out) == []


def test_compare_fluctuations_summary_lines_and_figure(tmp_path, capsys):
    from odedyn.compare import compare
    from odedyn.plotting import BAND_GID, BAND_LABEL, comparison_figure
    cfg = write(tmp_path, TINY["committee"])
    assert main(["compare", cfg, "--fluctuations", "--seeds", "4", "--json",
                 "--no-progress"]) == 0
    js = json.loads(capsys.readouterr().out)
    band = js["summary"]["band"]
    assert {"error", "Q", "R", "v"} <= set(band)             # T is fixed: no spread, left out
    for name, v in band.items():
        assert {"max_z_band", "z_limit", "spread_ratio", "spread_limits", "valid_times",
                "valid_until", "within_chance"} <= set(v)
        assert v["valid_times"] >= 1 and v["max_z_band"] >= 0
    # the error's number is the one the curves give: |mean - theory - bias| / se,
    # se^2 = (std^2 / n + sem^2) / 2 over the valid times after the first
    sim, fj = js["simulation"], js["fluctuations"]
    th, mean, sem = (np.array(a, float)[1:] for a in (js["error"], sim["error"],
                                                      sim["error_sem"]))
    std, bias = (np.array(fj[k], float)[1:] for k in ("error_std", "error_bias"))
    ok = np.array(fj["valid"])[1:] & (sem > 0) & (std > 0)
    n = np.array(sim["n_seeds"], float)[1:]
    z = np.abs(mean - th - bias) / np.sqrt(0.5 * (std ** 2 / n + sem ** 2))
    assert band["error"]["max_z_band"] == pytest.approx(z[ok].max(), rel=1e-9)
    sd_ratio = sem * np.sqrt(n) / std
    assert band["error"]["spread_ratio"] == pytest.approx([sd_ratio[ok].min(),
                                                           sd_ratio[ok].max()], rel=1e-9)
    # the human summary: the existing table, then one band line per observable
    assert main(["compare", cfg, "--fluctuations", "--seeds", "4", "--no-progress"]) == 0
    text = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(text) if line.startswith("against the predicted band"))
    assert any(line.startswith("verdict:") for line in text[:at])
    rows = [line.split()[0] for line in text[at + 2:at + 2 + len(band)]]
    assert rows == list(band)
    # without the flag: no band anywhere
    assert main(["compare", cfg, "--seeds", "4", "--json", "--no-progress"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert "band" not in plain["summary"] and "fluctuations" not in plain
    # the figure: the predicted band of single runs as a labelled shade
    exp = experiment(cfg)
    theory, simulation, _ = compare(exp, seeds=4, progress=False, fluctuations=True)
    fig = comparison_figure(theory, simulation, exp, "tiny")
    shades = [c for ax in fig.axes for c in ax.collections if c.get_gid() == BAND_GID]
    assert len(shades) == 1 + 3 + 4            # the error, Q[k <= l], R[k, m]
    labels = [t.get_text() for ax in fig.axes if ax.get_legend()
              for t in ax.get_legend().get_texts()]
    assert any(label.startswith(BAND_LABEL) for label in labels)
    theory_plain, simulation_plain, _ = compare(exp, seeds=4, progress=False)
    fig = comparison_figure(theory_plain, simulation_plain, exp, "tiny")
    assert not [c for ax in fig.axes for c in ax.collections if c.get_gid() == BAND_GID]


def test_compare_fluctuations_writes_the_band_arrays(tmp_path, capsys):
    cfg = write(tmp_path, TINY["autoencoder"])
    assert main(["compare", cfg, "--fluctuations", "--seeds", "2", "--no-progress",
                 "--out", str(tmp_path / "res")]) == 0
    capsys.readouterr()
    with np.load(tmp_path / "res" / "c-compare.npz") as f:
        assert {"fluctuations_error_std", "fluctuations_valid", "fluctuations_T0_std",
                "fluctuations_b_bias"} <= set(f.files)
        assert len(f["fluctuations_valid"]) == len(f["theory_t"])
    side = json.loads((tmp_path / "res" / "c-compare.json").read_text())
    assert "band" in side["summary"] and side["timing"]["fluctuations_s"] > 0


def test_seed_spread_is_the_predicted_std_at_D_500(tmp_path, capsys):
    """compare --fluctuations, committee erf K = M = 2, D = 500, 16 seeds (~8 s): at every valid
    time after the first the seeds' sd / predicted std of the error and of every trained order
    parameter within chance (chi^2, 5% family-wise), the largest deviation of the error within
    3.5 sampling errors of a std (relative SE 1 / sqrt(2 (n - 1)) = 0.18), and their median
    within one; the mean within chance of theory + bias."""
    seeds = 16
    cfg = committee_500(tmp_path)
    assert main(["compare", cfg, "--fluctuations", "--seeds", str(seeds), "--json",
                 "--no-progress"]) == 0
    js = json.loads(capsys.readouterr().out)
    band = js["summary"]["band"]
    assert {"error", "Q", "R", "v"} <= set(band)
    for name, v in band.items():
        lo, hi = v["spread_limits"]
        assert lo <= v["spread_ratio"][0] and v["spread_ratio"][1] <= hi, (name, v)
        assert v["max_z_band"] <= v["z_limit"], (name, v)
        assert v["valid_times"] > 20 and 20 < v["valid_until"] < 100
    se = 1 / math.sqrt(2 * (seeds - 1))
    sim, fj = js["simulation"], js["fluctuations"]
    sem, std = np.array(sim["error_sem"], float)[1:], np.array(fj["error_std"], float)[1:]
    ok = np.array(fj["valid"])[1:]
    dev = np.abs(sem[ok] * math.sqrt(seeds) / std[ok] - 1)
    assert dev.max() <= 3.5 * se and np.median(dev) <= se, (dev.max() / se, np.median(dev) / se)
