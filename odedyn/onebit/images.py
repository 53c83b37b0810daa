"""The one-bit autoencoder on real images. Owns: the preprocessing of an image data set into rows
with E x_i^2 = 1, the empirical law of those rows as a source (so that the sample-based companion,
simulate.train_on_samples, runs stochastic gradient descent on the empirical risk of the
training rows), the Bernoulli-Gaussian prior fitted to them, and the per-rate experiment of
figures/sign_images.py.

Preprocessing (``preprocess``): images as rows (N x d, d = number of pixels); centre every pixel
(subtract the training mean image); optionally apply the orthonormal 2-D DCT-II to every centred
image (a rotation of R^d: it keeps |x|, and concentrates the energy of smooth images in few
coefficients, i.e. makes them sparse); finally one global scale so that the average over
training rows and coordinates of x_i^2 is 1 (a per-coordinate scale would blow up the pixels
that are constant over the data set, e.g. the border of the digits). The test rows get the
training mean and scale.

Fitted prior: x_i ~ Bernoulli(p) N(0, 1/p) with the fourth moment of the data,
E x^4 = 3 / p, i.e. p = 3 / mean(x^4) (clipped to 1: a Gaussian when the data are not heavier-
tailed than one).
"""
import numpy as np
from scipy.fft import dctn

from ..errors import ConfigError
from .sources import Source


def preprocess(train, test, shape=None, dct=False):
    """(train rows, test rows) centred, optionally DCT'd (``shape``: the image's side lengths),
    and scaled to an average x_i^2 of 1 over the training rows."""
    train, test = np.asarray(train, float), np.asarray(test, float)
    mean = train.mean(axis=0)
    train, test = train - mean, test - mean
    if dct:
        if shape is None or int(np.prod(shape)) != train.shape[1]:
            raise ConfigError("images.shape", shape, "must multiply to the row length %d" % train.shape[1])
        train, test = (dctn(a.reshape(-1, *shape), axes=(1, 2), norm="ortho").reshape(len(a), -1)
                       for a in (train, test))
    scale = np.sqrt((train ** 2).mean())
    if not scale > 0:
        raise ConfigError("images", "rows", "are all equal: nothing to compress")
    return train / scale, test / scale


class EmpiricalSource:
    """The empirical law of a set of rows (sampling draws rows uniformly with replacement); it
    stands in for a Source wherever only ``sample`` and ``moments`` are used."""

    kind = "empirical"

    def __init__(self, rows):
        self.rows = np.ascontiguousarray(rows, dtype=float)

    def sample(self, rng, m, d):
        if d != self.rows.shape[1]:
            raise ConfigError("model.d", d, "the data rows have %d coordinates" % self.rows.shape[1])
        return self.rows[rng.integers(0, len(self.rows), size=m)]

    def moments(self):
        """(E|x|, E sign(x)^2) over rows and coordinates."""
        return float(np.abs(self.rows).mean()), float((self.rows != 0).mean())


def fitted_prior(rows):
    """The Bernoulli-Gaussian prior with the rows' fourth moment (rows with E x^2 = 1)."""
    p = min(1.0, 3.0 / float((np.asarray(rows) ** 4).mean()))
    return Source("bernoulli-gaussian", p) if p < 1.0 else Source()


def rate_experiment(train, test, r, seed, steps=2000, eta=0.05, batch=128, width=0.1, layers=8,
                    prior=None):
    """Stochastic gradient descent of the one-bit autoencoder (n = round(r d) rows) on the
    empirical risk of the training rows from a random network, then on the held-out rows: the
    risk of the trained network, its encoder's shape (model.observables), and the risks of the
    single denoiser and the multi-layer decoder (``layers`` layers) given the trained encoder's
    signs, with ``prior`` (default: fitted to the training rows). The decoders assume
    orthonormal rows; they get the trained rows normalised, and ``rotation_defect`` says how far
    from orthonormal those are. Means with standard errors over the test rows."""
    from .amp import multilayer_decoder
    from .kernels import sample_risks
    from .model import SignAutoencoder, observables
    from .simulate import train_on_samples

    d = train.shape[1]
    n = max(1, int(round(r * d)))
    prior = fitted_prior(train) if prior is None else prior
    A0, B0 = SignAutoencoder(d, n).random_network(seed)
    rec = train_on_samples(A0, B0, EmpiricalSource(train), [steps * eta], eta, batch, width, seed,
                           test_samples=batch)
    A, B = rec["_final"]
    Bbar = B / np.linalg.norm(B, axis=1, keepdims=True)
    gd = sample_risks(A, B, test)
    decoded = [((test - xhat) ** 2).mean(axis=1)
               for xhat, _ in multilayer_decoder(Bbar, np.sign(test @ Bbar.T), prior, layers)]
    out = {"r": n / d, "n": n, "prior_p": prior.p, "linear_gaussian": 1 - 2 * (n / d) / np.pi}
    for name, losses in (("gd", gd), ("denoiser", decoded[0]), ("multilayer", decoded[-1])):
        out[name] = float(losses.mean())
        out[name + "_se"] = float(losses.std(ddof=1) / np.sqrt(len(losses)))
    gain = decoded[0] - decoded[-1]
    out["multilayer_gain"], out["multilayer_gain_se"] = float(gain.mean()), float(
        gain.std(ddof=1) / np.sqrt(len(gain)))
    out.update({k: float(v) for k, v in observables(A, B).items()})
    return out
