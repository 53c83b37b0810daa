"""Gaussian universality on real data (seed 001): the theory driven by the empirical spectrum of
a real data set describes SGD on the real images. Default: scikit-learn's digits (shipped with the
package, D = 64); CIFAR-10 (grey) or Fashion-MNIST files the user has can be given with
ODEDYN_DATASET=cifar10:PATH or fashion-mnist:PATH."""
import os

import numpy as np

import odedyn
from odedyn.compare import compare
from odedyn.figures import figure_main
from odedyn.plotting import (COLORS, panel_labels, plt, save, simulation_points, theory_line,
                             time_axis, title)

NAME = "real-data"
DESCRIPTION = "theory from the empirical spectrum vs SGD on real images (digits; CIFAR-10, Fashion-MNIST by path)"


def make(out_dir, quick=False, dataset=None):
    dataset = dataset or os.environ.get("ODEDYN_DATASET", "digits")
    seeds = 4 if quick else 8
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    numbers = {"dataset": dataset}
    for i, data in enumerate(("rows", "gaussian")):
        cfg = {"model": {"kind": "autoencoder", "activation": "erf", "K": 3},
               "data": {"spectrum": "dataset", "dataset": dataset},
               "training": {"lr": 1.0, "t_max": 100.0},
               "init": {"std": 0.3, "seed": 0}, "output": {"n_times": 30},
               "simulation": {"data": data}}
        exp = odedyn.config.derive(cfg)
        theory, sim, summary = compare(exp, seeds=seeds)
        rel = np.abs(sim["error"] - theory["error"]) / theory["error"]
        numbers[data] = {"max_relative_deviation": float(rel.max()),
                         "max_z": summary["deviation"]["error"]["max_z"],
                         "final_error": float(theory["error"][-1]),
                         "final_error_sim": float(sim["error"][-1])}
        if i == 0:
            time_axis(ax)
            theory_line(ax, theory.t, theory["error"], "k", "theory (empirical spectrum)")
        simulation_points(ax, sim.t, sim["error"], sim["error_sem"], COLORS[i],
                          "SGD on the real images" if data == "rows"
                          else "SGD on Gaussian inputs, same spectrum", every=1)
    ev = exp.spectrum.eigenvalues
    ax.set_ylabel("reconstruction error")
    ax.legend(fontsize=8)
    ax2.loglog(np.arange(1, len(ev) + 1), np.where(ev > 0, ev, np.nan), "o", ms=3, color=COLORS[2])
    ax2.set_xlabel(r"index $\tau$")
    ax2.set_ylabel(r"eigenvalue $\rho_\tau$ (Tr $\Omega$ / D = 1)")
    ax2.set_title("empirical spectrum", fontsize=9)
    panel_labels((ax, ax2))
    title(fig, "Real data: %s" % dataset.split(":")[0], K=3, activation="erf",
          lr=exp.model.lr_encoder, D=exp.D)
    fig.tight_layout()
    numbers["D"] = exp.D
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
