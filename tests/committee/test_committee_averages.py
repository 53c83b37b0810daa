"""The committee machine's Gaussian averages (odedyn/_generated/committee_averages.py): every
average of every activation pair against 10^6-sample Monte Carlo (within 4 standard errors) on
random and nearly degenerate covariances, the erf ones against Saad & Solla's closed forms to
1e-12, and the generated module is current."""
import math

import numpy as np
import pytest
from scipy.special import erf

import committee_averages
from odedyn._generated import committee_averages as ca

ACTS = {"linear": ca.LINEAR, "erf": ca.ERF, "relu": ca.RELU}


def h(act, x):
    if act == ca.LINEAR:
        return x
    if act == ca.ERF:
        return erf(x / math.sqrt(2))
    return np.maximum(x, 0.0)


def hprime(act, x):
    if act == ca.LINEAR:
        return np.ones_like(x)
    if act == ca.ERF:
        return math.sqrt(2 / math.pi) * np.exp(-x * x / 2)
    return (x > 0).astype(float)


def samples(C, n=1_000_000, seed=0):
    """n draws of N(0, C) (C may be singular), shape (4, n)."""
    w, U = np.linalg.eigh(C)
    L = U * np.sqrt(np.clip(w, 0, None))
    return L @ np.random.default_rng(seed).standard_normal((len(C), n))


def mc(values):
    return values.mean(), values.std() / math.sqrt(values.size)


def covariances():
    rng = np.random.default_rng(3)
    out = []
    for _ in range(2):
        A = rng.standard_normal((4, 4))
        out.append(("random", A @ A.T / 2 + 0.1 * np.eye(4)))
    # nearly degenerate: a and c (a student unit aligned with a teacher unit) correlation 0.999,
    # and a, b correlation 0.999; the other correlations random
    for i, j in ((0, 2), (0, 1)):
        W = rng.standard_normal((4, 6))
        e = W[i] / np.linalg.norm(W[i])
        u = rng.standard_normal(6)
        u -= (u @ e) * e
        u /= np.linalg.norm(u)
        W[j] = 1.1 * (0.999 * e + math.sqrt(1 - 0.999 ** 2) * u)
        C = W @ W.T / 6 * np.array([1.0, 1.0, 1.0, 1.0])
        out.append(("corr 0.999 (%d, %d)" % (i, j), C))
    return out


COVS = covariances()


def args4(C):
    return (C[0, 0], C[0, 1], C[0, 2], C[0, 3], C[1, 1], C[1, 2], C[1, 3], C[2, 2], C[2, 3],
            C[3, 3])


@pytest.mark.parametrize("student", ["linear", "erf", "relu"])
@pytest.mark.parametrize("name, C", COVS, ids=[n for n, _ in COVS])
def test_averages_against_monte_carlo(student, name, C):
    """Fields (a, b) student, (c, d) of every activation: I2, J2, I3, I4 vs 10^6 samples."""
    ts = ACTS[student]
    x = samples(C)
    gp = [hprime(ts, x[0]), hprime(ts, x[1])]
    checks = []
    checks.append(("J2", ca.j2(ts, C[0, 0], C[0, 1], C[1, 1]), gp[0] * gp[1]))
    for tc in ACTS.values():
        for td in ACTS.values():
            hc, hd = h(tc, x[2]), h(td, x[3])
            checks.append(("I2 %d%d" % (tc, td), ca.i2(tc, td, C[2, 2], C[2, 3], C[3, 3]),
                           hc * hd))
            checks.append(("I4 %d%d" % (tc, td), ca.i4(ts, tc, td, *args4(C), False),
                           gp[0] * gp[1] * hc * hd))
            # a and b the same field (k = l)
            checks.append(("I4 same %d%d" % (tc, td),
                           ca.i4(ts, tc, td, C[0, 0], C[0, 0], C[0, 2], C[0, 3], C[0, 0],
                                 C[0, 2], C[0, 3], C[2, 2], C[2, 3], C[3, 3], True),
                           gp[0] * gp[0] * hc * hd))
        checks.append(("I3 %d" % tc, ca.i3(ts, tc, C[0, 0], C[0, 1], C[0, 2], C[1, 1], C[1, 2],
                                            C[2, 2]), gp[0] * x[1] * h(tc, x[2])))
    # coincident fields: c is the student field a itself (I4[k, l, k, q] and I3[k, k, k])
    for td in ACTS.values():
        checks.append(("I4 c=a %d" % td,
                       ca.i4(ts, ts, td, C[0, 0], C[0, 1], C[0, 0], C[0, 3], C[1, 1], C[0, 1],
                             C[1, 3], C[0, 0], C[0, 3], C[3, 3], False),
                       gp[0] * gp[1] * h(ts, x[0]) * h(td, x[3])))
        checks.append(("I4 a=b=c %d" % td,
                       ca.i4(ts, ts, td, C[0, 0], C[0, 0], C[0, 0], C[0, 3], C[0, 0], C[0, 0],
                             C[0, 3], C[0, 0], C[0, 3], C[3, 3], True),
                       gp[0] * gp[0] * h(ts, x[0]) * h(td, x[3])))
    checks.append(("I3 b=c=a", ca.i3(ts, ts, *(C[0, 0],) * 6), gp[0] * x[0] * h(ts, x[0])))
    bad = []
    for label, value, vals in checks:
        mean, se = mc(vals)
        if not abs(value - mean) <= 4 * se + 1e-12:
            bad.append("%s: %.6g vs MC %.6g +- %.2g" % (label, value, mean, se))
    assert not bad, "\n".join(bad)


def saad_solla_i4(C):
    L4 = (1 + C[0, 0]) * (1 + C[1, 1]) - C[0, 1] ** 2
    L0 = (L4 * C[2, 3] - C[1, 2] * C[1, 3] * (1 + C[0, 0]) - C[0, 2] * C[0, 3] * (1 + C[1, 1])
          + C[0, 1] * C[0, 2] * C[1, 3] + C[0, 1] * C[0, 3] * C[1, 2])
    L1 = (L4 * (1 + C[2, 2]) - C[1, 2] ** 2 * (1 + C[0, 0]) - C[0, 2] ** 2 * (1 + C[1, 1])
          + 2 * C[0, 1] * C[0, 2] * C[1, 2])
    L2 = (L4 * (1 + C[3, 3]) - C[1, 3] ** 2 * (1 + C[0, 0]) - C[0, 3] ** 2 * (1 + C[1, 1])
          + 2 * C[0, 1] * C[0, 3] * C[1, 3])
    return 4 / (math.pi ** 2 * math.sqrt(L4)) * math.asin(L0 / math.sqrt(L1 * L2))


def test_erf_against_saad_solla_closed_forms():
    rng = np.random.default_rng(7)
    E = ca.ERF
    for _ in range(50):
        A = rng.standard_normal((4, 4))
        C = A @ A.T / 3 + 0.01 * np.eye(4)
        i3_ss = 2 / math.pi * (C[1, 2] * (1 + C[0, 0]) - C[0, 1] * C[0, 2]) / (
            (1 + C[0, 0]) * math.sqrt((1 + C[0, 0]) * (1 + C[2, 2]) - C[0, 2] ** 2))
        assert ca.i3(E, E, C[0, 0], C[0, 1], C[0, 2], C[1, 1], C[1, 2], C[2, 2]) == \
            pytest.approx(i3_ss, abs=1e-12)
        j2_ss = 2 / math.pi / math.sqrt(1 + C[0, 0] + C[1, 1] + C[0, 0] * C[1, 1] - C[0, 1] ** 2)
        assert ca.j2(E, C[0, 0], C[0, 1], C[1, 1]) == pytest.approx(j2_ss, abs=1e-12)
        assert ca.i4(E, E, E, *args4(C), False) == pytest.approx(saad_solla_i4(C), abs=1e-12)
        i2_ss = 2 / math.pi * math.asin(C[0, 1] / math.sqrt((1 + C[0, 0]) * (1 + C[1, 1])))
        assert ca.i2(E, E, C[0, 0], C[0, 1], C[1, 1]) == pytest.approx(i2_ss, abs=1e-12)


@pytest.mark.slow
def test_relu_four_point_quadrature_converged():
    """The 40-node path quadrature of the ReLU I4 agrees with a 400-node one (random and
    coincident fields, nearly degenerate covariances) to 1e-9."""
    R = ca.RELU
    for name, C in COVS:
        for same in (False, True):
            a = args4(C)
            if same:
                a = (C[0, 0], C[0, 0], C[0, 2], C[0, 3], C[0, 0], C[0, 2], C[0, 3], C[2, 2],
                     C[2, 3], C[3, 3])
            for tc in ACTS.values():
                got = ca.i4(R, tc, R, *a, same)
                ref = fine_i4(tc, R, a, same)
                assert got == pytest.approx(ref, abs=1e-9), (name, same, tc)


def fine_i4(tc, td, a, same, n=400):
    """The same path integral with ``n`` nodes (the Python function with other nodes)."""
    u, w = np.polynomial.legendre.leggauss(n)
    fn = ca._i4_relu.py_func
    g = fn.__globals__
    old = g["U_NODES"], g["U_WEIGHTS"]
    g["U_NODES"], g["U_WEIGHTS"] = (u + 1) / 2, w / 2
    try:
        return fn(tc, td, *a, same)
    finally:
        g["U_NODES"], g["U_WEIGHTS"] = old


def test_generated_committee_module_is_not_stale():
    assert committee_averages.main(["--check"]) == 0
