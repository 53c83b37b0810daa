"""The one-bit autoencoder on real images (seed 000): scikit-learn's digits (8 x 8, d = 64; 1397
training and 400 held-out images), and MNIST / CIFAR-10 (grey) when ODEDYN_DATASET names them as
odedyn.datasets.load_dataset does ("fashion-mnist:PATH" reads any idx3-ubyte file, e.g. MNIST's;
"cifar10:PATH"). Preprocessing (odedyn/onebit/images.py): centring, optionally the orthonormal
2-D DCT, one global scale to an average x_i^2 of 1. Per rate r, stochastic gradient descent on
the empirical risk (the sample-based companion's surrogate gradient, minibatches of training
images) from a random network; on held-out images: its risk (markers) against the Gaussian
1 - 2r/pi (line), and the single denoiser and the multi-layer decoder (odedyn/onebit/amp.py) with
a Bernoulli-Gaussian prior fitted to the training data, given the signs of the trained encoder and
of a Haar encoder. (c): the trained encoder's distance from orthonormal rows and the largest
off-diagonal Gram entry (both 0 for a rotation-like encoder).
"""
import os

import numpy as np

from odedyn.figures import figure_main
from odedyn.onebit.amp import multilayer_decoder
from odedyn.onebit.denoiser import haar_rows
from odedyn.onebit.images import fitted_prior, preprocess, rate_experiment
from odedyn.plotting import COLORS, plt, save
from odedyn.datasets import load_dataset

NAME = "sign-images"
DESCRIPTION = ("one-bit AE on images (digits; MNIST/CIFAR-10 via ODEDYN_DATASET): GD, denoiser, "
               "multi-layer decoder")
LAYERS = 8


def split(X, test, seed=0):
    perm = np.random.default_rng(seed).permutation(len(X))
    return X[perm[test:]], X[perm[:test]]


def haar_decoders(train, test, r, seed, layers=LAYERS):
    """Risks (mean, se) on held-out rows of the single denoiser and the multi-layer decoder given
    the signs of a Haar row-orthonormal encoder, with the prior fitted to the training rows."""
    d = test.shape[1]
    B = haar_rows(max(1, int(round(r * d))), d, seed)
    out = list(multilayer_decoder(B, np.sign(test @ B.T), fitted_prior(train), layers))
    res = {}
    for name, (xhat, _) in (("haar_denoiser", out[0]), ("haar_multilayer", out[-1])):
        losses = ((test - xhat) ** 2).mean(axis=1)
        res[name], res[name + "_se"] = losses.mean(), losses.std(ddof=1) / np.sqrt(len(losses))
    return res


def run_dataset(X, shape, rates, steps, dct, test_rows):
    train, test = preprocess(*split(X, test_rows), shape=shape, dct=dct)
    rows = []
    for k, r in enumerate(rates):
        row = rate_experiment(train, test, r, seed=k, steps=steps, layers=LAYERS)
        row.update(haar_decoders(train, test, r, seed=k))
        rows.append(row)
    return rows


def draw(ax, rows, title):
    r = np.array([row["r"] for row in rows])
    grid = np.linspace(0.05, 1.0, 50)
    ax.plot(grid, 1 - 2 * grid / np.pi, "-", color="0.4", label=r"Gaussian $1 - 2r/\pi$")
    for name, c, marker, label in (("gd", COLORS[0], "o", "gradient descent (A, B trained)"),
                                   ("denoiser", COLORS[1], "s", "trained B + denoiser"),
                                   ("multilayer", COLORS[2], "x", "trained B + multi-layer"),
                                   ("haar_denoiser", COLORS[3], "^", "Haar B + denoiser"),
                                   ("haar_multilayer", COLORS[4], "+", "Haar B + multi-layer")):
        ax.errorbar(r, [row[name] for row in rows], yerr=[row[name + "_se"] for row in rows],
                    fmt=marker, ms=6 if marker in "x+" else 4.5, mfc="none", color=c,
                    elinewidth=1.0, capsize=1.5, label=label)
    ax.set_xlabel("rate $r = n/d$")
    ax.set_ylabel("held-out risk")
    ax.set_title(title, fontsize=9, loc="left")


def make(out_dir, quick=False):
    rates = [0.25, 0.5, 1.0] if quick else [0.125, 0.25, 0.375, 0.5, 0.75, 1.0]
    steps = 600 if quick else 2000
    digits = load_dataset("digits")
    out = {"rates": rates, "steps": steps, "eta": 0.05, "batch": 128, "width": 0.1,
           "train_images": len(digits) - 400, "test_images": 400, "layers": LAYERS}
    panels = [("digits_pixels", digits, (8, 8), False), ("digits_dct", digits, (8, 8), True)]
    extra = os.environ.get("ODEDYN_DATASET")
    if extra:
        X = load_dataset(extra)
        side = int(round(np.sqrt(X.shape[1])))
        shape = (side, side) if side * side == X.shape[1] else None
        panels.append(("dataset_dct" if shape else "dataset_pixels", X[:2400], shape, shape is not None))
        out["dataset"] = extra
    fig, axes = plt.subplots(1, len(panels) + 1, figsize=(4.2 * (len(panels) + 1), 3.8))
    for k, (key, X, shape, dct) in enumerate(panels):
        rows = run_dataset(X, shape, rates, steps, dct, test_rows=400)
        out[key] = rows
        draw(axes[k], rows, "(%s) %s, %s (d = %d, fitted p = %.2f)" % (
            "abcd"[k], key.split("_")[0], "DCT" if dct else "pixels", X.shape[1], rows[0]["prior_p"]))
    axes[0].legend(fontsize=6.5, title="SE bars (often smaller than markers)", title_fontsize=6.5)
    ax = axes[-1]
    for k, (key, *_rest) in enumerate(panels):
        r = [row["r"] for row in out[key]]
        ax.plot(r, [row["rotation_defect"] for row in out[key]], "o-", color=COLORS[k],
                label="%s: max |singular value - 1|" % key.replace("_", ", "))
        ax.plot(r, [row["gram_offdiag_max"] for row in out[key]], "s--", color=COLORS[k],
                label="%s: max off-diagonal Gram" % key.replace("_", ", "))
    ax.set_xlabel("rate $r = n/d$")
    ax.set_ylabel("trained encoder (rows normalised)")
    ax.set_title("(%s) distance from a rotation" % "abcd"[len(panels)], fontsize=9, loc="left")
    ax.legend(fontsize=6.5)
    fig.tight_layout()
    out["files"] = save(fig, out_dir, NAME)
    return out


if __name__ == "__main__":
    figure_main(make)
