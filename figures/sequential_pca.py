"""Sequential learning of principal components (seed 001): an erf autoencoder with K = 3 on a
spiked spectrum with three well-separated outliers learns them one after another; the error
shows plateaus at the PCA errors of 0, 1, 2 components."""

from odedyn.autoencoder.experiment import configure, decoder_overlaps, pca_errors
from odedyn.compare import compare
from odedyn.figures import figure_main
from odedyn.plotting import (COLORS, panel_labels, plt, save, simulation_points, theory_line,
                             time_axis, title)

NAME = "sequential-pca"
DESCRIPTION = "erf autoencoder, K = 3: principal components learned one after another (plateaus)"


def make(out_dir, quick=False):
    exp = configure(model={"K": 3}, data={"D": 500 if quick else 1000, "spikes": [0.6, 0.2, 0.07],
                                          "bulk": 0.01},
                    training={"t_max": 300.0}, init={"std": 0.01, "seed": 1},
                    output={"n_times": 40 if quick else 80})
    theory, sim, summary = compare(exp, seeds=4 if quick else 8)
    pcas = pca_errors(exp.spectrum, 3)
    spikes = exp.grouping().labels[:3]
    ov_th, ov_sim = decoder_overlaps(theory, spikes), decoder_overlaps(sim, spikes)

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    time_axis(ax)
    theory_line(ax, theory.t, theory["error"], "k", "theory")
    simulation_points(ax, sim.t, sim["error"], sim["error_sem"], COLORS[0],
                      "SGD, D = %d (%d seeds)" % (exp.D, sim.meta["seeds"]), every=2)
    for k, e in enumerate(pcas):
        ax.axhline(e, ls="--", lw=0.8, color="0.5")
        ax.text(theory.t[1], e, " PCA, %d component%s" % (k, "" if k == 1 else "s"), va="bottom",
                fontsize=7, color="0.35")
    ax.set_yscale("log")
    ax.set_ylabel("reconstruction error")
    ax.legend(loc="upper right")
    time_axis(ax2)
    for k in range(3):
        for j in range(3):
            c = COLORS[j]
            theory_line(ax2, theory.t, ov_th[:, k, j], c, r"unit %d, $u_%d$" % (k + 1, j + 1) if k == 0 else None,
                        ls=("-", "--", ":")[k])
        ax2.plot([], [], "k", ls=("-", "--", ":")[k], label="unit %d" % (k + 1))
    for j in range(3):
        ax2.plot([], [], "s", color=COLORS[j], label=r"eigenvector $u_%d$" % (j + 1))
        for k in range(3):
            ax2.plot(sim.t[1::3], ov_sim[1::3, k, j], "o", ms=2.5, color=COLORS[j], mfc="white")
    ax2.set_ylabel(r"decoder overlap $|v_k \cdot u_\tau| / |v_k|$")
    handles, labels = ax2.get_legend_handles_labels()
    keep = [i for i, lab in enumerate(labels) if not lab.startswith("unit 1,")]
    ax2.legend([handles[i] for i in keep], [labels[i] for i in keep], fontsize=7, ncol=2)
    panel_labels((ax, ax2))
    title(fig, "Sequential learning of the principal components", K=3, activation="erf",
          lr=exp.model.lr_encoder, D=exp.D)
    fig.tight_layout()
    files = save(fig, out_dir, NAME)
    # the plateaus: error at the end of each learning phase against the PCA errors
    return {"t": theory.t, "error": theory["error"], "pca_errors": pcas,
            "final_error": float(theory["error"][-1]), "max_z": summary["max_z"],
            "deviation_error": summary["deviation"]["error"],
            "final_overlaps": ov_th[-1], "files": files}


if __name__ == "__main__":
    figure_main(make)
