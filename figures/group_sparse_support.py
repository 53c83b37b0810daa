"""Support recovery against sparsity: the fraction of fresh samples whose non-zero units are
exactly the units of the active groups, after minibatch SGD from a start near A, for the
group-sparse ReLU and the plain ReLU with bias at the same threshold (seed 002). Markers: SGD
networks on fresh samples (standard errors over seeds); lines: the network the gradient flow
ends at (W = A X + W0 Y), on fresh samples, where the flow is affordable (K <= 2; K = 1
with --quick)."""
import matplotlib.pyplot as plt
import numpy as np

from odedyn.figures import figure_main
from odedyn.groupsparse.activation import activate, support_recovered
from odedyn_figures._group_sparse import LABELS, experiment
from odedyn.plotting import COLORS, save, simulation_points, title

NAME = "group-sparse-support"
DESCRIPTION = "support recovery against sparsity, group-sparse ReLU vs ReLU (fresh samples)"


def accuracy(W, exp, X, S):
    H = activate(X @ W, exp.model.group_size, exp.threshold, exp.activation_code)
    return float(np.mean(support_recovered(H, S)))


def make(out_dir, quick=False):
    ks = (1, 2) if quick else (1, 2, 3)
    fig, ax = plt.subplots(figsize=(5.0, 3.6))
    numbers = {"active_groups": list(ks)}
    for i, act in enumerate(LABELS):
        sgd, sem, theory = [], [], []
        for K in ks:
            exp = experiment(model={"activation": act}, data={"active_groups": K},
                             training={"t_max": 10.0 if quick else 30.0},
                             output={"n_times": 3},
                             simulation={"test_samples": 2000 if quick else 10000},
                             theory={"amplitude_nodes": 10 if K == 1 else 3})
            sim = exp.simulate(seeds=3 if quick else 6, progress=False)
            sgd.append(sim["support_accuracy"][-1])
            sem.append(sim["support_accuracy_sem"][-1])
            if K <= (1 if quick else 2):
                th = exp.integrate(sim.t[[0, -1]])
                X, S, _ = exp.model.sample(np.random.default_rng([7, K]), 20000)
                theory.append(accuracy(th.arrays["final_W"], exp, X, S))
        simulation_points(ax, ks, sgd, sem, COLORS[i], "SGD, " + LABELS[act], ms=5)
        ax.plot(ks[:len(theory)], theory, "-", marker="_", ms=14, color=COLORS[i],
                label="theory, " + LABELS[act])
        numbers[act] = {"sgd": sgd, "sgd_sem": sem, "theory": theory}
    ax.set_xlabel("active groups per sample $K$ (of $M = 8$)")
    ax.set_ylabel("exact support recovery (fresh samples)")
    ax.set_xticks(ks)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7)
    title(fig, "Support recovery", n=exp.D, threshold=exp.threshold, lr=exp.lr,
          batch=exp.config["training"]["batch"])
    fig.tight_layout()
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
