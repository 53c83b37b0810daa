"""Finite-size band of the committee machine: the seed-to-seed spread and the O(1/D) bias of
online SGD around the theory curve, at the experiment's D. Owns: the committee's order-parameter
vector m = (Q_kl for k <= l, R_km, v_k if the second layer trains) and its map to the curves
(Q, R, T, v), and the coefficients of the expansion (odedyn/fluctuations.py) from the generated
kernels of derivations/committee_fluctuations.py.

What is derived (there): the exact one-step increment of m from the learning rule of
odedyn/committee/model.py, its mean to O(1/D^2) -- f, and f1 with the weight-decay products and
the correlation of |x|^2 / D with the fields -- its covariance B at O(1/D^2), and J, H[S] and the
error's gradient and H[S] by exact differentiation of the closed forms. The shared engine adds
the discreteness of time (-J f / 2). What is assumed: the expansion itself (xi = O(1),
mu = O(1): it fails where the fluctuations grow to O(1), at a plateau escape whose timing the
noise sets; ``valid`` marks it), a constant learning rate (no schedule), and linear or erf
activations (the closed forms and the moment reduction). ReLU: the noise B exists
(``Expansion(exp, noise_only=True).noise(m)``, by the moments of odedyn/gaussian_moments.py),
but the drift's derivatives J and H[S] for it are not derived, so the band raises a
ConfigError.
"""
import numpy as np

from .._generated import committee_fluctuations as cf
from ..errors import ConfigError
from .. import fluctuations as shared
from .. import gaussian_moments as gm
from .theory import equations


class Expansion:
    """The committee's side of odedyn.fluctuations for one experiment."""

    def __init__(self, exp, noise_only=False):
        """``noise_only``: also for ReLU fields (not erf with ReLU), whose noise B exists
        (``noise``) but whose drift derivatives are not derived yet (``coefficients`` refuses)."""
        model = exp.model
        allowed = ("linear", "erf", "relu") if noise_only else ("linear", "erf")
        for key, act in (("model.activation", model.activation),
                         ("teacher.activation", model.teacher_activation)):
            if act not in allowed:
                raise ConfigError(key, act, "the finite-size expansion needs linear or erf "
                                  "activations (the drift's derivatives for %s are not "
                                  "derived yet)" % act)
        if {model.activation, model.teacher_activation} == {"erf", "relu"}:
            raise ConfigError("teacher.activation", model.teacher_activation,
                              "erf and ReLU fields together have no noise averages")
        self.relu = "relu" in (model.activation, model.teacher_activation)
        if model.schedule.kind != "constant":
            raise ConfigError("training.schedule", model.schedule.kind,
                              "the finite-size expansion needs a constant learning rate")
        self.model, self.exp = model, exp
        K, M = model.K, model.M
        self.K, self.M, self.N = K, M, K + M
        Q, R, T, v = exp.initial_order_parameters()
        self.T, self.A, self.v0 = np.ascontiguousarray(T), np.asarray(exp.A, float), v
        self.qidx = np.full((K, K), -1, dtype=np.int64)
        n = 0
        for k in range(K):
            for l in range(k, K):
                self.qidx[k, l] = self.qidx[l, k] = n
                n += 1
        self.ridx = (n + np.arange(K * M, dtype=np.int64)).reshape(K, M)
        n += K * M
        self.vidx = np.full(K, -1, dtype=np.int64)
        if model.train_second_layer:
            self.vidx[:] = n + np.arange(K)
            n += K
        self.n = n
        self.midx = np.full((self.N, self.N), -1, dtype=np.int64)
        self.midx[:K, :K] = self.qidx
        self.midx[:K, K:] = self.ridx
        self.midx[K:, :K] = self.ridx.T
        self.acts = model.acts
        self.m0 = self.flatten(Q, R, v)
        self.zc = np.zeros((n, cf.ZMAX))
        self.zf = np.zeros((n, cf.ZMAX, cf.ZFIELDS), dtype=np.int64)
        self.nz = np.zeros(n, dtype=np.int64)
        self.plan = None
        self._rhs = equations(model, self.T, self.A)
        # the theory's state y = (Q, R, v) and m are linear maps of each other: y = m[expand]
        # (T and an untrained v never enter dQ, dR, dv), m = y[select]
        y0 = model.state(Q, R, v)
        self.expand = np.zeros(len(y0), dtype=np.int64)
        self.expand[:K * K] = self.qidx.ravel()
        self.expand[K * K:K * K + K * M] = self.ridx.ravel()
        if model.train_second_layer:
            self.expand[K * K + K * M:] = self.vidx
        self.fixed = np.asarray(y0, float).copy()
        self.trained = np.zeros(len(y0), dtype=bool)
        self.trained[:K * K + K * M] = True
        self.trained[K * K + K * M:] = model.train_second_layer
        self.select = np.empty(n, dtype=np.int64)
        self.select[self.expand[self.trained][::-1]] = np.flatnonzero(self.trained)[::-1]

    @property
    def D(self):
        return self.exp.D

    def initial(self):
        return self.m0.copy()

    # ------------------------------------------------------------ m <-> curves
    def flatten(self, Q, R, v):
        m = np.empty(self.n)
        iu = np.triu_indices(self.K)
        m[self.qidx[iu]] = np.asarray(Q)[iu]
        m[self.ridx.ravel()] = np.asarray(R).ravel()
        if self.model.train_second_layer:
            m[self.vidx] = v
        return m

    def curves(self, ms):
        """{Q, R, T, v} (shapes of the theory's curves) of flat vectors ms (nt, n); the entries
        m leaves out (T, an untrained v) are the model's values."""
        ms = np.asarray(ms)
        nt = len(ms)
        Q = ms[:, self.qidx]
        R = ms[:, self.ridx]
        T = np.broadcast_to(self.T, (nt,) + self.T.shape).copy()
        if self.model.train_second_layer:
            v = ms[:, self.vidx]
        else:
            v = np.broadcast_to(self.v0, (nt, self.K)).copy()
        return {"Q": Q, "R": R, "T": T, "v": v}

    def state(self, m):
        """(C, v, c) of a flat m."""
        K = self.K
        C = np.empty((self.N, self.N))
        C[:K, :K] = m[self.qidx]
        R = m[self.ridx]
        C[:K, K:] = R
        C[K:, :K] = R.T
        C[K:, K:] = self.T
        v = m[self.vidx] if self.model.train_second_layer else np.asarray(self.v0, float)
        return C, np.ascontiguousarray(v), np.concatenate([-v, self.A])

    # ------------------------------------------------------------ coefficients
    def drift(self, m):
        """f(m): the theory's right-hand side (its compiled one, through the index maps)."""
        y = np.where(self.trained, np.asarray(m, float)[self.expand], self.fixed)
        return self._rhs(0.0, y)[self.select]

    def coefficients(self, m, S, noise=True):
        if self.relu:
            raise ConfigError("model.activation", "relu", "the finite-size expansion has the "
                              "noise B of ReLU fields but not the drift's derivatives yet")
        model = self.model
        C, v, c = self.state(m)
        n = self.n
        f, HS, f1 = np.empty(n), np.empty(n), np.empty(n)
        J = np.empty((n, n))
        S = np.ascontiguousarray(S)
        cf.expansion(self.K, self.M, C, v, self.A, self.acts, model.lr, model.lr_second_layer,
                     model.weight_decay, model.noise ** 2, model.train_second_layer, self.midx,
                     self.vidx, self.qidx, self.ridx, S, f, J, HS, f1)
        if not noise:
            return f, J, HS, f1, None
        return f, J, HS, f1, self.noise(m)

    def noise(self, m):
        """B(m), the covariance of D times one step's increment (its O(1) random part Z of
        cf.z_terms), by the exact moments of odedyn/gaussian_moments.py (linear, erf, ReLU)."""
        model = self.model
        C, v, c = self.state(m)
        B = np.empty((self.n, self.n))
        cf.z_terms(self.K, self.M, v, model.lr, model.lr_second_layer, model.weight_decay,
                   model.train_second_layer, self.qidx, self.ridx, self.vidx, self.zc, self.zf,
                   self.nz)
        if self.plan is None:      # the fields of the terms never change, only coefficients
            self.plan = gm.term_plan(self.zf, self.nz)
        gm.planned_covariance(C, self.acts, c, model.noise ** 2, *self.plan, self.zc, self.nz,
                              B, np.empty(self.n))
        return B

    def observables(self, m, S):
        """{name: (value, gradient, H[S])}: the error (exact derivatives of the closed forms)
        and Q, R, T, v (entries of m, or fixed)."""
        C, v, c = self.state(m)
        e, g, hs = np.zeros(1), np.zeros((1, self.n)), np.zeros(1)
        cf.error_terms(self.K, self.M, C, v, self.A, self.acts, self.midx, self.vidx,
                       np.ascontiguousarray(S), e, g, hs)
        out = {"error": (e[0], g[0], hs[0])}
        eye = np.eye(self.n)
        for name, value in self.curves(m[None, :]).items():
            value = value[0]
            idx = {"Q": self.qidx, "R": self.ridx, "v": self.vidx}.get(name)
            grad = np.zeros(value.shape + (self.n,))
            if idx is not None:
                grad = np.where((idx >= 0)[..., None], eye[np.maximum(idx, 0)], 0.0)
            out[name] = (value, grad, np.zeros(value.shape))
        return out


def fluctuations(exp, times=None, rtol=1e-9, atol=1e-12, direct=False):
    """The predicted spread and bias of SGD at ``exp.D`` around the theory curve (see
    odedyn.fluctuations.fluctuations): error_std, error_bias, order_parameters_std and
    order_parameters_bias ({Q, R, T, v}), valid (bool per time) and meta."""
    ex = Expansion(exp)
    times = exp.times if times is None else times
    return shared.fluctuations(ex, times, rtol, atol, direct=direct)
