"""Committee-machine averages by Gauss-Hermite quadrature (activations after relu in
odedyn/_generated/committee_averages.py): every average of every such activation against 10^6-
sample Monte Carlo within 5 standard errors at three covariances (one strongly correlated);
the quadrature applied to linear and erf reproduces their closed forms (to 1e-10 where at most
two fields are nonlinear, within its own error estimate for the three- and four-field I4);
degenerate covariances give no NaN; tanh's erf-mixture I4 at its K = M = 2 plateau against a
4-d trapezoid reference; a tanh theory against SGD (D = 1000, 8 seeds) within 4 standard
errors; a hermite-2 teacher runs from the CLI; a bad name is a ConfigError listing the
names."""
import os

import numpy as np
import pytest
from numba import njit

from odedyn._generated import committee_averages as ca
from odedyn.cli import main
from odedyn.committee import configure
from odedyn.committee.model import ACTIVATIONS
from odedyn.compare import compare
from odedyn.errors import ConfigError
from test_committee_simulation import assert_within

NEW = [name for name, code in ca.ACTIVATIONS.items() if code > ca.RELU]
SAMPLES = 1_000_000


def covariances():
    """Three valid 4 x 4 covariances of the fields (a, b, c, d): two random, one strongly
    correlated (students 0.95, a student and a teacher 0.99)."""
    rng = np.random.default_rng(20)
    out = []
    for _ in range(2):
        W = rng.standard_normal((4, 7))
        out.append(W @ W.T / 7)
    s = np.array([1.0, 0.8, 1.2, 0.9])
    r = np.array([[1.0, 0.95, 0.99, 0.3], [0.95, 1.0, 0.94, 0.35],
                  [0.99, 0.94, 1.0, 0.2], [0.3, 0.35, 0.2, 1.0]])
    assert np.linalg.eigvalsh(r).min() > 0
    out.append(r * np.outer(s, s))
    return out


COVS = covariances()


@njit(cache=True)
def _apply(t, der, x):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = ca.dact(t, x[i]) if der else ca.act(t, x[i])
    return out


@pytest.fixture(scope="module")
def samples():
    rng = np.random.default_rng(2024)
    return [rng.standard_normal((SAMPLES, 4)) @ np.linalg.cholesky(C).T for C in COVS]


def averages(ts, th, C):
    """(name, quadrature value, Monte Carlo integrand as a function of the samples x)."""
    a4 = (C[0, 0], C[0, 1], C[0, 2], C[0, 3], C[1, 1], C[1, 2], C[1, 3], C[2, 2], C[2, 3],
          C[3, 3])
    a3 = (C[0, 0], C[0, 2], C[0, 3], C[2, 2], C[2, 3], C[3, 3])   # (a, b, c) = (a, c, d)
    h, dg = (lambda x, i: _apply(th, 0, x[:, i])), (lambda x, i: _apply(ts, 1, x[:, i]))
    return [
        ("I2", ca.i2(ts, th, C[0, 0], C[0, 2], C[2, 2]), lambda x: _apply(ts, 0, x[:, 0]) * h(x, 2)),
        ("I2 tt", ca.i2(th, th, C[2, 2], C[2, 3], C[3, 3]), lambda x: h(x, 2) * h(x, 3)),
        ("J2", ca.j2(ts, C[0, 0], C[0, 1], C[1, 1]), lambda x: dg(x, 0) * dg(x, 1)),
        ("I3", ca.i3(ts, th, *a3), lambda x: dg(x, 0) * x[:, 2] * h(x, 3)),
        ("I4", ca.i4(ts, th, th, *a4, False), lambda x: dg(x, 0) * dg(x, 1) * h(x, 2) * h(x, 3)),
        ("I4 k=l", ca.i4(ts, th, th, C[0, 0], C[0, 0], C[0, 2], C[0, 3], C[0, 0], C[0, 2],
                         C[0, 3], C[2, 2], C[2, 3], C[3, 3], True),
         lambda x: dg(x, 0) ** 2 * h(x, 2) * h(x, 3)),
    ]


def mc_z(ts, th, samples):
    worst = (0.0, None)
    for C, x in zip(COVS, samples):
        for name, value, integrand in averages(ts, th, C):
            f = integrand(x)
            se = f.std() / np.sqrt(len(f))
            diff = abs(f.mean() - value)
            z = diff / se if se > 1e-14 else (0.0 if diff < 1e-12 else np.inf)  # g' constant
            assert np.isfinite(value), name
            worst = max(worst, (z, name))
    return worst


@pytest.mark.parametrize("act", NEW)
def test_every_average_against_monte_carlo(act, samples):
    t = ca.ACTIVATIONS[act]
    z, name = mc_z(t, t, samples)
    print("%s: max MC z = %.2f (%s)" % (act, z, name))
    assert z < 5.0, (act, name, z)


@pytest.mark.parametrize("student, teacher", [("tanh", "erf"), ("gelu", "linear"),
                                              ("linear", "silu"), ("relu", "hermite-2")])
def test_mixed_activations_against_monte_carlo(student, teacher, samples):
    z, name = mc_z(ca.ACTIVATIONS[student], ca.ACTIVATIONS[teacher], samples)
    print("%s/%s: max MC z = %.2f (%s)" % (student, teacher, z, name))
    assert z < 5.0, (student, teacher, name, z)


def closed_and_quadrature(C):
    """(name, dimensions, closed form, quadrature at level 0, at level 1) for linear and erf."""
    a4 = (C[0, 0], C[0, 1], C[0, 2], C[0, 3], C[1, 1], C[1, 2], C[1, 3], C[2, 2], C[2, 3],
          C[3, 3])
    same = (C[0, 0], C[0, 0], C[0, 2], C[0, 3], C[0, 0], C[0, 2], C[0, 3], C[2, 2], C[2, 3],
            C[3, 3])
    a3 = (C[0, 0], C[0, 1], C[0, 2], C[1, 1], C[1, 2], C[2, 2])
    out = []
    for ts in (ca.LINEAR, ca.ERF):
        for th in (ca.LINEAR, ca.ERF):
            nl = (ts == ca.ERF) + (th == ca.ERF)
            out.append(("I2 %d%d" % (ts, th), nl, ca._i2(min(ts, th), max(ts, th), C[0, 0],
                        C[0, 2], C[2, 2]) if ts <= th else ca._i2(th, ts, C[2, 2], C[0, 2],
                                                                  C[0, 0]),
                        *(ca.q_i2(ts, th, C[0, 0], C[0, 2], C[2, 2], lv) for lv in (0, 1))))
            out.append(("I3 %d%d" % (ts, th), nl, ca._i3(ts, th, *a3),
                        *(ca.q_i3(ts, th, *a3, lv) for lv in (0, 1))))
            for tc in (ca.LINEAR, ca.ERF):
                n4 = 2 * (ts == ca.ERF) + (th == ca.ERF) + (tc == ca.ERF)
                out.append(("I4 %d%d%d" % (ts, th, tc), n4, ca._i4(ts, th, tc, *a4, False),
                            *(ca.q_i4(ts, th, tc, *a4, lv) for lv in (0, 1))))
                n4 = (ts == ca.ERF) + (th == ca.ERF) + (tc == ca.ERF)
                out.append(("I4 k=l %d%d%d" % (ts, th, tc), n4, ca._i4(ts, th, tc, *same, True),
                            *(ca.q_i4(ts, th, tc, *same, lv) for lv in (0, 1))))
        out.append(("J2 %d" % ts, 2 * (ts == ca.ERF), ca._j2(ts, C[0, 0], C[0, 1], C[1, 1]),
                    *(ca.q_j2(ts, C[0, 0], C[0, 1], C[1, 1], lv) for lv in (0, 1))))
    return out


@pytest.mark.parametrize("i", range(len(COVS)))
def test_quadrature_reproduces_the_closed_forms(i):
    """I2, J2, I3 (at most two nonlinear fields): to 1e-10. I4: within its error estimate
    |level 0 - level 1| (measured: <= 2e-9 with two fields, where erf'^2 sharpens the
    integrand; ~1e-7 with three or four at 24^3 / 20^4 nodes). The estimate bounds the true
    error of every average."""
    worst = {"I2/I3/J2": 0.0, "I4 <= 2 fields": 0.0, "I4 3-4 fields": 0.0}
    for name, nl, exact, q0, q1 in closed_and_quadrature(COVS[i]):
        err, est = abs(q0 - exact), abs(q0 - q1)
        if not name.startswith("I4"):
            assert err < 1e-10, (name, err)
            worst["I2/I3/J2"] = max(worst["I2/I3/J2"], err)
        else:
            key = "I4 <= 2 fields" if nl <= 2 else "I4 3-4 fields"
            worst[key] = max(worst[key], err)
        assert err <= est + 1e-13, (name, err, est)     # the estimate bounds the true error
    print("cov %d: max error vs closed forms %s" % (i, worst))


def test_relu_by_quadrature_is_only_rough():
    """ReLU keeps its closed forms: its kink makes Gauss-Hermite converge slowly (documented:
    a mixed relu/quadrature average is accurate to ~1e-3 only, and its estimate is rough)."""
    C = COVS[0]
    R = ca.RELU
    err = abs(ca.q_i2(R, R, C[0, 0], C[0, 2], C[2, 2], 0) - ca._i2(R, R, C[0, 0], C[0, 2],
                                                                    C[2, 2]))
    assert 1e-8 < err < 1e-2


def test_fill_tables_shares_i3_and_matches_the_single_averages():
    K, M = 2, 2
    C = COVS[0]
    acts = np.array([ca.TANH] * 2 + [ca.SIGMOID] * 2)
    I2, J2, I3, I4 = np.zeros((4, 4)), np.zeros((2, 2)), np.zeros((2, 4, 4)), np.zeros((2, 2, 4, 4))
    ca.fill_tables(K, M, acts, C, I2, J2, I3, I4, True, 0)
    for k in range(K):
        for b in range(4):
            for p in range(4):
                single = ca.i3(acts[0], acts[p], C[k, k], C[k, b], C[k, p], C[b, b], C[b, p],
                               C[p, p])
                assert I3[k, b, p] == pytest.approx(single, abs=1e-14)
    assert I4[0, 1, 2, 3] == ca.i4(ca.TANH, ca.SIGMOID, ca.SIGMOID, C[0, 0], C[0, 1], C[0, 2],
                                   C[0, 3], C[1, 1], C[1, 2], C[1, 3], C[2, 2], C[2, 3], C[3, 3],
                                   False)


@pytest.mark.parametrize("act", ["tanh", "gelu", "hermite-3"])
def test_degenerate_covariances_are_finite_and_continuous(act):
    """A field of variance 0, coincident fields and correlation -1: finite, and the limit of
    nearby non-degenerate covariances."""
    t = ca.ACTIVATIONS[act]
    for r in (1.0, -1.0):
        for eps in (0.0, 1e-10):
            rr = r * (1 - eps)
            C = np.array([[1.0, rr, 0.5, 0.2], [rr, 1.0, 0.5 * r, 0.2 * r],
                          [0.5, 0.5 * r, 1.0, 0.1], [0.2, 0.2 * r, 0.1, 1.0]])
            vals = [ca.i2(t, t, 1.0, rr, 1.0), ca.j2(t, 1.0, rr, 1.0),
                    ca.i3(t, t, 1.0, rr, 0.5, 1.0, 0.5 * r, 1.0),
                    ca.i4(t, t, t, C[0, 0], C[0, 1], C[0, 2], C[0, 3], C[1, 1], C[1, 2],
                          C[1, 3], C[2, 2], C[2, 3], C[3, 3], False)]
            assert np.all(np.isfinite(vals))
            if eps == 0.0:
                exact = vals
            else:
                assert np.allclose(vals, exact, atol=1e-4), (vals, exact)
    zero = [ca.i2(t, t, 0.0, 0.0, 1.0), ca.j2(t, 0.0, 0.0, 0.0),
            ca.i3(t, t, 0.0, 0.0, 0.0, 1.0, 0.3, 1.0),
            ca.i4(t, t, t, 0.0, 0.0, 0.0, 0.0, 1.0, 0.2, 0.1, 1.0, 0.3, 1.0, False)]
    assert np.all(np.isfinite(zero))
    assert zero[0] == pytest.approx(ca.act(t, 0.0) * _mean(t), abs=1e-10)


def _mean(t):
    """E[h(u)], u ~ N(0, 1), by the 1-D quadrature (h(1 x 1) with a constant partner)."""
    x, w = np.polynomial.hermite_e.hermegauss(80)
    return float(np.sum(w * _apply(t, 0, x)) / np.sum(w))


# ---------------------------------------------------------------- theory against SGD
def tanh_experiment(trained, t_max=12.0, D=1000):
    init = {"std": 0.3, "seed": 1, "teacher_seed": 0}
    init.update({"v_std": 0.5} if trained else {"v_init": 1.0})
    return configure(model={"activation": "tanh", "train_second_layer": trained, "K": 2},
                     teacher={"M": 2, "activation": "tanh"}, data={"D": D, "noise": 0.0},
                     training={"lr": 1.0, "t_max": t_max}, init=init, output={"n_times": 20})


@pytest.mark.slow
@pytest.mark.parametrize("trained", [True, False], ids=["both-layers", "fixed-second-layer"])
def test_tanh_theory_against_sgd(trained):
    theory, sim, _ = compare(tanh_experiment(trained), seeds=8, progress=False)
    assert sim["n_seeds"].min() == 8
    zerr, worst = assert_within(theory, sim)
    print("tanh %s: error max z %.2f, order parameters %s, numerical_error %.2g, %d rhs"
          % (trained, zerr, worst, theory.meta["numerical_error"],
             theory.meta["rhs_evaluations"]))
    assert theory["error"][-1] < 0.8 * theory["error"][0]
    assert 0 < theory.meta["numerical_error"] < 1e-5     # tanh: the erf-mixture rules


def test_tanh_i4_at_the_plateau_against_a_4d_trapezoid_reference():
    """The K = M = 2 tanh plateau covariance (t = 10 of the both-layers run): the erf-mixture
    I4 within 1e-7 of a 4-d trapezoidal rule on the whitened fields (step 0.25, |z| <= 8: its
    error is far below that for these entire-in-a-strip integrands), and its estimate bounds
    that error; the same for I2, J2 and I3 against 2-d trapezoid sums."""
    Q = np.array([[0.08825655, -0.04997168], [-0.04997168, 1.08955511]])
    R = np.array([[-0.03636743, -0.03628634], [0.74071864, 0.73914334]])
    T = np.array([[1.04383748, -0.00431416], [-0.00431416, 1.04112949]])
    C = np.empty((4, 4))
    ca.covariance(2, 2, Q, R, T, C)
    t = ca.TANH
    for e in [(0, 1, 2, 3), (1, 1, 2, 3), (0, 1, 1, 2), (0, 0, 2, 3)]:
        c = C[np.ix_(e, e)]
        args = (t, t, t, c[0, 0], c[0, 1], c[0, 2], c[0, 3], c[1, 1], c[1, 2], c[1, 3],
                c[2, 2], c[2, 3], c[3, 3], e[0] == e[1])
        ref = _trapezoid_i4(c + 1e-12 * np.eye(4), 0.25, 8.0)
        v0, v1 = ca.i4_at(*args, 0), ca.i4_at(*args, 1)
        assert abs(v0 - ref) < 1e-7, (e, v0 - ref)
        assert abs(v0 - ref) <= abs(v0 - v1) + 1e-10, (e, v0 - ref, v0 - v1)


@njit(cache=True)
def _trapezoid_i4(C, h, L):
    Lc = np.linalg.cholesky(C)
    n = int(L / h)
    z = np.arange(-n, n + 1) * h
    w = np.exp(-z * z / 2) * h / np.sqrt(2 * np.pi)
    acc = 0.0
    for i0 in range(z.size):
        f0 = w[i0] * ca.dact(ca.TANH, Lc[0, 0] * z[i0])
        for i1 in range(z.size):
            f1 = f0 * w[i1] * ca.dact(ca.TANH, Lc[1, 0] * z[i0] + Lc[1, 1] * z[i1])
            for i2 in range(z.size):
                f2 = f1 * w[i2] * ca.act(ca.TANH, Lc[2, 0] * z[i0] + Lc[2, 1] * z[i1]
                                         + Lc[2, 2] * z[i2])
                for i3 in range(z.size):
                    acc += f2 * w[i3] * ca.act(ca.TANH, Lc[3, 0] * z[i0] + Lc[3, 1] * z[i1]
                                               + Lc[3, 2] * z[i2] + Lc[3, 3] * z[i3])
    return acc


def test_compiled_and_python_paths_agree_and_report_the_estimate():
    exp = tanh_experiment(True, t_max=1.0, D=200)
    compiled = exp.integrate(progress=False)
    scipy = exp.derive(solver={"method": "DOP853"}).integrate(progress=False)
    assert scipy.meta["method"] == "DOP853" and compiled.meta["method"] == "dopri5"
    assert np.allclose(compiled["error"], scipy["error"], rtol=1e-7, atol=1e-10)
    assert compiled.meta["numerical_error"] == pytest.approx(scipy.meta["numerical_error"],
                                                             rel=1e-3)
    assert compiled.meta["numerical_error"] > 0
    erf = exp.derive(model={"activation": "erf"}, teacher={"activation": "erf"})
    assert erf.integrate(progress=False).meta["numerical_error"] is None


def test_hermite2_teacher_config_runs(tmp_path, capsys):
    path = tmp_path / "h2.toml"
    path.write_text('[model]\nkind = "committee"\nK = 2\nactivation = "quadratic"\n'
                    '[teacher]\nM = 1\nactivation = "hermite-2"\n[data]\nD = 100\n'
                    '[training]\nlr = 0.2\nt_max = 2.0\n[init]\nstd = 0.3\nseed = 0\n'
                    '[output]\nn_times = 5\n')
    assert main(["integrate", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"error"' in out
    exp = configure(model={"activation": "quadratic", "K": 2},
                    teacher={"M": 1, "activation": "hermite-2"}, data={"D": 100},
                    training={"lr": 0.2, "t_max": 2.0}, output={"n_times": 5})
    traj = exp.integrate(progress=False)
    assert np.all(np.isfinite(traj["error"]))
    # polynomials: Gauss-Hermite is exact at both node counts
    assert traj.meta["numerical_error"] < 1e-10


def test_bad_activation_lists_the_names(tmp_path, capsys):
    with pytest.raises(ConfigError) as info:
        configure(teacher={"activation": "hermite-7"})
    assert info.value.key == "teacher.activation"
    for name in ACTIVATIONS:
        assert name in str(info.value)
    path = tmp_path / "bad.toml"
    path.write_text('[model]\nkind = "committee"\nK = 1\nactivation = "swish"\n'
                    '[teacher]\nM = 1\n[data]\nD = 10\n[training]\nt_max = 1.0\n'
                    '[init]\nstd = 0.1\n')
    assert main(["integrate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "model.activation" in err and "hermite-6" in err
    assert not os.path.exists(tmp_path / "out.npz")
