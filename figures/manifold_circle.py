"""A circle of radius 1 through a 1-d bottleneck (seed 003): the reconstruction, the
exceptional arc, and the errors in time (gradient flow as lines, SGD as markers) next to the
Borsuk-Ulam bound.

The flow is integrated by its Euler scheme (step 0.05, odedyn.manifold.theory).
128 training points, stratified (data.sampling): the encoder's jump hides in the largest gap
between training points, and 128 independent draws leave gaps up to ~0.3 rad (measured: an
exceptional arc of 0.25 rad with no training point in it, mean test error stalling near 0.055
while the training loss kept falling); a stratified sample has no gap above two cells.
"""
import matplotlib.pyplot as plt

from odedyn.figures import figure_main
from odedyn_figures._manifold import (along_panel, experiment, flow_and_sgd, manifold_title,
                                      reconstruction_panel, time_panel)
from odedyn.plotting import panel_labels, save

NAME = "manifold-circle"
DESCRIPTION = "circle through a 1-d bottleneck: reconstruction, exceptional arc, Borsuk-Ulam bound"


def make(out_dir, quick=False):
    exp = experiment("circle", 32, 3200 if quick else 6400, train=128, sampling="stratified")
    flow, sim = flow_and_sgd(exp, 2 if quick else 4)
    theta = flow.arrays["theta_at_times"][-1]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    time_panel(axes[0], flow, sim)
    axes[0].legend(fontsize=7)
    reconstruction_panel(axes[1], exp, theta)
    axes[1].legend(fontsize=7, loc="center")
    along_panel(axes[2], exp, theta, r"angle $a$ on the circle")
    axes[2].legend(fontsize=7)
    panel_labels(axes)
    manifold_title(fig, "Circle (r = 1), t = %g" % flow.t[-1], exp)
    fig.tight_layout()
    return {"t": flow.t, "error": flow["error"], "max_error": flow["max_error"],
            "exceptional_measure": flow["exceptional_measure"], "bound": exp.bound,
            "sgd_error": sim["error"], "sgd_error_sem": sim["error_sem"],
            "rhs_evaluations": flow.meta["rhs_evaluations"], "files": save(fig, out_dir, NAME)}


if __name__ == "__main__":
    figure_main(make)
