"""Analysis of the committee machine's order-parameter equations. Owns: the symmetric plateau
as a fixed point of the ODE (found by root finding), the linearisation there (Jacobian on the
independent order parameters, its unstable eigenvalue and eigenvectors), the escape time that
linearisation predicts from a start's asymmetry, the asymptotic error of a converged run, and
the single-index escape: the time online SGD (theory or runs) takes from a small initial overlap
m0 with the teacher to overlap 1/2 (``single_index``, ``overlap``, ``escape_time``,
``theory_escape``, ``sgd_escape``).

Coordinates: z = (upper triangle of Q, R, v if the second layer trains); the full state of
odedyn.committee.model is rebuilt from z with Q symmetric, so every perturbation is a network.
Root finding, the Jacobian (with its error estimate), the eigen-decomposition and the time to a
level are the shared ones of odedyn.analysis.
"""
from dataclasses import dataclass

import numpy as np

from .. import analysis
from ..errors import NumericalError
from .theory import equations, integrate


@dataclass
class Reduced:
    """The map between the independent order parameters z and the model's state y."""
    model: object
    v: np.ndarray        # the fixed second layer (used when it does not train)

    @property
    def iu(self):
        return np.triu_indices(self.model.K)

    def to_state(self, z):
        K, M = self.model.K, self.model.M
        nq = K * (K + 1) // 2
        Q = np.zeros((K, K))
        Q[self.iu] = z[:nq]
        Q = Q + np.triu(Q, 1).T
        R = np.asarray(z[nq:nq + K * M]).reshape(K, M)
        v = z[nq + K * M:] if self.model.train_second_layer else self.v
        return self.model.state(Q, R, v)

    def from_state(self, y):
        Q, R, v = self.model.unpack(y)
        parts = [Q[self.iu], R.ravel()] + ([v] if self.model.train_second_layer else [])
        return np.concatenate(parts)

    def flow(self, T, A):
        """The flow in z (odedyn.analysis.reduced: exact derivative where the equations have
        one)."""
        return analysis.reduced(equations(self.model, T, A), self.to_state, self.from_state)


def symmetric_state(K, M, q, c, r, v):
    """Q = (q - c) I + c, R = r everywhere, v = v everywhere."""
    Q = np.full((K, K), c, float) + (q - c) * np.eye(K)
    return Q, np.full((K, M), r, float), np.full(K, v, float)


@dataclass
class Plateau:
    Q: np.ndarray
    R: np.ndarray
    v: np.ndarray
    error: float
    eigenvalue: float     # the largest real part of the Jacobian's eigenvalues
    multiplicity: int     # how many eigenvalues share it (the permutation symmetry of the units)
    eigenvalue_error: float  # how far the exact Jacobian's can lie (odedyn.analysis.eigen)
    projector: np.ndarray  # onto their eigenspace along the others (reduced coordinates)
    z: np.ndarray
    reduced: Reduced

    def amplitude(self, Q, R, v):
        """Size of the unstable component of a state's deviation from the plateau."""
        z = self.reduced.from_state(self.reduced.model.state(Q, R, v))
        return float(np.linalg.norm(self.projector @ (z - self.z)))

    def perturbed(self, eps, seed=1):
        """(Q, R, v) of a start off the plateau in a random direction whose unstable
        component has size ``eps``."""
        dz = np.random.default_rng(seed).standard_normal(len(self.z))
        dz *= eps / np.linalg.norm(self.projector @ dz)
        return self.reduced.model.unpack(self.reduced.to_state(self.z + dz))

    def escape_time(self, amplitude, reference_amplitude, reference_time):
        """Linearised escape: a deviation of ``amplitude`` along the unstable direction grows
        as e^{lambda t}; the run started with ``reference_amplitude`` left the plateau at
        ``reference_time``, so this one leaves ln(reference/amplitude)/lambda later."""
        return reference_time + np.log(reference_amplitude / amplitude) / self.eigenvalue


def symmetric_plateau(model, T, A, v=None, guess=(0.3, 0.2, 0.2, 1.0)):
    """The symmetric fixed point (all R_km equal, Q = (q - c) I + c, v equal) of the ODE by
    root finding on its independent values (residual within 1e-10), and the Jacobian's leading
    eigenvalue there (its eigenspace: every eigenvalue within 1e-5 of its real part or within
    the error bound)."""
    K, M = model.K, model.M
    red = Reduced(model, np.full(K, 1.0 if v is None else v, float))
    f = equations(model, T, A)

    def parts(p):
        q, c, r = p[:3]
        vv = p[3] if model.train_second_layer else red.v[0]
        Q, R, vs = symmetric_state(K, M, q, c, r, vv)
        return Q, R, vs

    def residual(p):
        Q, R, vs = parts(p)
        dQ, dR, dv = model.unpack(f(0.0, model.state(Q, R, vs)))
        out = [dQ[0, 0], dQ[0, 1] if K > 1 else p[1], dR[0, 0]]
        if model.train_second_layer:
            out.append(dv[0])
        return np.array(out)

    p0 = np.array(guess[:4] if model.train_second_layer else guess[:3], float)
    p, _ = analysis.fixed_point(residual, p0, 1e-10, what="symmetric fixed point")
    Q, R, vs = parts(p)
    z = red.from_state(model.state(Q, R, vs))
    eig = analysis.eigen(*analysis.jacobian(red.flow(T, A), z))
    lead = eig.leading(1e-5)
    return Plateau(Q, R, vs, float(model.error(Q, R, T, vs, A)), eig.top, int(lead.sum()),
                   float(eig.bound[0]), eig.projector(lead), z, red)


def plateau_exit(t, error, plateau_error, fraction=0.5):
    """The end of the plateau on a curve: the time the error reaches ``fraction`` of the
    plateau's error (odedyn.analysis.time_to_level: linear in log error between output times);
    NaN if it never does, or starts there (never was on the plateau)."""
    target = fraction * plateau_error
    if not len(error) or error[0] <= target:
        return np.nan
    return analysis.time_to_level(t, error, target)


def closest_approach(plateau, traj):
    """Index of the output time where a theory curve is nearest the plateau (reduced
    coordinates)."""
    red = plateau.reduced
    zs = [red.from_state(red.model.state(traj["Q"][i], traj["R"][i], traj["v"][i]))
          for i in range(len(traj.t))]
    return int(np.argmin([np.linalg.norm(z - plateau.z) for z in zs]))


def calibrate_escape(plateau, T, A, eps=1e-3, seed=1):
    """(amplitude, exit time) of a start eps off the plateau in a random direction: the reference
    the linearised escape law is applied from."""
    model = plateau.reduced.model
    Q0, R0, v0 = plateau.perturbed(eps, seed)
    tr = integrate(model, Q0, R0, T, v0, A, np.linspace(0.0, 30.0 / plateau.eigenvalue, 3000))
    return plateau.amplitude(Q0, R0, v0), plateau_exit(tr.t, tr["error"], plateau.error)


def asymptotic_error(model, T, A, Q0, R0, v0, t_max, rtol=1e-3, atol=1e-10):
    """The error the theory converges to from (Q0, R0, v0): integrated to t_max; a
    NumericalError if it still changes by more than ``rtol`` (relative) + ``atol`` over the
    last fifth."""
    tr = integrate(model, Q0, R0, T, v0, A, [0.0, 0.8 * t_max, t_max])
    e1, e2 = tr["error"][1:]
    if abs(e2 - e1) > rtol * abs(e2) + atol:
        raise NumericalError(t_max, "error still changing (%.6g -> %.6g): not converged"
                             % (e1, e2))
    return float(e2)


# ---------------------------------------------------------------- single-index escape
#: the overlap at which a run has escaped the uninformative start
ESCAPE_LEVEL = 0.5


def single_index(k, m0, lr, t_max, D=1000, n_times=60, seed=0, q0=1.0):
    """The single-index experiment with information exponent k: teacher y = He_k(nu)/sqrt(k!)
    (M = 1, T = 1), student yhat = g(lambda) with the same activation (K = 1), second layer
    fixed at v = 1, started with Q = q0 and overlap R / sqrt(Q T) = m0 exactly
    (``[init] overlap``), learning rate ``lr``.

    Why v is fixed: with a trained second layer, v relaxes (on times 1/eta) to the student's
    correlation with the teacher over its output variance, ~ m^k at a small overlap, and every
    first-layer step is multiplied by v: the drift of m becomes ~ m^(2k-1) rather than m^(k-1),
    a different escape law from Ben Arous, Gheissari & Jagannath's fixed-link student. With
    v = 1 the student is the link itself (only its norm is free)."""
    from .experiment import configure
    return configure(model={"K": 1, "activation": "hermite-%d" % k, "train_second_layer": False},
                     teacher={"M": 1, "activation": "hermite-%d" % k},
                     data={"D": D, "noise": 0.0}, training={"lr": lr, "t_max": t_max},
                     init={"std": float(np.sqrt(q0)), "seed": seed, "v_init": 1.0,
                           "overlap": m0},
                     output={"n_times": n_times})


def overlap(Q, R, T, k=0, m=0):
    """R_km / sqrt(Q_kk T_mm) along the leading (time, or seed x time) axes of Q, R, T."""
    Q, R, T = (np.asarray(a, float) for a in (Q, R, T))
    return R[..., k, m] / np.sqrt(Q[..., k, k] * T[..., m, m])


def escape_time(t, m, level=ESCAPE_LEVEL):
    """The first time |m| reaches ``level``, linear in (t, |m|) between output times
    (odedyn.analysis.time_to_level); t[0] if it starts there; NaN if it never does (|m|: for
    even k the teacher is symmetric under w -> -w and a run may escape towards -1)."""
    return analysis.time_to_level(t, np.abs(np.asarray(m, float)), level, rising=True,
                                  log=False)


def theory_escape(exp, t_max=None, n=400, refine=400, level=ESCAPE_LEVEL):
    """Escape time of the theory curve of ``exp`` (K = M = 1 units 0, 0): integrated on n
    equal steps to ``t_max`` (default the experiment's), the first bracketing interval found
    and integrated again on ``refine`` steps from its left end (so the linear interpolation
    is on a grid n x refine finer than [0, t_max]). NaN if |m| stays below ``level``."""
    from .theory import integrate
    t_max = exp.t_max if t_max is None else t_max
    times = np.linspace(0.0, t_max, n + 1)
    tr = exp.theory_curve(times, progress=False)
    m = overlap(tr["Q"], tr["R"], tr["T"])
    hit = np.flatnonzero(np.abs(m) >= level)
    if not len(hit) or hit[0] == 0:
        return escape_time(tr.t, m, level)
    j = hit[0]
    fine = np.linspace(tr.t[j - 1], tr.t[j], refine + 1)
    tf = integrate(exp.model, tr["Q"][j - 1], tr["R"][j - 1], tr["T"][0], tr["v"][j - 1], exp.A,
                   fine, exp.solver, progress=False)
    return escape_time(tf.t, overlap(tf["Q"], tf["R"], tf["T"]), level)


def sgd_escape(sim, level=ESCAPE_LEVEL):
    """Escape times of SGD runs (a simulation Trajectory with Q, R, T per seed): {"times": per
    seed (NaN: not escaped by the last output time), "escaped": how many did, "mean" and
    "sem" over the seeds (NaN unless every seed escaped: a censored mean would be biased
    low)}. Each seed's time is interpolated between output times like ``escape_time``, so its
    resolution is the output grid's."""
    m = overlap(sim["Q_seeds"], sim["R_seeds"], sim["T_seeds"])      # seeds x times
    times = np.array([escape_time(sim.t, row, level) for row in m])
    ok = np.isfinite(times)
    n = len(times)
    every = bool(ok.all()) and n > 1
    return {"times": times, "escaped": int(ok.sum()), "seeds": n,
            "mean": float(times.mean()) if every else np.nan,
            "sem": float(times.std(ddof=1) / np.sqrt(n)) if every else np.nan}
