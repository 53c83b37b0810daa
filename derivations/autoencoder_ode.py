"""Derive the order-parameter equations of the shallow autoencoder with sympy.

Run ``python derivations/autoencoder_ode.py [--K 2] [--rule truncated] [--tied] [--bias]`` to
print the drift of one direction's weights. tests/test_autoencoder_ode.py evaluates the same
derivation and holds the compiled loops of odedyn/autoencoder/kernels.py against it.

Derivation. With lambda_k = w_k.x/sqrt(D) + b_k, nu_k = v_k.x/D and the SGD step of
odedyn.autoencoder.model, the expected change of a direction's components is

    D E[dw_k,tau] = eta_W E[F_k x_tau] / sqrt(D),     F_k = g'(lambda_k)(nu_k - sum_{m in S_k} T0_km g(lambda_m)),
    D E[dv_k,tau] = eta_V (E[g(lambda_k) x_tau] - sum_{m in S_k} v_m,tau E[g(lambda_k) g(lambda_m)]),

with S_k all units (vanilla) or m <= k (truncated). x_tau is jointly Gaussian with the fields,
Cov(lambda_j, x_tau) = rho_tau w_j,tau / sqrt(D), Cov(nu_j, x_tau) = rho_tau v_j,tau / D, so
Stein's lemma E[F x_tau] = sum_j Cov(phi_j, x_tau) E[dF/dphi_j] removes x_tau; applied once more,
E[nu_l h(lambda)] = sum_j R_lj E[dh/dlambda_j], it removes nu. What is left are averages of
products of g and its derivatives over lambda ~ N(b, Q), named as in the generated kernels:
e1..e3 (one unit), G, P, S, F (two units, or one unit twice). The second-order (eta^2) terms
vanish at this scaling: D E[dw dw] ~ E[F^2 x_tau^2] / D^2 -> 0 (x_tau^2 ~ rho_tau <= O(D)) and
likewise for v, so the limit is the drift alone and is linear in (w_tau, v_tau / sqrt(D)).
The per-step O(1/D) time scale with t = steps / D gives the factor D above.
"""
import argparse

import sympy as sp


def symbols(K):
    lam = sp.symbols("lambda0:%d" % K, real=True)
    nu = sp.symbols("nu0:%d" % K, real=True)
    return lam, nu


g = sp.Function("g")


def _g(order, x):
    return sp.diff(g(x), x, order) if order else g(x)


class Averages:
    """Named symbols for the Gaussian averages, matching odedyn.autoencoder.kernels."""

    def __init__(self, K):
        self.K = K
        mat = lambda n: sp.Matrix(K, K, lambda i, j: sp.Symbol("%s_%d%d" % (n, i, j)))
        self.e = [[sp.Symbol("e%d_%d" % (a, i)) for a in range(4)] for i in range(K)]
        self.G, self.P, self.S, self.F = mat("G"), mat("P"), mat("S"), mat("F")
        self.R, self.T0 = mat("R"), mat("T0")

    def of(self, factors):
        """E[prod g^(a)(lambda_i)] for factors {i: [orders]} with at most two units."""
        units = sorted(factors)
        orders = {i: sorted(factors[i]) for i in units}
        if len(units) == 1:
            (i,) = units
            o = orders[i]
            if len(o) == 1:
                return self.e[i][o[0]]
            table = {(0, 0): self.G, (1, 1): self.P, (0, 2): self.S, (0, 1): self.F}
            return table[tuple(o)][i, i]
        i, j = units
        oi, oj = orders[i], orders[j]
        if len(oi) != 1 or len(oj) != 1:
            raise NotImplementedError("three-factor average %s" % factors)
        a, c = oi[0], oj[0]
        if (a, c) == (0, 0):
            return self.G[i, j]
        if (a, c) == (1, 1):
            return self.P[i, j]
        if (a, c) == (2, 0):
            return self.S[i, j]
        if (a, c) == (0, 2):
            return self.S[j, i]
        if (a, c) == (1, 0):
            return self.F[i, j]
        if (a, c) == (0, 1):
            return self.F[j, i]
        raise NotImplementedError("average of orders %s" % ((a, c),))


def expectation(expr, lam, nu, avg):
    """E[expr] for expr polynomial in nu (degree <= 1 per term) and g-derivatives of lambda."""
    expr = sp.expand(expr)
    total = sp.S.Zero
    for term in sp.Add.make_args(expr):
        nus = [n for n in nu if term.has(n)]
        if nus:
            (n,) = nus
            l = nu.index(n)
            h = sp.expand(term / n)
            if h.has(n):
                raise NotImplementedError("nu^2 term")
            # Stein: E[nu_l h(lambda)] = sum_j R_lj E[dh / dlambda_j]
            total += sum(avg.R[l, j] * expectation(sp.diff(h, lam[j]), lam, nu, avg)
                         for j in range(len(lam)) if h.has(lam[j]))
            continue
        coeff, factors = sp.S.One, {}
        for f in sp.Mul.make_args(term):
            base, power = f.as_base_exp()
            if isinstance(base, (sp.Derivative, sp.Function)) and base.has(g):
                x = base.args[0] if isinstance(base, sp.Function) else base.expr.args[0]
                order = 0 if isinstance(base, sp.Function) else base.derivative_count
                factors.setdefault(lam.index(x), []).extend([order] * int(power))
            else:
                coeff *= f
        total += coeff * (avg.of(factors) if factors else 1)
    return total


def derive(K, rule="vanilla", tied=False, bias=False):
    """Drift per unit time of one direction: returns (dw, du, db, symbols) where
    dw[k], du[k] are linear in w_tau, u_tau = v_tau / sqrt(D) with coefficients in the averages,
    p = rho_tau / D, eta_W, eta_V; db[k] is the bias drift (zero when the bias is not trained)."""
    lam, nu = symbols(K)
    avg = Averages(K)
    w = sp.symbols("w0:%d" % K, real=True)
    u = w if tied else sp.symbols("u0:%d" % K, real=True)
    p, eta_W, eta_V = sp.symbols("p eta_W eta_V", positive=True)
    if tied:
        eta_V = eta_W
    S = [range(K) if rule == "vanilla" else range(k + 1) for k in range(K)]
    F = [_g(1, lam[k]) * (nu[k] - sum(avg.T0[k, m] * _g(0, lam[m]) for m in S[k])) for k in range(K)]

    # Cov(lambda_j, x_tau) sqrt(D) / rho = w_j ;  Cov(nu_j, x_tau) sqrt(D) / rho = u_j
    def stein_x(expr):  # sqrt(D) / rho_tau * E[expr x_tau]
        return sum(w[j] * expectation(sp.diff(expr, lam[j]), lam, nu, avg)
                   + u[j] * expectation(sp.diff(expr, nu[j]), lam, nu, avg) for j in range(K))

    # D E[dw_k] = eta_W E[F_k x] / sqrt(D) = eta_W p stein_x(F_k);  u = v / sqrt(D):
    # D E[du_k] = eta_V (E[g_k x] / sqrt(D) - sum_m u_m E[g_k g_m]) = eta_V (p stein_x(g_k) - ...)
    dw = [sp.expand(eta_W * p * stein_x(F[k])) for k in range(K)]
    du = [sp.expand(eta_V * (p * stein_x(_g(0, lam[k]))
                             - sum(u[m] * expectation(_g(0, lam[k]) * _g(0, lam[m]), lam, nu, avg)
                                   for m in S[k]))) for k in range(K)]
    if tied:  # v = sqrt(D) w: both updates act on w
        dw = [sp.expand(dw[k] + du[k]) for k in range(K)]
        du = dw
    db = [sp.expand(eta_W * expectation(F[k], lam, nu, avg)) if bias else sp.S.Zero
          for k in range(K)]
    return dw, du, db, {"w": w, "u": u, "p": p, "eta_W": eta_W, "eta_V": eta_V, "avg": avg}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--K", type=int, default=2)
    ap.add_argument("--rule", choices=("vanilla", "truncated"), default="vanilla")
    ap.add_argument("--tied", action="store_true")
    ap.add_argument("--bias", action="store_true")
    args = ap.parse_args(argv)
    dw, du, db, _ = derive(args.K, args.rule, args.tied, args.bias)
    for k in range(args.K):
        print("dw_%d/dt =" % k, dw[k])
        if not args.tied:
            print("du_%d/dt =" % k, du[k])
        if args.bias:
            print("db_%d/dt =" % k, db[k])


if __name__ == "__main__":
    main()
