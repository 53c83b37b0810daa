"""Analysis of the committee machine's order-parameter equations. Owns: the symmetric plateau
as a fixed point of the ODE (found by root finding), the linearisation there (Jacobian on the
independent order parameters, its unstable eigenvalue and eigenvectors), the escape time that
linearisation predicts from a start's asymmetry, and the asymptotic error of a converged run.

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
