"""Committee-machine analysis (odedyn.committee.analysis): the symmetric plateau is a fixed point
of the ODE with one unstable direction, the escape time its linearisation predicts from a
start's asymmetry agrees with the plateau's end on the theory curve within 10%, and the
asymptotic error with output noise scales as eta sigma^2 at small eta."""
import numpy as np
import pytest

from odedyn.committee import Committee
from odedyn.committee.theory import equations, integrate
from odedyn.committee.analysis import (asymptotic_error, plateau_exit, symmetric_plateau,
                                       symmetric_state)


def plateau_of(K, lr=1.0):
    m = Committee(K, K, "erf", "erf", train_second_layer=False, lr=lr)
    T, A = np.eye(K), np.ones(K)
    Q0, R0, v0 = symmetric_state(K, K, 0.01, 0.0, 0.0, 1.0)
    tr = integrate(m, Q0, R0, T, v0, A, [0.0, 200.0])   # stays symmetric: ends on the plateau
    Q, R = tr["Q"][-1], tr["R"][-1]
    return m, T, A, symmetric_plateau(m, T, A, guess=(Q[0, 0], Q[0, 1], R[0, 0]))


@pytest.mark.parametrize("K", [2, 3])
def test_plateau_escape_time_predicted_by_the_unstable_eigenvalue(K):
    m, T, A, p = plateau_of(K)
    f = equations(m, T, A)
    assert np.max(np.abs(f(0.0, m.state(p.Q, p.R, p.v)))) < 1e-10     # a fixed point
    assert p.eigenvalue > 0
    assert p.multiplicity == (1 if K == 2 else 4)    # the permutation symmetry of 3 units
    assert 0.01 < p.error < 0.5 * m.error(np.eye(K) * 0.01, np.zeros((K, K)), T, p.v, A)
    exits, amps = {}, {}
    for eps in (1e-3, 1e-7):
        # a start off the plateau in a random direction (not an eigenvector)
        Q0, R0, v0 = p.perturbed(eps)
        amps[eps] = p.amplitude(Q0, R0, v0)
        tr = integrate(m, Q0, R0, T, v0, A, np.linspace(0.0, 40.0 / p.eigenvalue, 2000))
        exits[eps] = plateau_exit(tr.t, tr["error"], p.error)
        assert tr["error"][-1] < 1e-3 * p.error                   # it escapes and learns
    predicted = p.escape_time(amps[1e-7], amps[1e-3], exits[1e-3])
    assert abs(predicted - exits[1e-7]) < 0.1 * exits[1e-7], (predicted, exits)
    # the prediction is not trivial: the plateau lengthened by ln(1e4)/lambda
    assert exits[1e-7] - exits[1e-3] > 0.5 * np.log(1e4) / p.eigenvalue


def test_asymptotic_error_scales_as_eta_sigma_squared():
    K = 2
    T, A = np.eye(K), np.ones(K)
    start = (0.9 * np.eye(K), 0.9 * np.eye(K), np.ones(K))
    eps = {}
    for eta in (0.05, 0.1):
        for sigma in (0.25, 0.5):
            m = Committee(K, K, "erf", "erf", train_second_layer=False, lr=eta, noise=sigma)
            eps[eta, sigma] = asymptotic_error(m, T, A, *start, 400.0 / eta)
    slope = np.log(eps[0.1, 0.5] / eps[0.05, 0.5]) / np.log(2)
    assert 0.9 < slope < 1.1, slope
    for eta in (0.05, 0.1):
        assert eps[eta, 0.5] / eps[eta, 0.25] == pytest.approx(4.0, rel=0.05)
    # without noise the realisable student learns the teacher perfectly
    m = Committee(K, K, "erf", "erf", train_second_layer=False, lr=0.1, noise=0.0)
    assert abs(asymptotic_error(m, T, A, *start, 4000.0)) < 1e-9
