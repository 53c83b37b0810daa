"""Over-parameterised students with output noise (Goldt et al. 2019): an erf teacher with M = 2
units and noise sigma = 0.5, students with K = 2...8 units, second layer fixed (v = 1) or trained
with the first; the theory's error at t_max against K, and (b) its curves. Theory only: at the
times where the final error is reached (t ~ 10^4) the SGD companion would need 10^7 steps per
seed and K."""
import numpy as np

from odedyn.committee import configure
from odedyn.figures import figure_main
from odedyn.plotting import COLORS, plt, save, theory_line, time_axis

NAME = "committee-overparameterised"
DESCRIPTION = "erf committee machine with noise: final error against K, fixed vs trained second layer"


def make(out_dir, quick=False):
    Ks, t_max = ((2, 4, 6), 3000.0) if quick else ((2, 3, 4, 6, 8), 20000.0)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    time_axis(ax2)
    numbers = {"K": list(Ks), "t_max": t_max}
    styles = {False: ("fixed second layer", "o", "--"), True: ("both layers trained", "s", "-")}
    for j, trained in enumerate((False, True)):
        label, marker, ls = styles[trained]
        finals, changes = [], []
        for i, K in enumerate(Ks):
            exp = configure(model={"K": K, "activation": "erf", "train_second_layer": trained},
                            teacher={"M": 2, "activation": "erf", "orthogonal": True},
                            data={"D": 1000, "noise": 0.5}, training={"lr": 0.5, "t_max": t_max},
                            init={"std": 0.1, "seed": 0, "v_init": 1.0}, output={"n_times": 40})
            theory = exp.integrate()
            e = theory["error"]
            finals.append(float(e[-1]))
            half = np.searchsorted(theory.t, t_max / 2)
            changes.append(float((e[half] - e[-1]) / e[-1]))
            theory_line(ax2, theory.t, e, COLORS[i], "K = %d" % K if j == 0 else None, ls=ls)
        ax.plot(Ks, finals, marker=marker, ls=ls, color=COLORS[j], label=label, mfc="white")
        numbers["trained" if trained else "fixed"] = {
            "final_error": finals, "relative_drop_over_last_half": changes}
    ax.set_xticks(Ks)
    ax.set_xlabel("student units K (teacher M = 2)")
    ax.set_ylabel(r"$\epsilon_g$ at $t = %g$ (theory)" % t_max)
    ax.set_yscale("log")
    ax.legend(fontsize=8, title=r"erf, $\sigma = 0.5$, $\eta = 0.5$", title_fontsize=8)
    ax2.set_yscale("log")
    ax2.set_ylabel(r"generalisation error $\epsilon_g$ (theory)")
    ax2.plot([], [], "k--", label="fixed")
    ax2.plot([], [], "k-", label="trained")
    ax2.legend(fontsize=7, ncol=2)
    for a, lab in ((ax, "(a)"), (ax2, "(b)")):
        a.text(-0.12, 1.02, lab, transform=a.transAxes, fontweight="bold")
    fig.tight_layout()
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
