"""Phase diagram of the shallow erf autoencoder (examples/erf_spiked.toml, K = 2, t_max = 40):
(a) the final reconstruction error of the theory curve against the learning rate and the leading
spike, computed as a Dask sweep (odedyn.sweep, one task per grid point), with the PCA error of two
components marked on the colour bar; (b) the learning curves of one row of the grid (the
example's spike 0.7) against eta t: they fall on one curve, because at this scaling the
learning rate only sets the clock (the O(eta^2) terms vanish as D -> infinity), which is why the
contours of (a) are nearly vertical: a point of (a) is the error at time eta t_max."""

import numpy as np

import odedyn
from odedyn.autoencoder.experiment import pca_errors
from odedyn.autoencoder.spectra import spiked
from odedyn.config import load
from odedyn.figures import examples, figure_main
from odedyn.plotting import plt, save
from odedyn.sweeps.plot import heat_map, log_ticks

NAME = "sweep-phase-diagram"
DESCRIPTION = "erf autoencoder: final error against learning rate and leading spike (Dask sweep)"


def make(out_dir, quick=False):
    import matplotlib as mpl
    cfg, base = load(str(examples()["erf_spiked"]))
    n_lr, n_spike = (7, 5) if quick else (25, 19)
    grid = {"training.lr": "log:0.05:5:%d" % n_lr, "data.spikes.0": "lin:0.3:1.2:%d" % n_spike}
    ds = odedyn.sweep(cfg, grid, base_dir=base, progress=False)
    lr, spike = ds["training.lr"].values, ds["data.spikes.0"].values
    t, error = ds["time"].values, ds["error"].values
    final = error[:, :, -1]
    d = cfg["data"]
    pca = np.array([pca_errors(spiked(d["D"], [s, d["spikes"][1]], d["bulk"]), 2)[2]
                    for s in spike])

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10.5, 4.0), layout="constrained")
    fig.get_layout_engine().set(wspace=0.1)   # (a)'s colour bar label clear of (b)'s y label
    heat_map(ax, lr, spike, final, ds["status"].values, r"learning rate $\eta$",
             r"leading spike $\rho_1 / D$", r"final error $\epsilon(t = %g)$" % t[-1], fig)
    j = int(np.argmin(np.abs(spike - d["spikes"][0])))
    norm = mpl.colors.LogNorm(lr.min(), lr.max())
    for i in range(len(lr)):
        ax2.plot(lr[i] * t[1:], error[i, j, 1:], color=mpl.cm.viridis(norm(lr[i])), lw=1.2)
    ax2.axhline(pca[j], ls="--", lw=0.8, color="0.4")
    ax2.text((lr * t[1]).min(), pca[j], " PCA, 2 components",
             va="bottom", fontsize=7, color="0.3")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel(r"$\eta\, t$")
    ax2.set_ylabel(r"reconstruction error $\epsilon$")
    cb = fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap="viridis"), ax=ax2)
    cb.set_label(r"learning rate $\eta$")
    for axis in (ax2.xaxis, ax2.yaxis, cb.ax.yaxis):
        log_ticks(axis, most=6)
    ax2.text(0.04, 0.35, r"$\rho_1 / D = %.2g$: the curves of all %d" "\n"
             r"learning rates, on top of each other" % (spike[j], len(lr)),
             transform=ax2.transAxes, ha="left", va="top", fontsize=8)
    for a, letter in ((ax, "(a)"), (ax2, "(b)")):
        a.set_title(letter, loc="left", fontweight="bold")
    fig.suptitle(r"erf autoencoder, $K = 2$, spikes $(\rho_1, %g)$, bulk %g, theory to $t = %g$"
                 % (d["spikes"][1], d["bulk"], t[-1]), fontsize=10)
    files = save(fig, out_dir, NAME + ("-quick" if quick else ""))
    run = ds.attrs["run"]
    return {"training.lr": lr, "data.spikes.0": spike, "final_error": final,
            "pca_error": pca, "failed": int(run["failed"]), "points": int(run["total"]),
            "wall_s": run["wall_s"], "files": files}


if __name__ == "__main__":
    figure_main(make)
