"""Theory curves: limits known exactly, grouping, integrators, numerical trouble."""
import numpy as np
import pytest

from odedyn import NumericalError, output_times
from odedyn.autoencoder import Autoencoder, kernels
from odedyn.autoencoder import theory as ae
from odedyn.autoencoder.spectra import Spectrum, spiked
from odedyn.integrate import Dopri5, FixedStep, Scipy, solve

TIGHT = dict(rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("eigenvalues,K,t_max", [
    ([8.0, 5.0, 3.0, 1.0, 0.5, 0.2], 2, 300.0),
    (10.0 * np.arange(1, 11) ** -1.5 * 10, 3, 400.0),  # power law, D = 10
    ([4.0, 4.0, 2.0, 1.0, 1.0, 1.0], 2, 300.0),         # degenerate top pair
    (list(spiked(40, [1.0, 0.6], 2.0).eigenvalues), 2, 2000.0),  # spiked, grouped
])
def test_linear_autoencoder_reaches_pca_error(eigenvalues, K, t_max):
    spectrum = Spectrum(np.asarray(eigenvalues, dtype=float))
    model = Autoencoder(K=K, activation="linear")
    W, V, b = model.random_weights(spectrum.D, 0.3, 2)
    g = spectrum.grouping()
    traj = ae.integrate(model, model.order_parameters(W, V, b, g), g, output_times(t_max, 10), Dopri5(**TIGHT))
    pca = spectrum.pca_error(K)
    assert abs(traj["error"][-1] - pca) / pca < 1e-6
    assert np.all(traj["error"] >= pca * (1 - 1e-9))  # never below the optimum


def full_and_grouped(model, spectrum, times, seed=0):
    W, V, b = model.random_weights(spectrum.D, 0.3, seed)
    out = []
    for merge in (True, False):
        g = spectrum.grouping(merge=merge)
        out.append(ae.integrate(model, model.order_parameters(W, V, b, g), g, times, Dopri5(**TIGHT)))
    return out


@pytest.mark.parametrize("activation,tied", [("erf", False), ("relu", False), ("erf", True)])
def test_grouped_system_equals_full_system(activation, tied):
    spectrum = spiked(500, [0.7, 0.25], 0.03)
    model = Autoencoder(K=2, activation=activation, tied=tied)
    grouped, full = full_and_grouped(model, spectrum, output_times(20.0, 15))
    assert grouped.meta["diagnostics"]["groups"] == 3 and full.meta["diagnostics"]["groups"] == 500
    np.testing.assert_allclose(grouped["error"], full["error"], rtol=0, atol=1e-8)
    for name in ("Q", "R", "T", "T0"):
        np.testing.assert_allclose(grouped[name], full[name], rtol=0, atol=1e-8)


def test_scipy_path_agrees_with_fixed_step_runge_kutta():
    spectrum = spiked(200, [0.7, 0.25], 0.03)
    model = Autoencoder(K=2, activation="erf", train_bias=False, rule="truncated")
    W, V, b = model.random_weights(spectrum.D, 0.3, 4)
    g = spectrum.grouping()
    y0 = model.order_parameters(W, V, b, g)
    times = np.linspace(0, 10, 6)
    adaptive = ae.integrate(model, y0, g, times, Dopri5(**TIGHT))
    rhs, observe = ae.equations(model, g)
    ys = solve(rhs, y0, times, FixedStep(0.005, "rk4")).y
    err = np.array([observe(t, y)["error"] for t, y in zip(times, ys)])
    np.testing.assert_allclose(adaptive["error"], err, rtol=0, atol=1e-9)


def test_relu_with_bias_trains_the_bias():
    spectrum = spiked(300, [0.7, 0.25], 0.03)
    model = Autoencoder(K=2, activation="relu", train_bias=True)
    W, V, b = model.random_weights(spectrum.D, 0.3, 5)
    g = spectrum.grouping()
    traj = ae.integrate(model, model.order_parameters(W, V, b, g), g, output_times(20.0, 10))
    assert np.all(np.isfinite(traj["error"]))
    assert np.abs(traj["b"][-1]).max() > 1e-3
    assert traj["error"][-1] < traj["error"][0]


def test_numerical_trouble_names_time_and_quantity():
    spectrum = spiked(50, [0.5], 0.1)
    model = Autoencoder(K=2, activation="relu")
    W, V, b = model.random_weights(spectrum.D, 0.3, 0)
    W[1] = 0.0  # a ReLU unit without input: its field has zero variance
    g = spectrum.grouping()
    with pytest.raises(NumericalError, match=r"t = 0.*variance Q\[1,1\]"):
        ae.integrate(model, model.order_parameters(W, V, b, g), g, [0.0, 1.0])
    y0 = model.order_parameters(*model.random_weights(spectrum.D, 0.3, 0), g)
    y0[3] = np.nan
    with pytest.raises(NumericalError, match="non-finite"):
        ae.integrate(model, y0, g, [0.0, 1.0])


def test_invalid_covariance_is_reported():
    Q = np.array([[1.0, 2.0], [2.0, 1.0]])  # correlation 2: not a covariance
    status = np.zeros(3, dtype=np.int64)
    value = np.zeros(1)
    e, G, P, S, F = np.empty((2, 4)), *(np.empty((2, 2)) for _ in range(4))
    kernels.gaussian_averages(kernels.ERF, True, Q, np.zeros(2), e, G, P, S, F, status, value)
    assert status[0] == kernels.BAD_CORRELATION and value[0] == pytest.approx(2.0)


def test_output_times_are_log_spaced_with_extras():
    t = output_times(40.0, 5, extra=[3.0, 50.0])
    assert t[0] == 0.0 and t[-1] == 40.0 and 3.0 in t and 50.0 not in t
    logs = np.diff(np.log(t[(t > 0) & (t != 3.0)]))
    np.testing.assert_allclose(logs, logs[0])


def test_compiled_dopri5_agrees_with_scipy_reference():
    spectrum = spiked(300, [0.7, 0.25], 0.03)
    for kw in ({"activation": "erf"}, {"activation": "relu", "train_bias": True},
               {"activation": "erf", "tied": True}):
        model = Autoencoder(K=2, **kw)
        W, V, b = model.random_weights(spectrum.D, 0.3, 1)
        g = spectrum.grouping()
        y0 = model.order_parameters(W, V, b, g)
        times = output_times(30.0, 20)
        fast = ae.integrate(model, y0, g, times, Dopri5(1e-10, 1e-12))
        ref = ae.integrate(model, y0, g, times, Scipy("DOP853", **TIGHT))
        np.testing.assert_allclose(fast["error"], ref["error"], rtol=0, atol=1e-8)
        np.testing.assert_allclose(fast["Q"], ref["Q"], rtol=0, atol=1e-8)
