"""Linear analysis of a family's equations, written once for every family. Owns: fixed points by
root finding (``fixed_point``), the Jacobian of a right-hand side (``jacobian``), its flow in
reduced coordinates (``reduced``, ``on_entries``), the eigen-decomposition at a point
(``eigen``), the stability of the explicit Euler map that online SGD is along a theory curve
(``euler_stability``), and the time a curve reaches a level (``time_to_level``).

**The Jacobian.** A right-hand side ``f(t, y)`` (a Python callable or an
odedyn.integrate.Compiled) that has an attribute ``jacobian(t, y)`` gives its exact derivative
(n x n), used as it is (error 0). Otherwise central differences: column j is
D_j(h) = [f(y + h e_j) - f(y - h e_j)] / 2h with h_j = eps^(1/3) max(|y_j|, s), eps the machine
epsilon and s the state's scale (its RMS entry unless given; 1 for a zero state), the step that
balances the O(h^2) truncation against the O(eps/h) rounding. Every column is also taken at 2h,
and the error estimate is, entry by entry, |D(h) - D(2h)| (Richardson: three times the leading
truncation error of D(h), plus rounding noise of the size of D(h)'s own) plus the rounding bound
eps (|f(y + h e_j)| + |f(y - h e_j)|) / 2h (which the difference misses where f is linear in
y_j). It costs 4 n evaluations.

**Eigenvalues** carry a bound from that error E: to first order an eigenvalue (or the mean of
a multiple one, a cluster of computed eigenvalues within sqrt(eps) of each other) moves by at
most |P|_2 |E|_F, P the spectral projector on it (the eigenvalue's condition number; Bauer-Fike's
cond(V) |E| for the whole spectrum would be needlessly large at a multiple eigenvalue).

**Time to a level**: the first time a curve is at or below the level, linear in (t, log y)
between the two output times that bracket the crossing (exact for an exponential approach; the
later time where either value is not positive); the first time if it starts there; NaN if it
never gets there. A rising curve (an overlap's escape) is the same rule with the inequality
turned, linear in (t, y) where the curve is not an exponential approach.
"""
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .errors import NumericalError, NumericalWarning

#: machine epsilon
EPS = float(np.finfo(float).eps)
#: central-difference step relative to the scale: eps^(1/3)
FD_STEP = EPS ** (1.0 / 3.0)
#: largest state whose dense Jacobian ``euler_stability`` takes (4 n evaluations and an n x n
#: eigenproblem per checked time)
DENSE_LIMIT = 200
#: output times ``euler_stability`` checks
CHECKED_TIMES = 6


# ------------------------------------------------------------------ the Jacobian
def exact_jacobian(rhs):
    """The right-hand side's own derivative ``jacobian(t, y)``, or None."""
    jac = getattr(rhs, "jacobian", None)
    return jac if callable(jac) else None


def jacobian(rhs, y, t=0.0, scale=None):
    """(J, error) of ``rhs`` at (t, y): its exact derivative where it has one (error zeros),
    else central differences with the Richardson error estimate (module docstring)."""
    y = np.asarray(y, dtype=float)
    exact = exact_jacobian(rhs)
    if exact is not None:
        J = np.asarray(exact(t, y), dtype=float)
        return J, np.zeros_like(J)
    if scale is None:
        scale = float(np.sqrt(np.mean(y ** 2))) if y.size else 1.0
    scale = scale if scale > 0 else 1.0
    h = FD_STEP * np.maximum(np.abs(y), scale)
    h = (y + h) - y                      # steps representable in floating point
    cols = [_central(rhs, y, t, j, h[j]) for j in range(len(y))]
    J, J2, rounding = (np.array([c[k] for c in cols]).T for k in range(3))
    return J, np.abs(J - J2) + rounding


def _central(rhs, y, t, j, h):
    """Column j of the central difference at steps h and 2h, and the rounding error of the
    first, EPS (|f(y + h e_j)| + |f(y - h e_j)|) / 2h."""
    out = []
    for step in (h, 2 * h):
        up, down = y.copy(), y.copy()
        up[j] += step
        down[j] -= step
        fu, fd = np.asarray(rhs(t, up), dtype=float), np.asarray(rhs(t, down), dtype=float)
        out.append((fu - fd) / (2 * step))
        if step == h:
            rounding = EPS * (np.abs(fu) + np.abs(fd)) / (2 * step)
    return out + [rounding]


class reduced:
    """The flow of ``rhs`` in coordinates z of its state: y = embed(z) (affine in z), and
    dz/dt = project(dy/dt) (linear). A Python right-hand side f(t, z); when ``rhs`` has an
    exact derivative, so does this one (project . J . d embed/dz)."""

    def __init__(self, rhs, embed, project):
        self.rhs, self.embed, self.project = rhs, embed, project
        if exact_jacobian(rhs) is not None:
            self.jacobian = self._jacobian

    def __call__(self, t, z):
        return self.project(self.rhs(t, self.embed(z)))

    def _jacobian(self, t, z):
        z = np.asarray(z, dtype=float)
        base = self.embed(z)
        E = np.array([self.embed(z + e) - base for e in np.eye(len(z))]).T
        J = exact_jacobian(self.rhs)(t, base)
        return np.array([self.project(col) for col in (J @ E).T]).T


def on_entries(rhs, y, free):
    """The flow of ``rhs`` on the entries ``free`` of the state, the others held at ``y``'s."""
    y = np.array(y, dtype=float)
    free = np.asarray(free)

    def embed(z):
        out = y.copy()
        out[free] = z
        return out

    return reduced(rhs, embed, lambda dy: np.asarray(dy)[free])


# ------------------------------------------------------------------ fixed points
def fixed_point(residual, guess, tol, jac=None, xtol=1e-13, what="fixed point"):
    """(x, largest |residual(x)|): a root of ``residual`` near ``guess`` by Powell's hybrid
    method (scipy's "hybr"; ``jac``: its exact derivative, optional), accepted when every
    residual is within ``tol``; else a NumericalError naming ``what``."""
    from scipy.optimize import root
    guess = np.asarray(guess, dtype=float)
    sol = root(residual, guess, jac=jac, method="hybr", options={"xtol": xtol})
    res = float(np.max(np.abs(residual(sol.x)))) if len(sol.x) else 0.0
    if not np.isfinite(res) or res > tol:
        raise NumericalError(0.0, "no %s near %s: residual %.3g > %.3g (%s)"
                             % (what, np.array2string(guess, precision=4), res, tol,
                                sol.message))
    return sol.x, res


# ------------------------------------------------------------------ eigen-decomposition
@dataclass
class Eigen:
    """Eigenvalues (largest real part first), right eigenvectors (columns) and their inverse
    (rows: the left eigenvectors), and ``bound``, per eigenvalue, how far the exact Jacobian's
    can lie from it (0 for an exact Jacobian; module docstring)."""
    values: np.ndarray
    vectors: np.ndarray
    left: np.ndarray
    bound: np.ndarray

    @property
    def top(self):
        """The largest real part."""
        return float(self.values.real[0])

    def leading(self, rel=1e-5):
        """Mask of the eigenvalues whose real part is the top one's, within ``rel`` of it or
        within its error bound."""
        tol = max(rel * abs(self.top), float(self.bound[0]))
        return np.abs(self.values.real - self.top) <= tol

    def projector(self, mask):
        """The (real) projector onto the eigenspace of ``mask`` along the others."""
        return np.real(self.vectors[:, mask] @ self.left[mask, :])


def eigen(J, error=None):
    """The eigen-decomposition of J (error: the entrywise error estimate of ``jacobian``)."""
    w, V = np.linalg.eig(np.asarray(J, dtype=float))
    order = np.lexsort((-w.imag, -w.real))
    w, V = w[order], V[:, order]
    left = np.linalg.inv(V)
    bound = np.zeros(len(w))
    size = float(np.linalg.norm(error, "fro")) if error is not None else 0.0
    if size > 0:
        bound = np.linalg.norm(V, axis=0) * np.linalg.norm(left, axis=1) * size   # simple ones
        for cluster in _clusters(w):
            if len(cluster) > 1:
                bound[cluster] = _projector_norm(V[:, cluster], left[cluster, :]) * size
    return Eigen(w, V, left, bound)


def _projector_norm(right, left):
    """|right @ left|_2 from the c x c Gram matrices: the largest eigenvalue of
    (right^H right)(left left^H) is its square (|v| |u| for a simple eigenvalue)."""
    gram = (right.conj().T @ right) @ (left @ left.conj().T)
    return float(np.sqrt(np.max(np.abs(np.linalg.eigvals(gram)))))


def _clusters(w):
    """Index sets of eigenvalues that coincide to sqrt(eps) of the largest (consecutive in the
    sorted order): a multiple eigenvalue split by rounding or difference errors."""
    tol = np.sqrt(EPS) * max(1.0, float(np.abs(w).max(initial=0.0)))
    out, current = [], [0]
    for i in range(1, len(w)):
        if abs(w[i] - w[current[-1]]) <= tol:
            current.append(i)
        else:
            out.append(current)
            current = [i]
    return out + [current] if len(w) else []


# ------------------------------------------------------------------ SGD as an Euler map
def euler_stability(rhs, t, ys, step, n_times=CHECKED_TIMES, limit=DENSE_LIMIT,
                    key="training.lr"):
    """Is the explicit Euler map y -> y + step f(t, y) stable along a theory curve (states
    ``ys`` at times ``t``)? Online SGD at finite D is that map with step 1/D (t = steps / D),
    so where the flow damps a direction (Re lambda < 0) that the map amplifies
    (|1 + step lambda| > 1 beyond the eigenvalue's error bound), SGD leaves the curve. Checks
    ``n_times`` output times spread over the curve (the last included) with a dense Jacobian;
    skipped for states of more than ``limit`` entries. Warns (NumericalWarning, naming ``key``)
    at the first unstable time; returns what it found (JSON values: the times checked, the
    unstable modes, the stiffest damped one, the seconds it took) for the run's diagnostics."""
    start = time.perf_counter()
    ys = np.asarray(ys, dtype=float)
    n = ys.shape[1]
    if n > limit:
        return {"checked": False, "why": "state of %d entries > %d: no dense Jacobian" % (n, limit)}
    picks = np.unique(np.linspace(0, len(t) - 1, min(n_times, len(t))).round().astype(int))
    found = {"checked": True, "euler_step": float(step), "times": [float(t[i]) for i in picks],
             "unstable": [], "stiffest": None}
    for i in picks:
        eig = eigen(*jacobian(rhs, ys[i], t[i]))
        w = eig.values
        damped = np.flatnonzero(w.real < 0)
        if not len(damped):
            continue
        factor = np.abs(1 + step * w[damped]) - step * eig.bound[damped]
        j = int(np.argmin(w.real[damped]))
        if found["stiffest"] is None or w.real[damped[j]] < found["stiffest"]["eigenvalue"][0]:
            found["stiffest"] = _mode(t[i], w[damped[j]], factor[j])
        if factor.max() > 1:
            j = int(np.argmax(factor))
            found["unstable"].append(_mode(t[i], w[damped[j]], factor[j]))
    found["check_s"] = time.perf_counter() - start
    if found["unstable"]:
        first = found["unstable"][0]
        lam = complex(*first["eigenvalue"])
        warnings.warn(NumericalWarning(first["t"], (
            "the Jacobian of the equations has eigenvalue %s, outside the region "
            "|1 + lambda/D| <= 1 (D = %.4g) where online SGD, their Euler map with step 1/D, is "
            "stable (|1 + lambda/D| = %.3g): the theory curve does not describe SGD at this "
            "size; lower the learning rate (%s) or raise D")
            % (_complex(lam), 1.0 / step, first["factor"], key)))
    return found


def _mode(t, lam, factor):
    return {"t": float(t), "eigenvalue": [float(lam.real), float(lam.imag)],
            "factor": float(factor)}


def _complex(z):
    return "%.4g" % z.real if z.imag == 0 else "%.4g%+.4gi" % (z.real, z.imag)


# ------------------------------------------------------------------ time to a level
def time_to_level(t, y, level, rising=False, log=True):
    """The first time ``y`` is at or below ``level`` (``rising``: at or above it), linear in
    (t, log y) between output times (module docstring; ``log=False``: linear in (t, y));
    t[0] if it starts there; NaN if never."""
    y = np.asarray(y, dtype=float)
    hit = np.flatnonzero(np.isfinite(y) & ((y >= level) if rising else (y <= level)))
    if not len(hit):
        return np.nan
    j = hit[0]
    if j == 0:
        return float(t[0])
    if not log:
        return float(t[j - 1] + (t[j] - t[j - 1]) * (level - y[j - 1]) / (y[j] - y[j - 1]))
    if not (y[j - 1] > 0 and y[j] > 0):
        return float(t[j])
    a, b = np.log(y[j - 1]), np.log(y[j])
    return float(t[j - 1] + (t[j] - t[j - 1]) * (a - np.log(level)) / (a - b))
