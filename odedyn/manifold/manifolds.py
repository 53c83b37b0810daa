"""Data on k-dimensional sets K in R^n (seed 003). Owns: the sets (a circle, two linked circles
in R^3, the sphere S^2, a torus), their optional embedding in a higher R^n by a random isometry,
training samples from the uniform (volume) measure on K (independent or stratified draws)
with optional Gaussian noise, the dense test set with quadrature weights that represents the
uniform probability measure on K, and the Borsuk-Ulam lower bound on the maximal
reconstruction error through a k-dimensional bottleneck.

Geometry (natural coordinates, before the embedding):

* circle(r):            (r cos a, r sin a)                                       in R^2
* linked-circles(r):    (r cos a, r sin a, 0) and (r + r cos b, 0, r sin b)       in R^3
                        (each circle passes through the other's disc once: a Hopf link)
* sphere(r):            r u, |u| = 1                                              in R^3
* torus(R, r):          ((R + r cos p) cos a, (R + r cos p) sin a, r sin p)      in R^3
                        (volume element r (R + r cos p) da dp)

The Borsuk-Ulam bound. If K contains a round j-sphere S of radius rho and the bottleneck has
k <= j dimensions, every continuous encoder E: K -> R^k maps some antipodal pair x, -x of S
(S centred at 0) to one point z (Borsuk-Ulam, after restricting to a great k-sphere of S), so
the decoder returns the same y for both and max(|x - y|, |-x - y|) >= |2x| / 2 = rho. The
maximal reconstruction error is therefore >= rho for *every* network. The round spheres used:
the circle itself (rho = r), each linked circle (r), the sphere and its great circles (r), and
the torus's outer equator (R + r, for k = 1 only: a circle gives no bound through k = 2, and
no bound is claimed for the torus at k = 2).
"""
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

MANIFOLDS = ("circle", "linked-circles", "sphere", "torus")
#: how training samples are drawn (Manifold.sample)
DESIGNS = ("random", "stratified")
#: intrinsic dimension and dimension of the natural ambient space
DIMENSIONS = {"circle": (1, 2), "linked-circles": (1, 3), "sphere": (2, 3), "torus": (2, 3)}


@dataclass(frozen=True)
class Manifold:
    """A k-dimensional set K in R^n: ``kind``, radius ``r`` (minor radius for the torus),
    major radius ``R`` (torus), ambient dimension ``n`` and the isometry ``Q`` (n x n0,
    orthonormal columns) that embeds the natural coordinates."""

    kind: str
    r: float = 1.0
    R: float = 2.0
    n: int = None
    embedding_seed: int = 0

    def __post_init__(self):
        if self.kind not in MANIFOLDS:
            raise ConfigError("data.manifold", self.kind, "unknown; one of %s" % ", ".join(MANIFOLDS))
        for key, val in (("data.radius", self.r), ("data.major_radius", self.R)):
            if not (np.isfinite(val) and val > 0):
                raise ConfigError(key, val, "must be a positive number")
        if self.kind == "torus" and not self.R > self.r:
            raise ConfigError("data.major_radius", self.R, "must exceed data.radius = %g "
                              "(otherwise the torus intersects itself)" % self.r)
        n0 = self.natural_dim
        if self.n is None:
            object.__setattr__(self, "n", n0)
        if not (isinstance(self.n, (int, np.integer)) and self.n >= n0):
            raise ConfigError("data.n", self.n, "must be an integer >= %d for a %s" % (n0, self.kind))

    @property
    def dim(self):
        """Intrinsic dimension k of the set."""
        return DIMENSIONS[self.kind][0]

    @property
    def natural_dim(self):
        return DIMENSIONS[self.kind][1]

    @property
    def embedding(self):
        """The random isometry R^n0 -> R^n (identity when n = n0), from ``embedding_seed``."""
        n0 = self.natural_dim
        if self.n == n0:
            return np.eye(n0)
        rng = np.random.default_rng([3, self.embedding_seed, self.n])
        q, upper = np.linalg.qr(rng.standard_normal((self.n, n0)))
        return q * np.sign(np.diag(upper))

    def embed(self, points):
        return points @ self.embedding.T

    # ------------------------------------------------------------ coordinates
    def _points(self, a, b=None, component=None):
        """Natural coordinates from the intrinsic ones (b: second angle; component: which
        linked circle)."""
        r, R = self.r, self.R
        if self.kind == "circle":
            return np.stack([r * np.cos(a), r * np.sin(a)], axis=1)
        if self.kind == "linked-circles":
            first = np.stack([r * np.cos(a), r * np.sin(a), 0 * a], axis=1)
            second = np.stack([r + r * np.cos(a), 0 * a, r * np.sin(a)], axis=1)
            return np.where(component[:, None] == 0, first, second)
        if self.kind == "torus":
            rho = R + r * np.cos(b)
            return np.stack([rho * np.cos(a), rho * np.sin(a), r * np.sin(b)], axis=1)
        raise AssertionError(self.kind)

    def sample(self, m, seed, noise=0.0, design="random"):
        """``m`` points from the uniform (volume) measure on K, embedded in R^n, plus isotropic
        Gaussian noise of standard deviation ``noise`` per coordinate.

        design = "random": independent draws. design = "stratified": a Latin hypercube in the
        coordinates that carry the uniform measure (angle a; for the sphere a and the height z;
        for the torus a and the tube angle's distribution function): each coordinate's m
        values fall one in each of m equal cells, at a uniform place inside it; the linked
        circles get ceil(m / 2) and floor(m / 2) points. Every point is still uniform on K,
        but no gap between neighbours exceeds two cells (on a curve): m independent draws
        leave gaps of about (log m) / m of the length, where a 1-d bottleneck hides its jump."""
        if design not in DESIGNS:
            raise ConfigError("data.sampling", design, "unknown; one of %s" % ", ".join(DESIGNS))
        rng = np.random.default_rng([5, seed])
        if design == "random":
            u = rng.uniform(0, 1, (m, 2))
            comp = rng.integers(0, 2, m)
        else:
            u = (np.stack([rng.permutation(m), rng.permutation(m)], axis=1)
                 + rng.uniform(0, 1, (m, 2))) / m
            comp = (np.arange(m) >= (m + 1) // 2).astype(int)
            if self.kind == "linked-circles":  # stratify each circle on its own
                for c, size in ((0, (m + 1) // 2), (1, m // 2)):
                    u[comp == c, 0] = (rng.permutation(size) + rng.uniform(0, 1, size)) / size
        a = 2 * np.pi * u[:, 0]
        if self.kind == "sphere":
            z = 1 - 2 * u[:, 1]  # uniform height: uniform on the sphere (Archimedes)
            s = np.sqrt(1 - z * z)
            pts = self.r * np.stack([s * np.cos(a), s * np.sin(a), z], axis=1)
        elif self.kind == "torus":
            pts = self._points(a, self._tube_angles(u[:, 1]))
        else:
            pts = self._points(a, component=comp)
        x = self.embed(pts)
        return x + noise * rng.standard_normal(x.shape) if noise > 0 else x

    def _tube_angles(self, u):
        """Tube angles p with density (R + r cos p) / (2 pi R) at quantiles u (Newton on the
        distribution function F(p) = (R p + r sin p) / (2 pi R), increasing since R > r)."""
        R, r = self.R, self.r
        p = 2 * np.pi * u
        for _ in range(50):
            step = (R * p + r * np.sin(p) - 2 * np.pi * R * u) / (R + r * np.cos(p))
            p = np.clip(p - step, 0, 2 * np.pi)
            if np.abs(step).max() < 1e-13:
                break
        return p

    def test_set(self, size):
        """A dense deterministic test set of about ``size`` points and quadrature weights
        (summing to 1) that represent the uniform probability measure on K; also the
        intrinsic coordinates (for plots). Returns (points, weights, coords)."""
        if self.kind == "circle":
            a = 2 * np.pi * np.arange(size) / size
            return self.embed(self._points(a)), np.full(size, 1.0 / size), a[:, None]
        if self.kind == "linked-circles":
            half = size // 2
            a = np.tile(2 * np.pi * np.arange(half) / half, 2)
            comp = np.repeat([0, 1], half)
            return (self.embed(self._points(a, component=comp)), np.full(2 * half, 0.5 / half),
                    np.stack([a, comp], axis=1))
        if self.kind == "sphere":  # Fibonacci lattice: equal-area cells
            i = np.arange(size) + 0.5
            z = 1 - 2 * i / size
            a = np.mod(np.pi * (3 - np.sqrt(5)) * i, 2 * np.pi)
            s = np.sqrt(1 - z * z)
            pts = self.r * np.stack([s * np.cos(a), s * np.sin(a), z], axis=1)
            return self.embed(pts), np.full(size, 1.0 / size), np.stack([a, np.arccos(z)], axis=1)
        side = max(4, int(round(np.sqrt(size * self.R / self.r))))
        tube = max(4, size // side)
        a, b = np.meshgrid(2 * np.pi * np.arange(side) / side, 2 * np.pi * np.arange(tube) / tube,
                           indexing="ij")
        a, b = a.ravel(), b.ravel()
        w = self.R + self.r * np.cos(b)
        return self.embed(self._points(a, b)), w / w.sum(), np.stack([a, b], axis=1)

    def volume(self):
        """Total length (k = 1) or area (k = 2) of K: converts measures to absolute units."""
        r, R = self.r, self.R
        return {"circle": 2 * np.pi * r, "linked-circles": 4 * np.pi * r,
                "sphere": 4 * np.pi * r * r, "torus": 4 * np.pi**2 * R * r}[self.kind]

    def borsuk_ulam_bound(self, k):
        """Lower bound on the maximal reconstruction error of any continuous autoencoder with
        a k-dimensional bottleneck (0 where no round sphere argument applies)."""
        if not (isinstance(k, (int, np.integer)) and k >= 1):
            raise ConfigError("model.bottleneck", k, "must be a positive integer")
        largest_sphere = {"circle": (1, self.r), "linked-circles": (1, self.r),
                          "sphere": (2, self.r), "torus": (1, self.R + self.r)}[self.kind]
        j, rho = largest_sphere
        return float(rho) if k <= j else 0.0
