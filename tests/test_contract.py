"""The contract every model family keeps, checked over every discovered kind (odedyn.families):
it declares itself; its theory and its simulation at the tiny CONFIG return exactly the declared
curves, with matching shapes and finite values; its metadata record is complete; its --json has
the keys every kind has; its initial network round-trips through --out and [init] weights;
``derive`` and ``with_D`` keep relative paths. A family that breaks it fails here with a
message that says what is missing."""
import json
import os
import tomllib

import numpy as np
import pytest

from odedyn import families
from odedyn.cli import main
from odedyn.config import experiment_from_dict
from odedyn.errors import ConfigError
from odedyn.experiment import THEORY_RECORD, Experiment
from odedyn.integrate import FixedStep, GradientDescent, RungeKutta, Scipy
from tiny_configs import KINDS, TINY

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tiny(kind):
    return experiment_from_dict(tomllib.loads(TINY[kind]))


def declared(exp):
    return (exp.error_name,) + tuple(exp.order_parameter_names) + tuple(exp.observable_names)


@pytest.mark.parametrize("kind", KINDS)
def test_the_family_declares_itself(kind):
    cls = families.family(kind)
    assert issubclass(cls, Experiment) and cls.kind == kind
    assert isinstance(cls.tiny_config, str), "%s declares no tiny_config" % kind
    assert tomllib.loads(cls.tiny_config)["model"]["kind"] == kind
    assert (cls.size_key is None) == (cls.size_help is None), "size_key needs its size_help"
    assert cls.weight_arrays, "%s declares no weight_arrays" % kind
    assert isinstance(cls.default_solver, (RungeKutta, Scipy, FixedStep, GradientDescent))
    exp = tiny(kind)
    names = declared(exp)
    assert len(set(names)) == len(names), "a curve is declared twice: %s" % (names,)
    for name, attr in cls.weight_arrays.items():
        assert hasattr(exp, attr), "weight_arrays names %s.%s, which it lacks" % (kind, attr)


@pytest.mark.parametrize("kind", KINDS)
def test_theory_and_simulation_return_the_declared_curves(kind):
    exp = tiny(kind)
    theory = exp.integrate(progress=False)
    sim = exp.simulate(seeds=2, progress=False)
    for name in declared(exp):
        assert name in theory.curves, "%s: the theory does not return %s" % (kind, name)
        assert name in sim.curves, "%s: the simulation does not return %s" % (kind, name)
        th, mean = np.asarray(theory[name]), np.asarray(sim[name])
        assert th.shape[0] == len(theory.t) and mean.shape[0] == len(sim.t)
        assert th.shape[1:] == mean.shape[1:], "%s: %s has shape %s in the theory, %s in the " \
            "simulation" % (kind, name, th.shape[1:], mean.shape[1:])
        assert np.all(np.isfinite(th)), "%s: the theory's %s is not finite" % (kind, name)
        assert np.all(np.isfinite(mean)), "%s: the simulation's %s is not finite" % (kind, name)
        assert name + "_sem" in sim.curves
    for name in exp.headline_names:
        assert name in theory.curves, "%s: headline curve %s is missing" % (kind, name)


@pytest.mark.parametrize("kind", KINDS)
def test_the_metadata_record_is_complete(kind):
    meta = tiny(kind).integrate(progress=False).meta
    missing = [k for k in THEORY_RECORD if k not in meta]
    assert not missing, "%s leaves %s out of its record" % (kind, missing)
    assert isinstance(meta["method"], str)
    assert isinstance(meta["rhs_evaluations"], int) and meta["rhs_evaluations"] > 0
    assert meta["integrate_s"] > 0
    assert meta["numerical_error"] is None or meta["numerical_error"] >= 0
    json.dumps(meta["diagnostics"])  # JSON values only


def run_json(args, capsys):
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_the_same_keys_in_every_kind(tmp_path, capsys):
    keys = {}
    for kind in KINDS:
        path = tmp_path / ("%s.toml" % kind)
        path.write_text(TINY[kind])
        out = run_json(["integrate", str(path), "--json"], capsys)
        exp = tiny(kind)
        assert set(out["order_parameters"]) == set(exp.order_parameter_names), kind
        assert set(out["observables"]) == set(exp.observable_names), kind
        assert out["error"] == out[exp.error_name] and "error" in out
        keys[kind] = set(out) - {exp.error_name, "error"} - set(exp.headline_names)
    first = keys[KINDS[0]]
    for kind, k in keys.items():
        assert k == first, "%s's --json differs: %s" % (kind, sorted(k ^ first))


@pytest.mark.parametrize("kind", KINDS)
def test_a_saved_run_restarts_from_its_network(kind, tmp_path, capsys):
    """integrate --out run.npz, then [init] weights = "run.npz" (or "run.npz:initial") gives the
    same curve; a random start beside the file is refused naming the key; "run.npz:final"
    starts where it ended; no saved curve is hidden by an array of the network."""
    cfg = tomllib.loads(TINY[kind])
    path = tmp_path / "a.toml"
    path.write_text(TINY[kind])
    first = run_json(["integrate", str(path), "--json", "--out", str(tmp_path / "run.npz")],
                     capsys)
    exp = tiny(kind)
    with np.load(tmp_path / "run.npz") as saved:
        for name in exp.integrate(progress=False).curves:
            np.testing.assert_allclose(saved[name], first[name] if name in first
                                       else saved[name], rtol=1e-12, err_msg=name)
            assert saved[name].shape[0] == len(first["t"]), name
    for spec in ("run.npz", "run.npz:initial"):     # the file as written restarts where it began
        cfg["init"] = {"weights": spec}
        again = experiment_from_dict(cfg, str(tmp_path))
        for name, a in exp.initial_network().items():
            assert np.array_equal(again.initial_network()[name], a), (spec, name)
        curve = again.integrate(progress=False)
        np.testing.assert_allclose(curve[exp.error_name], first["error"], rtol=1e-12,
                                   atol=1e-14, err_msg=spec)
    cfg["init"] = {"weights": "run.npz:initial", "seed": 1}
    with pytest.raises(ConfigError, match="init.seed"):
        experiment_from_dict(cfg, str(tmp_path))
    with np.load(tmp_path / "run.npz") as saved:
        finals = {k[len("final_"):] for k in saved.files if k.startswith("final_")}
        if set(exp.weight_arrays) <= finals:
            cfg["init"] = {"weights": "run.npz:final"}
            end = experiment_from_dict(cfg, str(tmp_path))
            for name in exp.weight_arrays:
                assert np.array_equal(end.initial_network()[name], saved["final_" + name])


@pytest.mark.parametrize("kind", KINDS)
def test_derive_and_with_D_keep_relative_paths(kind, tmp_path, monkeypatch):
    exp = tiny(kind)
    folder = tmp_path / "runs"
    folder.mkdir()
    np.savez(folder / "net.npz", **exp.initial_network())
    cfg = tomllib.loads(TINY[kind])
    cfg["init"] = {"weights": "net.npz"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    loaded = experiment_from_dict(cfg, str(folder))
    t_max = float(loaded.times[-1])
    again = loaded.derive({"output.n_times": 2})
    assert again.base_dir == str(folder)
    for name, a in exp.initial_network().items():
        assert np.array_equal(again.initial_network()[name], a)
    assert float(again.times[-1]) == t_max
    if exp.size_key is not None:
        with pytest.raises(ConfigError, match="--D.*random start"):
            loaded.with_D(exp.D + 2)
        random = experiment_from_dict(tomllib.loads(TINY[kind]), str(folder))
        bigger = random.with_D(exp.D + 2)
        assert bigger.D == exp.D + 2 and bigger.base_dir == str(folder)


@pytest.mark.parametrize("kind", KINDS)
def test_simulate_json_shape(kind, tmp_path, capsys):
    exp = tiny(kind)
    path = tmp_path / "a.toml"
    path.write_text(TINY[kind])
    sim = run_json(["simulate", str(path), "--seeds", "2", "--json", "--no-progress"], capsys)
    assert sim["error_sem"] == sim[exp.error_name + "_sem"]
    assert sim["n_seeds"] == [2] * len(sim["t"])
    assert set(sim["observables_sem"]) == set(sim["observables"])
    assert set(sim["order_parameters"]) == set(exp.order_parameter_names)
    meta = sim["simulation"]
    assert meta["time_step"] > 0 and isinstance(meta["times_snapped"], bool)
    # a time grid snapped to the step size says so
    t = np.array(sim["t"])
    assert meta["times_snapped"] == (len(t) != len(exp.times) or not np.array_equal(t, exp.times))
    assert np.allclose(t / meta["time_step"], np.round(t / meta["time_step"]))
