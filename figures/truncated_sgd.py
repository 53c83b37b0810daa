"""Truncated (Sanger-like) SGD learns the principal components themselves (seed 001): unit k is
trained on the partial reconstruction by units 1..k. Vanilla and truncated SGD of a linear
autoencoder both reach the PCA error, but only the truncated rule ends with a diagonal matrix of
overlaps between its units and the leading eigenvectors; vanilla SGD ends at a rotation."""
import numpy as np

from odedyn.autoencoder.experiment import configure, decoder_overlaps, pca_errors
from odedyn.compare import compare
from odedyn.figures import figure_main
from odedyn.plotting import (COLORS, error_axis, panel_labels, plt, save, simulation_points,
                             theory_line, title,
                             time_axis)

NAME = "truncated-sgd"
DESCRIPTION = "vanilla vs truncated SGD: same PCA error, only truncated learns the eigenvectors"

K = 3


def make(out_dir, quick=False):
    D, seeds = (400, 3) if quick else (1000, 8)
    fig = plt.figure(figsize=(11, 3.6))
    grid = fig.add_gridspec(1, 3, width_ratios=[1.6, 1, 1])
    ax = fig.add_subplot(grid[0])
    time_axis(ax)
    numbers = {}
    for i, rule in enumerate(("vanilla", "truncated")):
        exp = configure(model={"activation": "linear", "rule": rule, "K": K},
                        data={"D": D, "spikes": [0.6, 0.35, 0.2], "bulk": 0.03},
                        training={"t_max": 200.0}, init={"std": 0.05, "seed": 2},
                        output={"n_times": 40})
        theory, sim, summary = compare(exp, seeds=seeds)
        theory_line(ax, theory.t, theory["error"], COLORS[i], rule)
        simulation_points(ax, sim.t, sim["error"], sim["error_sem"], COLORS[i], every=2)
        spikes = exp.grouping().labels[:K]
        overlap = decoder_overlaps(theory, spikes)[-1]
        overlap_sim = decoder_overlaps(sim, spikes)[-1]
        off = overlap[~np.eye(K, dtype=bool)]
        numbers[rule] = {"final_error": float(theory["error"][-1]),
                         "final_error_sim": float(sim["error"][-1]),
                         "overlaps": overlap, "overlaps_sim": overlap_sim,
                         "min_diagonal": float(np.diag(overlap).min()),
                         "max_off_diagonal": float(off.max()),
                         "max_z": summary["deviation"]["error"]["max_z"]}
        axm = fig.add_subplot(grid[1 + i])
        im = axm.imshow(overlap, vmin=0, vmax=1, cmap="Blues")
        for (k, j), val in np.ndenumerate(overlap):
            axm.text(j, k, "%.2f" % val, ha="center", va="center", fontsize=8,
                     color="white" if val > 0.6 else "black")
        axm.set_xticks(range(K), [r"$u_%d$" % (j + 1) for j in range(K)])
        axm.set_yticks(range(K), ["unit %d" % (k + 1) for k in range(K)])
        axm.set_title("%s: $|v_k \\cdot u_\\tau| / |v_k|$ at t = %g" % (rule, theory.t[-1]), fontsize=9)
        axm.grid(False)
    fig.colorbar(im, ax=axm, fraction=0.046)
    pca = pca_errors(exp.spectrum, K)[K]
    error_axis(ax, pca, "PCA error (K = %d)" % K, "markers: SGD (D = %d)" % D)
    panel_labels([a for a in fig.axes if a.get_label() != "<colorbar>"])
    title(fig, "Vanilla and truncated SGD", K=K, activation="linear", lr=exp.model.lr_encoder)
    fig.tight_layout()
    numbers["pca_error"] = pca
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
