"""Panels shared by the manifold figures (figures/manifold_*.py). Owns: building a
deep-autoencoder experiment from a small dict, running gradient flow (lines) and SGD (markers
with standard errors) from the same network, and the panels: errors against time with the
Borsuk-Ulam bound, errors along the manifold with the exceptional set, and the
reconstruction drawn in a plane; also gradient flow from several initial networks at once
(``flows``: the numba kernels release the GIL, so threads use both cores)."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..config import experiment_from_dict
from ..plotting import COLORS, simulation_points, theory_line, time_axis


#: the figures integrate the flow by its Euler scheme with this step (see training.euler_flow)
FLOW = {"method": "euler", "step": 0.05}


def experiment(manifold, width, t_max, depth=2, bottleneck=1, n_times=15, init=None, solver=None,
               **data):
    cfg = {"init": dict(init or {}), "solver": dict(solver or FLOW), "model": {"kind": "deep-autoencoder", "encoder": [width] * depth,
                     "bottleneck": bottleneck},
           "data": dict({"manifold": manifold}, **data),
           "training": {"t_max": float(t_max)}, "output": {"n_times": n_times,
                                                           "t_first": t_max / 200}}
    return experiment_from_dict(cfg)


def flows(exps, times=None, workers=2):
    """Gradient flow of each experiment (e.g. several initial networks), ``workers`` threads."""
    with ThreadPoolExecutor(max(1, min(workers, len(exps)))) as pool:
        return list(pool.map(lambda e: e.integrate(times), exps))


def mean_sem(values):
    """Mean over the last axis and its standard error (ddof = 1)."""
    values = np.asarray(values, dtype=float)
    return values.mean(axis=-1), values.std(axis=-1, ddof=1) / np.sqrt(values.shape[-1])


def flow_and_sgd(exp, seeds):
    """Gradient flow at the SGD's output times (with parameters) and the SGD runs."""
    sim = exp.simulate(seeds=seeds, progress=False)
    flow = exp.integrate(sim.t, return_states=True)
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
    bound = flow.meta["borsuk_ulam_bound"]
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
