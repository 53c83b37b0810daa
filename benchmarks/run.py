"""odedyn benchmarks: prints a table and writes benchmarks/results.json.

    python benchmarks/run.py [--quick]

Theory cases: wall time warm (median of repeats after a first call) and cold (a fresh process,
numba cache present), right-hand-side evaluations, the time of one right-hand side, the
integration overhead (warm time / (evaluations x RHS time)), scipy's DOP853 on the same compiled
right-hand side, and a baseline measured in the same run: a plain numpy explicit Euler
integrator at dt = 1/D of the same equations in the per-direction form q, r, t (as in the
public reference code), timed over a fixed number of steps and scaled to t * D steps.
SGD case: steps per second on one core of odedyn's kernel, of a hand-written numba loop of the
bare update (same arithmetic, no options), and of a plain numpy loop of the same update.
"""
import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

import odedyn
from odedyn._generated import gaussian_averages as gen
from odedyn.autoencoder import Autoencoder, kernels
from odedyn.autoencoder import theory as ae
from odedyn.autoencoder.simulate import sgd_steps
from odedyn.autoencoder.spectra import Spectrum, spiked
from odedyn.integrate import Scipy, output_times

HERE = os.path.dirname(os.path.abspath(__file__))


def case_setup(name):
    """(model, spectrum, grouping, W, V, b, t_max) of a named case."""
    if name == "full-erf-K5-D500":
        spec, K, t_max, model = spiked(500, [0.7, 0.25, 0.1], 0.03), 5, 50.0, {}
        merge = False
    elif name == "powerlaw-erf-K4-D1024":
        tau = np.arange(1, 1025)
        ev = tau ** -1.0
        spec, K, t_max, model, merge = Spectrum(ev * 1024 / ev.sum()), 4, 100.0, {}, True
    elif name == "spiked-erf-K3":
        spec, K, t_max, model, merge = spiked(1000, [0.6, 0.2, 0.07], 0.01), 3, 100.0, {}, True
    elif name == "spiked-relu-bias-K4":
        spec, K, t_max, merge = spiked(1000, [0.7, 0.25, 0.1, 0.05], 0.03), 4, 100.0, True
        model = {"activation": "relu", "train_bias": True}
    m = Autoencoder(K=K, **{"activation": "erf", **model})
    W, V, b = m.random_weights(spec.D, 0.3, 0)
    return m, spec, spec.grouping(merge=merge), W, V, b, t_max


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# ------------------------------------------------------------ numpy Euler baseline
def numpy_euler_step_time(m, spec, grouping, W, V, b, steps):
    """Seconds per explicit Euler step (dt = 1/D) of the q, r, t equations in plain numpy."""
    D, K = spec.D, m.K
    q, r, t, _ = m.group_moments(m.order_parameters(W, V, b, grouping), grouping)
    p, n = grouping.p[:, None, None], grouping.n[:, None, None]
    pair = {"erf": gen.erf_pair0, "relu": gen.relu_pair0, "linear": gen.linear_pair0}[m.activation]
    single = {"erf": gen.erf_single0, "relu": gen.relu_single0, "linear": gen.linear_single0}[m.activation]
    diag = {"erf": gen.erf_diag0, "relu": gen.relu_diag0, "linear": gen.linear_diag0}[m.activation]
    dt = 1.0 / D
    t0 = time.perf_counter()
    for _ in range(steps):
        Q, R, T0 = (n * p * q).sum(0), (n * p * r).sum(0), (n * t).sum(0)
        e = np.array([single(Q[k, k]) for k in range(K)])
        G, P, S = np.empty((K, K)), np.empty((K, K)), np.empty((K, K))
        for k in range(K):
            G[k, k], P[k, k], S[k, k], _ = diag(Q[k, k])
            for l in range(k + 1, K):
                out = pair(Q[k, k], Q[k, l], Q[l, l])
                G[k, l] = G[l, k] = out[0]
                P[k, l] = P[l, k] = out[1]
                S[k, l], S[l, k] = out[2], out[3]
        a = -T0 * P + np.diag(np.diag(R) * e[:, 3] - (T0 * S).sum(1))
        beta = np.diag(e[:, 1])
        dq = p * (q @ a.T + a @ q + np.swapaxes(r, 1, 2) @ beta + beta @ r)
        dr = p * beta @ q - G @ r + p * (r @ a.T + t @ beta)
        dtt = p * (r @ beta + beta @ np.swapaxes(r, 1, 2)) - (t @ G + G @ t)
        q, r, t = q + dt * dq, r + dt * dr, t + dt * dtt
    return (time.perf_counter() - t0) / steps


def theory_case(name, repeats, baseline_steps):
    m, spec, grouping, W, V, b, t_max = case_setup(name)
    times = output_times(t_max, 60)
    y0 = m.order_parameters(W, V, b, grouping)
    run = lambda solver=None: ae.integrate(m, y0, grouping, times, solver)  # noqa: E731
    first = run()
    warm = median_time(run, repeats)
    scipy_warm = median_time(lambda: run(Scipy("DOP853")), 1)
    rhs, _ = ae.equations(m, grouping)
    dy = np.empty_like(y0)
    n_calls = 2000
    t0 = time.perf_counter()
    for _ in range(n_calls):
        kernels.rhs(0.0, y0, dy, rhs.status, *rhs.args)
    t_rhs = (time.perf_counter() - t0) / n_calls
    per_step = numpy_euler_step_time(m, spec, grouping, W, V, b, baseline_steps)
    baseline = per_step * t_max * spec.D
    return {"case": name, "groups": grouping.size, "state_size": len(y0), "t_max": t_max,
            "warm_s": warm, "rhs_evaluations": first.meta["rhs_evaluations"], "rhs_us": t_rhs * 1e6,
            "overhead": warm / (first.meta["rhs_evaluations"] * t_rhs),
            "scipy_dop853_s": scipy_warm, "numpy_euler_s": baseline,
            "speedup_vs_numpy_euler": baseline / warm, "final_error": float(first["error"][-1])}


def cold_time(name):
    code = ("import time; t=time.perf_counter(); import sys; sys.path.insert(0, %r); import run; "
            "m, s, g, W, V, b, tm = run.case_setup(%r); from odedyn.integrate import output_times; "
            "from odedyn.autoencoder.theory import integrate; "
            "integrate(m, m.order_parameters(W, V, b, g), g, output_times(tm, 60)); "
            "print(time.perf_counter() - t)") % (HERE, name)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, float(out.stdout.strip())


# ------------------------------------------------------------ SGD
def bare_numba_loop():
    from numba import njit

    @njit(cache=True, nogil=True)
    def bare(W, V, sqrt_rho, rng, n_steps, eta):
        K, D = W.shape
        sD = np.sqrt(D)
        x = np.empty(D)
        e = np.empty(D)
        g = np.empty(K)
        dg = np.empty(K)
        for _ in range(n_steps):
            z = rng.standard_normal(D)
            for i in range(D):
                x[i] = sqrt_rho[i] * z[i]
            for k in range(K):
                s = 0.0
                for i in range(D):
                    s += W[k, i] * x[i]
                lam = s / sD
                g[k] = math.erf(lam / np.sqrt(2.0))
                dg[k] = np.sqrt(2.0 / np.pi) * np.exp(-0.5 * lam * lam)
            for i in range(D):
                acc = x[i]
                for k in range(K):
                    acc -= V[k, i] * g[k]
                e[i] = acc
            for k in range(K):
                s = 0.0
                for i in range(D):
                    s += V[k, i] * e[i]
                fw = eta / D * dg[k] * s / D / sD
                fv = eta / D * g[k]
                for i in range(D):
                    W[k, i] += fw * x[i]
                    V[k, i] += fv * e[i]
    return bare


def numpy_sgd_steps_per_s(W, V, rho, steps, eta=1.0):
    from scipy.special import erf
    rng = np.random.default_rng(0)
    D = W.shape[1]
    s = np.sqrt(rho)
    t0 = time.perf_counter()
    for _ in range(steps):
        x = s * rng.standard_normal(D)
        lam = W @ x / np.sqrt(D)
        g, dg = erf(lam / np.sqrt(2)), np.sqrt(2 / np.pi) * np.exp(-lam**2 / 2)
        e = x - g @ V
        c = V @ e / D
        W += (eta / D) * np.outer(dg * c, x) / np.sqrt(D)
        V += (eta / D) * np.outer(g, e)
    return steps / (time.perf_counter() - t0)


def sgd_case(steps, numpy_steps):
    D, K = 1000, 4
    m = Autoencoder(K=K, activation="erf")
    rho = spiked(D, [0.7, 0.25, 0.1, 0.05], 0.03).eigenvalues
    W, V, b = m.random_weights(D, 0.3, 0)
    rng = np.random.default_rng(1)
    extra = (np.zeros((0, D)), np.zeros(1, np.int64), np.zeros(1, np.int64))
    opts = (1.0, 1.0, kernels.ERF, False, False, False)
    sgd_steps(W, V, b, np.sqrt(rho), *extra, rng, 10, *opts)
    t0 = time.perf_counter()
    sgd_steps(W, V, b, np.sqrt(rho), *extra, rng, steps, *opts)
    ours = steps / (time.perf_counter() - t0)
    bare = bare_numba_loop()
    W2, V2, _ = m.random_weights(D, 0.3, 0)
    bare(W2, V2, np.sqrt(rho), rng, 10, 1.0)
    t0 = time.perf_counter()
    bare(W2, V2, np.sqrt(rho), rng, steps, 1.0)
    bare_rate = steps / (time.perf_counter() - t0)
    W3, V3, _ = m.random_weights(D, 0.3, 0)
    np_rate = numpy_sgd_steps_per_s(W3, V3, rho, numpy_steps)
    return {"case": "sgd-erf-K4-D1000", "steps": steps, "steps_per_s": ours,
            "bare_numba_steps_per_s": bare_rate, "numpy_steps_per_s": np_rate,
            "fraction_of_bare": ours / bare_rate, "speedup_vs_numpy": ours / np_rate}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats and steps")
    args = ap.parse_args(argv)
    repeats, baseline_steps = (1, 200) if args.quick else (5, 2000)
    sgd_n, np_n = (100_000, 2_000) if args.quick else (1_000_000, 20_000)
    names = ["full-erf-K5-D500", "powerlaw-erf-K4-D1024", "spiked-erf-K3", "spiked-relu-bias-K4"]
    theory = []
    for name in names:
        row = theory_case(name, repeats, baseline_steps)
        row["cold_total_s"], row["cold_in_process_s"] = cold_time(name)
        theory.append(row)
        print("measured %s" % name, file=sys.stderr)
    sgd = sgd_case(sgd_n, np_n)
    spiked = next(r for r in theory if r["case"] == "spiked-erf-K3")
    sgd_run_s = spiked["t_max"] * 1000 / sgd["steps_per_s"]
    result = {"machine": {"platform": platform.platform(), "processor": platform.processor(),
                          "cpus": os.cpu_count(), "python": platform.python_version()},
              "versions": odedyn.results.versions(), "theory": theory, "sgd": sgd,
              "theory_over_sgd_run": spiked["warm_s"] / sgd_run_s}
    header = ("case", "groups", "warm s", "cold s", "RHS evals", "RHS us", "overhead",
              "scipy DOP853 s", "numpy Euler s", "speed-up")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in theory:
        print("| %s | %d | %.4f | %.2f | %d | %.1f | %.2f | %.3f | %.1f | %.0fx |" % (
            r["case"], r["groups"], r["warm_s"], r["cold_total_s"], r["rhs_evaluations"],
            r["rhs_us"], r["overhead"], r["scipy_dop853_s"], r["numpy_euler_s"],
            r["speedup_vs_numpy_euler"]))
    print()
    print("SGD erf K=4 D=1000, %d steps, one core: %.0f steps/s; bare numba loop %.0f steps/s "
          "(ours = %.0f%%); plain numpy %.0f steps/s (ours %.0fx faster)" % (
              sgd["steps"], sgd["steps_per_s"], sgd["bare_numba_steps_per_s"],
              100 * sgd["fraction_of_bare"], sgd["numpy_steps_per_s"], sgd["speedup_vs_numpy"]))
    print("theory curve of spiked-erf-K3 / one SGD run of the same network at D = 1000: %.2g%%"
          % (100 * result["theory_over_sgd_run"]))
    with open(os.path.join(HERE, "results%s.json" % ("-quick" if args.quick else "")), "w") as fh:
        json.dump(odedyn.results.to_jsonable(result), fh, indent=1)


if __name__ == "__main__":
    main()
