"""The command-line contract stated in the README (Command line)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from odedyn.cli import main

BASE = """
[model]
kind = "autoencoder"
activation = "erf"
K = 2

[data]
D = 200
spectrum = "spiked"
spikes = [0.7, 0.25]
bulk = 0.03

[training]
lr = 1.0
t_max = 5.0

[init]
std = 0.3
seed = 0
"""


def write(tmp_path, text, name="c.toml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_integrate_json_contract(tmp_path, capsys):
    assert main(["integrate", write(tmp_path, BASE), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"t", "error", "order_parameters", "timing"}
    assert set(out["order_parameters"]) >= {"Q", "R", "T", "T0", "b"}
    assert set(out["timing"]) == {"integrate_s", "startup_s", "startup"}
    assert len(out["t"]) == len(out["error"]) and out["t"][0] == 0.0 and out["t"][-1] == 5.0
    assert np.array(out["order_parameters"]["Q"]).shape == (len(out["t"]), 2, 2)


def test_integrate_out_writes_arrays_and_provenance(tmp_path, capsys):
    out = tmp_path / "res" / "run.npz"
    assert main(["integrate", write(tmp_path, BASE), "--out", str(out)]) == 0
    with np.load(out) as f:
        assert {"t", "error", "Q", "R", "T0", "initial_W", "initial_V"} <= set(f.files)
    side = json.loads((tmp_path / "res" / "run.json").read_text())
    assert side["config"]["model"]["K"] == 2
    assert side["versions"]["numpy"] and len(side["code_hash"]) == 64
    assert not [p for p in os.listdir(tmp_path / "res") if p.startswith(".tmp")]


def test_explicit_weights_and_relative_paths(tmp_path, capsys):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "init.npz", W=rng.standard_normal((2, 200)) * 0.3,
             V=rng.standard_normal((2, 200)) * 0.3)
    cfg = BASE.replace("std = 0.3\nseed = 0", 'weights = "init.npz"')
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "init.npz").write_bytes((tmp_path / "init.npz").read_bytes())
    assert main(["integrate", write(sub, cfg), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["error"][-1] > 0


@pytest.mark.parametrize("edit,key", [
    (("K = 2", "K = 2\nwidth = 3"), "model.width"),
    (("lr = 1.0", "lr = -1.0"), "training.lr"),
    (("K = 2", "K = 0"), "model.K"),
    (("std = 0.3\nseed = 0", 'weights = "missing.npz"'), "init.weights"),
    (('spectrum = "spiked"\nspikes = [0.7, 0.25]\nbulk = 0.03',
      'spectrum = "eigenvalues"\neigenvalues = [1.0, inf]'), "data.eigenvalues"),
    (("std = 0.3\nseed = 0", 'weights = "bad.npz"'), "init.weights = 'bad.npz': W must"),
    (('activation = "erf"', 'activation = "tanhh"'), "model.activation"),
    (("D = 200", "D = 200\n[extra]\nx = 1"), "extra"),
    (("t_max = 5.0", "t_max = 0.0"), "training.t_max"),
    (("spikes = [0.7, 0.25]", "spikes = [0.7, nan]"), "data.spikes"),
])
def test_bad_config_exit_2_names_key_writes_nothing(tmp_path, capsys, edit, key):
    np.savez(tmp_path / "bad.npz", W=np.zeros((3, 200)), V=np.zeros((3, 200)))
    cfg = write(tmp_path, BASE.replace(*edit))
    out = tmp_path / "out.npz"
    assert main(["integrate", cfg, "--json", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert "\n" not in err and key in err
    assert not out.exists() and not (tmp_path / "out.json").exists()


def test_console_script_exit_status(tmp_path):
    cfg = write(tmp_path, BASE.replace("K = 2", "K = 0"))
    proc = subprocess.run([sys.executable, "-m", "odedyn", "integrate", cfg], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "model.K" in proc.stderr


def test_missing_config_file(capsys):
    assert main(["integrate", "/nonexistent/c.toml"]) == 2
    assert "CONFIG" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["simulate", "compare"])
def test_simulate_and_compare_json_contract(tmp_path, capsys, command):
    cfg = write(tmp_path, BASE.replace("D = 200", "D = 100").replace("t_max = 5.0", "t_max = 1.0"))
    assert main([command, cfg, "--seeds", "2", "--json", "--no-progress"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"t", "error", "order_parameters", "timing"} <= set(out)
    assert {"integrate_s", "startup_s"} <= set(out["timing"])
    sim = out if command == "simulate" else out["simulation"]
    assert len(sim["error_sem"]) == len(sim["t"]) and "Q" in sim["order_parameters_sem"]
    if command == "compare":   # the summary's number is the one the curves give
        th, mean, sem = (np.array(a)[1:] for a in (out["error"], sim["error"], sim["error_sem"]))
        ok = sem > 0
        z = np.abs(th - mean)[ok] / sem[ok]
        assert out["summary"]["deviation"]["error"]["max_z"] == pytest.approx(z.max(), rel=1e-9)


def test_compare_writes_figure_arrays_and_summary(tmp_path, capsys):
    cfg = write(tmp_path, BASE.replace("D = 200", "D = 100").replace("t_max = 5.0", "t_max = 1.0"))
    assert main(["compare", cfg, "--seeds", "2", "--out", str(tmp_path / "res"), "--no-progress"]) == 0
    names = set(os.listdir(tmp_path / "res"))
    assert {"c-compare.png", "c-compare.pdf", "c-compare.npz", "c-compare.json"} <= names
    side = json.loads((tmp_path / "res" / "c-compare.json").read_text())
    assert "max_z" in side["summary"] and side["config"]["data"]["D"] == 100


def test_bad_seeds_option(capsys, tmp_path):
    assert main(["simulate", write(tmp_path, BASE), "--seeds", "1"]) == 2
    assert "--seeds" in capsys.readouterr().err
