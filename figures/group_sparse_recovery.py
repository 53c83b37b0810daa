"""Distance of W to the generating dictionary A against time: the gradient flow on the expected
loss (lines) and minibatch SGD from the same start (markers, standard errors over seeds), for
the group-sparse ReLU and the plain ReLU with bias (seed 002)."""
import matplotlib.pyplot as plt
import numpy as np

from odedyn.figures import figure_main
from odedyn_figures._group_sparse import LABELS, experiment
from odedyn.plotting import COLORS, panel_labels, save, simulation_points, theory_line, title

NAME = "group-sparse-recovery"
DESCRIPTION = "distance of W to A against time, theory and SGD, group-sparse ReLU vs ReLU"


def make(out_dir, quick=False):
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6))
    numbers = {}
    for i, act in enumerate(LABELS):
        exp = experiment(model={"activation": act, "threshold": 0.3}, init={"distance": 0.5},
                         training={"t_max": 6.0 if quick else 30.0},
                         output={"n_times": 8 if quick else 15})
        sim = exp.simulate(seeds=2 if quick else 6, progress=False)
        dense = np.unique(np.concatenate([sim.t, np.linspace(0, sim.t[-1], 61)]))
        th = exp.integrate(dense)
        at_sim = np.searchsorted(th.t, sim.t)
        for ax, name in zip(axes, ("distance", "loss")):
            ax.set_xlabel(r"time $t$ (lr $\times$ steps)")
            theory_line(ax, th.t, th[name], COLORS[i], "theory, " + LABELS[act])
            simulation_points(ax, sim.t, sim[name], sim[name + "_sem"], COLORS[i],
                              "SGD, " + LABELS[act])
        numbers[act] = {"t": sim.t, "distance_theory": th["distance"][at_sim],
                        "distance_sgd": sim["distance"], "distance_sgd_sem": sim["distance_sem"],
                        "distance_theory_error": th["distance_numerical_error"][at_sim],
                        "loss_theory": th["loss"][at_sim], "loss_sgd": sim["loss"],
                        "loss_theory_error": th["loss_numerical_error"][at_sim]}
    axes[0].set_ylabel(r"mean column distance $|w_i - a_{\pi(i)}|$")
    axes[1].set_ylabel("loss")
    axes[1].set_yscale("log")
    axes[0].legend(fontsize=7)
    panel_labels(axes)
    title(fig, "Dictionary recovery: 8 groups of 2, one active, noise 0.05, start at distance 0.5",
          n=exp.D, threshold=0.3, lr=exp.lr,
          batch=exp.config["training"]["batch"])
    fig.tight_layout()
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
