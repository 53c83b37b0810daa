"""Gradient flow on the expected loss, closed on R = W^T A and Q = W^T W (seed 002).

Owns: the drift of (R, Q) (derivations/groupsparse_dynamics.py derives and checks it),
the permutation-symmetric reduction, the map back to a network, and the observables computed
from a macroscopic state: loss, distance of W to A per column after matching and per group after
matching and rotating, support recovery and clustering accuracy.

With C = A^T A, z = R s + sigma L xi (Q = L L^T, xi ~ N(0, I_p)) and grad phi = -h - J (z - Q h),

    G_R = E[grad phi s^T],   G_Q = E[h h^T] / 2 + (sigma / 2) sym(E[grad phi xi^T] L^{-1}),
    dR/dt = -(G_R C + 2 G_Q R),   dQ/dt = -(G_R R^T + R G_R^T + 2 G_Q Q + 2 Q G_Q).

The expectations run over the nodes of odedyn.groupsparse.averages. Along the flow,
dW/dt = -(A G_R^T + 2 W G_Q) is linear in W, so W(t) = A X(t) + W0 Y(t) with
dX/dt = -(G_R^T + 2 X G_Q), dY/dt = -2 Y G_Q, X(0) = 0, Y(0) = I: integrating (X, Y) alongside
gives the network the theory ends at (and a consistency check: R = X^T C + Y^T R0).

Permutation-symmetric reduction. When C = I and R, Q are invariant under permuting groups
and units inside a group (as from a symmetric start), every p x p quantity stays in the span of
E0 = I, E1 = B - I (same group), E2 = 1 1^T - B (other groups), B the block-diagonal of ones.
The average over all supports of the (equivariant) gradients then equals the projection onto
that span of the gradients of one representative support, so the state is 12 scalars and one
support is averaged instead of C(M, K).
"""
import numpy as np
from scipy.optimize import linear_sum_assignment

from .._generated.groupsparse_dynamics import support_probabilities, uniform_moments
from ..errors import NumericalError
from ..integrate import GradientDescent, Map, Scipy, Switching, solve
from ..results import Trajectory
from .activation import (activate, activate_held, group_norms, jacobian_apply, jacobian_held,
                         support_recovered, switch_values)

MATRICES = ("R", "Q", "X", "Y")
#: the most nodes whose flow the scipy Runge-Kutta solvers integrate from switch to switch
#: (odedyn.integrate.Switching); more nodes, more switches, each costing a restart: measured on
#: the group-sparse case of tests/test_accuracy.py (t = 30, RK45 at rtol 1e-5), 64 nodes: 48
#: switches, 0.10 s CPU against 0.04 stepping across, 0.4 tolerances off against 46; 256 nodes
#: (8 points): 210 switches, 0.93 s against 0.06, 0.24 tolerances against 36; the tiny CONFIG
#: with noise, 576 nodes, t = 10: 334 switches, 2.5 s against 0.07, 18 against 58. Above it
#: the flow is stepped across its switches, off by up to ~60 tolerances at output times.
LOCATE_MAX_NODES = 128


def column_distances(R, Q):
    """|w_i - a_pi(i)| for the matching pi of columns of W to columns of A that minimises the
    total squared distance; |w_i - a_j|^2 = Q_ii - 2 R_ij + 1 (unit-norm columns)."""
    cost = np.diag(Q)[:, None] - 2 * R + 1.0
    rows, cols = linear_sum_assignment(cost)
    return np.sqrt(np.maximum(cost[rows, cols], 0.0))


def group_distances(R, Q, C, g):
    """Distance of each group of W to its group of A after matching groups (a permutation) and
    rotating inside each group: d_G = min_O |W_G O - A_pi(G)|_F / sqrt(g) over orthogonal O,
    the root-mean-square column distance after the best rotation. Orthogonal Procrustes:
    |W_G O - A_H|^2 = tr Q_GG - 2 tr(O^T R_GH) + tr C_HH, and max_O tr(O^T R_GH) is the nuclear
    norm of R_GH. Rotations inside a group barely change the loss while the pre-activations of
    the active group stay positive (the activation is equivariant under them on the positive
    orthant), so this distance settles long before the column distance does."""
    M = R.shape[0] // g
    blocks = R.reshape(M, g, M, g).transpose(0, 2, 1, 3)
    nuclear = np.linalg.svd(blocks, compute_uv=False).sum(axis=-1)
    tq = np.trace(Q.reshape(M, g, M, g)[np.arange(M), :, np.arange(M), :], axis1=1, axis2=2)
    tc = np.trace(C.reshape(M, g, M, g)[np.arange(M), :, np.arange(M), :], axis1=1, axis2=2)
    cost = tq[:, None] - 2 * nuclear + tc[None, :]
    rows, cols = linear_sum_assignment(cost)
    return np.sqrt(np.maximum(cost[rows, cols], 0.0) / g)


def symmetric_basis(p, g):
    """E0 = I, E1 = same group off the diagonal, E2 = other groups (p x p each)."""
    labels = np.arange(p) // g
    same = labels[:, None] == labels[None, :]
    eye = np.eye(p)
    return np.stack([eye, same - eye, 1.0 - same])


class Flow:
    """The macroscopic gradient flow of one model, activation, threshold and node set."""

    def __init__(self, model, kind, lam, nodes, symmetric=False):
        self.model, self.kind, self.lam, self.nodes = model, kind, float(lam), nodes
        self.g, self.p, self.sigma = model.group_size, model.p, model.noise
        self.C = model.C
        self.symmetric = symmetric
        self.basis = symmetric_basis(self.p, self.g)
        self.norms = (self.basis ** 2).sum(axis=(1, 2))
        self.evaluations = 0
        self.t = 0.0
        #: integrate from switch to switch (scipy's Runge-Kutta solvers), or step across
        self.locate = len(nodes.w) <= LOCATE_MAX_NODES

    # ------------------------------------------------------------ averages at a state
    def cholesky(self, Q):
        try:
            return np.linalg.cholesky(Q)
        except np.linalg.LinAlgError:
            raise NumericalError(self.t, "Q = W^T W is not positive definite (min eigenvalue %.3g)"
                                 % np.linalg.eigvalsh(Q).min()) from None

    def fields(self, R, Q):
        """Pre-activations z at every node, and L (sigma > 0) or None."""
        Z = self.nodes.S @ np.ascontiguousarray(R.T)
        if self.sigma == 0:
            return Z, None
        L = self.cholesky(Q)
        return Z + self.sigma * self.nodes.xi @ L.T, L

    def potential_gradient(self, Z, H, Q, held=None):
        if held is not None:
            return -H - jacobian_held(Z, Z - H @ Q, self.g, self.lam, self.kind, *held)
        return -H - jacobian_apply(Z, Z - H @ Q, self.g, self.lam, self.kind)

    def gradients(self, R, Q, pattern=None):
        """(G_R, G_Q) = derivatives of the expected loss with respect to R and (symmetric) Q;
        with a switching ``pattern`` (see ``switch_values``) held, their smooth continuation."""
        nd = self.nodes
        Z, L = self.fields(R, Q)
        if pattern is None:
            held = None
            H = activate(Z, self.g, self.lam, self.kind)
        else:
            held = self.split(pattern)
            H = activate_held(Z, self.g, self.lam, self.kind, *held)
        wgrad = nd.w[:, None] * self.potential_gradient(Z, H, Q, held)
        GR = wgrad.T @ nd.S
        GQ = 0.5 * (nd.w[:, None] * H).T @ H
        if L is not None:
            N = np.linalg.solve(L.T, (wgrad.T @ nd.xi).T).T   # E[grad phi xi^T] L^{-1}
            GQ += 0.25 * self.sigma * (N + N.T)
        return GR, GQ

    def project(self, Mx):
        """Coefficients of Mx on the symmetric basis."""
        return np.einsum("kij,ij->k", self.basis, Mx) / self.norms

    def expand(self, c):
        return np.einsum("k,kij->ij", c, self.basis)

    # ------------------------------------------------------------ switching
    def split(self, pattern):
        """(units N x p, groups N x M) of a flat switching pattern."""
        N, p = self.nodes.S.shape
        return (pattern[:N * p].reshape(N, p), pattern[N * p:].reshape(N, p // self.g))

    def switch_values(self, y, pattern=None):
        """The switching functions at the packed state y, flat (every node's units, then its
        groups; odedyn.groupsparse.activation): the drift is smooth while none changes sign.
        The groups' are taken over the units of ``pattern`` (default: y's own)."""
        R, Q = self.unpack(y)[:2]
        Z, _ = self.fields(R, Q)
        units = None if pattern is None else self.split(pattern)[0]
        uv, gv = switch_values(Z, self.g, self.lam, self.kind, units)
        return np.concatenate([uv.ravel(), gv.ravel()])

    def rhs_held(self, t, y, pattern):
        """The drift with the switching pattern held (a smooth continuation past its surfaces;
        at y's own pattern, ``rhs`` itself)."""
        self.t = t
        self.evaluations += 1
        return self.pack(self.drift(*self.unpack(y), pattern=pattern))

    # ------------------------------------------------------------ right-hand side
    def drift(self, R, Q, X, Y, pattern=None):
        GR, GQ = self.gradients(R, Q, pattern)
        if self.symmetric:
            GR, GQ = self.expand(self.project(GR)), self.expand(self.project(GQ))
        dR = -(GR @ self.C + 2 * GQ @ R)
        dQ = -(GR @ R.T + R @ GR.T + 2 * GQ @ Q + 2 * Q @ GQ)
        return dR, dQ, -(GR.T + 2 * X @ GQ), -2 * Y @ GQ

    def gd_step(self, R, Q, X, Y, lr):
        """One step of gradient descent on the expected loss, W <- W - lr grad, written on the
        macroscopic state: exact, since grad = A G_R^T + 2 W G_Q gives
        Q' = Q + lr dQ/dt + lr^2 (G_R C G_R^T + 2 G_R R^T G_Q + 2 G_Q R G_R^T + 4 G_Q Q G_Q)."""
        GR, GQ = self.gradients(R, Q)
        if self.symmetric:
            GR, GQ = self.expand(self.project(GR)), self.expand(self.project(GQ))
        GRC = GR @ self.C
        second = GRC @ GR.T + 2 * GR @ R.T @ GQ + 2 * GQ @ R @ GR.T + 4 * GQ @ Q @ GQ
        return (R - lr * (GRC + 2 * GQ @ R),
                Q - lr * (GR @ R.T + R @ GR.T + 2 * GQ @ Q + 2 * Q @ GQ) + lr ** 2 * second,
                X - lr * (GR.T + 2 * X @ GQ), Y - 2 * lr * Y @ GQ)

    def pack(self, mats):
        if self.symmetric:
            return np.concatenate([self.project(Mx) for Mx in mats])
        return np.concatenate([Mx.ravel() for Mx in mats])

    def unpack(self, y):
        if self.symmetric:
            return [self.expand(c) for c in y.reshape(4, 3)]
        return list(y.reshape(4, self.p, self.p))

    def rhs(self, t, y):
        self.t = t
        self.evaluations += 1
        return self.pack(self.drift(*self.unpack(y)))

    # ------------------------------------------------------------ observables
    def data_energy(self):
        """E|x|^2 / 2 in closed form (support probabilities and amplitude moments)."""
        m = self.model
        m1, m2 = uniform_moments(*map(float, m.amplitude_range))
        p1, p_same, p_other = support_probabilities(float(m.M), float(m.active_groups))
        labels = np.arange(m.p) // m.group_size
        P = np.where(labels[:, None] == labels[None, :], p_same, p_other)
        off = self.C - np.diag(np.diag(self.C))
        return 0.5 * (p1 * m2 * np.trace(self.C) + m1 ** 2 * np.sum(P * off) + m.noise ** 2 * m.n)

    def observables(self, R, Q):
        """Loss (with its Monte Carlo standard error), distances and accuracies at (R, Q)."""
        nd = self.nodes
        Z, _ = self.fields(R, Q)
        H = activate(Z, self.g, self.lam, self.kind)
        per_node = -(Z * H).sum(axis=1) + 0.5 * ((H @ Q) * H).sum(axis=1)
        hit = support_recovered(H, nd.S).astype(float)
        d = column_distances(R, Q)
        out = {"loss": self.data_energy() + nd.mean(per_node),
               "loss_mc_error": float(nd.standard_error(per_node)),
               "distance": d.mean(), "distance_max": d.max(), "distance_columns": d,
               "group_distance": group_distances(R, Q, self.C, self.g).mean(),
               "support_accuracy": nd.mean(hit)}
        if self.model.active_groups == 1:
            label = np.argmax(nd.mask, axis=1)
            out["cluster_accuracy"] = nd.mean((cluster_labels(Z, H, self.g) == label) * 1.0)
        return out

    # ------------------------------------------------------------ integration
    def integrate(self, R0, Q0, times, solver, progress=True):
        """Trajectory of the observables, R, Q, X, Y at ``times`` from (R0, Q0) by the shared
        front door: the gradient flow (a scipy solver), or gradient descent (``solver`` an
        odedyn.integrate.GradientDescent: the macroscopic map ``gd_step``, t = lr * steps)."""
        p = self.p
        y0 = self.pack([R0, Q0, np.zeros((p, p)), np.eye(p)])
        if self.symmetric:
            for name, Mx in zip(MATRICES, (R0, Q0)):
                if np.abs(self.expand(self.project(Mx)) - Mx).max() > 1e-9:
                    raise NumericalError(0.0, "%s0 is not permutation-symmetric" % name)
        self.evaluations = 0
        if isinstance(solver, GradientDescent):
            rhs = Map(self.descent_step)
        elif isinstance(solver, Scipy) and self.locate:
            rhs = Switching(self.rhs_held, self.switch_values)   # from switch to switch
        else:
            rhs = self.rhs

        def observe(t, y):
            mats = self.unpack(y)
            return dict(zip(MATRICES, mats)) | self.observables(mats[0], mats[1])

        sol = solve(rhs, y0, times, solver, observe=observe, progress=progress)
        curves = sol.curves
        meta = sol.record() | {"rhs_evaluations": self.evaluations}
        meta["diagnostics"] = {"nodes": len(self.nodes.w), "switches": sol.stats.switches,
                               "sliding_intervals": sol.stats.sliding_intervals,
                               "monte_carlo": list(self.nodes.random_parts),
                               "symmetric": self.symmetric}
        return Trajectory(sol.t, curves, meta)

    def descent_step(self, t, y, lr):
        """One step of full-batch gradient descent with step ``lr`` on the packed state (the
        symmetric reduction projects it back, keeping round-off out of the subspace)."""
        self.t = t + lr
        self.evaluations += 1
        return self.pack(self.gd_step(*self.unpack(y), lr))


def cluster_labels(Z, H, g):
    """The active group of each input: the group with the largest |h_G|, or, when the
    activation silences every group, the largest |z_G+|."""
    hn = group_norms(H, g)
    zn = group_norms(np.maximum(Z, 0.0), g)
    return np.where(hn.max(axis=1) > 0, hn.argmax(axis=1), zn.argmax(axis=1))
