"""The shared averages engine against the closed forms: prints a table.

    python benchmarks/averages.py [--quick]

On erf, in the same run, the closed-form path against the quadrature path (``erf-quadrature``:
the same activation averaged by odedyn.averages' Gauss-Hermite rules), the ratio of the two:

* the shallow autoencoder, K = 3 on the spiked spectrum of examples/erf_spiked.toml (D = 1000,
  t to 40): one right-hand-side evaluation (timed in a compiled loop) and one theory curve
  (dopri5, 40 output times, best of 3; ``theory_curve``, with its error estimate), with the
  largest deviation of the two error curves and the quadrature's reported ``numerical_error``,
  and the whole ``integrate`` (the curve plus the SGD-stability diagnostic, whose Jacobian by
  central differences costs about 1200 more evaluations);
* the committee machine, K = M = 4 (t to 100; --quick: 20): one right-hand-side evaluation of
  each path, and the theory curve of the closed form. Its quadrature curve is *extrapolated*
  (closed-form curve's RHS evaluations x the quadrature evaluation's cost; not run: the
  four-field I4 on a 20^4 grid makes it hours). For comparison the committee's tanh, whose
  averages are erf scale mixtures (no grid over the fields), run as a curve.

Times are CPU seconds of this process (time.process_time; the machine may be shared), after a
warm-up call that compiles.
"""
import argparse
import math
import os
import time

import numpy as np
from numba import njit

import odedyn
from odedyn.autoencoder import theory as ae_theory
from odedyn.committee import configure
from odedyn.committee.theory import equations as committee_equations

HERE = os.path.dirname(os.path.abspath(__file__))


@njit
def _evaluate(f, n, t, y, dy, status, args):
    for _ in range(n):
        f(t, y, dy, status, *args)


def rhs_cost(rhs, y, budget=0.5):
    """CPU seconds of one evaluation of a Compiled right-hand side, in a compiled loop (as many
    repeats as fit in about ``budget`` seconds)."""
    dy = np.empty_like(y)
    f = rhs.module.rhs
    _evaluate(f, 1, 0.0, y, dy, rhs.status, rhs.args)
    t0 = time.process_time()
    _evaluate(f, 1, 0.0, y, dy, rhs.status, rhs.args)
    one = max(time.process_time() - t0, 1e-7)
    n = max(1, min(100000, int(budget / one)))
    t0 = time.process_time()
    _evaluate(f, n, 0.0, y, dy, rhs.status, rhs.args)
    return (time.process_time() - t0) / n


def best_of(run, n=3):
    best, out = math.inf, None
    for _ in range(n):
        t0 = time.process_time()
        out = run()
        best = min(best, time.process_time() - t0)
    return best, out


def autoencoder(act):
    cfg, _ = odedyn.config.load(os.path.join(HERE, "..", "examples", "erf_spiked.toml"))
    cfg["model"].update(activation=act, K=3)
    cfg["output"] = dict(cfg.get("output", {}), n_times=40)
    exp = odedyn.config.experiment_from_dict(cfg)
    grouping = exp.grouping()
    rhs, _ = ae_theory.equations(exp.model, grouping)
    y0 = exp.initial_state(grouping)
    cost = rhs_cost(rhs, y0)
    exp.integrate(progress=False)                  # warm-up (compiles)
    curve, traj = best_of(lambda: exp.theory_curve(exp.times, progress=False))
    run, _ = best_of(lambda: exp.integrate(progress=False))
    return cost, curve, traj, run


def committee(act, t_max, run_curve=True):
    exp = configure(model={"activation": act, "K": 4}, teacher={"activation": act, "M": 4},
                    training={"t_max": t_max}, output={"n_times": 41})
    Q, R, T, v = exp.initial_order_parameters()
    rhs = committee_equations(exp.model, T, exp.A)
    cost = rhs_cost(rhs, exp.model.state(Q, R, v), budget=0.5 if run_curve else 1.0)
    if not run_curve:
        return cost, None, None
    exp.integrate(progress=False)
    curve, traj = best_of(lambda: exp.integrate(progress=False))
    return cost, curve, traj


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    ce, te, xe, re = autoencoder("erf")
    cq, tq, xq, rq = autoencoder("erf-quadrature")
    dev = float(np.max(np.abs(xe["error"] - xq["error"])))
    rows.append(("autoencoder K=3 spiked", "RHS evaluation", ce, cq, ""))
    rows.append(("autoencoder K=3 spiked", "theory curve", te, tq,
                 "%d evals; |curve diff| %.1e; reported error %.1e"
                 % (xq.meta["rhs_evaluations"], dev, xq.meta["numerical_error"])))
    rows.append(("autoencoder K=3 spiked", "integrate (+ diagnostics)", re, rq,
                 "the curve plus the SGD-stability Jacobian (central differences)"))
    t_max = 20.0 if args.quick else 100.0
    ce, te, xe = committee("erf", t_max)
    cq, _, _ = committee("erf-quadrature", t_max, run_curve=False)
    n = xe.meta["rhs_evaluations"]
    rows.append(("committee K=M=4", "RHS evaluation", ce, cq, ""))
    rows.append(("committee K=M=4", "theory curve (t=%g)" % t_max, te, n * cq,
                 "quadrature extrapolated: %d evals x RHS cost" % n))
    ct, tt, xt = committee("tanh", t_max)
    rows.append(("committee K=M=4 tanh", "RHS / curve (mixture)", ct, tt,
                 "tanh columns: RHS, curve (not a ratio); reported error %.1e"
                 % xt.meta["numerical_error"]))
    print("%-22s %-26s %12s %12s %9s  %s" % ("case", "what", "closed [s]", "quadrature [s]",
                                             "ratio", "note"))
    for name, what, a, b, note in rows:
        ratio = "" if "tanh" in name else "%9.1f" % (b / a)
        print("%-22s %-26s %12.3g %14.3g %9s  %s" % (name, what, a, b, ratio, note))


if __name__ == "__main__":
    main()
