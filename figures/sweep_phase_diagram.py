"""Phase diagram of the shallow erf autoencoder (examples/erf_spiked.toml, K = 2, t_max = 40):
the final reconstruction error of the theory curve against the learning rate and the leading
spike, computed as a Dask sweep (odedyn.sweep, one task per grid point). Panel (b) divides by the
PCA error with two components, the optimum of a linear K = 2 network: where it is near 1 the
network has learned both spikes by t_max; at small learning rates it is still on a plateau."""
import os

import numpy as np

import odedyn
from odedyn.autoencoder.experiment import pca_errors
from odedyn.config import load
from odedyn.figures import FIGURES_DIR, figure_main
from odedyn.plotting import plt, save
from odedyn.sweeps.plot import heat_map

NAME = "sweep-phase-diagram"
DESCRIPTION = "erf autoencoder: final error against learning rate and leading spike (Dask sweep)"
CONFIG = os.path.join(os.path.dirname(FIGURES_DIR), "examples", "erf_spiked.toml")


def make(out_dir, quick=False):
    cfg, base = load(CONFIG)
    n_lr, n_spike = (7, 5) if quick else (25, 19)
    grid = {"training.lr": "log:0.05:5:%d" % n_lr, "data.spikes.0": "lin:0.3:1.2:%d" % n_spike}
    ds = odedyn.sweep(cfg, grid, base_dir=base, progress=False)
    lr, spike = ds["training.lr"].values, ds["data.spikes.0"].values
    final = ds["error"].isel(time=-1).values
    d = cfg["data"]
    pca = np.array([pca_errors(odedyn.spiked(d["D"], [s, d["spikes"][1]], d["bulk"]), 2)[2]
                    for s in spike])
    ratio = final / pca[None, :]

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10.5, 4.0), layout="constrained")
    heat_map(ax, lr, spike, final, ds["status"].values, r"learning rate $\eta$",
             r"leading spike $\rho_1 / D$", r"final error $\epsilon(t = %g)$" % ds["time"].values[-1],
             fig)
    heat_map(ax2, lr, spike, ratio, ds["status"].values, r"learning rate $\eta$",
             r"leading spike $\rho_1 / D$", r"final error / PCA error (2 components)", fig,
             levels=[1.05, 1.5, 3, 6])
    for a, letter in ((ax, "(a)"), (ax2, "(b)")):
        a.set_title(letter, loc="left", fontweight="bold")
    fig.suptitle(r"erf autoencoder, $K = 2$, spikes $(\rho_1, %g)$, bulk %g: theory at $t = %g$"
                 % (d["spikes"][1], d["bulk"], ds["time"].values[-1]), fontsize=10)
    files = save(fig, out_dir, NAME + ("-quick" if quick else ""))
    run = ds.attrs["run"]
    return {"training.lr": lr, "data.spikes.0": spike, "final_error": final,
            "pca_error": pca, "ratio_to_pca": ratio, "failed": int(run["failed"]),
            "points": int(run["total"]), "wall_s": run["wall_s"], "files": files}


if __name__ == "__main__":
    figure_main(make)
