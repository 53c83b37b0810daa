"""The worked example of a minimal family (examples/oja_family.py, kind "oja"; issue 22 item 5):
its one-step averages against Monte Carlo, its theory against online SGD by finite-size scaling
within standard errors, its fixed point, its command line, and that it stays small and outside
the shared code. (The contract over every kind runs it too: tests/tiny_configs.py.)"""
import glob
import json
import os
import re
import subprocess
import sys
import tomllib

import numpy as np
import pytest
from scipy import stats

import odedyn_examples.oja_family as oja
from odedyn.config import experiment_from_dict
from tiny_configs import KINDS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "oja_family.py")


def experiment(**changes):
    cfg = tomllib.loads(oja.TINY)
    for section, values in changes.items():
        cfg[section] = dict(cfg.get(section, {}), **values)
    return experiment_from_dict(cfg)


# ---------------------------------------------------------------- the averages behind the ODE
def exact_drift(theta, lr, v):
    """D E[one step] of (m, Q) at finite D (module docstring: the exact averages)."""
    D, P = len(v), len(theta)
    omega = np.ones(D)
    omega[:P] += theta
    m, Q = v[:P], v @ v
    S = v @ (omega * v)
    dQ = 2 * lr * S * (1 - Q) + lr ** 2 / D * (
        S * omega.sum() + 2 * np.sum((omega * v) ** 2) + 3 * S ** 2 * (Q - 2))
    return np.append(lr * m * (1 + theta - S), dQ)


def test_one_step_averages_against_monte_carlo():
    """1e6 samples of one step of Oja's rule at D = 20: D times the mean increment of (m, Q)
    is the exact finite-D drift within 4 SE; that drift minus the D -> infinity right-hand
    side is the O(1/D) term of |dv|^2 alone (and the samples resolve it)."""
    D, lr, theta = 20, 0.7, np.array([1.5, -0.4])
    rng = np.random.default_rng(5)
    v = 0.25 * rng.standard_normal(D)
    v[:2] = [0.6, -0.3]
    scale = np.ones(D)
    scale[:2] = np.sqrt(1 + theta)
    draws = []
    for _ in range(10):
        x = rng.standard_normal((100_000, D)) * scale
        lam = x @ v
        dv = lr / D * lam[:, None] * (x - lam[:, None] * v)
        draws.append(D * np.column_stack([dv[:, :2], 2 * dv @ v + np.sum(dv ** 2, axis=1)]))
    draws = np.concatenate(draws)
    mean, se = draws.mean(axis=0), draws.std(axis=0, ddof=1) / np.sqrt(len(draws))
    exact = exact_drift(theta, lr, v)
    assert np.all(np.abs(mean - exact) < 4 * se), (mean, exact, se)
    exp = experiment(data={"D": D, "spikes": list(theta)}, training={"lr": lr, "t_max": 1.0})
    limit = exp.rhs(0.0, np.append(v[:2], v @ v))
    np.testing.assert_allclose(exact[:2], limit[:2], rtol=1e-12)
    S = v @ v + theta @ v[:2] ** 2
    ito = lr ** 2 * S   # what |dv|^2 adds to dQ/dt as D -> infinity
    correction = exact[2] - (2 * lr * S * (1 - v @ v) + ito)
    np.testing.assert_allclose(limit[2] - ito, 2 * lr * S * (1 - v @ v), rtol=1e-12)
    assert abs(mean[2] - limit[2]) > 4 * se[2] and abs(correction) > 8 * se[2]


def test_the_theory_reaches_its_fixed_point():
    """Q* = 1 + eta/2, m_top^2 = 1 - eta / (2 theta_top), the weaker spike forgotten."""
    exp = experiment(training={"lr": 0.5, "t_max": 80.0})
    end = exp.integrate(progress=False)
    assert end["Q"][-1] == pytest.approx(1.25, abs=1e-7)
    assert end["m"][-1, 0] ** 2 == pytest.approx(1 - 0.5 / 4.0, abs=1e-7)
    assert abs(end["m"][-1, 1]) < 1e-7
    assert end["sin2_angle"][-1] == pytest.approx(1 - 0.875 / 1.25, abs=1e-7)


# ---------------------------------------------------------------- theory against SGD
SEEDS, D1 = 16, 200
FSS = {"training": {"lr": 0.5, "t_max": 4.0}, "output": {"n_times": 5, "t_first": 0.25}}


def deviations(runs):
    """z-scores of the D -> infinity limit of (SGD mean - theory), extrapolated linearly in 1/D
    from sizes D1 and 2 D1 (each against the theory of its own initial network), at every
    output time t > 0 and every component of every curve."""
    (th1, s1), (th2, s2) = runs
    z = []
    for name in ("sin2_angle", "m", "Q"):
        x = 2 * (s2[name] - th2[name]) - (s1[name] - th1[name])
        se = np.sqrt(4 * s2[name + "_sem"] ** 2 + s1[name + "_sem"] ** 2)
        z.append((x[1:] / se[1:]).ravel())
    return np.concatenate(z)


def without_ito(exp):
    """The right-hand side with the eta^2 S of |dv|^2 dropped (a plausible wrong derivation)."""
    def rhs(t, y):
        S = y[-1] + exp.theta @ y[:-1] ** 2
        return type(exp).rhs(exp, t, y) - np.append(np.zeros(len(y) - 1), exp.lr ** 2 * S)
    return rhs


def test_theory_against_sgd_within_standard_errors():
    """SGD's mean differs from the D -> infinity theory by O(1/D) (at the fixed point Q's noise
    vanishes to leading order, so its standard error is O(1/D) too and a single size cannot
    tell the bias from a defect): extrapolated from D = 200 and 400, 16 seeds each, every value
    agrees within the two-sided Student-t quantile at family-wise level 0.01 (Bonferroni over
    the 20 comparisons), and the same comparison rejects a theory without the Ito term."""
    exps = [experiment(data={"D": D, "spikes": [2.0, 0.5]}, **FSS) for D in (D1, 2 * D1)]
    sims = [e.simulate(seeds=SEEDS, progress=False) for e in exps]
    z = deviations([(e.integrate(progress=False), s) for e, s in zip(exps, sims)])
    limit = stats.t.isf(0.01 / (2 * len(z)), SEEDS - 1)
    assert np.all(np.isfinite(z)) and len(z) == 20
    assert np.max(np.abs(z)) < limit, (np.round(z, 2), limit)
    for e in exps:
        e.rhs = without_ito(e)
    wrong = deviations([(e.integrate(progress=False), s) for e, s in zip(exps, sims)])
    assert np.max(np.abs(wrong)) > 10 * limit


# ---------------------------------------------------------------- loading and staying outside
def test_the_command_line_loads_the_family(tmp_path):
    """python -m odedyn_examples.oja_family is odedyn's CLI with the kind registered; plain
    odedyn does not know the kind (nothing shared names it) and says so, exit 2, unless
    ODEDYN_FAMILIES names the module."""
    cfg = os.path.join(ROOT, "examples", "oja.toml")
    run = subprocess.run([sys.executable, "-m", "odedyn_examples.oja_family", "compare", cfg,
                          "--D", "60", "--seeds", "2", "--json", "--no-progress"],
                         capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert set(out["order_parameters"]) == {"m", "Q"} and np.all(np.isfinite(out["error"]))
    assert out["simulation"]["meta"]["D"] == 60 and out["summary"]["seeds"] == 2
    env = {k: v for k, v in os.environ.items() if k != "ODEDYN_FAMILIES"}
    plain = subprocess.run([sys.executable, "-m", "odedyn", "integrate", cfg],
                           capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert plain.returncode == 2 and "model.kind = 'oja': unknown" in plain.stderr, plain.stderr
    # the plug-in variable makes plain odedyn know it; a module it cannot import is exit 2
    env["ODEDYN_FAMILIES"] = "odedyn_examples.oja_family"
    plugged = subprocess.run([sys.executable, "-m", "odedyn", "integrate", cfg, "--json"],
                             capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert plugged.returncode == 0, plugged.stderr
    np.testing.assert_allclose(json.loads(plugged.stdout)["t"][-1], 12.0)
    env["ODEDYN_FAMILIES"] = "no_such_module"
    bad = subprocess.run([sys.executable, "-m", "odedyn", "integrate", cfg],
                         capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert bad.returncode == 2 and "ODEDYN_FAMILIES = 'no_such_module'" in bad.stderr


def test_the_example_is_small_and_outside_the_shared_code():
    with open(EXAMPLE) as fh:
        assert len(fh.read().splitlines()) < 200
    assert "oja" in KINDS   # the contract test runs it
    shared = glob.glob(os.path.join(ROOT, "odedyn", "**", "*.py"), recursive=True) + [
        os.path.join(ROOT, name) for name in ("setup.py", "setup.cfg", "pyproject.toml")]
    for path in shared:
        with open(path) as fh:
            assert not re.search(r"\boja", fh.read(), re.IGNORECASE), path
    with open(EXAMPLE) as fh:
        imported = re.findall(r"^from (odedyn\S*) import|^import (odedyn\S*)", fh.read(), re.M)
    families = {p for p in os.listdir(os.path.join(ROOT, "odedyn"))
                if os.path.isdir(os.path.join(ROOT, "odedyn", p, "")) and p != "__pycache__"}
    for module in {a or b for a, b in imported} - {"odedyn_examples.oja_family"}:
        assert module.split(".")[1] not in families, "the example imports %s" % module
