"""Finite-size band of the shallow autoencoder on a spiked spectrum: the seed-to-seed spread and
the O(1/D) bias of online SGD around the theory curve, at the experiment's D. Owns: the choice
of macroscopic variables, the drift in them with exact derivatives (odedyn.jets), the noise and
the O(1/D) drift of one SGD step, and the observables (error, Q, R, T, T0, b).

Variables. The factor columns the ODE integrates are defined up to a rotation (a gauge), so
their fluctuations are not observable. On a spiked spectrum (s spikes rho_tau = D s_tau on the
first coordinates, a flat bulk rho = beta_b on the n_b = D - s others, p_b = beta_b / D) the
gauge-free state is: per spike tau the weight components w_tau (K) and u_tau = v_tau / sqrt(D)
(K); for the bulk its Gram matrix, as A = p_b sum_b w w^T (its share of Q), R_b = p_b sum_b
u w^T (its share of R) and T0b = sum_b u u^T (its share of T0). Every step's increment depends
on the weights only through these (the bulk is rotation invariant), so they form a Markov chain.
Their drift is the one of odedyn/autoencoder/kernels.py (equal-p directions obey one linear
equation; the bulk's Gram matrix G obeys dG/dt = L G + G L^T):

    spike  dw = eta_W s (a w + beta u),   du = eta_V (s beta w - G u)
    bulk   dA = eta_W p_b (a A + beta R_b + A a^T + R_b^T beta)
           dR_b = eta_V p_b beta A - eta_V G R_b + eta_W p_b (R_b a^T + p_b T0b beta)
           dT0b = eta_V (beta R_b^T + R_b beta - G T0b - T0b G)

with Q = sum s w w^T + A, R = sum s u w^T + R_b, T0 = sum u u^T + T0b, and the averages over
lambda ~ N(0, Q) of derivations/autoencoder_fluctuations.py (beta, e3, G, P, S; a as in
kernels.py).

One SGD step (the rule of odedyn/autoencoder/model.py; z ~ N(0, I_D), x_tau = sqrt(rho_tau)
z_tau, lambda = sum_tau sqrt(p_tau) w_tau z_tau, nu = sum_tau sqrt(p_tau) u_tau z_tau,
c_k = nu_k - sum_l T0_kl g_l, e_tau / sqrt(D) = sqrt(p_tau) z_tau - sum_l u_l,tau g_l):

    D dw_k,tau = eta_W g'_k c_k sqrt(p_tau) z_tau,      D du_k,tau = eta_V g_k e_tau / sqrt(D)

Means: by Stein's lemma on z_tau and on nu (exactly Gaussian at every D) the mean increment of
every component is exactly the drift above: f1 = 0 for the spikes. The Gram matrices are
quadratic: dT0b = sum_b (du u^T + u du^T + du du^T) and the last term has mean
eta_V^2 / D^2 E[g_k g_m sum_b (e_tau/sqrt D)^2] = eta_V^2 / D^2 (p_b n_b G_km +
sum_ll' T0b_ll' E[g_k g_m g_l g_l'] + O(1/D)): f1 of T0b. Likewise dA carries p_b sum_b dw dw^T,
of mean eta_W^2 p_b (p_b n_b) E[g'_k g'_l c_k c_l] / D^2, and dR_b carries p_b sum_b du dw^T, of
mean eta_V eta_W p_b (p_b n_b) E[g_k g'_l c_l] / D^2 (both O(1/D) smaller than the others: A
and R_b drift at O(1/D) already; kept so that one step's mean is right to O(1/D^2) in every
entry). (The bulk's cross terms with nu_b = sum_b sqrt(p_b) u z, of variance p_b T0b = O(1/D),
and |z_b|^2 / n_b - 1 enter at O(1/D^2).)
A and R_b change by O(1/D^2) per step with O(1/D^2) noise: their fluctuations are O(D^-3/2),
beyond this order (B rows zero).
Noise: at O(1/D) per step the increments' random parts are the formulas above with nu_b
dropped, functions of the Gaussian vector (lambda, nu_spikes, z_spikes) (lambda includes the
bulk field of covariance A): B = Cov of them, by odedyn/gaussian_moments.py.

Assumed: the expansion (fails at a plateau escape set by the noise: ``valid``), untied weights,
the vanilla rule, no bias, a spiked spectrum, linear or erf (ConfigError otherwise).
"""
import numpy as np

from .. import fluctuations as shared
from .. import gaussian_moments as gm
from .._generated import autoencoder_fluctuations as af
from ..errors import ConfigError
from ..jets import Jet, contract, diag, matmul, primitive, stack
from .theory import equations

ZMAX, ZFIELDS = 8, 10


def _check(exp):
    m = exp.model
    bad = [("model.tied", m.tied, "tied weights"), ("model.train_bias", m.train_bias,
           "a trained bias"), ("model.rule", m.rule != "vanilla" and m.rule, "the truncated rule"),
           ("model.activation", m.activation not in ("linear", "erf") and m.activation,
            "ReLU"), ("simulation.data", exp.train_on_data and "rows", "training on data rows")]
    for key, value, what in bad:
        if value:
            raise ConfigError(key, value, "the finite-size expansion does not cover %s yet" % what)
    if exp.config.get("data", {}).get("spectrum", "spiked") != "spiked":
        raise ConfigError("data.spectrum", exp.config["data"]["spectrum"],
                          "the finite-size expansion needs a spiked spectrum")


class Expansion:
    """The autoencoder's side of odedyn.fluctuations for one experiment."""

    def __init__(self, exp):
        _check(exp)
        self.exp, self.model = exp, exp.model
        D, K = exp.D, exp.model.K
        data = exp.config["data"]
        self.spikes = np.atleast_1d(np.asarray(data["spikes"], float))
        self.s = len(self.spikes)
        self.p_b = float(data["bulk"]) / D
        self.n_b = D - self.s
        self.K = K
        self.act = 1 if exp.model.activation == "erf" else 0
        s = self.s
        self.iu = np.triu_indices(K)
        ntri = len(self.iu[0])
        self.o_A = 2 * K * s
        self.o_R = self.o_A + ntri
        self.o_T = self.o_R + K * K
        self.n = self.o_T + ntri
        self.total = exp.spectrum.total_error()
        W, U = exp.W0, exp.V0 / np.sqrt(D)
        Wb, Ub = W[:, s:], U[:, s:]
        m = np.empty(self.n)
        for tau in range(s):
            m[2 * K * tau:2 * K * tau + K] = W[:, tau]
            m[2 * K * tau + K:2 * K * (tau + 1)] = U[:, tau]
        m[self.o_A:self.o_R] = (self.p_b * Wb @ Wb.T)[self.iu]
        m[self.o_R:self.o_T] = (self.p_b * Ub @ Wb.T).ravel()
        m[self.o_T:] = (Ub @ Ub.T)[self.iu]
        self.m0 = m
        self.fields_acts = np.array([self.act] * K + [0] * (K + s), dtype=np.int64)
        self.grouping = exp.grouping()
        self.mcols, self.off = exp.model.layout(self.grouping)
        self._rhs = equations(exp.model, self.grouping)[0]
        self.bulk_group, self.spike_of = None, {}
        for gi in range(self.grouping.size):
            if self.grouping.n[gi] > 1 or abs(self.grouping.p[gi] - self.p_b) < 1e-12:
                self.bulk_group = gi
            else:
                self.spike_of[gi] = int(np.argmin(np.abs(self.spikes - self.grouping.p[gi])))
        if len(self.spike_of) != s or self.bulk_group is None:
            raise ConfigError("data.spikes", list(self.spikes), "the finite-size expansion needs "
                              "distinct spikes, each unlike the bulk")
        self.plan = None
        self._cache = None

    @property
    def D(self):
        return self.exp.D

    def initial(self):
        return self.m0.copy()

    # ------------------------------------------------------------ m -> parts (Jets)
    def _sym(self, x):
        K = self.K
        idx = np.zeros((K, K), dtype=np.int64)
        idx[self.iu] = np.arange(len(self.iu[0]))
        idx = idx + np.triu(idx, 1).T
        return stack([stack([x[int(idx[k, l])] for l in range(K)]) for k in range(K)])

    def parts(self, x):
        """(w (s, K), u (s, K), A, R_b, T0b) of a Jet of m."""
        K, s = self.K, self.s
        w = stack([stack([x[2 * K * t + k] for k in range(K)]) for t in range(s)])
        u = stack([stack([x[2 * K * t + K + k] for k in range(K)]) for t in range(s)])
        A = self._sym(x[self.o_A:self.o_R])
        Rb = stack([stack([x[self.o_R + K * k + l] for l in range(K)]) for k in range(K)])
        T0b = self._sym(x[self.o_T:])
        return w, u, A, Rb, T0b

    def globals(self, w, u, A, Rb, T0b):
        """Q, R, T, T0 (Jets)."""
        sp = self.spikes[:, None, None]
        ww = stack([stack([w[:, k] * w[:, l] for l in range(self.K)]) for k in range(self.K)])
        uw = stack([stack([u[:, k] * w[:, l] for l in range(self.K)]) for k in range(self.K)])
        uu = stack([stack([u[:, k] * u[:, l] for l in range(self.K)]) for k in range(self.K)])
        # (K, K, s) -> sums over spikes with weights s_tau
        sw = self.spikes[None, None, :]
        Q = (ww * sw).sum(2) + A
        R = (uw * sw).sum(2) + Rb
        T = (uu * sw).sum(2) + T0b * self.p_b
        T0 = uu.sum(2) + T0b
        return Q, R, T, T0

    def averages(self, Q):
        """beta, e3 (K) and G, P, S (K x K) as Jets of Q."""
        name = "erf" if self.act else "linear"
        K = self.K
        out = {}
        for key in ("beta", "e3"):
            fn = getattr(af, "%s_%s" % (key, name))
            out[key] = stack([self._prim(fn, [Q[k, k]]) for k in range(K)])
        for key in ("G", "P", "S"):
            pair, dg = getattr(af, "%s_%s" % (key, name)), getattr(af, "%s_diag_%s" % (key, name))
            rows = []
            for k in range(K):
                rows.append(stack([self._prim(dg, [Q[k, k]]) if k == l else
                                   self._prim(pair, [Q[k, k], Q[k, l], Q[l, l]])
                                   for l in range(K)]))
            out[key] = stack(rows)
        return out

    @staticmethod
    def _prim(fn, args):
        r = len(args)
        grad, hess = np.zeros(r), np.zeros((r, r))
        val = fn(*[float(a.v) for a in args], grad, hess)
        return primitive(val, grad, hess, args)

    # ------------------------------------------------------------ drift
    def jet_drift(self, x):
        """f as a Jet of the Jet m (the right-hand side of the module docstring)."""
        K, s, p_b = self.K, self.s, self.p_b
        eW, eV = self.model.lr_encoder, self.model.lr_decoder
        w, u, A, Rb, T0b = self.parts(x)
        Q, R, T, T0 = self.globals(w, u, A, Rb, T0b)
        av = self.averages(Q)
        beta, G = av["beta"], av["G"]
        Rd = stack([R[k, k] for k in range(K)])
        ST = (T0 * av["S"]).sum(1)                    # sum_m T0_lm S[l, m]
        a = diag(Rd * av["e3"] - ST) - T0 * av["P"]
        B = diag(beta)
        out = []
        for t in range(s):
            st = self.spikes[t]
            out.append(matmul(a, w[t]) * (eW * st) + beta * u[t] * (eW * st))
            out.append(beta * w[t] * (eV * self.spikes[t]) - matmul(G, u[t]) * eV)
        dA = (matmul(a, A) + matmul(B, Rb) + matmul(A, a.T) + matmul(Rb.T, B)) * (eW * p_b)
        dR = (matmul(B, A) * (eV * p_b) - matmul(G, Rb) * eV
              + (matmul(Rb, a.T) + matmul(T0b, B) * p_b) * (eW * p_b))
        dT = (matmul(B, Rb.T) + matmul(Rb, B) - matmul(G, T0b) - matmul(T0b, G)) * eV
        flat = [j[k] for j in out for k in range(K)]
        flat += [dA[k, l] for k, l in zip(*self.iu)]
        flat += [dR[k, l] for k in range(K) for l in range(K)]
        flat += [dT[k, l] for k, l in zip(*self.iu)]
        return stack(flat), (w, u, Q, R, T, T0, T0b, av)

    # ------------------------------------------------------------ coefficients
    def coefficients(self, m, S, noise=True):
        """f, J, H[S], f1, B at m: the drift with full Hessians once per m (the engine asks
        for the same m again with another S), contracted with S."""
        key = np.asarray(m, float).tobytes()
        if self._cache is None or self._cache[0] != key:
            x = Jet.variables(m)
            f, (w, u, Q, R, T, T0, T0b, av) = self.jet_drift(x)
            f1 = self.slow_drift(Q.v, R.v, T.v, T0.v, T0b.v, av["G"].v)
            self._cache = (key, f, f1, (w.v, u.v, Q.v, T0.v, T0b.v), None)
        key, f, f1, parts, B = self._cache
        if noise and B is None:
            w, u, Q, T0, T0b = parts
            B = self.noise(self.field_covariance(w, u, Q), u, T0, T0b)
            self._cache = (key, f, f1, parts, B)
        return f.v, f.g, contract(f.h, S), f1, B if noise else None

    def factor_state(self, m):
        """The theory's state (factor columns, odedyn/autoencoder/kernels.py) of m: a spike's
        column is (w_tau, u_tau), the bulk's columns a factor of its Gram matrix over n_b."""
        K = self.K
        A, Rb, T0b = (self._unflat(m[a:b], sym) for a, b, sym in (
            (self.o_A, self.o_R, True), (self.o_R, self.o_T, False), (self.o_T, self.n, True)))
        G = np.block([[A / self.p_b, Rb.T / self.p_b], [Rb / self.p_b, T0b]]) / self.n_b
        ev, V = np.linalg.eigh(G)
        y = np.zeros(self.off[-1] + K)
        for gi in range(self.grouping.size):
            if gi == self.bulk_group:
                cols = (V * np.sqrt(np.clip(ev, 0, None))).T[-self.mcols[gi]:]
            else:
                t = self.spike_of[gi]
                cols = m[2 * K * t:2 * K * (t + 1)][None, :]
            y[self.off[gi]:self.off[gi + 1]] = np.ravel(cols)
        return y

    def _unflat(self, x, sym):
        K = self.K
        if not sym:
            return x.reshape(K, K)
        out = np.zeros((K, K))
        out[self.iu] = x
        return out + np.triu(out, 1).T

    def drift(self, m):
        """f(m) from the theory's compiled right-hand side on the factor state of m."""
        K = self.K
        y = self.factor_state(m)
        dy = self._rhs(0.0, y)
        f = np.empty(self.n)
        for gi in range(self.grouping.size):
            cols = y[self.off[gi]:self.off[gi + 1]].reshape(-1, 2 * K)
            dcols = dy[self.off[gi]:self.off[gi + 1]].reshape(-1, 2 * K)
            if gi == self.bulk_group:
                dG = (dcols.T @ cols + cols.T @ dcols) * self.n_b
                f[self.o_A:self.o_R] = (self.p_b * dG[:K, :K])[self.iu]
                f[self.o_R:self.o_T] = (self.p_b * dG[K:, :K]).ravel()
                f[self.o_T:] = dG[K:, K:][self.iu]
            else:
                t = self.spike_of[gi]
                f[2 * K * t:2 * K * (t + 1)] = dcols[0]
        return f

    def slow_drift(self, Q, R, T, T0, T0b, G):
        """f1: the products of increments in the bulk Gram matrices (module docstring),
        with c_k = nu_k - sum_l T0_kl g_l over the fields (lambda, nu) of covariance
        [[Q, R^T], [R, T]]."""
        K = self.K
        eW, eV = self.model.lr_encoder, self.model.lr_decoder
        C = np.block([[Q, R.T], [R, T]])
        acts = self.fields_acts[:2 * K]
        mom = lambda tilt, poly, hs: gm.moment(C, acts, _I(*tilt), _I(*poly), _I(*hs))  # noqa
        w_b = self.p_b * self.n_b            # sum over the bulk of p_b z^2, on average

        def c_terms(k):
            """c_k as (coefficient, poly fields, h fields) terms."""
            return [(1.0, (K + k,), ())] + [(-T0[k, l], (), (l,)) for l in range(K)]

        f1 = np.zeros(self.n)
        for i, (k, l) in enumerate(zip(*self.iu)):          # A: eta_W^2 p_b w_b E[g'g' c c]
            acc = sum(a * b * mom((k, l), pa + pb, ha + hb)
                      for a, pa, ha in c_terms(k) for b, pb, hb in c_terms(l))
            f1[self.o_A + i] = eW ** 2 * self.p_b * w_b * acc
            four = sum(T0b[j, j2] * mom((), (), (k, l, j, j2))
                       for j in range(K) for j2 in range(K))
            f1[self.o_T + i] = eV ** 2 * (w_b * G[k, l] + four)
        for k in range(K):                                  # R_b: eta_V eta_W p_b w_b E[g g' c]
            for l in range(K):
                acc = sum(a * mom((l,), pa, (k,) + ha) for a, pa, ha in c_terms(l))
                f1[self.o_R + K * k + l] = eV * eW * self.p_b * w_b * acc
        return f1

    def field_covariance(self, w, u, Q):
        """Covariance of (lambda (K), nu of the spikes (K), z of the spikes (s))."""
        K, s = self.K, self.s
        rs = np.sqrt(self.spikes)
        W, U = (w * rs[:, None]).T, (u * rs[:, None]).T        # K x s
        C = np.zeros((2 * K + s, 2 * K + s))
        C[:K, :K] = Q
        C[K:2 * K, :K] = U @ W.T
        C[:K, K:2 * K] = W @ U.T
        C[K:2 * K, K:2 * K] = U @ U.T
        C[:K, 2 * K:] = W
        C[2 * K:, :K] = W.T
        C[K:2 * K, 2 * K:] = U
        C[2 * K:, K:2 * K] = U.T
        C[2 * K:, 2 * K:] = np.eye(s)
        return C

    def z_terms(self, u, T0, T0b):
        """The random part of D dm at O(1) as terms for gaussian_moments.term_covariance."""
        K, s = self.K, self.s
        eW, eV = self.model.lr_encoder, self.model.lr_decoder
        zc = np.zeros((self.n, ZMAX))
        zf = np.zeros((self.n, ZMAX, ZFIELDS), dtype=np.int64)
        nz = np.zeros(self.n, dtype=np.int64)

        def add(row, coef, tilt=(), poly=(), hs=()):
            t = nz[row]
            zc[row, t] = coef
            zf[row, t, :4] = (0, len(tilt), len(poly), len(hs))
            fields = tuple(tilt) + tuple(poly) + tuple(hs)
            zf[row, t, 4:4 + len(fields)] = fields
            nz[row] += 1

        for t in range(s):
            rs = np.sqrt(self.spikes[t])
            for k in range(K):
                row = 2 * K * t + k
                add(row, eW * rs, tilt=(k,), poly=(K + k, 2 * K + t))
                for l in range(K):
                    add(row, -eW * rs * T0[k, l], tilt=(k,), poly=(2 * K + t,), hs=(l,))
                row = 2 * K * t + K + k
                add(row, eV * rs, poly=(2 * K + t,), hs=(k,))
                for l in range(K):
                    add(row, -eV * u[t, l], hs=(k, l))
        for i, (k, mm) in enumerate(zip(*self.iu)):
            for l in range(K):
                add(self.o_T + i, -eV * T0b[l, mm], hs=(k, l))
                add(self.o_T + i, -eV * T0b[l, k], hs=(mm, l))
        return zc, zf, nz

    def noise(self, C, u, T0, T0b):
        zc, zf, nz = self.z_terms(u, T0, T0b)
        if self.plan is None:      # the fields of the terms never change, only coefficients
            self.plan = gm.term_plan(zf, nz)
        B = np.empty((self.n, self.n))
        gm.planned_covariance(np.ascontiguousarray(C), self.fields_acts, np.zeros(len(C)), 0.0,
                              *self.plan, zc, nz, B, np.empty(self.n))
        return B

    # ------------------------------------------------------------ observables
    def observables(self, m, S):
        """{name: (value, gradient, H[S])} of error, Q, R, T, T0, b."""
        x = Jet.variables(m, S)
        w, u, A, Rb, T0b = self.parts(x)
        Q, R, T, T0 = self.globals(w, u, A, Rb, T0b)
        av = self.averages(Q)
        K = self.K
        err = (T0 * av["G"]).sum(1).sum(0) * 0.5 + self.total
        err = err - (stack([R[k, k] for k in range(K)]) * av["beta"]).sum(0)
        out = {"error": err, "Q": Q, "R": R, "T": T, "T0": T0}
        out = {k: (j.v, j.g, j.h) for k, j in out.items()}
        out["b"] = (np.zeros(K), np.zeros((K, self.n)), np.zeros(K))
        return out


def _I(*idx):
    return np.array(idx, dtype=np.int64)


def fluctuations(exp, times=None, rtol=1e-9, atol=1e-12, direct=False):
    """The predicted spread and bias of SGD at ``exp.D`` around the theory curve (see
    odedyn.fluctuations.fluctuations): error_std, error_bias, order_parameters_std and
    order_parameters_bias ({Q, R, T, T0, b}), valid (bool per time) and meta."""
    ex = Expansion(exp)
    times = exp.times if times is None else times
    return shared.fluctuations(ex, times, rtol, atol, direct=direct)
