"""Positive control (seed 003): a torus (R = 2, r = 1) embedded in R^5 by a random isometry.
Through a 3-d bottleneck nothing obstructs an embedding and the maximal error falls; through a
1-d bottleneck the Borsuk-Ulam bound R + r (the outer equator) holds; 2-d is shown without a
bound."""
import matplotlib.pyplot as plt

from odedyn.figures import figure_main
from odedyn_figures._manifold import experiment
from odedyn.plotting import COLORS, panel_labels, save, theory_line, time_axis, title

NAME = "manifold-torus"
DESCRIPTION = "torus in R^5: 3-d bottleneck embeds (max error falls); 1-d stays above R + r"


def make(out_dir, quick=False):
    t_max = 200 if quick else 2000
    width = 16 if quick else 32
    out = {"t_max": t_max, "bottlenecks": [1, 2, 3]}
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for i, k in enumerate(out["bottlenecks"]):
        exp = experiment("torus", width, t_max, depth=1, bottleneck=k, n=5,
                         train=128 if quick else 256, radius=1.0, major_radius=2.0,
                         init={"input_std": 1.0})
        flow = exp.integrate()
        c = COLORS[i]
        for ax, name in zip(axes, ("error", "max_error")):
            theory_line(ax, flow.t, flow[name], c, "bottleneck k = %d" % k)
        if exp.bound > 0:
            axes[1].axhline(exp.bound, color=c, ls="--", lw=1,
                            label="Borsuk-Ulam bound for k = %d (R + r)" % k)
        out["k%d" % k] = {"error": flow["error"], "max_error": flow["max_error"],
                          "exceptional_measure": flow["exceptional_measure"],
                          "bound": exp.bound}
    out["t"] = flow.t
    for ax, label in zip(axes, ("mean error", "maximal error")):
        time_axis(ax)
        ax.set_xlabel(r"time $t$ (gradient flow)")
        ax.set_yscale("log")
        ax.set_ylabel(label + r" $|f(x) - x|$")
        ax.legend(fontsize=7)
    panel_labels(axes)
    title(fig, "Torus R = 2, r = 1 in $R^5$, gradient flow, one hidden layer of %d per side"
          % width, activation="tanh")
    fig.tight_layout()
    out["files"] = save(fig, out_dir, NAME)
    return out


if __name__ == "__main__":
    figure_main(make)
