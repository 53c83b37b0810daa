"""Panels shared by the manifold figures (figures/manifold_*.py). Owns: building a
deep-autoencoder experiment from a small dict, running gradient flow (lines) and SGD (markers
with standard errors) from the same network, and the panels: errors against time with the
Borsuk-Ulam bound, errors along the manifold with the exceptional set, and the
reconstruction drawn in a plane; also gradient flow from several initial networks at once
(``flows``: the numba kernels release the GIL, so threads use both cores)."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

try:  # not a declared dependency (comes with scikit-learn)
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    from contextlib import nullcontext

    def threadpool_limits(limits):
        return nullcontext()

from odedyn.config import derive
from odedyn.plotting import COLORS, simulation_points, theory_line, time_axis, title


#: the figures integrate the flow by its Euler scheme with this step (odedyn.manifold.theory)
FLOW = {"method": "euler", "step": 0.05}


def experiment(manifold, width, t_max, depth=2, bottleneck=1, n_times=15, init=None, solver=None,
               **data):
    cfg = {"init": dict(init or {}), "solver": dict(solver or FLOW),
           "model": {"kind": "deep-autoencoder", "encoder": [width] * depth,
                     "bottleneck": bottleneck},
           "data": dict({"manifold": manifold}, **data),
           "training": {"t_max": float(t_max)}, "output": {"n_times": n_times,
                                                           "t_first": t_max / 200}}
    return derive(cfg)


def flows(exps, times=None, workers=2):
    """Gradient flow of each experiment (e.g. several initial networks), ``workers`` threads."""
    # one BLAS thread per worker: spinning BLAS threads of two workers would fight for the cores
    with threadpool_limits(1), ThreadPoolExecutor(max(1, min(workers, len(exps)))) as pool:
        return list(pool.map(lambda e: e.integrate(times, progress=False), exps))


def mean_sem(values):
    """Mean over the last axis and its standard error (ddof = 1)."""
    values = np.asarray(values, dtype=float)
    return values.mean(axis=-1), values.std(axis=-1, ddof=1) / np.sqrt(values.shape[-1])


def flow_and_sgd(exp, seeds):
    """Gradient flow at the SGD's output times (with parameters) and the SGD runs."""
    sim = exp.simulate(seeds=seeds, progress=False)
    flow = exp.integrate(sim.t)
    return flow, sim


def time_panel(ax, flow, sim=None, color=0, label=""):
    """Mean and maximal error against time: flow as lines, SGD as markers; the bound dashed."""
    time_axis(ax)
    ax.set_xlabel(r"time $t$ (gradient-flow time = lr $\times$ steps)")
    c = COLORS[color % len(COLORS)]
    theory_line(ax, flow.t, flow["error"], c, "mean error, gradient flow" + label)
    theory_line(ax, flow.t, flow["max_error"], c, "max error" + label, ls=":")
    if sim is not None:
        simulation_points(ax, sim.t, sim["error"], sim["error_sem"], c,
                          "mean error, SGD (%d seeds)" % sim.meta["seeds"])
    bound = flow.meta["diagnostics"]["borsuk_ulam_bound"]
    if bound > 0:
        ax.axhline(bound, color="k", ls="--", lw=1, label="Borsuk-Ulam bound")
    ax.set_yscale("log")
    ax.set_ylabel(r"reconstruction error $|f(x) - x|$")


def along_panel(ax, exp, theta, coord_label):
    """Error at every test point against its intrinsic coordinate; epsilon and the bound."""
    pts, w, coords = exp.test_set()
    err = exp.net.errors(theta, pts)
    key = coords[:, 0] + (2 * np.pi * coords[:, 1] if coords.shape[1] > 1 else 0)
    ax.plot(key, err, ".", ms=1.5, color=COLORS[0], label="test set")
    ax.axhline(exp.epsilon, color=COLORS[3], lw=1, label=r"$\epsilon$ = %g" % exp.epsilon)
    if exp.bound > 0:
        ax.axhline(exp.bound, color="k", ls="--", lw=1, label="Borsuk-Ulam bound")
    ax.set_yscale("log")
    ax.set_xlabel(coord_label)
    ax.set_ylabel(r"$|f(x) - x|$")
    return err


def reconstruction_panel(ax, exp, theta, dims=(0, 1)):
    """Test points (grey), reconstructions (colour), exceptional points (red) in a plane."""
    pts, w, _ = exp.test_set()
    natural = pts @ exp.manifold.embedding  # back to the natural coordinates
    rec = exp.net.reconstruct(theta, pts) @ exp.manifold.embedding
    bad = np.linalg.norm(rec - natural, axis=1) > exp.epsilon
    i, j = dims
    ax.plot(natural[:, i], natural[:, j], "-", color="0.75", lw=3, label="$K$")
    ax.plot(rec[~bad, i], rec[~bad, j], ".", ms=1.5, color=COLORS[0], label="$f(x)$")
    ax.plot(natural[bad, i], natural[bad, j], ".", ms=3, color=COLORS[3],
            label=r"exceptional set ($|f(x)-x| > \epsilon$)")
    ax.plot(rec[bad, i], rec[bad, j], ".", ms=1.5, color=COLORS[1], label="its reconstructions")
    ax.set_aspect("equal")
    ax.set_xlabel("$x_%d$" % (i + 1))
    ax.set_ylabel("$x_%d$" % (j + 1))


def manifold_title(fig, what, exp, **more):
    """Figure title naming the network: hidden widths, bottleneck, activation, learning rate of
    the SGD companion (the flow has none)."""
    title(fig, what, widths=list(exp.net.encoder), bottleneck=exp.net.bottleneck,
          activation=exp.net.activation, lr=exp.lr, **more)


#: what the width sweeps keep of each run's last time
FINAL = ("error", "max_error", "exceptional_measure")


def width_sweep(manifold, widths, seeds, t_max, workers=2, **kwargs):
    """Gradient flow (Euler scheme, FLOW) from ``seeds`` random initial networks at each width,
    all runs in ``workers`` threads. Returns (runs[width] = list of trajectories over seeds,
    final[name] = array (len(widths), len(seeds)) of the observable at t_max, last experiment)."""
    exps = [experiment(manifold, w, t_max, **kwargs).with_init_seed(s)
            for w in widths for s in seeds]
    trajs = flows(exps, workers=workers)
    runs = {w: trajs[i * len(seeds):(i + 1) * len(seeds)] for i, w in enumerate(widths)}
    final = {name: np.array([[r[name][-1] for r in runs[w]] for w in widths]) for name in FINAL}
    return runs, final, exps[-1]


def sweep_panels(axes, widths, runs, final, bound, t_max):
    """Exceptional-set measure against time (each run), mean error and exceptional measure
    against width at t_max (mean over initial networks with standard errors), and the maximal
    error of every run against width with the Borsuk-Ulam bound."""
    ax = axes[0]
    for i, w in enumerate(widths):
        for j, r in enumerate(runs[w]):
            theory_line(ax, r.t, np.maximum(r["exceptional_measure"], 1e-4),
                        COLORS[i % len(COLORS)], "width %d" % w if j == 0 else None)
    time_axis(ax)
    ax.set_xlabel(r"time $t$ (gradient flow)")
    ax.set_ylabel(r"measure of $\{|f(x) - x| > \epsilon\}$")
    ax.set_yscale("log")
    ax.legend(fontsize=7)
    ax = axes[1]
    n_seeds = final["error"].shape[1]
    for name, label, c in (("error", "mean error", 0),
                           ("exceptional_measure", "exceptional-set measure", 1)):
        mean, sem = mean_sem(final[name])
        simulation_points(ax, widths, mean, sem, COLORS[c],
                          label + " (mean of %d initial networks)" % n_seeds, ms=4, fmt="o-",
                          mfc=COLORS[c])
    ax.axhline(0.05, color="0.5", ls=":", lw=1, label="0.05")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("hidden width")
    ax.set_ylabel("at t = %g" % t_max)
    ax.legend(fontsize=7, loc="lower left")
    ax = axes[2]
    for j in range(n_seeds):
        ax.plot(widths, final["max_error"][:, j], "o", color=COLORS[2], ms=4,
                label="max error (each initial network)" if j == 0 else None)
    ax.axhline(bound, color="k", ls="--", lw=1, label="Borsuk-Ulam bound (radius)")
    ax.set_xscale("log", base=2)
    ax.set_ylim(0, max(2.5, 1.1 * final["max_error"].max()))
    ax.set_xlabel("hidden width")
    ax.set_ylabel(r"max$_x |f(x) - x|$ at t = %g" % t_max)
    ax.legend(fontsize=7)


def summary(widths, seeds, t_max, final, exp):
    """The numbers of a width sweep: per run (width x seed) and mean / standard error."""
    out = {"widths": widths, "t_max": t_max, "seeds": len(seeds), "bound": exp.bound,
           "epsilon": exp.epsilon, "max_error": final["max_error"]}
    for name in ("error", "exceptional_measure"):
        key = "mean_error" if name == "error" else name
        out[key], out[key + "_sem"] = mean_sem(final[name])
        out[key + "_runs"] = final[name]
    return out

