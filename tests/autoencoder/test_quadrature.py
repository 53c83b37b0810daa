"""The autoencoder's averages by the shared quadrature engine (odedyn.averages: every activation
of the registry other than linear, erf, relu, and erf-quadrature).

Every single, diagonal and pair average of every such activation against 10^6-sample Monte
Carlo within 4 standard errors, at random, nearly degenerate (|corr| = 0.999) and tiny-variance
covariances with nonzero means; the quadrature run on erf (``erf-quadrature``) reproduces the
closed forms to 1e-10 and the closed-form theory curve within 1e-8 (also with trained biases,
K = 3) and within its own reported error; an exactly degenerate pair is finite and the limit of
nearly degenerate ones; the error estimate reaches the result and the CLI's --json (integrate,
compare); theory against SGD from the same weights for tanh and gelu with trained biases
(slow).
"""
import json
import math

import numpy as np
import pytest
from numba import njit

import odedyn
from odedyn import averages
from odedyn._generated import gaussian_averages as gen
from odedyn.cli import main
from odedyn.compare import compare

N = 1_000_000
NEW = [name for name in averages.ACTIVATIONS if averages.by_quadrature(name)]
CASES = [  # (c11, corr, c22)
    (1.0, 0.3, 0.5), (0.4, -0.8, 1.7), (1.3, 0.999, 0.9), (0.8, -0.999, 1.1), (0.01, 0.5, 1.2),
]


@njit(cache=True)
def _apply(t, der, x):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = averages.act_der(t, der, x[i])
    return out


def check(samples, value, what):
    est = samples.mean()
    se = samples.std(ddof=1) / math.sqrt(len(samples))
    tol = 4 * se if se > 0 else 1e-12
    assert abs(est - value) <= tol + 1e-12, "%s: MC %.6g +- %.2g vs %.6g (%.1f se)" % (
        what, est, se, value, abs(est - value) / max(se, 1e-300))


@pytest.mark.parametrize("case", range(len(CASES)))
def test_every_average_against_monte_carlo(case):
    c11, corr, c22 = CASES[case]
    c12 = corr * math.sqrt(c11 * c22)
    rng = np.random.default_rng(300 + case)
    b1, b2 = rng.uniform(-1, 1, 2)
    C = np.array([[c11, c12], [c12, c22]])
    z = rng.standard_normal((N, 2)) @ np.linalg.cholesky(C).T + [b1, b2]
    u, v = np.ascontiguousarray(z[:, 0]), np.ascontiguousarray(z[:, 1])
    for name in NEW:
        t = averages.code(name)
        fu = [_apply(t, d, u) for d in range(4)]
        fv = [_apply(t, d, v) for d in range(3)]
        single = averages.field_single(t, b1, c11, 0)
        diag = averages.field_diag(t, b1, c11, 0)
        pair = averages.field_pair(t, b1, b2, c11, c12, c22, 0)
        tag = "%s case %d" % (name, case)
        for a in range(4):
            check(fu[a], single[a], tag + " E g^(%d)" % a)
        for value, s, what in zip(diag, (fu[0] * fu[0], fu[1] * fu[1], fu[2] * fu[0],
                                         fu[1] * fu[0]), ("g^2", "g'^2", "g''g", "g'g")):
            check(s, value, tag + " diag E " + what)
        products = (fu[0] * fv[0], fu[1] * fv[1], fu[2] * fv[0], fu[0] * fv[2], fu[1] * fv[0],
                    fu[0] * fv[1])
        for i, (value, s) in enumerate(zip(pair, products)):
            check(s, value, tag + " pair %d" % i)


def closed(b1, b2, c11, c12, c22):
    return (gen.erf_single(b1, c11), gen.erf_diag(b1, c11), gen.erf_pair(b1, b2, c11, c12, c22))


@pytest.mark.parametrize("case", range(len(CASES)))
def test_erf_by_quadrature_reproduces_the_closed_forms(case):
    """The value rule within 1e-10 of the closed forms on the first field and the pair (the
    estimate's rule within 1e-8); on both fields the estimate |level 0 - level 1| bounds the true error of level 0 and is below
    1e-8 (measured <= 5e-9: the one-dimensional check rule, 40 nodes, on erf'^2 at c = 1.7)."""
    c11, corr, c22 = CASES[case]
    c12 = corr * math.sqrt(c11 * c22)
    t = averages.ERF_QUADRATURE
    for b1, b2 in ((0.0, 0.0), (0.7, -0.4)):
        exact = closed(b1, b2, c11, c12, c22)
        for level in (0, 1):
            quad = (averages.field_single(t, b1, c11, level), averages.field_diag(t, b1, c11, level),
                    averages.field_pair(t, b1, b2, c11, c12, c22, level))
            for e, q in zip(exact, quad):  # level 1 measured <= 3e-9 (corr 0.999)
                np.testing.assert_allclose(q, e, rtol=0, atol=1e-10 if level == 0 else 1e-8)
        Q = np.array([[c11, c12], [c12, c22]])
        est = averages.fields_error(t, Q, np.array([b1, b2]))
        true = max(np.max(np.abs(np.subtract(averages.field_single(t, b, c, 0), gen.erf_single(b, c))))
                   for b, c in ((b1, c11), (b2, c22)))
        true = max([true] + [np.max(np.abs(np.subtract(averages.field_diag(t, b, c, 0),
                                                       gen.erf_diag(b, c))))
                             for b, c in ((b1, c11), (b2, c22))])
        assert true <= est + 1e-13 and est < 1e-8, (true, est)


@pytest.mark.parametrize("name", ["tanh", "gelu", "hermite-3"])
def test_exactly_degenerate_pair_is_the_limit(name):
    """|corr| = 1 exactly: the second whitened dimension is dropped (no division by zero),
    and the value is the limit of nearly degenerate covariances."""
    t = averages.code(name)
    c11, c22 = 0.8, 1.3
    for sign in (1, -1):
        c12 = sign * math.sqrt(c11 * c22)
        at = np.array(averages.field_pair(t, 0.3, -0.2, c11, c12, c22, 0))
        assert np.all(np.isfinite(at))
        near = np.array(averages.field_pair(t, 0.3, -0.2, c11, c12 * (1 - 1e-11), c22, 0))
        # the two use different rules (1-d at FIELD_NODES[1], 2-d at FIELD_NODES[2] nodes):
        # they agree within the error estimate at the nearly degenerate covariance, plus the
        # change of the averages with 1 - corr = 1e-11 (O(1e-11): 1e-10 allowed)
        Q = np.array([[c11, c12 * (1 - 1e-11)], [c12 * (1 - 1e-11), c22]])
        est = averages.fields_error(t, Q, np.array([0.3, -0.2]))
        assert np.max(np.abs(at - near)) <= est + 1e-10, (at - near, est)
    # zero variance of a field: its values at the mean
    zero = averages.field_pair(t, 0.3, -0.2, 0.0, 0.0, c22, 0)
    single = averages.field_single(t, -0.2, c22, 0)
    assert zero[0] == pytest.approx(averages.act(t, 0.3) * single[0], abs=1e-12)


BASE = {
    "model": {"kind": "autoencoder", "activation": "erf", "K": 2},
    "data": {"D": 1000, "spectrum": "spiked", "spikes": [0.7, 0.25], "bulk": 0.03},
    "training": {"lr": 1.0, "t_max": 40.0},
    "init": {"std": 0.3, "seed": 0},
    "output": {"n_times": 40},
}


def experiment(model=None, **sections):
    cfg = {k: dict(v) for k, v in BASE.items()}
    cfg["model"].update(model or {})
    for k, v in sections.items():
        cfg[k] = dict(cfg.get(k, {}), **v)
    return odedyn.config.experiment_from_dict(cfg)


@pytest.mark.parametrize("extra", [{}, {"K": 3, "train_bias": True}, {"tied": True}])
def test_erf_quadrature_theory_curve_equals_the_closed_form(extra):
    curves = {}
    for act in ("erf", "erf-quadrature"):
        tr = experiment(dict(extra, activation=act)).integrate(progress=False)
        curves[act] = tr
    exact, quad = curves["erf"], curves["erf-quadrature"]
    assert exact.meta["numerical_error"] is None
    err = quad.meta["numerical_error"]
    assert 0 <= err < 1e-8
    np.testing.assert_array_equal(exact.t, quad.t)
    for name in ("error", "Q", "b"):
        diff = np.max(np.abs(exact[name] - quad[name]))
        assert diff < 1e-8, (name, diff)
    assert exact["error"][-1] < 0.5 * exact["error"][0]   # it learned


def test_tanh_reports_its_error_in_the_cli_json(tmp_path, capsys):
    path = tmp_path / "tanh.toml"
    path.write_text('[model]\nkind = "autoencoder"\nactivation = "tanh"\nK = 2\n'
                    '[data]\nD = 200\nspectrum = "spiked"\nspikes = [0.7, 0.25]\nbulk = 0.03\n'
                    '[training]\nlr = 1.0\nt_max = 5.0\n[init]\nstd = 0.3\nseed = 0\n'
                    '[output]\nn_times = 6\n')
    assert main(["integrate", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    record = json.loads(out)
    found = [v for k, v in _walk(record) if k == "numerical_error"]
    assert found and all(0 < v < 1e-4 for v in found), found


def _walk(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k, v
            yield from _walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v)


@pytest.mark.slow
@pytest.mark.parametrize("model", [{"activation": "tanh"},
                                   {"activation": "gelu", "train_bias": True}],
                         ids=["tanh", "gelu-bias"])
def test_theory_against_sgd(model):
    """The criterion of tests/autoencoder/test_simulation.py: D = 1000, 8 seeds from the same
    initial weights as the theory, every output time after the first within 4 standard
    errors (gelu with a trained bias: the fields have nonzero means)."""
    exp = experiment(model)
    theory, sim, summary = compare(exp, seeds=8, progress=False)
    assert summary["deviation"]["error"]["max_z"] < 4.0, summary
    assert theory["error"][-1] < 0.9 * theory["error"][0]
    assert 0 < theory.meta["numerical_error"] < 1e-5
    if model.get("train_bias"):
        assert np.max(np.abs(theory["b"])) > 1e-3     # the biases moved: means are exercised


def test_compare_reports_the_theory_error(tmp_path, capsys):
    """compare's --json and sidecar carry the theory's numerical_error (quadrature: a number;
    closed form: null)."""
    for act, expect_number in (("tanh", True), ("erf", False)):
        path = tmp_path / ("%s.toml" % act)
        path.write_text('[model]\nkind = "autoencoder"\nactivation = "%s"\nK = 2\n'
                        '[data]\nD = 100\nspectrum = "spiked"\nspikes = [0.7, 0.25]\n'
                        'bulk = 0.03\n[training]\nlr = 1.0\nt_max = 2.0\n'
                        '[init]\nstd = 0.3\nseed = 0\n[output]\nn_times = 4\n' % act)
        out = tmp_path / act
        assert main(["compare", str(path), "--seeds", "2", "--no-progress", "--json",
                     "--out", str(out)]) == 0
        record = json.loads(capsys.readouterr().out)
        with open(out / ("%s-compare.json" % act)) as fh:
            sidecar = json.load(fh)
        for value in (record["numerical_error"], sidecar["numerical_error"]):
            assert (value is not None and 0 < value < 1e-4) if expect_number else value is None
