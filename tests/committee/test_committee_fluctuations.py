"""The committee machine's finite-size expansion (odedyn/committee/fluctuations.py, generated
kernels of derivations/committee_fluctuations.py, moments of odedyn/gaussian_moments.py):

* the closed forms and their exact derivatives; every moment against 10^6-sample Monte Carlo;
* the derivation against the learning rule itself: the mean of one exact SGD step from real
  weights at D = 10 is f + f1/D (exact at every D; f alone fails), B is the covariance of the
  increment; J, H[S] and the error's derivatives against finite differences of the theory's
  right-hand side;
* against SGD runs from the same network (slow): the predicted spread within the sampling error
  of a standard deviation at D = 500 and 1000 (32 seeds), the predicted bias where many seeds
  resolve it, and for the linear committee, where every average is a polynomial, both tight at
  D = 25, 50, 100 with the bias scaling as 1/D exactly.
"""
import math
import warnings
from dataclasses import replace

import numpy as np
import pytest
from scipy.special import erf
from scipy.stats import kurtosis, norm

import committee_fluctuations
from odedyn import gaussian_moments as gm
from odedyn._generated import committee_averages as ca
from odedyn._generated import committee_fluctuations as cf
from odedyn.committee import configure
from odedyn.committee.fluctuations import Expansion, fluctuations
from odedyn.committee.theory import equations
from odedyn.errors import ConfigError

ACT = {"linear": 0, "erf": 1, "relu": 2}


def h(a, x):
    if a == 2:
        return np.maximum(x, 0.0)
    return erf(x / math.sqrt(2)) if a == 1 else x


def hp(a, x):
    if a == 2:
        return (x > 0).astype(float)
    return math.sqrt(2 / math.pi) * np.exp(-x * x / 2) if a == 1 else np.ones_like(x)


def random_cov(rng, n=4, scale=3.0):
    A = rng.standard_normal((n, n))
    return A @ A.T / scale + 0.1 * np.eye(n)


@pytest.mark.slow   # sympy differentiates the closed forms twice: ~20 s
def test_generated_module_is_not_stale():
    assert committee_fluctuations.main(["--check"]) == 0


# ---------------------------------------------------------------- closed forms
ARGS = {"i2": (0, 1), "j2": (0, 1), "i3": (0, 1, 2), "i4": (0, 1, 2, 3)}


def table_args(name, C):
    fields = ARGS[name]
    return [C[i, j] for n, i in enumerate(fields) for j in fields[n:]]


def table_value(name, acts, a):
    """The committee module's numeric table (the one the theory integrates)."""
    if name == "i2":
        return ca.i2(acts[0], acts[1], *a)
    if name == "j2":
        return ca.j2(acts[0], *a)
    if name == "i3":
        return ca.i3(acts[0], acts[1], *a)
    return ca.i4(acts[0], acts[1], acts[2], *a, False)


def derived(name, acts, a):
    n = len(a)
    grad, hess = np.zeros(n), np.zeros((n, n))
    fn = getattr(cf, name + "_d")
    return fn(*acts, *a, grad, hess), grad, hess


@pytest.mark.parametrize("name, nact", [("i2", 2), ("j2", 1), ("i3", 2), ("i4", 3)])
def test_closed_forms_and_their_derivatives(name, nact):
    """Values equal the theory's tables (1e-12); gradients and Hessians equal central finite
    differences of the values (to their truncation error)."""
    rng = np.random.default_rng(1)
    for combo in range(2 ** nact):
        acts = [(combo >> i) & 1 for i in range(nact)]
        for _ in range(3):
            C = random_cov(rng)
            a = np.array(table_args(name, C))
            val, grad, hess = derived(name, acts, a)
            assert val == pytest.approx(table_value(name, acts, a), abs=1e-12)
            eps = 1e-5
            for i in range(len(a)):
                e = np.zeros(len(a))
                e[i] = eps
                gp, Gp, _ = derived(name, acts, a + e)
                gm_, Gm, _ = derived(name, acts, a - e)
                assert grad[i] == pytest.approx((gp - gm_) / (2 * eps), abs=1e-8)
                np.testing.assert_allclose(hess[i], (Gp - Gm) / (2 * eps), atol=1e-7)


# ---------------------------------------------------------------- moments
MOMENT_CASES = [  # (acts of the 4 fields, tilt, poly, hs, power of S)
    ((1, 1, 1, 1), [0, 1], [2, 3], [0, 2], 0),
    ((1, 1, 1, 0), [0, 0, 1, 1], [], [0, 1, 2, 2], 0),
    ((1, 1, 1, 0), [0], [1], [0, 1, 2], 0),
    ((1, 1, 1, 0), [0, 1, 1], [3], [1, 2, 2], 0),
    ((1, 1, 1, 0), [], [0, 1, 2, 3], [], 0),
    ((1, 1, 1, 1), [1], [], [0, 1, 2, 3], 0),
    ((0, 0, 1, 1), [0, 1], [1, 3], [2, 3], 0),
    ((1, 1, 1, 1), [0, 1], [2], [], 3),
    ((1, 1, 1, 1), [0, 1, 0, 1], [], [], 4),
    ((1, 1, 0, 1), [0, 1, 1, 1], [], [], 4),
    ((1, 1, 1, 1), [0, 1], [0, 1], [], 2),
    ((0, 0, 0, 0), [0, 1], [0, 1], [], 2),
    ((1, 1, 1, 1), [0], [2], [1], 2),
]


@pytest.mark.parametrize("case", range(len(MOMENT_CASES)))
def test_moments_against_monte_carlo(case):
    acts, tilt, poly, hs, power = MOMENT_CASES[case]
    acts = np.array(acts, dtype=np.int64)
    rng = np.random.default_rng(100 + case)
    C = random_cov(rng, scale=2.0)
    c = np.array([-0.7, 0.4, 1.0, 0.8])
    n = 1_000_000
    u = np.linalg.cholesky(C) @ rng.standard_normal((4, n))
    F = sum(c[p] * h(acts[p], u[p]) for p in range(4)) ** power
    for a in tilt:
        F = F * hp(acts[a], u[a])
    for b in poly:
        F = F * u[b]
    for p in hs:
        F = F * h(acts[p], u[p])
    val = gm.moment_S(C, acts, c, *(np.array(x, dtype=np.int64) for x in (tilt, poly, hs)), power)
    if power == 0:
        assert val == gm.moment(C, acts, *(np.array(x, dtype=np.int64) for x in (tilt, poly, hs)))
    se = F.std() / math.sqrt(n)
    assert abs(val - F.mean()) < 4 * se + 1e-14, (val, F.mean(), se)


def test_four_erf_path_integral_converged():
    """16 nodes against 64 on random and nearly coincident fields of variance up to 9."""
    rng = np.random.default_rng(2)
    u, w = np.polynomial.legendre.leggauss(64)
    for trial in range(6):
        W = rng.standard_normal((4, 6))
        if trial >= 2:
            W[1] = W[0] + 1e-3 * W[1]
        W *= 3.0 if trial >= 4 else 1.0
        G = W @ W.T / 6
        assert gm.erf4(G, gm.S_NODES, gm.S_WEIGHTS) == pytest.approx(
            gm.erf4(G, (u + 1) / 2, w / 2), abs=1e-10)


RELU_MOMENT_CASES = [  # (acts of the 4 fields, tilt, poly, hs, power of S, aligned)
    ((2, 2, 2, 2), [0, 1], [2, 3], [0, 2], 0, False),
    ((2, 2, 2, 2), [0, 1], [], [], 4, False),
    ((2, 2, 2, 2), [0, 1], [0], [], 3, False),
    ((2, 2, 2, 2), [0], [1], [2], 2, False),
    ((2, 2, 2, 2), [], [], [0, 1], 2, False),
    ((2, 2, 0, 2), [0, 1], [2, 3], [], 2, False),
    ((2, 2, 2, 2), [0, 1], [], [], 4, True),
    ((2, 2, 2, 2), [0, 1], [0, 1], [], 2, True),
]


@pytest.mark.parametrize("case", range(len(RELU_MOMENT_CASES)))
def test_relu_moments_against_monte_carlo(case):
    """ReLU (u Theta(u), derivative Theta(u)) by Stein's lemma and conditioning down to Gaussian
    orthant probabilities (up to four steps here: the path of odedyn.gaussian_moments), against
    10^6 samples; ``aligned``: fields 0 and 2, 1 and 3 correlated 0.999 (a student unit that
    has learned its teacher unit)."""
    acts, tilt, poly, hs, power, aligned = RELU_MOMENT_CASES[case]
    acts = np.array(acts, dtype=np.int64)
    rng = np.random.default_rng(200 + case)
    C = random_cov(rng, scale=2.0)
    if aligned:
        W = rng.standard_normal((4, 6))
        W[2], W[3] = W[0] + 0.045 * W[2], W[1] + 0.045 * W[3]
        C = W @ W.T / 6
    c = np.array([-0.7, 0.4, 1.0, 0.8])
    n = 1_000_000
    u = np.linalg.cholesky(C) @ rng.standard_normal((4, n))
    F = sum(c[p] * h(acts[p], u[p]) for p in range(4)) ** power
    for a in tilt:
        F = F * hp(acts[a], u[a])
    for b in poly:
        F = F * u[b]
    for p in hs:
        F = F * h(acts[p], u[p])
    val = gm.moment_S(C, acts, c, *(np.array(x, dtype=np.int64) for x in (tilt, poly, hs)), power)
    se = F.std() / math.sqrt(n)
    assert abs(val - F.mean()) < 4 * se, (val, F.mean(), se)


def test_orthant_probabilities():
    """P(u > 0) in 2 to 6 dimensions: exact values (equicorrelation 1/2: 1/(d + 1), to 1e-12;
    two independent blocks: the product, with a pair at correlation 0.99995 inside, to 1e-9
    relative: measured 5e-10, the path's error where a pair nearly coincides), and random
    covariances, also with nearly coincident pairs (correlation 0.999 and -0.9999), against
    scipy's (Genz, seeded) multivariate normal within its accuracy (at these settings ~1e-7:
    compare the closed form at d = 3)."""
    from scipy.stats import multivariate_normal
    for d in (4, 5, 6):
        C = 0.5 * (np.ones((d, d)) + np.eye(d))
        assert gm.orthant(C, np.arange(d), d) == pytest.approx(1 / (d + 1), abs=1e-12)
    rng = np.random.default_rng(8)
    W = rng.standard_normal((3, 5))
    W[1] = W[0] + 0.01 * W[1]
    A = W @ W.T / 5
    Bk = np.array([[1.0, -0.6], [-0.6, 2.0]])
    C = np.zeros((5, 5))
    C[:3, :3], C[3:, 3:] = A, Bk
    prod = gm.orthant(A, np.arange(3), 3) * gm.orthant(Bk, np.arange(2), 2)
    assert gm.orthant(C, np.arange(5), 5) == pytest.approx(prod, rel=1e-9)
    rng = np.random.default_rng(7)
    for d in (2, 3, 4, 5, 6):
        for trial in range(3):
            W = rng.standard_normal((d, d + 2))
            if trial >= 1:
                W[1] = (1 if trial == 1 else -1) * W[0] + 0.03 * W[1] / trial ** 2
            C = W @ W.T / (d + 2)
            ref = multivariate_normal.cdf(np.zeros(d), np.zeros(d), C, maxpts=200_000 * d,
                                          abseps=1e-9, releps=1e-9, rng=np.random.default_rng(d))
            assert gm.orthant(C, np.arange(d), d) == pytest.approx(ref, abs=1e-6), (d, trial)


def test_erf_with_relu_has_no_moment():
    """An erf factor h and a ReLU step in one average are not reduced (NaN); an erf tilt (a
    Gaussian weight) with ReLU factors is, and matches Monte Carlo."""
    acts = np.array([1, 2], dtype=np.int64)
    C = np.array([[1.0, 0.3], [0.3, 1.5]])
    one, none = np.array([0], dtype=np.int64), np.zeros(0, dtype=np.int64)
    assert math.isnan(gm.moment(C, acts, none, none, np.array([0, 1], dtype=np.int64)))
    assert math.isnan(gm.moment_S(C, acts, np.array([1.0, 1.0]), one, none, none, 2))
    rng = np.random.default_rng(3)
    u = np.linalg.cholesky(C) @ rng.standard_normal((2, 1_000_000))
    F = hp(1, u[0]) * h(2, u[1]) * u[1]
    val = gm.moment(C, acts, one, none, np.array([1, 1], dtype=np.int64))
    assert abs(val - F.mean()) < 4 * F.std() / 1000


def test_relu_noise_covariance_against_monte_carlo():
    """The committee's noise B with ReLU student and teacher (Expansion(noise_only=True)), both
    layers trained, output noise, at the initial network and near a learned one (R ~ T):
    against the sample covariance of Z (10^6 draws), every entry within 4 standard errors."""
    for learned in (False, True):
        exp = configure(model={"K": 2, "activation": "relu", "train_second_layer": True},
                        teacher={"M": 2, "activation": "relu"}, data={"D": 500, "noise": 0.4},
                        training={"lr": 0.8, "lr_second_layer": 0.6, "weight_decay": 0.3},
                        init={"std": 0.6, "seed": 3, "v_std": 0.7})
        ex = Expansion(exp, noise_only=True)
        md = exp.model
        m = ex.initial()
        if learned:
            Q = np.array([[1.0, 0.02], [0.02, 1.0]])
            R = np.array([[0.98, 0.01], [0.0, 0.97]])
            m = ex.flatten(Q, R, [0.9, 1.05])
        B = ex.noise(m)
        C, v, c = ex.state(m)
        rng = np.random.default_rng(19 + learned)
        n = 1_000_000
        u = (np.linalg.cholesky(C) @ rng.standard_normal((4, n))).T
        lam, nu = u[:, :2], u[:, 2:]
        delta = (h(2, nu) * exp.A).sum(1) + md.noise * rng.standard_normal(n) \
            - (h(2, lam) * v).sum(1)
        a = md.lr * v * hp(2, lam) * delta[:, None]
        Z = np.empty((n, ex.n))
        for k in range(2):
            for l in range(k, 2):
                Z[:, ex.qidx[k, l]] = a[:, k] * lam[:, l] + a[:, l] * lam[:, k] + a[:, k] * a[:, l]
            for mm in range(2):
                Z[:, ex.ridx[k, mm]] = a[:, k] * nu[:, mm]
            Z[:, ex.vidx[k]] = md.lr_second_layer * h(2, lam[:, k]) * delta
        Zc = Z - Z.mean(0)
        cov = Zc.T @ Zc / n
        se = np.sqrt(((Zc[:, :, None] * Zc[:, None, :] - cov) ** 2).mean(0) / n)
        assert np.abs((B - cov) / se).max() < 4.0, (learned, np.abs((B - cov) / se).max())


def test_relu_is_refused():
    exp = configure(model={"activation": "relu"}, teacher={"activation": "relu"})
    with pytest.raises(ConfigError, match="model.activation"):
        fluctuations(exp)
    exp = configure(training={"schedule": "power", "tau": 1.0, "beta": 0.5})
    with pytest.raises(ConfigError, match="training.schedule"):
        fluctuations(exp)


# ---------------------------------------------------------------- the derivation, one step
STEP_CASES = {
    "erf-erf-trained-noise-decay": ("erf", "erf", True),
    "erf-linear-fixed": ("erf", "linear", False),
    "linear-erf-trained": ("linear", "erf", True),
}


def step_experiment(student, teacher, trained, D):
    init = {"std": 0.6, "seed": 3}
    init.update({"v_std": 0.7} if trained else {"v_init": [1.0, 0.6]})
    return configure(model={"K": 2, "activation": student, "train_second_layer": trained},
                     teacher={"M": 2, "activation": teacher}, data={"D": D, "noise": 0.4},
                     training={"lr": 0.8, "lr_second_layer": 0.6, "t_max": 10.0,
                               "weight_decay": 0.3}, init=init)


def one_step_increments(exp, ex, n_samples, seed, chunk=100_000):
    """D (m' - m) of one exact SGD step (the rule of odedyn/committee/model.py, applied to the
    weights) from the initial network, for ``n_samples`` independent samples: (mean, covariance,
    standard errors of the mean)."""
    md = exp.model
    W, v, Wt, A, D = exp.W0, exp.v0, exp.W_teacher, exp.A, exp.D
    sa, ta = ACT[md.activation], ACT[md.teacher_activation]
    eta, eta_v, kappa, sigma = md.lr, md.lr_second_layer, md.weight_decay, md.noise
    m0 = ex.initial()
    rng = np.random.default_rng(seed)
    iu = np.triu_indices(ex.K)
    tot, tot2 = np.zeros(ex.n), np.zeros((ex.n, ex.n))
    for _ in range(n_samples // chunk):
        X = rng.standard_normal((chunk, D))
        lam, nu = X @ W.T / math.sqrt(D), X @ Wt.T / math.sqrt(D)
        delta = (h(ta, nu) * A).sum(1) + sigma * rng.standard_normal(chunk) - (h(sa, lam) * v).sum(1)
        a = eta * v * hp(sa, lam) * delta[:, None]
        Wn = (1 - eta * kappa / D) * W[None] + a[:, :, None] * X[:, None, :] / math.sqrt(D)
        Q = np.einsum("nkd,nld->nkl", Wn, Wn) / D
        R = np.einsum("nkd,md->nkm", Wn, Wt) / D
        m = np.empty((chunk, ex.n))
        m[:, ex.qidx[iu]] = Q[:, iu[0], iu[1]]
        m[:, ex.ridx.ravel()] = R.reshape(chunk, -1)
        if md.train_second_layer:
            m[:, ex.vidx] = v + eta_v / D * (h(sa, lam) * delta[:, None] - kappa * v)
        Z = D * (m - m0)
        tot += Z.sum(0)
        tot2 += Z.T @ Z
    mean = tot / n_samples
    cov = tot2 / n_samples - np.outer(mean, mean)
    return mean, cov, np.sqrt(np.diag(cov) / n_samples)


@pytest.mark.parametrize("case", list(STEP_CASES))
def test_one_step_mean_is_f_plus_f1_over_D(case):
    """At D = 10 the O(1/D) drift is large; the exact mean of D dm is f + f1/D (no higher
    order exists), within 4 standard errors of 10^6 steps, and f alone is far off."""
    D = 10
    exp = step_experiment(*STEP_CASES[case], D)
    ex = Expansion(exp)
    f, J, HS, f1, B = ex.coefficients(ex.initial(), np.zeros((ex.n, ex.n)))
    mean, _, se = one_step_increments(exp, ex, 1_000_000, seed=5)
    z = (mean - f - f1 / D) / se
    assert np.abs(z).max() < 4.0, z
    assert np.abs((mean - f) / se).max() > 20.0


@pytest.mark.parametrize("case", list(STEP_CASES))
def test_noise_covariance_against_monte_carlo(case):
    """B against the sample covariance of the O(1) increment Z (10^6 draws of the fields),
    every entry within 4 standard errors."""
    exp = step_experiment(*STEP_CASES[case], 500)
    ex = Expansion(exp)
    md = exp.model
    m = ex.initial()
    f, J, HS, f1, B = ex.coefficients(m, np.zeros((ex.n, ex.n)))
    C, v, c = ex.state(m)
    sa, ta = ACT[md.activation], ACT[md.teacher_activation]
    rng = np.random.default_rng(9)
    n = 1_000_000
    u = (np.linalg.cholesky(C) @ rng.standard_normal((4, n))).T
    lam, nu = u[:, :2], u[:, 2:]
    delta = (h(ta, nu) * exp.A).sum(1) + md.noise * rng.standard_normal(n) - (h(sa, lam) * v).sum(1)
    a = md.lr * v * hp(sa, lam) * delta[:, None]
    Z = np.empty((n, ex.n))
    for k in range(2):
        for l in range(k, 2):
            Z[:, ex.qidx[k, l]] = a[:, k] * lam[:, l] + a[:, l] * lam[:, k] + a[:, k] * a[:, l]
        for mm in range(2):
            Z[:, ex.ridx[k, mm]] = a[:, k] * nu[:, mm]
        if md.train_second_layer:
            Z[:, ex.vidx[k]] = md.lr_second_layer * h(sa, lam[:, k]) * delta
    Zc = Z - Z.mean(0)
    cov = Zc.T @ Zc / n
    se = np.sqrt(((Zc[:, :, None] * Zc[:, None, :] - cov) ** 2).mean(0) / n)
    assert np.abs((B - cov) / se).max() < 4.0


@pytest.mark.parametrize("case", list(STEP_CASES))
def test_derivatives_against_the_theory_rhs(case):
    """f equals the theory's right-hand side; J, H[S] and the error's gradient and H[S] equal
    central finite differences of it and of model.error (a random symmetric S)."""
    exp = step_experiment(*STEP_CASES[case], 500)
    ex = Expansion(exp)
    rng = np.random.default_rng(4)
    m = ex.initial() + 0.05 * rng.standard_normal(ex.n)
    n = ex.n
    S = rng.standard_normal((n, n))
    S = S @ S.T / n
    f, J, HS, f1, B = ex.coefficients(m, S)
    Q, R, T, v0 = exp.initial_order_parameters()
    rhs = equations(exp.model, T, exp.A)

    def F(x):
        C, v, _ = ex.state(x)
        dQ, dR, dv = exp.model.unpack(rhs(0.0, exp.model.state(C[:2, :2], C[:2, 2:], v)))
        return ex.flatten(dQ, dR, dv)

    def E(x):
        C, v, _ = ex.state(x)
        return exp.model.error(C[:2, :2], C[:2, 2:], T, v, exp.A)

    I = np.eye(n)
    np.testing.assert_allclose(f, F(m), atol=1e-13)
    hh = 1e-5
    np.testing.assert_allclose(J, np.array([(F(m + hh * e) - F(m - hh * e)) / (2 * hh)
                                            for e in I]).T, atol=1e-8)
    hh = 1e-4
    HSfd, HEfd = np.zeros(n), 0.0
    for j in range(n):
        for k in range(n):
            a, b = hh * I[j], hh * I[k]
            HSfd += S[j, k] * (F(m + a + b) - F(m + a - b) - F(m - a + b) + F(m - a - b)) / (4 * hh * hh)
            HEfd += S[j, k] * (E(m + a + b) - E(m + a - b) - E(m - a + b) + E(m - a - b)) / (4 * hh * hh)
    np.testing.assert_allclose(HS, HSfd, atol=1e-6)
    e, g, hs = ex.observables(m, S)["error"]
    assert e == pytest.approx(E(m), abs=1e-14)
    np.testing.assert_allclose(g, [(E(m + 1e-5 * d) - E(m - 1e-5 * d)) / 2e-5 for d in I],
                               atol=1e-9)
    assert hs == pytest.approx(HEfd, abs=1e-6)


# ---------------------------------------------------------------- against SGD
def exact_start(exp, Q, R, T, v):
    """``exp`` with initial weights whose order parameters are exactly (Q, R, T) at its D
    (rows on an orthonormal D-frame), so that every D starts from the same m."""
    K, M, D = len(Q), len(T), exp.D
    G = np.block([[Q, R], [R.T, T]])
    L = np.linalg.cholesky(G)
    U = np.linalg.qr(np.random.default_rng(0).standard_normal((D, K + M)))[0]
    rows = math.sqrt(D) * L @ U.T
    return replace(exp, W0=rows[:K], W_teacher=rows[K:], v0=np.asarray(v, float))


def band(exp, seeds):
    """(theory, fluctuations, simulation) at the simulation's step grid."""
    exp = replace(exp, times=exp.snap_times(exp.times))
    return exp, exp.integrate(), fluctuations(exp), exp.simulate(seeds=seeds, progress=False)


def observables(th, fl, sim):
    """{name: (theory, predicted std, predicted bias, per-seed curves)}."""
    out = {"error": (th["error"], fl["error_std"], fl["error_bias"], sim["error_seeds"])}
    for name in ("Q", "R", "v"):
        out[name] = (th[name], fl["order_parameters_std"][name],
                     fl["order_parameters_bias"][name], sim[name + "_seeds"])
    return out


def std_z(pred, seeds_curves):
    """(measured sd - predicted) / (sampling sd of a standard deviation). For n runs with
    excess kurtosis k, Var(s^2) = sigma^4 (2/(n-1) + k/n), so sd(s) = (sigma/2) sqrt(2/(n-1) +
    k/n): sigma / sqrt(2(n-1)) for Gaussian runs; the first few steps are far from Gaussian (a
    sum of a few products of Gaussians, k up to 10), so the sample kurtosis enters."""
    n = seeds_curves.shape[0]
    sd = seeds_curves.std(0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # entries without spread (T)
        k = kurtosis(seeds_curves, axis=0)
        return (sd - pred) / (pred / 2 * np.sqrt(2 / (n - 1) + k / n))


def bias_z(theory, pred, seeds_curves):
    n = seeds_curves.shape[0]
    sem = seeds_curves.std(0, ddof=1) / math.sqrt(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (seeds_curves.mean(0) - theory - pred) / sem, np.abs(pred) / sem


def bonferroni(count, alpha=0.01):
    return norm.isf(alpha / (2 * count))


def check_std(exp, th, fl, sim, floor=1e-12, alpha=0.01):
    """Every observable's predicted std at every valid time within the Bonferroni bound
    (``alpha`` family-wise) of the sampling error of a standard deviation."""
    zs = []
    for name, (theory, std, bias, curves) in observables(th, fl, sim).items():
        keep = fl["valid"] & (np.arange(len(exp.times)) > 0)
        pred = std[keep]
        z = std_z(pred, curves[:, keep])
        zs.append(np.where(pred > floor, z, 0.0).ravel())
    z = np.concatenate(zs)
    bound = bonferroni(z.size, alpha)
    assert np.abs(z).max() < bound, (np.abs(z).max(), bound)
    return z


def erf_experiment(trained, D, t_max=30.0, noise=0.0, n_times=12):
    init = {"std": 0.3, "seed": 1, "teacher_seed": 0}
    init.update({"v_std": 0.5} if trained else {"v_init": 1.0})
    return configure(model={"K": 2, "activation": "erf", "train_second_layer": trained},
                     teacher={"M": 2}, data={"D": D, "noise": noise},
                     training={"lr": 1.0, "t_max": t_max}, init=init,
                     output={"n_times": n_times})


@pytest.mark.slow
@pytest.mark.parametrize("trained", [True, False], ids=["both-layers", "fixed-second-layer"])
@pytest.mark.parametrize("D", [500, 1000])
def test_erf_spread_against_sgd(trained, D):
    """Committee erf K = M = 2, eta = 1: 32 SGD runs from the same network; the spread of the
    error and of every order parameter at every valid output time."""
    exp, th, fl, sim = band(erf_experiment(trained, D, noise=0.0 if trained else 0.3), 32)
    assert fl["valid"].all()
    check_std(exp, th, fl, sim)


@pytest.mark.slow
@pytest.mark.parametrize("trained", [False, True], ids=["fixed-second-layer", "both-layers"])
def test_erf_bias_against_sgd(trained):
    """Where the bias is resolved (predicted |bias| > 3 standard errors of the mean of 2048
    runs at D = 50; 64 runs resolve it at no time at D >= 500, where it is below 0.2 standard
    errors on the plateau), it matches the measured mean deviation (Bonferroni, 1%). Output
    noise 0.3."""
    exp, th, fl, sim = band(erf_experiment(trained, 50, t_max=12.0, noise=0.3, n_times=10), 2048)
    zs, resolved = [], 0
    for name, (theory, std, bias, curves) in observables(th, fl, sim).items():
        z, res = bias_z(theory, bias, curves)
        keep = (res > 3.0) & fl["valid"].reshape((-1,) + (1,) * (z.ndim - 1))
        keep[0] = False
        resolved += keep.sum()
        zs.append(z[keep])
    z = np.concatenate(zs)
    assert resolved >= 3
    assert np.abs(z).max() < bonferroni(z.size), z


def linear_experiment(D):
    exp = configure(model={"K": 2, "activation": "linear", "train_second_layer": True},
                    teacher={"M": 2, "activation": "linear", "second_layer": [1.0, 0.7]},
                    data={"D": D, "noise": 0.5}, training={"lr": 0.3, "t_max": 6.0},
                    init={"std": 0.3, "v_std": 0.5},
                    output={"n_times": 1, "t_first": 0.04, "times": [0.12, 0.32, 0.84, 2.24]})
    Q = np.array([[0.3, 0.05], [0.05, 0.2]])
    R = np.array([[0.1, -0.05], [0.0, 0.15]])
    return exact_start(exp, Q, R, np.eye(2), [0.4, -0.3])


@pytest.mark.slow
def test_linear_committee_bias_scales_as_one_over_D():
    """Linear student and teacher (every average a polynomial), the same initial order
    parameters at D = 25, 50 and 100, 4096 runs each (output times on the step grid of every
    D): D x (mean - theory) equals the predicted mu = D x bias, which does not depend on D,
    within the standard errors (Bonferroni over times, entries and D), and the spread
    likewise."""
    zb, zs, mus = [], [], []
    for D in (25, 50, 100):
        exp, th, fl, sim = band(linear_experiment(D), 4096)
        assert fl["valid"].all()
        zs.append(check_std(exp, th, fl, sim, alpha=0.01 / 3))
        for name, (theory, std, bias, curves) in observables(th, fl, sim).items():
            z, res = bias_z(theory, bias, curves)
            zb.append(z[1:].ravel())
        mus.append(fl["error_bias"] * D)
    z = np.concatenate(zb)
    assert np.abs(z).max() < bonferroni(z.size), np.abs(z).max()
    # the prediction itself: mu(t) is the same at every D (same start, D enters only as 1/D)
    np.testing.assert_allclose(mus[0], mus[2], rtol=1e-6, atol=1e-9)


def test_three_passes_agree_with_the_direct_integration():
    """The spline-interpolated coefficients (odedyn.fluctuations.integrate) against (m, S, mu)
    integrated as one system with every coefficient at every stage: 1e-4 of each curve's
    largest value, through the plateau and its escape."""
    exp = configure(model={"K": 2, "train_second_layer": False}, teacher={"M": 2},
                    data={"D": 500, "noise": 0.2}, training={"t_max": 60.0},
                    init={"std": 0.3, "seed": 1, "v_init": 1.0}, output={"n_times": 15})
    a, b = fluctuations(exp), fluctuations(exp, direct=True)
    pairs = [(a["error_std"], b["error_std"]), (a["error_bias"], b["error_bias"])]
    for key in ("order_parameters_std", "order_parameters_bias"):
        pairs += [(a[key][k], b[key][k]) for k in a[key]]
    for x, y in pairs:
        assert np.abs(x - y).max() <= 1e-4 * np.abs(y).max() + 1e-15
    assert (a["valid"] == b["valid"]).all()
