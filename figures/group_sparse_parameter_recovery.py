"""Parameter recovery, quantified: the distance of W to the generating A at the end of the
gradient flow (t = 300) for the group-sparse ReLU and the ReLU with bias at equal sparsity (the
same data: one active group of 8 of 2, amplitudes uniform on [0.1, 1.5], noiseless; the same
threshold 0.3), against the input size n; mean and standard error over independent starts (a
fresh dictionary and initial network at column distance 0.5 per start, shared by both
activations), and the paired difference (figures/_group_sparse_recovery.py). The theory evaluated at
a few sizes: markers joined by lines, error bars the spread over starts (standard error); the
theory's own numerical error per activation is in the numbers (``*_numerical_error``)."""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter

from odedyn.figures import figure_main
from odedyn_figures._group_sparse import LABELS
from odedyn_figures._group_sparse_recovery import table
from odedyn.plotting import COLORS, save

NAME = "group-sparse-parameter-recovery"
DESCRIPTION = "final distance to A vs n, group-sparse ReLU vs ReLU, standard errors over starts"
THEORY = {"amplitude_nodes": 24}   # 24 points per amplitude: the ReLU column distance
# drifts along rotations inside groups, where 10 or 16 points leave errors up to 6e-3 (against
# 48 points at n = 100: 0.1389 / 0.1439 / 0.1448 at 16 / 24 / 48 points)


def make(out_dir, quick=False):
    sizes = (100,) if quick else (50, 100, 200, 400)
    starts = 4 if quick else 6
    rows = table(sizes, range(starts), t_max=300.0, theory=THEORY)
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.5))
    for ax, name, label in zip(axes, ("distance", "group_distance"),
                               (r"mean column distance $|w_i - a_{\pi(i)}|$",
                                r"group distance (after rotating groups)")):
        for c, act in enumerate(LABELS):
            m = np.array([rows[n][act][name] for n in sizes])
            ax.errorbar(np.array(sizes) * (1 + 0.04 * (c - 0.5)), m[:, 0], yerr=m[:, 1], fmt="o-",
                        ms=4, capsize=2, color=COLORS[c], label=LABELS[act])
        ax.set_xscale("log")
        ax.set_xticks(sizes, [str(n) for n in sizes])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("input dimension n")
        ax.set_ylabel(label)
    axes[0].legend(fontsize=8, title="t = 300, mean $\\pm$ s.e. over %d starts" % starts,
                   title_fontsize=7)
    for ax, letter in zip(axes, "ab"):
        ax.set_title("(%s)" % letter, loc="left", fontsize=9)
    fig.suptitle("end of the gradient flow: 8 groups of 2, one active, amplitudes [0.1, 1.5], "
                 "noiseless, threshold 0.3, start at column distance 0.5", fontsize=9)
    fig.tight_layout()
    numbers = {"sizes": list(sizes), "starts": starts,
               "table": {str(n): rows[n] for n in sizes}}
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
