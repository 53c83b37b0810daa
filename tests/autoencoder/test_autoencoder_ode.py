"""The generated right-hand side (odedyn/_generated/autoencoder_ode.py, written from the
derivation in index form) against the same sympy derivation unrolled for K = 3
(derivations/autoencoder_ode.py), and the whole ODE against gradient flow in weight space for
the linear network."""
import itertools

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

import autoencoder_ode
from odedyn.autoencoder import Autoencoder, kernels
from odedyn.autoencoder import theory as ae
from odedyn.autoencoder.spectra import Spectrum
from odedyn.integrate import Dopri5

K = 3


def kernel_inputs(model, W, V, b, spectrum):
    grouping = spectrum.grouping(merge=False)
    y = model.order_parameters(W, V, b, grouping)
    rhs, observe = ae.equations(model, grouping)
    dy = rhs(0.0, y)
    error = observe(0.0, y)["error"]
    m, off = model.layout(grouping)
    _, wq, wt, _ = model.column_weights(grouping)
    Q, R, T, T0 = (np.empty((K, K)) for _ in range(4))
    kernels.global_order_parameters(y, wq, wt, K, model.tied, Q, R, T, T0)
    e = np.empty((K, 4))
    G, P, S, F = (np.empty((K, K)) for _ in range(4))
    status = np.zeros(3, dtype=np.int64)
    centred = not model.train_bias and not np.any(b)
    kernels.gaussian_averages(kernels.ACTIVATIONS[model.activation], centred, Q, b, e, G, P, S,
                              F, status, np.zeros(1))
    assert status[0] == 0
    return grouping, dy, error, off, dict(e=e, G=G, P=P, S=S, F=F, R=R, T0=T0)


@pytest.mark.parametrize("activation,rule,tied,bias", [
    (a, r, t, bb) for a, r, t, bb in itertools.product(["erf", "relu", "linear"],
                                                        ["vanilla", "truncated"],
                                                        [False, True], [False, True])
    if not (bb and a == "linear" and t)])
def test_kernel_matches_sympy_derivation(activation, rule, tied, bias):
    rng = np.random.default_rng(3)
    D = 7
    spectrum = Spectrum(rng.uniform(0.5, 9.0, D))
    model = Autoencoder(K=K, activation=activation, tied=tied, train_bias=bias, rule=rule,
                        lr_encoder=0.7, lr_decoder=0.7 if tied else 1.3)
    W = rng.standard_normal((K, D)) * 0.6
    V = np.sqrt(D) * W if tied else rng.standard_normal((K, D)) * 0.8
    b = rng.uniform(-0.5, 0.5, K) if bias else np.zeros(K)
    grouping, dy, error, off, avg = kernel_inputs(model, W, V, b, spectrum)

    dw, du, db, sym = autoencoder_ode.derive(K, rule, tied, bias)
    A = sym["avg"]
    values = {sym["eta_W"]: model.lr_encoder, sym["eta_V"]: model.lr_decoder}
    for i in range(K):
        for a in range(4):
            values[A.e[i][a]] = avg["e"][i, a]
        for j in range(K):
            for name in ("G", "P", "S", "F", "R", "T0"):
                values[getattr(A, name)[i, j]] = avg[name][i, j]
    u = V / np.sqrt(D)
    for tau in range(D):
        point = dict(values)
        point[sym["p"]] = grouping.p[tau]
        for k in range(K):
            point[sym["w"][k]] = W[k, tau]
            if not tied:
                point[sym["u"][k]] = u[k, tau]
        expected = [float(e.subs(point)) for e in dw] + ([] if tied else [float(e.subs(point)) for e in du])
        got = dy[off[tau]:off[tau + 1]]
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    expected_b = [float(sp.sympify(e).subs(values)) for e in db]
    np.testing.assert_allclose(dy[off[-1]:], expected_b, rtol=1e-10, atol=1e-12)
    values[sym["total"]] = model.column_weights(grouping)[3]
    assert error == pytest.approx(float(sym["error"].subs(values)), rel=1e-10, abs=1e-12)


def test_script_prints_the_drift(capsys):
    """The derivation's command line prints the unrolled drift and the index form."""
    assert autoencoder_ode.main(["--K", "2", "--tied"]) == 0
    dw = autoencoder_ode.derive(2, tied=True)[0]
    assert capsys.readouterr().out.splitlines() == ["dw_%d/dt = %s" % (k, dw[k]) for k in range(2)]
    assert autoencoder_ode.main(["--indexed"]) == 0
    out = capsys.readouterr().out
    assert "sum_m (-eta_W*M[k, m]*S[k, m]*T0[k, m]) * w_k" in out and "* u_k" in out


def test_linear_ode_is_gradient_flow_in_weight_space():
    """For g = identity the drift is the population gradient flow of the weights at any D:
    integrate that flow directly and map the weights to order parameters."""
    rho = np.array([8.0, 5.0, 3.0, 1.0, 0.5, 0.2])
    D, Kl = len(rho), 2
    spectrum = Spectrum(rho)
    model = Autoencoder(K=Kl, activation="linear", lr_encoder=0.8, lr_decoder=1.2)
    W, V, b = model.random_weights(D, 0.3, 1)
    grouping = spectrum.grouping(merge=False)
    Om = np.diag(rho)

    def flow(t, y):
        W, V = y[:Kl * D].reshape(Kl, D), y[Kl * D:].reshape(Kl, D)
        T0, Q = V @ V.T / D, W @ Om @ W.T / D
        dW = 0.8 * (Om @ V.T / D - Om @ W.T @ T0 / np.sqrt(D)).T / np.sqrt(D)
        dV = 1.2 * (Om @ W.T / np.sqrt(D) - V.T @ Q).T
        return np.concatenate([dW.ravel(), dV.ravel()])

    times = np.array([0.0, 1.0, 5.0, 20.0, 200.0])
    sol = solve_ivp(flow, (0, 200), np.concatenate([W.ravel(), V.ravel()]), t_eval=times,
                    rtol=1e-11, atol=1e-13)
    theory = ae.integrate(model, model.order_parameters(W, V, b, grouping), grouping, times,
                          Dopri5(rtol=1e-11, atol=1e-13))
    for i in range(len(times)):
        Wt, Vt = sol.y[:Kl * D, i].reshape(Kl, D), sol.y[Kl * D:, i].reshape(Kl, D)
        q, r, t, _ = model.group_moments(model.order_parameters(Wt, Vt, b, grouping), grouping)
        np.testing.assert_allclose(theory["q_groups"][i], q, atol=1e-8)
        np.testing.assert_allclose(theory["r_groups"][i], r, atol=1e-8)
        np.testing.assert_allclose(theory["t_groups"][i], t, atol=1e-8)
        M = Vt.T @ Wt / np.sqrt(D)
        err = np.trace((np.eye(D) - M) @ Om @ (np.eye(D) - M).T) / (2 * D)
        assert theory["error"][i] == pytest.approx(err, rel=1e-8)
