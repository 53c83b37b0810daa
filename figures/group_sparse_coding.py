"""Sparse coding of held-out digits: the relative reconstruction error |x - W h(W^T x)|^2 / |x|^2
(unit-norm rows: twice the loss) of the tied autoencoder trained by minibatch SGD on the training
rows (odedyn.groupsparse.realdata), against the sparsity of its code as the threshold varies:
the number of active units and of active groups (of 4) per held-out image, for the group-sparse
ReLU and the ReLU with bias at equal width (10 groups of 4 = 40 units). Markers: mean and
standard error over independent initial networks; thin lines join the thresholds."""
import matplotlib.pyplot as plt
import numpy as np

from odedyn.figures import figure_main
from odedyn_figures._group_sparse import DIGITS, LABELS, experiment
from odedyn.plotting import COLORS, save

NAME = "group-sparse-coding"
DESCRIPTION = "reconstruction error against code sparsity on held-out digits, both activations"
THRESHOLDS = {"group-sparse-relu": (0.1, 0.3, 0.5, 0.7, 0.9), "relu": (0.05, 0.1, 0.2, 0.3, 0.45)}
QUICK_THRESHOLDS = {"group-sparse-relu": (0.2, 0.5, 0.8), "relu": (0.05, 0.15, 0.3)}


def make(out_dir, quick=False):
    starts = 3
    thresholds = QUICK_THRESHOLDS if quick else THRESHOLDS
    numbers = {}
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.7), sharey=True)
    for c, act in enumerate(LABELS):
        rows = {k: [] for k in ("error", "active_units", "active_groups")}
        for lam in thresholds[act]:
            runs = []
            for seed in range(starts):
                exp = experiment(DIGITS, model={"activation": act, "threshold": lam},
                                 init={"seed": seed}, training={"t_max": 50.0 if quick else 200.0})
                sim = exp.simulate(seeds=1, progress=False)
                runs.append([2 * sim["loss"][-1], sim["active_units"][-1],
                             sim["active_groups"][-1]])
            runs = np.array(runs)
            for k, name in enumerate(rows):
                rows[name].append([runs[:, k].mean(), runs[:, k].std(ddof=1) / np.sqrt(starts)])
        rows = {k: np.array(v) for k, v in rows.items()}
        numbers[act] = {"threshold": list(thresholds[act])} | {k: v.tolist()
                                                               for k, v in rows.items()}
        for ax, xname in zip(axes, ("active_units", "active_groups")):
            ax.errorbar(rows[xname][:, 0], rows["error"][:, 0], xerr=rows[xname][:, 1],
                        yerr=rows["error"][:, 1], fmt="o", ms=4, color=COLORS[c], capsize=2,
                        label=LABELS[act])
            ax.plot(rows[xname][:, 0], rows["error"][:, 0], "-", lw=0.7, color=COLORS[c])
    axes[0].set_xlabel("active units per image (of 40)")
    axes[1].set_xlabel("active groups per image (of 10)")
    axes[0].set_ylabel(r"held-out $|x - \hat x|^2 / |x|^2$")
    for ax, label in zip(axes, "ab"):
        ax.set_title("(%s)" % label, loc="left", fontsize=9)
    axes[0].legend(fontsize=8, title="mean $\\pm$ s.e., %d starts; lines join thresholds" % starts,
                   title_fontsize=7)
    fig.suptitle("digits, unit-norm rows, tied autoencoder of width 40, SGD t = %g"
                 % exp.times[-1], fontsize=9)
    fig.tight_layout()
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
