"""Scaling with width (seed 003): circle of radius 1 through a 1-d bottleneck, gradient flow
from networks of growing width (same training sample, same initial seed): the mean error and
the measure of the exceptional set {|f(x) - x| > epsilon} fall with width and time, while the
maximal error stays above the Borsuk-Ulam bound (the radius)."""
import matplotlib.pyplot as plt
import numpy as np

from odedyn.figures import figure_main
from odedyn.manifold.plots import experiment
from odedyn.plotting import COLORS, save, theory_line, time_axis

NAME = "manifold-scaling"
DESCRIPTION = "circle: mean error and exceptional-set measure against width and time; max error vs bound"


def make(out_dir, quick=False):
    widths = [4, 8, 16] if quick else [2, 4, 8, 16, 32]
    t_max = 400 if quick else 3000
    seeds = [0, 1] if quick else [0, 1, 2, 3]
    runs = {}
    for w in widths:
        runs[w] = []
        for seed in seeds:
            exp = experiment("circle", w, t_max, train=64)
            exp.theta0 = exp.net.random_parameters(**dict(exp.init, seed=seed))
            runs[w].append(exp.integrate())
    bound = exp.bound
    final = {name: np.array([[r[name][-1] for r in runs[w]] for w in widths])
             for name in ("error", "max_error", "exceptional_measure")}
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    ax = axes[0]
    for i, w in enumerate(widths):
        for j, r in enumerate(runs[w]):
            theory_line(ax, r.t, r["exceptional_measure"], COLORS[i % len(COLORS)],
                        "width %d" % w if j == 0 else None)
    time_axis(ax)
    ax.set_xlabel(r"time $t$ (gradient flow)")
    ax.set_ylabel(r"measure of $\{|f(x) - x| > \epsilon\}$")
    ax.set_yscale("log")
    ax.legend(fontsize=7)
    ax = axes[1]
    for name, label, c in (("error", "mean error", 0), ("exceptional_measure",
                                                        r"exceptional-set measure", 1)):
        mean = final[name].mean(axis=1)
        sem = final[name].std(axis=1, ddof=1) / np.sqrt(len(seeds))
        ax.errorbar(widths, mean, sem, fmt="o-", color=COLORS[c], ms=4, capsize=2,
                    label=label + " (mean of %d initial networks)" % len(seeds))
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("hidden width")
    ax.set_ylabel("at t = %g" % t_max)
    ax.legend(fontsize=7)
    ax = axes[2]
    for j in range(len(seeds)):
        ax.plot(widths, final["max_error"][:, j], "o", color=COLORS[2], ms=4,
                label="max error (each initial network)" if j == 0 else None)
    ax.axhline(bound, color="k", ls="--", lw=1, label="Borsuk-Ulam bound (radius)")
    ax.set_xscale("log", base=2)
    ax.set_ylim(0, 2.5)
    ax.set_xlabel("hidden width")
    ax.set_ylabel(r"max$_x |f(x) - x|$ at t = %g" % t_max)
    ax.legend(fontsize=7)
    fig.suptitle("circle (r = 1), 1-d bottleneck, two hidden layers per side, "
                 r"$\epsilon$ = %g" % exp.epsilon, fontsize=10)
    fig.tight_layout()
    return {"widths": widths, "t_max": t_max, "seeds": len(seeds), "bound": bound,
            "mean_error": final["error"].mean(axis=1),
            "exceptional_measure": final["exceptional_measure"].mean(axis=1),
            "max_error": final["max_error"], "mean_error_runs": final["error"],
            "exceptional_measure_runs": final["exceptional_measure"],
            "files": save(fig, out_dir, NAME)}


if __name__ == "__main__":
    figure_main(make)
