"""Committee-machine CONFIGs: the documented keys build the experiment, bad values are a
ConfigError naming the key (the CLI exits 2 and writes nothing), explicit weights give the same
theory as the random start they were saved from, and --json carries t, error and
order_parameters {Q, R, T, v}."""
import json
import os

import numpy as np
import pytest

import odedyn
from odedyn.cli import main
from odedyn.committee import configure
from odedyn.errors import ConfigError

BASE = {
    "model": {"kind": "committee", "K": 2, "activation": "erf", "train_second_layer": True},
    "teacher": {"M": 3, "activation": "relu", "second_layer": [1.0, 0.5, 2.0]},
    "data": {"D": 200, "noise": 0.1},
    "training": {"lr": 0.5, "t_max": 5.0, "lr_second_layer": 0.2, "weight_decay": 0.01},
    "init": {"std": 0.2, "seed": 3, "teacher_seed": 4, "v_std": 0.3},
    "output": {"n_times": 5},
}


def write_toml(path, cfg):
    lines = []
    for section, table in cfg.items():
        lines.append("[%s]" % section)
        for k, v in table.items():
            lines.append("%s = %s" % (k, json.dumps(v)))
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def build(**changes):
    cfg = {k: dict(v) for k, v in BASE.items()}
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        if value is None:
            cfg[section].pop(key, None)
        else:
            cfg[section][key] = value
    return odedyn.config.experiment_from_dict(cfg)


def test_documented_keys_build_the_experiment():
    exp = build()
    m = exp.model
    assert (m.K, m.M, m.activation, m.teacher_activation) == (2, 3, "erf", "relu")
    assert (m.lr, m.lr_second_layer, m.weight_decay, m.noise) == (0.5, 0.2, 0.01, 0.1)
    assert exp.W0.shape == (2, 200) and exp.W_teacher.shape == (3, 200)
    np.testing.assert_array_equal(exp.A, [1.0, 0.5, 2.0])
    assert np.std(exp.W0) == pytest.approx(0.2, rel=0.1)
    assert exp.with_D(400).W0.shape == (2, 400)
    assert build(**{"init__v_std": None}).v0.tolist() == [1.0, 1.0]         # v_init default
    assert build(**{"init__v_std": None, "init__v_init": [0.5, -1.0]}).v0.tolist() == [0.5, -1.0]
    assert build(**{"teacher__second_layer": None}).A.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("change, key", [
    ({"model__activation": "tanhh"}, "model.activation"),
    ({"teacher__activation": 3}, "teacher.activation"),
    ({"teacher__second_layer": [1.0]}, "teacher.second_layer"),
    ({"model__K": 0}, "model.K"),
    ({"model__train_second_layer": "yes"}, "model.train_second_layer"),
    ({"data__noise": -1.0}, "data.noise"),
    ({"training__lr": 0.0}, "training.lr"),
    ({"training__schedule": "cosine"}, "training.schedule"),
    ({"training__schedule": "power", "training__tau": -1.0, "training__beta": 1.0}, "training.tau"),
    ({"training__schedule": "step", "training__times": [1.0, 2.0], "training__factors": [0.5]},
     "training.factors"),
    ({"training__schedule": "step", "training__times": [2.0, 1.0],
      "training__factors": [0.5, 0.1]}, "training.times"),
    ({"training__tau": 1.0}, "training.tau"),             # only with schedule = "power"
    ({"init__v_init": 1.0}, "init.v_init"),               # beside v_std
    ({"init__v_std": None, "init__v_init": [1.0]}, "init.v_init"),
    ({"data__bulk": 0.1}, "data.bulk"),
])
def test_bad_values_name_the_key(change, key):
    with pytest.raises(ConfigError) as info:
        build(**change)
    assert info.value.key == key


def test_cli_exit_2_and_nothing_written(tmp_path, capsys):
    cfg = {k: dict(v) for k, v in BASE.items()}
    cfg["model"]["activation"] = "tanhh"
    path = write_toml(tmp_path / "bad.toml", cfg)
    out = tmp_path / "out.npz"
    assert main(["integrate", path, "--out", str(out)]) == 2
    assert "model.activation" in capsys.readouterr().err
    assert not os.path.exists(out)


def test_weights_file_gives_the_same_theory_and_json(tmp_path, capsys):
    exp = build()
    np.savez(tmp_path / "init.npz", W=exp.W0, v=exp.v0, W_teacher=exp.W_teacher, A=exp.A)
    cfg = {k: dict(v) for k, v in BASE.items()}
    cfg["init"] = {"weights": "init.npz"}
    del cfg["teacher"]["second_layer"]
    path = write_toml(tmp_path / "c.toml", cfg)
    main(["integrate", path, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert set(data["order_parameters"]) == {"Q", "R", "T", "v"}
    theory = exp.integrate()
    np.testing.assert_allclose(data["t"], theory.t)
    np.testing.assert_allclose(data["error"], theory["error"], rtol=1e-10)
    np.testing.assert_allclose(np.array(data["order_parameters"]["R"]), theory["R"], rtol=1e-10)
    # wrong shapes in the file
    np.savez(tmp_path / "bad.npz", W=exp.W0, v=exp.v0[:1], W_teacher=exp.W_teacher)
    cfg["init"] = {"weights": "bad.npz"}
    with pytest.raises(ConfigError) as info:
        odedyn.config.experiment_from_dict(cfg, str(tmp_path))
    assert info.value.key == "init.weights"


def test_configure_defaults_and_derive():
    exp = configure(model={"K": 3}, teacher={"M": 2})
    assert exp.model.K == 3 and exp.D == 1000
    assert exp.derive({"training.lr": 0.3}).model.lr == 0.3


def test_compare_runs_theory_and_sgd_from_the_same_weights(tmp_path, capsys):
    path = write_toml(tmp_path / "c.toml", BASE)
    assert main(["compare", path, "--seeds", "2", "--json", "--out", str(tmp_path / "out")]) == 0
    data = json.loads(capsys.readouterr().out)
    text = json.dumps(data)
    for key in ("Q", "R", "T", "v", "error"):
        assert '"%s"' % key in text
    assert any(name.endswith(".png") for name in os.listdir(tmp_path / "out"))


def test_blow_up_is_a_numerical_error_saying_when():
    from odedyn.errors import NumericalError
    exp = configure(model={"K": 1, "activation": "linear", "train_second_layer": False},
                    teacher={"M": 1, "activation": "linear"},
                    data={"D": 100}, training={"lr": 50.0, "t_max": 5.0}, init={"std": 0.5})
    with pytest.raises(NumericalError) as info:
        exp.simulate(seeds=2, progress=False)
    assert "SGD blew up" in str(info.value) and 0 < info.value.t <= 5.0
    with pytest.raises(NumericalError) as info:
        exp.integrate()
    assert 0 <= info.value.t <= 5.0
