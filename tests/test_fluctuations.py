"""The shared finite-size engine (odedyn/fluctuations.py) on a chain whose every coefficient is
known: m' = m + (-a m - c m^2)/D + f1/D^2 + (b/D) xi. 4 x 10^5 chains at D = 100 against the
predicted bias at several times (within 4 standard errors): this holds the H[S]/2 term, f1 and
the discreteness of time (-J f / 2, which alone shifts the bias by ~1.6 per unit time here;
without it the test fails) and the exact S-contracted jets (odedyn/jets.py). The std is exact
to O(1/D) relative: its measured deviation at D = 100 (~0.5%, 4 standard errors) must shrink
as 1/D, i.e. be a quarter of it at D = 400 (within the standard errors)."""
import math

import numpy as np

from odedyn import fluctuations as shared
from odedyn.jets import Jet, primitive


class Chain:
    n, D = 1, 100
    a, c, b, f1c, m0 = 1.0, 0.8, 0.7, 0.3, 1.0

    def initial(self):
        return np.array([self.m0])

    def drift(self, m):
        return -self.a * m - self.c * m * m

    def coefficients(self, m, S, noise=True):
        x = Jet.variables(m, S)[0]
        f = x * (-self.a) - x * x * self.c
        return (np.array([f.v]), f.g[None, :], np.array([f.h]), np.array([self.f1c]),
                np.array([[self.b ** 2]]) if noise else None)

    def observables(self, m, S):
        x = Jet.variables(m, S)[0]
        sq = primitive(float(x.v) ** 2, np.array([2 * float(x.v)]), np.array([[2.0]]), [x])
        return {"error": (sq.v, sq.g, sq.h), "m": (x.v, x.g, x.h)}


def simulate(chain, times, n, seed=0):
    rng = np.random.default_rng(seed)
    x = np.full(n, chain.m0)
    steps = np.round(np.asarray(times) * chain.D).astype(int)
    out = [x.copy()]
    for k in range(1, steps[-1] + 1):
        x = x + (-chain.a * x - chain.c * x * x) / chain.D + chain.f1c / chain.D ** 2 \
            + chain.b / chain.D * rng.standard_normal(n)
        if k in steps:
            out.append(x.copy())
    return np.array(out)


def relative_std_deviation(chain, times, n):
    fl = shared.fluctuations(chain, times)
    x = simulate(chain, times, n)
    sd = x.std(1, ddof=1)[1:]
    return sd / fl["order_parameters_std"]["m"][1:] - 1.0, 1.0 / math.sqrt(2 * (n - 1)), fl, x


def test_engine_against_a_known_chain():
    chain = Chain()
    times = np.array([0.0, 0.5, 1.0, 2.0, 4.0])
    n = 400_000
    rel100, se, fl, x = relative_std_deviation(chain, times, n)
    m = fl["meta"]["m"][:, 0]
    for name, values in (("m", x), ("error", x ** 2)):
        theory = m if name == "m" else m ** 2
        bias = fl["order_parameters_bias"]["m"] if name == "m" else fl["error_bias"]
        se_mean = values.std(1, ddof=1) / math.sqrt(n)
        assert np.all(np.abs(values.mean(1) - theory - bias)[1:] < 4 * se_mean[1:])
    # the discreteness term is resolved: without it the bias would be off by many SE
    J, f = -chain.a - 2 * chain.c * m, -chain.a * m - chain.c * m * m
    assert np.abs(np.trapezoid(-0.5 * J * f, times) / chain.D) > 20 * se_mean[-1]
    assert fl["valid"].all()
    chain.D = 400
    rel400, _, _, _ = relative_std_deviation(chain, times, n)
    assert np.all(np.abs(rel400 - rel100 / 4) < 4 * se * math.sqrt(1 + 1 / 16)), (rel100, rel400)


def test_dispatch_by_family():
    import tomllib
    import pytest
    from odedyn.committee import configure
    from odedyn.config import experiment_from_dict
    from odedyn.errors import ConfigError
    out = shared.of(configure(training={"t_max": 2.0}, output={"n_times": 3}))
    assert set(out) >= {"error_std", "error_bias", "order_parameters_std",
                        "order_parameters_bias", "valid"}
    assert out["order_parameters_std"]["Q"].shape == (4, 2, 2)
    import os
    examples = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "examples")
    with open(os.path.join(examples, "sign_gaussian.toml"), "rb") as fh:
        exp = experiment_from_dict(tomllib.load(fh), examples)
    with pytest.raises(ConfigError, match="model.kind"):
        shared.of(exp)


def test_generated_passes_are_not_stale():
    import fluctuation_passes
    assert fluctuation_passes.main(["--check"]) == 0, (
        "odedyn/_generated/fluctuation_passes.py is stale: run "
        "python derivations/fluctuation_passes.py")


def test_compiled_passes_against_scipy():
    """The compiled S pass on a quintic spline of known coefficients against scipy's DOP853 on
    the same spline: J(t) = -(1 + t/2) I + t A, B(t) = (1 + t^2) P (P positive)."""
    from scipy.integrate import solve_ivp
    from scipy.interpolate import make_interp_spline
    n = 3
    rng = np.random.default_rng(4)
    A, P = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    P = P @ P.T
    nodes = np.linspace(0.0, 2.0, 9)
    cols = np.array([np.concatenate([(-(1 + t / 2) * np.eye(n) + t * A).ravel(),
                                     ((1 + t * t) * P).ravel()]) for t in nodes])
    x, c = shared._ppoly(nodes, cols)
    spl = make_interp_spline(nodes, cols, k=shared.SPLINE_DEGREE)
    times = np.array([0.0, 0.5, 1.3, 2.0])
    S = shared._linear_pass(x, c, n, 0, np.zeros(n * n), times, 1e-10, 1e-13, "test")

    def rhs(t, y):
        v = spl(t)
        J, B, Y = v[:n * n].reshape(n, n), v[n * n:].reshape(n, n), y.reshape(n, n)
        return (J @ Y + Y @ J.T + B).ravel()

    ref = solve_ivp(rhs, (0, 2), np.zeros(n * n), method="DOP853", t_eval=times, rtol=1e-11,
                    atol=1e-14).y.T
    np.testing.assert_allclose(S, ref, rtol=1e-8, atol=1e-12)
    assert np.abs(S[-1]).max() > 0.1
