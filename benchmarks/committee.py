"""Committee-machine benchmark: prints a table.

    python benchmarks/committee.py [--quick]

The peers' method -- the order-parameter equations integrated by explicit Euler at dt = 0.01
with the averages evaluated in numpy (Saad & Solla's erf closed forms, vectorised over indices;
an independent implementation of the same equations) -- against odedyn's path (scipy DOP853 on
the generated numba right-hand side) for an erf committee machine with K = M = 4, fixed second
layer, eta = 1, from a small random student, to t = 1000.

Accuracy is the largest deviation of the error curve at 200 output times from a reference (odedyn
at rtol = 1e-12). odedyn's tolerance is the loosest of 1e-6 ... 1e-10 that reaches 1e-6. Euler is
first order: its error at dt = 0.01 is measured, and the dt at which it would reach 1e-6 and its
time there are extrapolated from the measured error at dt = 0.02 and 0.01 and the measured cost
per step (stated as extrapolated in the table). Times are CPU seconds of this process (the
machine is shared; wall time under load measures the neighbours), best of 3 for odedyn.
"""
import argparse
import math
import time

import numpy as np

from odedyn.committee import configure
from odedyn.committee.theory import integrate
from odedyn.integrate import Dopri5


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


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="t = 100 instead of 1000")
    args = ap.parse_args(argv)
    t_max = 100.0 if args.quick else 1000.0
    exp = configure(model={"K": 4, "activation": "erf", "train_second_layer": False},
                    teacher={"M": 4, "activation": "erf", "orthogonal": True},
                    data={"D": 1000}, training={"lr": 1.0, "t_max": t_max},
                    init={"std": 0.1, "seed": 0, "v_init": 1.0})
    times = np.linspace(0.0, t_max, 201)
    exp.prepare()
    ref = integrate(exp.model, *_ops(exp), times, Dopri5(1e-12, 1e-14))["error"]
    rows = []
    for rtol in (1e-6, 1e-7, 1e-8, 1e-9, 1e-10):
        best = math.inf
        for _ in range(3):
            t0 = time.process_time()
            tr = integrate(exp.model, *_ops(exp), times, Dopri5(rtol, rtol * 1e-2))
            best = min(best, time.process_time() - t0)
        acc = float(np.max(np.abs(tr["error"] - ref)))
        if acc <= 1e-6:
            rows.append(("odedyn DOP853 (numba RHS), rtol %.0e" % rtol, best, acc, tr.meta["rhs_evaluations"]))
            break
    e2, s2, n2 = euler(exp, 0.02, times)
    e1, s1, n1 = euler(exp, 0.01, times)
    acc2, acc1 = float(np.max(np.abs(e2 - ref))), float(np.max(np.abs(e1 - ref)))
    rows.append(("Euler dt = 0.02, numpy", s2, acc2, n2))
    rows.append(("Euler dt = 0.01, numpy (the peers' method)", s1, acc1, n1))
    order = math.log(acc2 / acc1, 2)
    dt_needed = 0.01 * (1e-6 / acc1) ** (1 / order)
    t_needed = s1 / n1 * (t_max / dt_needed)
    rows.append(("Euler at 1e-6 accuracy (extrapolated: dt = %.1e)" % dt_needed, t_needed, 1e-6,
                 int(t_max / dt_needed)))
    print("erf committee machine, K = M = 4, fixed second layer, eta = 1, t = %g" % t_max)
    print("accuracy = max |error(t) - reference| over 201 times; reference: odedyn at rtol 1e-12")
    print("%-52s %12s %12s %12s" % ("method", "CPU [s]", "accuracy", "steps/nfev"))
    for name, s, acc, n in rows:
        print("%-52s %12.4g %12.2e %12d" % (name, s, acc, n))
    ours = rows[0][1]
    print("Euler order measured from dt = 0.02, 0.01: %.2f" % order)
    print("speed-up vs Euler dt = 0.01: %.0fx (Euler less accurate: %.1e)" % (s1 / ours, acc1))
    print("speed-up vs Euler at equal accuracy 1e-6 (extrapolated): %.0fx" % (t_needed / ours))


def _ops(exp):
    Q, R, T, v = exp.initial_order_parameters()
    return Q, R, T, v, exp.A


if __name__ == "__main__":
    main()
