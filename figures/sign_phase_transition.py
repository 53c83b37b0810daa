"""Shape of the trained one-bit autoencoder against the sparsity (seed 000): sparse Rademacher
data x_i in {0, +-1/sqrt p} (P(x_i != 0) = p), r = 1, trained from samples (surrogate gradient,
odedyn.onebit.simulate). Below a critical p the encoder ends at a rotation (mean largest |entry|
of a normalised row at the value of a Haar rotation), above it at the identity up to a
permutation (overlap near 1). The critical p is measured where the mean overlap crosses the
midpoint between the two. (The sparse Gaussian source has no such transition: it is a Gaussian
scale mixture, for which (E|x|)^2 / E sign(x)^2 <= 2/pi.)
"""
import numpy as np

from odedyn.figures import figure_main
from odedyn.onebit.denoiser import haar_rows
from odedyn.onebit.experiment import single_blas_thread
from odedyn.onebit.model import SignAutoencoder, observables
from odedyn.onebit.simulate import train_on_samples
from odedyn.onebit.sources import Source
from odedyn.onebit.transition import crossing
from odedyn.plotting import COLORS, plt, save, simulation_points, title

NAME = "sign-phase-transition"
DESCRIPTION = "one-bit AE, sparse Rademacher data: rotation below a critical p, identity above"


#: SGD step and minibatch of the training from samples
LR, BATCH = 0.05, 200


def make(out_dir, quick=False):
    d, seeds, t_max = (16, 3, 40.0) if quick else (32, 6, 80.0)
    ps = np.round(np.arange(0.1, 1.001, 0.1 if quick else 0.05), 3)
    rotation = np.mean([observables(np.eye(d), haar_rows(d, d, s))["identity_overlap"]
                        for s in range(20)])
    overlap = np.zeros((len(ps), seeds))
    risk = np.zeros((len(ps), seeds))
    defect = np.zeros((len(ps), seeds))
    with single_blas_thread():
        for i, p in enumerate(ps):
            source = Source.sparse_rademacher(float(p))
            model = SignAutoencoder(d, d, source)
            for s in range(seeds):
                A0, B0 = model.random_network(seed=s)
                rec = train_on_samples(A0, B0, source, [t_max], LR, BATCH, 0.1, seed=s,
                                       test_samples=5000)
                overlap[i, s], risk[i, s] = rec["identity_overlap"][-1], rec["risk"][-1]
                defect[i, s] = rec["rotation_defect"][-1]
    mean, se = overlap.mean(1), overlap.std(1, ddof=1) / np.sqrt(seeds)
    midpoint = (rotation + 1) / 2
    p_c = crossing(ps, mean, midpoint)
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    simulation_points(ax, ps, mean, se, COLORS[0], "trained from samples (%d seeds)" % seeds,
                      ms=4)
    ax.axhline(rotation, color="k", ls=":", lw=1, label="Haar rotation")
    ax.axhline(1.0, color="k", ls="--", lw=1, label="identity up to permutation")
    ax.axvline(p_c, color=COLORS[1], lw=1.2, label="measured $p_c$ = %.2f" % p_c)
    ax.set_xlabel("fraction of non-zero entries $p$")
    ax.set_ylabel("mean over rows of max |normalised entry|")
    title(fig, "Sparse Rademacher source, t = %g" % t_max, d=d, n=d, activation="sign", lr=LR,
          batch=BATCH)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return {"d": d, "p": ps, "overlap": mean, "overlap_se": se, "risk": risk.mean(1), "rotation_defect": defect.mean(1),
            "rotation_overlap": rotation, "midpoint": midpoint, "p_critical": p_c,
            "files": save(fig, out_dir, NAME)}


if __name__ == "__main__":
    figure_main(make)
