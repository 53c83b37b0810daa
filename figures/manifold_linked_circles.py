"""The paper's example (seed 003): two linked circles in R^3 through a 1-d bottleneck. Each
circle is a round 1-sphere, so the Borsuk-Ulam bound (the radius) holds on each; the mean
error falls, and the exceptional set is small arcs."""
import matplotlib.pyplot as plt

from odedyn.figures import figure_main
from odedyn.manifold.plots import (along_panel, experiment, flow_and_sgd, reconstruction_panel,
                                   time_panel)
from odedyn.plotting import save

NAME = "manifold-linked-circles"
DESCRIPTION = "two linked circles in R^3 through a 1-d bottleneck (the paper's example)"


def make(out_dir, quick=False):
    exp = experiment("linked-circles", 16 if quick else 32, 400 if quick else 3000,
                     train=96 if quick else 192, solver={"method": "RK23"})
    flow, sim = flow_and_sgd(exp, 2 if quick else 4)
    theta = flow.meta["theta"][-1]
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.8))
    time_panel(axes[0], flow, sim)
    axes[0].legend(fontsize=7)
    reconstruction_panel(axes[1], exp, theta, (0, 1))
    reconstruction_panel(axes[2], exp, theta, (0, 2))
    axes[1].legend(fontsize=6, loc="upper left")
    along_panel(axes[3], exp, theta, r"angle $a$ (first circle), $2\pi$ + angle (second)")
    axes[3].legend(fontsize=7)
    fig.suptitle("two linked circles (r = 1) through a 1-d bottleneck, widths %s, t = %g"
                 % (list(exp.net.encoder), flow.t[-1]), fontsize=10)
    fig.tight_layout()
    return {"t": flow.t, "error": flow["error"], "max_error": flow["max_error"],
            "exceptional_measure": flow["exceptional_measure"], "bound": exp.bound,
            "sgd_error": sim["error"], "sgd_error_sem": sim["error_sem"],
            "files": save(fig, out_dir, NAME)}


if __name__ == "__main__":
    figure_main(make)
