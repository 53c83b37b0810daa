"""The shared analysis module (odedyn.analysis): the Jacobian (exact where a right-hand side has
its derivative, else central differences whose Richardson estimate bounds the true error), the
flow in reduced coordinates, fixed points, eigenvalues with their Bauer-Fike bound, the time to a
level (one rule, linear in log y), and the stability of online SGD as the Euler map of the
equations; and its users: the committee plateau (the README's numbers), the group-sparse and
autoencoder fixed points."""
import warnings

import numpy as np
import pytest

from odedyn import analysis
from odedyn.errors import NumericalError, NumericalWarning


def lotka(t, y):
    """A nonlinear flow with a known Jacobian."""
    a, b = y
    return np.array([a * (1.0 - b) + np.sin(t), b * (a - 2.0) + a ** 3])


def lotka_jacobian(t, y):
    a, b = y
    return np.array([[1.0 - b, -a], [b + 3 * a ** 2, a - 2.0]])


@pytest.mark.parametrize("y", [[0.3, 0.7], [1e-3, 2e3], [0.0, 0.0], [-5.0, 40.0]])
def test_central_differences_within_their_error_estimate(y):
    J, err = analysis.jacobian(lotka, np.array(y), t=0.4)
    true = lotka_jacobian(0.4, np.array(y))
    assert np.all(np.abs(J - true) <= err + 1e-300), (J - true, err)
    # the estimate is an error estimate, not a bound that says nothing
    assert np.all(err <= 1e-6 * np.maximum(np.abs(true).max(), 1.0))


def test_an_exact_derivative_is_used_as_it_is():
    calls = []

    class Rhs:
        def __call__(self, t, y):
            calls.append(1)
            return lotka(t, y)

        def jacobian(self, t, y):
            return lotka_jacobian(t, y)

    J, err = analysis.jacobian(Rhs(), np.array([0.3, 0.7]))
    assert not calls and np.array_equal(J, lotka_jacobian(0.0, np.array([0.3, 0.7])))
    assert not err.any()


def test_reduced_coordinates_chain_the_exact_derivative():
    """y = embed(z) affine, dz/dt = project(dy/dt): the exact route and central differences
    through the same reduction agree."""
    class Rhs:
        def __call__(self, t, y):
            return np.array([y[0] * y[1], y[1] - y[2] ** 2, y[0] + y[2]])

        def jacobian(self, t, y):
            return np.array([[y[1], y[0], 0.0], [0.0, 1.0, -2 * y[2]], [1.0, 0.0, 1.0]])

    def embed(z):              # y = (z0, z0 + z1, 0.5)
        return np.array([z[0], z[0] + z[1], 0.5])

    def project(dy):
        return np.array([dy[0], dy[1] - dy[0]])

    exact = analysis.reduced(Rhs(), embed, project)
    plain = analysis.reduced(lambda t, y: Rhs()(t, y), embed, project)
    assert hasattr(exact, "jacobian") and not hasattr(plain, "jacobian")
    z = np.array([0.7, -0.2])
    J, err = analysis.jacobian(exact, z)
    F, ferr = analysis.jacobian(plain, z)
    assert not err.any() and np.all(np.abs(J - F) <= ferr + 1e-12)
    sub = analysis.on_entries(Rhs(), np.array([1.0, 2.0, 3.0]), [0, 2])
    np.testing.assert_array_equal(sub(0.0, np.array([1.0, 3.0])), [2.0, 4.0])


def test_fixed_point_and_its_failure():
    x, res = analysis.fixed_point(lambda x: x ** 2 - np.array([2.0, 9.0]), [1.0, 2.0], 1e-12)
    np.testing.assert_allclose(x, [np.sqrt(2), 3.0], rtol=1e-12) and res <= 1e-12
    with pytest.raises(NumericalError, match="no plateau near"):
        analysis.fixed_point(lambda x: x ** 2 + 1.0, [1.0], 1e-10, what="plateau")


def test_eigenvalues_within_their_bound_and_the_leading_eigenspace():
    rng = np.random.default_rng(3)
    V = rng.standard_normal((4, 4))
    exact = V @ np.diag([0.5, 0.5, -1.0, -2.0]) @ np.linalg.inv(V)
    error = 1e-7 * np.ones((4, 4))
    eig = analysis.eigen(exact + error * rng.uniform(-1, 1, (4, 4)), error)
    assert list(np.round(eig.values.real, 4)) == [0.5, 0.5, -1.0, -2.0]   # largest first
    for lam in (0.5, -1.0, -2.0):
        i = np.argmin(np.abs(eig.values - lam))
        assert abs(eig.values[i] - lam) <= eig.bound[i]
    assert eig.bound[2] < 1e-5                  # a simple, well-conditioned eigenvalue
    lead = eig.leading(1e-5)
    assert lead.sum() == 2
    P = eig.projector(lead)
    np.testing.assert_allclose(P @ P, P, atol=1e-6)
    np.testing.assert_allclose(np.trace(P), 2.0, atol=1e-6)


def test_time_to_level_is_linear_in_log():
    t = np.linspace(0.0, 10.0, 6)
    y = 3.0 * np.exp(-0.7 * t)
    # exact for an exponential fall, on a coarse grid
    assert analysis.time_to_level(t, y, 0.05) == pytest.approx(np.log(3.0 / 0.05) / 0.7,
                                                               rel=1e-12)
    assert analysis.time_to_level(t, y, 5.0) == 0.0                # starts at or below it
    assert np.isnan(analysis.time_to_level(t, y, 1e-9))            # never gets there
    assert analysis.time_to_level(t, np.array([1.0, 0.0, 0.0, 0, 0, 0]), 0.5) == 2.0


def test_plateau_exit_is_the_time_to_half_the_plateau_error():
    from odedyn.committee.analysis import plateau_exit
    t = np.linspace(0.0, 10.0, 11)
    e = 0.02 * np.exp(-0.5 * np.maximum(t - 4, 0))
    assert plateau_exit(t, e, 0.02) == pytest.approx(4 + 2 * np.log(2), rel=1e-12)
    assert np.isnan(plateau_exit(t, e, 0.02, fraction=1.5))        # never was on it


# ---------------------------------------------------------------- SGD as an Euler map
def linear(eigenvalues):
    A = np.diag(np.asarray(eigenvalues, dtype=float))
    return lambda t, y: A @ y


def check(rhs, step, n=2, times=5):
    t = np.linspace(0.0, 1.0, times)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = analysis.euler_stability(rhs, t, np.ones((times, n)), step)
    return found, [w for w in caught if issubclass(w.category, NumericalWarning)]


def test_euler_map_unstable_past_minus_two_over_the_step():
    found, caught = check(linear([-2.5, -0.1]), step=1.0)        # |1 - 2.5| = 1.5 > 1
    assert found["unstable"] and found["unstable"][0]["eigenvalue"][0] == pytest.approx(-2.5)
    assert len(caught) == 1 and "eigenvalue -2.5" in str(caught[0].message)
    assert "training.lr" in str(caught[0].message)
    found, caught = check(linear([-1.9, -0.1]), step=1.0)        # |1 - 1.9| < 1: stable
    assert not found["unstable"] and not caught
    assert found["stiffest"]["eigenvalue"][0] == pytest.approx(-1.9)
    # a direction the flow itself amplifies is not the Euler map's instability
    found, caught = check(linear([3.0, -0.1]), step=1.0)
    assert not found["unstable"] and not caught


def test_euler_stability_skips_a_large_state_and_says_so():
    found, caught = check(linear(np.full(3, -5.0)), step=1.0, n=3)
    assert found["unstable"]
    big = analysis.DENSE_LIMIT + 1
    found, caught = check(lambda t, y: -5.0 * y, step=1.0, n=big)
    assert found == {"checked": False, "why": found["why"]} and str(big) in found["why"]
    assert not caught


# ---------------------------------------------------------------- the users
@pytest.mark.parametrize("K,error,eigenvalue,multiplicity", [(2, 0.02066, 0.0591, 1),
                                                            (3, 0.0661, 0.0297, 4)])
def test_committee_plateau_numbers_quoted_in_the_readme(K, error, eigenvalue, multiplicity):
    from odedyn.committee import Committee
    from odedyn.committee.analysis import symmetric_plateau
    m = Committee(K, K, "erf", "erf", train_second_layer=False, lr=1.0)
    p = symmetric_plateau(m, np.eye(K), np.ones(K), guess=(0.5, 0.2, 0.3))
    assert round(p.error, 5 if K == 2 else 4) == error
    assert round(p.eigenvalue, 4) == eigenvalue and p.multiplicity == multiplicity
    # the finite-difference error is far below the quoted digits
    assert 0 < p.eigenvalue_error < 1e-9


def test_tied_erf_autoencoder_fixed_point_is_stable():
    """The long-time state of the tied erf autoencoder of the tied-weights figure (D = 400,
    theory only): a fixed point of the equations (bulk held at zero) whose Jacobian has only
    negative eigenvalues, at the error the theory curve reaches."""
    from odedyn.autoencoder import theory as ae_theory
    from odedyn.autoencoder.experiment import configure, pca_errors
    exp = configure(model={"activation": "erf", "tied": True, "K": 2},
                    data={"D": 400, "spikes": [0.7, 0.25], "bulk": 0.03},
                    training={"t_max": 300.0}, init={"std": 1.0, "seed": 0},
                    output={"n_times": 10})
    th = exp.integrate(progress=False)
    grouping = exp.grouping()
    y0 = th.arrays["final_state"].copy()
    bulk = int(np.argmin(grouping.p))
    _, off = exp.model.layout(grouping)
    y0[off[bulk]:off[bulk + 1]] = 0.0
    spikes = [g for g in range(grouping.size) if g != bulk]
    y, err, eig, bound = ae_theory.fixed_point(exp.model, y0, grouping, spikes)
    assert err == pytest.approx(0.0303599, rel=1e-5)               # measured: 0.03035989
    assert err > 1.5 * pca_errors(exp.spectrum, 2)[2]
    assert eig.real.max() < -0.01 and bound < 1e-8
    assert th["error"][-1] == pytest.approx(err, rel=1e-3)
