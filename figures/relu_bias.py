"""ReLU autoencoders need a trained bias (seed 001): with K = 3 units on a spiked spectrum the
network with a trained encoder bias reaches a much lower error than the one without; theory
(averages with non-zero means, orthant quadrature) against SGD from the same network."""
from odedyn.autoencoder.experiment import configure, pca_errors
from odedyn.compare import compare
from odedyn.figures import figure_main
from odedyn.plotting import (COLORS, error_axis, panel_labels, plt, save, simulation_points,
                             theory_line, time_axis, title)

NAME = "relu-bias"
DESCRIPTION = "ReLU autoencoder with and without a trained encoder bias"


def make(out_dir, quick=False):
    D, seeds = (400, 3) if quick else (1000, 8)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    time_axis(ax)
    time_axis(ax2)
    numbers = {}
    for i, bias in enumerate((False, True)):
        label = "trained bias" if bias else "no bias"
        exp = configure(model={"activation": "relu", "train_bias": bias, "K": 3},
                        data={"D": D, "spikes": [0.7, 0.25, 0.1], "bulk": 0.03},
                        training={"t_max": 300.0}, init={"std": 0.3, "seed": 0},
                        output={"n_times": 40})
        theory, sim, summary = compare(exp, seeds=seeds)
        theory_line(ax, theory.t, theory["error"], COLORS[i], label)
        simulation_points(ax, sim.t, sim["error"], sim["error_sem"], COLORS[i], every=2)
        numbers[label] = {"final_error": float(theory["error"][-1]),
                          "final_error_sim": float(sim["error"][-1]),
                          "final_bias": theory["b"][-1],
                          "max_z": summary["deviation"]["error"]["max_z"]}
        if bias:
            for k in range(3):
                theory_line(ax2, theory.t, theory["b"][:, k], COLORS[k], r"$b_%d$" % (k + 1))
                simulation_points(ax2, sim.t, sim["b"][:, k], sim["b_sem"][:, k], COLORS[k], every=2)
    pca = pca_errors(exp.spectrum, 3)[3]
    error_axis(ax, pca, "PCA error (K = 3)", "lines: theory, markers: SGD (D = %d)" % D)
    ax2.set_ylabel("trained encoder bias")
    ax2.legend(fontsize=8)
    panel_labels((ax, ax2))
    title(fig, "ReLU autoencoder with and without a trained encoder bias", K=3,
          activation="ReLU", lr=exp.model.lr_encoder, D=D)
    fig.tight_layout()
    numbers["pca_error"] = pca
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
