"""Finite-size scaling of the theory-simulation distance: the erf autoencoder of
examples/erf_spiked.toml compared with SGD at several D; the largest distance between the
theory's error and the simulation mean falls as a power of D (fitted exponent)."""
import numpy as np

from odedyn.autoencoder.experiment import configure
from odedyn.compare import finite_size_scaling
from odedyn.figures import figure_main
from odedyn.plotting import COLORS, plt, save, title

NAME = "finite-size"
DESCRIPTION = "theory-simulation distance against D, with the fitted power law"


def make(out_dir, quick=False):
    Ds, seeds = ([200, 400, 800, 1600], 4) if quick else ([250, 500, 1000, 2000, 4000], 8)
    exp = configure(training={"t_max": 20.0 if quick else 40.0}, output={"n_times": 30})
    fss = finite_size_scaling(exp, Ds, seeds=seeds)
    d = np.array([r["max_abs"] for r in fss["rows"]])
    fig, ax = plt.subplots(figsize=(4.8, 3.6))
    ax.loglog(Ds, d, "o", color=COLORS[0], mfc="white", label="SGD, %d seeds" % seeds)
    fit = fss["prefactor"] * np.asarray(Ds, dtype=float) ** (-fss["exponent"])
    ax.loglog(Ds, fit, "-", color="k", lw=1, label=r"fit $\propto D^{-%.2f}$" % fss["exponent"])
    ax.set_xticks(Ds, [str(D) for D in Ds])
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel("input dimension $D$")
    ax.set_ylabel(r"max$_t$ |error$_{\rm theory}$ - error$_{\rm SGD}$|")
    ax.legend()
    title(fig, "Finite-size distance to the theory", K=exp.model.K, activation=exp.model.activation,
          lr=exp.model.lr_encoder)
    fig.tight_layout()
    return {"D": Ds, "distance": d, "exponent": fss["exponent"], "rows": fss["rows"],
            "files": save(fig, out_dir, NAME)}


if __name__ == "__main__":
    figure_main(make)
