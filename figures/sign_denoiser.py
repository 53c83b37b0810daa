"""Denoising the one-bit autoencoder's output (seed 000): for a rotation encoder, the rescaled
linear decoder y = (pi/2r) sqrt(2/pi) B^T sign(B x) is x plus noise of variance pi/(2r) - 1, so
the posterior-mean denoiser of the Bernoulli-Gaussian prior brings the risk down from the linear
1 - 2r/pi to the scalar MMSE at that noise. Lines: theory; markers: samples at finite d.
"""
import numpy as np

from odedyn.figures import figure_main
from odedyn.onebit.denoiser import decoder_risks, haar_rows, noise_variance, scalar_mmse
from odedyn.onebit.sources import Source
from odedyn.plotting import COLORS, plt, save, simulation_points, title

NAME = "sign-denoiser"
DESCRIPTION = "one-bit AE: posterior-mean denoiser after the linear decoder reaches the scalar MMSE"
P = 0.1


def make(out_dir, quick=False):
    d, samples = (300, 1000) if quick else (1000, 4000)
    rates = np.array([0.25, 0.5, 1.0] if quick else [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    source = Source("bernoulli-gaussian", P)
    grid = np.linspace(0.1, 1.0, 60)
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    ax.plot(grid, 1 - 2 * grid / np.pi, "-", color=COLORS[0], label=r"linear decoder $1 - 2r/\pi$")
    ax.plot(grid, [scalar_mmse(source, noise_variance(r)) for r in grid], "-", color=COLORS[1],
            label=r"denoiser: scalar MMSE at $v = \pi/2r - 1$")
    rows = []
    for k, r in enumerate(rates):
        B = haar_rows(int(round(r * d)), d, seed=k)
        lin, den = decoder_risks(B, source, np.random.default_rng(k), samples)
        rows.append({"r": r, "linear": lin.mean(), "linear_se": lin.std(ddof=1) / np.sqrt(len(lin)),
                     "denoised": den.mean(), "denoised_se": den.std(ddof=1) / np.sqrt(len(den)),
                     "linear_theory": 1 - 2 * r / np.pi,
                     "mmse": scalar_mmse(source, noise_variance(r))})
    for name, c in (("linear", COLORS[0]), ("denoised", COLORS[1])):
        simulation_points(ax, rates, [row[name] for row in rows],
                          [row[name + "_se"] for row in rows], c)
    ax.set_xlabel("rate $r = n/d$")
    ax.set_ylabel("risk")
    title(fig, "Denoiser after the linear decoder, Bernoulli-Gaussian p = %g" % P, d=d,
          activation="sign", encoder="Haar rotation")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return {"d": d, "p": P, "rows": rows, "files": save(fig, out_dir, NAME)}


if __name__ == "__main__":
    figure_main(make)
