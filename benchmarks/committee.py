"""Committee-machine benchmark: prints a table.

    python benchmarks/committee.py [--quick]

For erf committee machines (fixed second layer, eta = 1, from a small random student; K = M = 4
to t = 1000, K = M = 10 to t = 300, K = 20 with M = 2 to t = 100: Euler's 1e5 steps at K = 20
cost minutes; --quick: a tenth of each), in the same run:

* odedyn's path: the generated right-hand side on the compiled Dormand-Prince loop (the shared
  template, dopri5 at rtol 1e-9), its RHS evaluations, and its overhead: integration time over
  (RHS evaluations x the cost of one evaluation, timed in a compiled loop);
* scipy's DOP853 on the very same compiled right-hand side (a Python call per evaluation);
* explicit Euler at dt = 0.01 on the same compiled right-hand side (the field's method, given
  every advantage: compiled, no Python per step);
* for K = M = 4 also the peers' code path: Euler at dt = 0.01 and 0.02 with the averages in
  numpy (Saad & Solla's erf closed forms, vectorised; an independent implementation of the same
  equations), its measured order and the extrapolated cost of reaching 1e-6.

Accuracy is the largest deviation of the error curve at 201 output times from a reference
(dopri5 at rtol = 1e-12). Times are CPU seconds of this process (the machine may be shared;
wall time under load measures the neighbours), best of 3 for the adaptive methods.
"""
import argparse
import math
import time

import numpy as np

from odedyn.committee import configure
from odedyn.committee.theory import equations, integrate
from odedyn.integrate import Dopri5, FixedStep, Scipy


def numpy_rhs(K, M, T, A, eta):
    """The peers' right-hand side: numpy closed forms for erf, same equations (fixed v)."""
    N = K + M

    def f(Q, R, v):
        C = np.empty((N, N))
        C[:K, :K], C[:K, K:], C[K:, :K], C[K:, K:] = Q, R, R.T, T
        d = np.diag(C)
        c = np.concatenate([-v, A])
        I2 = 2 / math.pi * np.arcsin(C / np.sqrt(np.outer(1 + d, 1 + d)))
        # I3[k, b, p] = E[g'(x_k) x_b g(x_p)]
        Ck = C[:K]
        a = 1 + d[:K, None, None]
        I3 = 2 / math.pi * (C[None, :, :] * a - Ck[:, :, None] * Ck[:, None, :]) / (
            a * np.sqrt(a * (1 + d[None, None, :]) - Ck[:, None, :] ** 2))
        # I4[k, l, p, q] (Saad & Solla)
        c11 = d[:K, None, None, None]
        c22 = d[None, :K, None, None]
        c12 = Q[:, :, None, None]
        c13 = Ck[:, None, :, None]
        c14 = Ck[:, None, None, :]
        c23 = Ck[None, :, :, None]
        c24 = Ck[None, :, None, :]
        c33 = d[None, None, :, None]
        c44 = d[None, None, None, :]
        c34 = C[None, None, :, :]
        L4 = (1 + c11) * (1 + c22) - c12 ** 2
        L0 = L4 * c34 - c23 * c24 * (1 + c11) - c13 * c14 * (1 + c22) + c12 * c13 * c24 + c12 * c14 * c23
        L1 = L4 * (1 + c33) - c23 ** 2 * (1 + c11) - c13 ** 2 * (1 + c22) + 2 * c12 * c13 * c23
        L2 = L4 * (1 + c44) - c24 ** 2 * (1 + c11) - c14 ** 2 * (1 + c22) + 2 * c12 * c14 * c24
        I4 = 4 / (math.pi ** 2 * np.sqrt(L4)) * np.arcsin(L0 / np.sqrt(L1 * L2))
        s3 = I3 @ c                                   # (K, N): sum_p c_p I3[k, b, p]
        dQ = eta * (v[:, None] * s3[:, :K] + v[None, :] * s3[:, :K].T) + eta ** 2 * np.outer(v, v) * np.einsum("klpq,p,q->kl", I4, c, c)
        dR = eta * v[:, None] * s3[:, K:]
        err = 0.5 * c @ I2 @ c
        return dQ, dR, err
    return f


def euler(exp, dt, times):
    Q, R, T, v = exp.initial_order_parameters()
    f = numpy_rhs(exp.model.K, exp.model.M, T, exp.A, exp.model.lr)
    out = np.empty(len(times))
    i = 0
    n = int(round(times[-1] / dt))
    idx = np.round(np.asarray(times) / dt).astype(int)
    t0 = time.process_time()
    for step in range(n + 1):
        dQ, dR, err = f(Q, R, v)
        while i < len(idx) and idx[i] == step:
            out[i] = err
            i += 1
        if step == n:
            break
        Q = Q + dt * dQ
        R = R + dt * dR
    return out, time.process_time() - t0, n


def rhs_cost(exp, repeats=20000):
    """CPU seconds of one evaluation of the compiled right-hand side, in a compiled loop."""
    Q, R, T, v, A = _ops(exp)
    rhs = equations(exp.model, T, A)
    y = exp.model.state(Q, R, v)
    dy = np.empty_like(y)
    evaluate = _loop(rhs.module.rhs)
    evaluate(10, y, dy, rhs.status, rhs.args)
    t0 = time.process_time()
    evaluate(repeats, y, dy, rhs.status, rhs.args)
    return (time.process_time() - t0) / repeats


def _loop(f):
    from numba import njit

    @njit
    def evaluate(n, y, dy, status, args):
        for _ in range(n):
            f(0.0, y, dy, status, *args)
    return evaluate


def best_of(run, n=3):
    best, out = math.inf, None
    for _ in range(n):
        t0 = time.process_time()
        out = run()
        best = min(best, time.process_time() - t0)
    return best, out


def case(K, M, t_max, peers):
    exp = configure(model={"K": K, "activation": "erf", "train_second_layer": False},
                    teacher={"M": M, "activation": "erf", "orthogonal": True},
                    data={"D": 1000}, training={"lr": 1.0, "t_max": t_max},
                    init={"std": 0.1, "seed": 0, "v_init": 1.0})
    times = np.linspace(0.0, t_max, 201)
    exp.prepare()
    ref = integrate(exp.model, *_ops(exp), times, Dopri5(1e-12, 1e-14))["error"]
    cost = rhs_cost(exp)
    rows = []
    for name, solver, repeats in (("odedyn dopri5 (compiled loop), rtol 1e-9", Dopri5(), 3),
                                  ("scipy DOP853, same compiled RHS, rtol 1e-9",
                                   Scipy("DOP853"), 3),
                                  ("Euler dt = 0.01, same compiled RHS", FixedStep(0.01, "euler"),
                                   1)):
        s, tr = best_of(lambda: integrate(exp.model, *_ops(exp), times, solver), repeats)
        n = tr.meta["rhs_evaluations"]
        rows.append((name, s, float(np.max(np.abs(tr["error"] - ref))), n, s / (n * cost)))
    if peers:
        e2, s2, n2 = euler(exp, 0.02, times)
        e1, s1, n1 = euler(exp, 0.01, times)
        acc2, acc1 = float(np.max(np.abs(e2 - ref))), float(np.max(np.abs(e1 - ref)))
        rows.append(("Euler dt = 0.02, numpy averages", s2, acc2, n2, None))
        rows.append(("Euler dt = 0.01, numpy averages (the peers')", s1, acc1, n1, None))
        order = math.log(acc2 / acc1, 2)
        dt_needed = 0.01 * (1e-6 / acc1) ** (1 / order)
        rows.append(("numpy Euler at 1e-6 (extrapolated: dt = %.1e, order %.2f)"
                     % (dt_needed, order), s1 / n1 * (t_max / dt_needed), 1e-6,
                     int(t_max / dt_needed), None))
    return cost, rows


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="a tenth of each time span")
    args = ap.parse_args(argv)
    scale = 0.1 if args.quick else 1.0
    print("erf committee machines, fixed second layer, eta = 1; CPU seconds; accuracy = max "
          "|error(t) - reference| over 201 times (reference: dopri5 at rtol 1e-12); overhead = "
          "time / (RHS evaluations x cost of one)")
    for K, M, t_max in ((4, 4, 1000.0), (10, 10, 300.0), (20, 2, 100.0)):
        cost, rows = case(K, M, scale * t_max, peers=(K, M) == (4, 4))
        print("\nK = %d, M = %d, t = %g: one RHS evaluation %.3g us"
              % (K, M, scale * t_max, cost * 1e6))
        print("%-60s %10s %10s %11s %9s" % ("method", "CPU [s]", "accuracy", "RHS evals",
                                            "overhead"))
        for name, s, acc, n, over in rows:
            print("%-60s %10.4g %10.2e %11d %9s" % (name, s, acc, n,
                                                    "-" if over is None else "%.2f" % over))
        print("dopri5 vs scipy DOP853: %.1fx faster; vs compiled Euler dt = 0.01: %.0fx faster "
              "and %.0fx more accurate" % (rows[1][1] / rows[0][1], rows[2][1] / rows[0][1],
                                           rows[2][2] / max(rows[0][2], 1e-300)))


def _ops(exp):
    Q, R, T, v = exp.initial_order_parameters()
    return Q, R, T, v, exp.A


if __name__ == "__main__":
    main()
