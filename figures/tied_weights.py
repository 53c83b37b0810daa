"""Tied weights (seed 001): a sigmoidal (erf) autoencoder with tied weights v_k = sqrt(D) w_k
stays above the PCA error at long times, a linear one does not. The long-time state of the tied
erf network is located as a fixed point of the order-parameter equations (bulk decayed to zero),
with the eigenvalues of the Jacobian there showing that it is stable."""
import numpy as np

from odedyn.autoencoder import theory as ae_theory
from odedyn.autoencoder.experiment import configure, pca_errors
from odedyn.compare import compare
from odedyn.figures import figure_main
from odedyn.plotting import (COLORS, error_axis, plt, save, simulation_points, theory_line, title,
                             time_axis)

NAME = "tied-weights"
DESCRIPTION = "tied vs untied weights: the tied erf autoencoder is stuck above the PCA error"

CASES = [("erf", True, "erf, tied"), ("erf", False, "erf, untied"), ("linear", True, "linear, tied")]


def make(out_dir, quick=False):
    D, seeds, t_max = (400, 3, 300.0) if quick else (1000, 8, 300.0)
    fig, ax = plt.subplots(figsize=(6, 4))
    time_axis(ax)
    numbers = {}
    for i, (act, tied, label) in enumerate(CASES):
        exp = configure(model={"activation": act, "tied": tied, "K": 2},
                        data={"D": D, "spikes": [0.7, 0.25], "bulk": 0.03},
                        training={"t_max": t_max}, init={"std": 1.0 if tied else 0.3, "seed": 0},
                        output={"n_times": 40})
        theory, sim, summary = compare(exp, seeds=seeds)
        theory_line(ax, theory.t, theory["error"], COLORS[i], label)
        simulation_points(ax, sim.t, sim["error"], sim["error_sem"], COLORS[i], every=2)
        numbers[label] = {"final_error": float(theory["error"][-1]),
                          "final_error_sim": float(sim["error"][-1]),
                          "max_z": summary["deviation"]["error"]["max_z"]}
        if act == "erf" and tied:  # long-time analysis: the fixed point it is stuck at
            grouping = exp.grouping()
            y0 = theory.arrays["final_state"].copy()
            bulk = int(np.argmin(grouping.p))
            m, off = exp.model.layout(grouping)
            y0[off[bulk]:off[bulk + 1]] = 0.0
            spikes = [g for g in range(grouping.size) if g != bulk]
            y_star, err_star, eig, bound = ae_theory.fixed_point(exp.model, y0, grouping, spikes)
            numbers["fixed_point"] = {"error": err_star, "max_jacobian_eigenvalue": float(eig.real.max()),
                                      "eigenvalue_error": bound,
                                      "pca_error": pca_errors(exp.spectrum, 2)[2]}
            ax.axhline(err_star, ls=":", color=COLORS[i], lw=1)
            ax.text(theory.t[-1], err_star, "fixed point ", ha="right", va="bottom", fontsize=7,
                    color=COLORS[i])
    pca = pca_errors(exp.spectrum, 2)[2]
    error_axis(ax, pca, "PCA error (K = 2)", "lines: theory, markers: SGD (D = %d)" % D)
    title(fig, "Tied and untied weights", K=2, activation="erf and linear",
          lr=exp.model.lr_encoder)
    fig.tight_layout()
    numbers["pca_error"] = pca
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
