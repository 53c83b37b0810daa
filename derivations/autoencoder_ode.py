"""Derive the order-parameter equations of the shallow autoencoder with sympy, and write their
compiled right-hand side into ``odedyn/_generated/autoencoder_ode.py``.

    python derivations/autoencoder_ode.py            # (re)write the generated module
    python derivations/autoencoder_ode.py --check    # exit 1 when the committed module is stale
    python derivations/autoencoder_ode.py [--print] [--K 2] [--rule truncated] [--tied] [--bias]
                                                     # print the drift of one direction for fixed K
    python derivations/autoencoder_ode.py --indexed [--tied]   # ... in index form, any K

Derivation. With lambda_k = w_k.x/sqrt(D) + b_k, nu_k = v_k.x/D and the SGD step of
odedyn.autoencoder.model, the expected change of a direction's components is

    D E[dw_k,tau] = eta_W E[F_k x_tau] / sqrt(D),     F_k = g'(lambda_k)(nu_k - sum_{m in S_k} T0_km g(lambda_m)),
    D E[dv_k,tau] = eta_V (E[g(lambda_k) x_tau] - sum_{m in S_k} v_m,tau E[g(lambda_k) g(lambda_m)]),

with S_k all units (vanilla) or m <= k (truncated). x_tau is jointly Gaussian with the fields,
Cov(lambda_j, x_tau) = rho_tau w_j,tau / sqrt(D), Cov(nu_j, x_tau) = rho_tau v_j,tau / D, so
Stein's lemma E[F x_tau] = sum_j Cov(phi_j, x_tau) E[dF/dphi_j] removes x_tau; applied once more,
E[nu_l h(lambda)] = sum_j R_lj E[dh/dlambda_j], it removes nu. What is left are averages of
products of g and its derivatives over lambda ~ N(b, Q), named as in the generated kernels:
e[k, a] = E g^(a)(lambda_k) (one factor), G, P, S, F (two factors, of two units or one unit
twice: X[k, l] = E g^(a)(lambda_k) g^(c)(lambda_l) with (a, c) = (0, 0), (1, 1), (2, 0), (1, 0)).
The second-order (eta^2) terms vanish at this scaling: D E[dw dw] ~ E[F^2 x_tau^2] / D^2 -> 0
(x_tau^2 ~ rho_tau <= O(D)) and likewise for v, so the limit is the drift alone and is linear in
(w_tau, v_tau / sqrt(D)). The per-step O(1/D) time scale with t = steps / D gives the factor D.

Two routes. ``derive(K, ...)`` unrolls the drift for a fixed K (every sum written out): it is
the reference that tests/autoencoder/test_autoencoder_ode.py holds the generated code against. Unrolling is
no way to write code (sympy blows up with K), so ``derive_indexed`` does the same steps with
symbolic unit indices: the output unit k is free, every sum is an index bound to the term
(implicit summation), derivatives produce Kronecker deltas, and a delta with a bound index is
contracted. The mask M[k, m] (1 for vanilla, [m <= k] for truncated) stays a symbol with
M[k, k] = 1. The result, per term a coefficient times w_j or u_j, is printed as numba loops over
k, j and the remaining bound indices: the coefficient matrices (``coefficients_*``), their
application to every direction (``drift_*``) and the reconstruction error.

What the generated module holds besides: the Dormand-Prince integrator (derivations/
integrators.py) with this right-hand side by name, so that numba caches it; and the glue
written here as text (TEMPLATE): the state layout (factor columns), the evaluation of the
averages with the numerical policy (variance and correlation checks, the ReLU clamp) and the
status codes, and ``rhs``, which calls them in order.
"""
import argparse
import textwrap
import sys

import sympy as sp

from codegen import NumbaPrinter, generator_main
from integrators import INTEGRATOR_IMPORTS, integrator_source


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
    p = rho_tau / D, eta_W, eta_V; db[k] is the bias drift (zero when the bias is not trained);
    symbols["error"] the reconstruction error E|x - xhat|^2 / 2D in the averages and
    total = E|x|^2 / 2D."""
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
    total = sp.Symbol("total", positive=True)
    # |x - xhat|^2 / 2D = |x|^2 / 2D - sum_k nu_k g_k + sum_kl T0_kl g_k g_l / 2
    error = total + expectation(sum(-nu[k] * _g(0, lam[k]) for k in range(K))
                                + sum(avg.T0[k, l] * _g(0, lam[k]) * _g(0, lam[l]) / 2
                                      for k in range(K) for l in range(K)), lam, nu, avg)
    return dw, du, db, {"w": w, "u": u, "p": p, "eta_W": eta_W, "eta_V": eta_V, "avg": avg,
                        "total": total, "error": error}

# ------------------------------------------------------------------ index form
LAM, NU, W, U = (sp.IndexedBase(n) for n in ("lambda", "nu", "w", "u"))
ARRAYS = ("e", "G", "P", "S", "F", "R", "T0")  # the named averages and order parameters
e_, G_, P_, S_, F_, R_, T0_ = (sp.IndexedBase(n) for n in ARRAYS)
M_ = sp.IndexedBase("M")  # the mask of the rule: M[k, m] = 1 (vanilla) or [m <= k] (truncated)
k_, j_ = sp.symbols("k j", integer=True)  # output unit and column: the names in the loops
INNER = sp.symbols("m n i o", integer=True)  # names of the inner sums in the loops
POOL = sp.symbols("a0:12", integer=True)  # bound indices while deriving
p_, eta_W_, eta_V_, total_ = sp.symbols("p eta_W eta_V total", positive=True)


def _gi(order, x):
    lam = LAM[x]
    return sp.diff(g(lam), lam, order) if order else g(lam)


def _fresh(body, bound):
    used = body.free_symbols | set(bound)
    return next(a for a in POOL if a not in used)


def _contract(body, bound):
    """Contract the Kronecker deltas of a monomial that carry a bound index; M[x, x] = 1."""
    bound = list(bound)
    while True:
        for d in sp.Mul.make_args(body):
            if isinstance(d, sp.KroneckerDelta) and (d.args[0] in bound or d.args[1] in bound):
                a, b = d.args if d.args[0] in bound else d.args[::-1]
                body = (body / d).subs(a, b)
                bound.remove(a)
                break
        else:
            break
    for x in body.atoms(sp.Indexed):
        if x.base == M_ and x.indices[0] == x.indices[1]:
            body = body.subs(x, 1)
    if any(a not in body.free_symbols for a in bound):
        raise NotImplementedError("a sum over an index the term does not carry: %s" % body)
    return body, tuple(bound)


def _split(expr, bound):
    """Monomials of ``expr`` (each summed over ``bound``), deltas contracted."""
    return [_contract(t, bound) for t in sp.Add.make_args(sp.expand(expr)) if t != 0]


def _average(units):
    """E prod_i g^(a_i)(lambda_x_i) for units [(x, a), ...] as a named average."""
    if not units:
        return sp.S.One
    if len(units) == 1:
        (x, a), = units
        return e_[x, a]
    if len(units) == 2:
        (x, a), (y, c) = units
        table = {(0, 0): G_, (1, 1): P_, (2, 0): S_, (1, 0): F_}
        if (a, c) in table:
            return table[(a, c)][x, y]
        if (c, a) in table:
            return table[(c, a)][y, x]
    raise NotImplementedError("average of g-derivatives %s" % units)


def _expect(body, bound):
    """E[monomial] over the fields as a list of terms in the named averages."""
    factors = sp.Mul.make_args(body)
    nus = [f for f in factors if f.as_base_exp()[0].has(NU)]
    if nus:
        (f,) = nus
        if f.as_base_exp()[1] != 1:
            raise NotImplementedError("nu^2 term")
        i = _fresh(body, bound)
        # Stein: E[nu_l h(lambda)] = sum_i R_li E[dh / dlambda_i]
        return [t for tb in _split(R_[f.indices[0], i] * sp.diff(body / f, LAM[i]), bound + (i,))
                for t in _expect(*tb)]
    coeff, units = sp.S.One, []
    for f in factors:
        base, power = f.as_base_exp()
        if base.has(LAM):
            lam = base.expr.args[0] if isinstance(base, sp.Derivative) else base.args[0]
            order = base.derivative_count if isinstance(base, sp.Derivative) else 0
            units += [(lam.indices[0], order)] * int(power)
        else:
            coeff *= f
    return [(coeff * _average(units), bound)]


def _mean(terms):
    return [t for body, bound in terms for tb in _split(body, bound) for t in _expect(*tb)]


def _scale(c, terms):
    return [(c * body, bound) for body, bound in terms]


def derive_indexed(tied=False):
    """The drift in index form: dict of term lists (monomial, bound indices) with the unit k_
    free: 'w', 'u' (linear in w[.], u[.]; no 'u' when tied), 'b' (the bias drift, to be
    multiplied by [bias trained]) and 'error' (no free index)."""
    m, l = POOL[-1], POOL[-2]
    F = [(_gi(1, k_) * NU[k_], ()), (-M_[k_, m] * T0_[k_, m] * _gi(1, k_) * _gi(0, m), (m,))]

    def stein_x(terms):  # sqrt(D) / rho_tau * E[expr x_tau]
        out = []
        for body, bound in terms:
            a = _fresh(body, bound)
            out += _mean([(W[a] * sp.diff(body, LAM[a]) + U[a] * sp.diff(body, NU[a]),
                           bound + (a,))])
        return out

    eta_V = eta_W_ if tied else eta_V_
    dw = _scale(eta_W_ * p_, stein_x(F))
    du = (_scale(eta_V * p_, stein_x([(_gi(0, k_), ())]))
          + _scale(-eta_V, _mean([(M_[k_, m] * U[m] * _gi(0, k_) * _gi(0, m), (m,))])))
    out = {"w": dw, "u": du}
    if tied:  # v = sqrt(D) w: both updates act on w
        out = {"w": [(body.subs(U, W), bound) for body, bound in dw + du]}
    out["b"] = _scale(eta_W_, _mean(F))
    out["error"] = _mean([(total_, ()), (-NU[l] * _gi(0, l), (l,)),
                          (T0_[l, m] * _gi(0, l) * _gi(0, m) / 2, (l, m))])
    return out


def linear_form(terms):
    """Sort the terms of a drift by source (w or u), power of p and shape: {(source, power):
    {"full": {inner: coefficient of source[j]}, "diag": {inner: coefficient of source[k]}}},
    inner = the names of the remaining sums (INNER), k and j the loop names."""
    form = {}
    for body, bound in terms:
        (s,) = [f for f in sp.Mul.make_args(body) if isinstance(f, sp.Indexed) and f.base in (W, U)]
        x = s.indices[0]
        if x != k_ and x not in bound:
            raise NotImplementedError("term not summed over its column: %s" % body)
        coeff = body / s
        power = sp.degree(coeff, p_)
        coeff = sp.expand(coeff / p_**power)
        inner = [a for a in bound if a != x]
        rename = dict(zip(inner, INNER))
        if x != k_:
            rename[x] = j_
        coeff = coeff.subs(rename, simultaneous=True)
        entry = form.setdefault((s.base.label.name, power), {"full": {}, "diag": {}})
        part = entry["diag" if x == k_ else "full"]
        key = tuple(INNER[:len(inner)])
        part[key] = part.get(key, sp.S.Zero) + coeff
    return form


def scalar_form(terms):
    """{inner: expression} of a term list: the bound indices renamed to the loop names."""
    out = {}
    for body, bound in terms:
        rename = dict(zip(bound, INNER))
        key = tuple(INNER[:len(bound)])
        out[key] = out.get(key, sp.S.Zero) + body.subs(rename, simultaneous=True)
    return out


# ------------------------------------------------------------------ printing
class LoopPrinter(NumbaPrinter):
    """Indexed symbols as array entries; the mask M[a, b] as ``mask(truncated, a, b)``."""

    def _print_Indexed(self, expr):
        idx = ", ".join(str(i) for i in expr.indices)
        if expr.base == M_:
            return "mask(truncated, %s)" % idx
        return "%s[%s]" % (expr.base.label, idx)


def _sums(groups, indent, printer):
    """Lines adding the expressions {inner: expr} into ``acc``, with a loop per inner index."""
    lines = []
    for inner, expr in sorted(groups.items(), key=lambda kv: len(kv[0])):
        expr = sp.expand(expr)
        if expr == 0:
            continue
        pad = indent
        for a in inner:
            lines.append(pad + "for %s in range(K):" % a)
            pad += "    "
        lines.append(pad + "acc += %s" % printer.doprint(expr))
    return lines


def _arrays_used(exprs):
    names = {x.base.label.name for e in exprs for x in sp.sympify(e).atoms(sp.Indexed)}
    return [a for a in ARRAYS if a in names]


def _coefficient_names(form, target):
    """(name, kind, (source, power)) of the coefficient arrays of a target: a matrix C_ts<p>
    ("full") when a term has a column sum, else a vector d_ts<p> ("diag")."""
    return [("C_%s%s%d" % (target, s, pw) if entry["full"] else "d_%s%s%d" % (target, s, pw),
             "full" if entry["full"] else "diag", (s, pw))
            for (s, pw), entry in sorted(form.items())]


def coefficients_source(variant, forms, bias):
    """Source of ``coefficients_<variant>``: fill the coefficient arrays and the bias drift f."""
    printer = LoopPrinter({"fully_qualified_modules": True})
    names, body = [], []
    exprs = [e for form in forms.values() for entry in form.values()
             for part in entry.values() for e in part.values()] + list(bias.values())
    for target, form in forms.items():
        for name, kind, key in _coefficient_names(form, target):
            names.append(name)
            entry = form[key]
            if kind == "full":
                body += ["    for k in range(K):", "        for j in range(K):",
                         "            acc = 0.0"]
                body += _sums(entry["full"], "            ", printer)
                body += ["            %s[k, j] = acc" % name]
                if entry["diag"]:
                    body += ["        acc = 0.0"] + _sums(entry["diag"], "        ", printer)
                    body += ["        %s[k, k] += acc" % name]
            else:
                body += ["    for k in range(K):", "        acc = 0.0"]
                body += _sums(entry["diag"], "        ", printer) + ["        %s[k] = acc" % name]
    body += ["    for k in range(K):", "        acc = 0.0"]
    body += _sums(bias, "        ", printer) + ["        f[k] = acc"]
    args = ["K", "truncated", "eta_W", "eta_V"] + _arrays_used(exprs) + names + ["f"]
    doc = ("Coefficients of the %s drift (derived), per direction\n    dx_k/dt = sum_s sum_j "
           "(p C_xs1 + C_xs0)[k, j] s_j + (p d_xs1 + d_xs0)[k] s_k, s = w, u;\n    f[k] the "
           "bias drift (before the factor [bias trained])." % variant)
    signature = textwrap.fill("def coefficients_%s(%s):" % (variant, ", ".join(args)), 99,
                              subsequent_indent="        ")
    return ("@njit(cache=True)\n%s\n    \"\"\"%s\"\"\"\n" % (signature, doc)
            + "\n".join(body) + "\n"), args


def drift_source(variant, forms):
    """Source of ``drift_<variant>``: apply the coefficients to every factor column of y."""
    rows, offset = ("K", {"w": ""}) if variant == "tied" else ("2 * K", {"w": "", "u": "K + "})
    names, inner, after, out = [], [], [], []
    for target, form in forms.items():
        powers = sorted({pw for _, pw in form})
        for name, kind, (s, pw) in _coefficient_names(form, target):
            names.append(name)
            acc = "s_%s%d" % (target, pw)
            if kind == "full":
                inner.append("                %s += %s[k, j] * y[base + %sj]"
                             % (acc, name, offset[s]))
            else:
                after.append("            %s += %s[k] * y[base + %sk]" % (acc, name, offset[s]))
        terms = [("p * " if pw == 1 else "p ** %d * " % pw if pw else "") + "s_%s%d" % (target, pw)
                 for pw in powers]
        out.append("            dy[base + %sk] = %s" % (offset[target], " + ".join(terms)))
    accs = sorted({"s_%s%d" % (t, pw) for t, form in forms.items() for _, pw in form})
    lines = ["@njit(cache=True)", "def drift_%s(y, dy, pc, K, %s):" % (variant, ", ".join(names)),
             '    """dy/dt of every factor column (rows %s each, p = pc[c]) from the '
             'coefficients."""' % rows,
             "    rows = %s" % rows, "    for c in range(pc.shape[0]):", "        base = c * rows",
             "        p = pc[c]", "        for k in range(K):"]
    lines += ["            %s = 0.0" % a for a in accs]
    lines += ["            for j in range(K):"] + inner + after + out
    return "\n".join(lines) + "\n", names


def error_source(terms):
    printer = LoopPrinter({"fully_qualified_modules": True})
    groups = scalar_form(terms)
    lines = ["@njit(cache=True)", "def reconstruction_error(total, K, R, T0, e, G):",
             '    """The population reconstruction error (derived): E|x - xhat|^2 / 2D."""',
             "    acc = 0.0"]
    lines += _sums(groups, "    ", printer) + ["    return acc"]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ the generated module
GLUE = '''
# activation codes and names of the shared registry: LINEAR, ERF, RELU by the closed forms of
# odedyn._generated.gaussian_averages, every other code (ACTIVATIONS) by the deterministic
# quadrature of odedyn.averages (field_single, field_diag, field_pair at their value rule)

OK, BAD_VARIANCE, BAD_CORRELATION, NOT_FINITE, BLOW_UP = 0, 1, 2, 3, 4
BLOW_UP_LIMIT = 1e12
# ReLU with non-zero means: correlations are kept this far from +-1 (the orthant kernels are
# singular exactly there); the induced error in any average is O(sqrt(CLAMP)) ~ 1e-6.
CLAMP = 1e-12


@njit(cache=True)
def _single(act, centred, b, c):
    if act > RELU:
        return field_single(act, b, c, 0)
    if act == LINEAR:
        return linear_single0(c) if centred else linear_single(b, c)
    if act == ERF:
        return erf_single0(c) if centred else erf_single(b, c)
    return relu_single0(c) if centred else relu_single(b, c)


@njit(cache=True)
def _diag(act, centred, b, c):
    if act > RELU:
        return field_diag(act, b, c, 0)
    if act == LINEAR:
        return linear_diag0(c) if centred else linear_diag(b, c)
    if act == ERF:
        return erf_diag0(c) if centred else erf_diag(b, c)
    return relu_diag0(c) if centred else relu_diag(b, c)


@njit(cache=True)
def _pair(act, centred, b1, b2, c11, c12, c22):
    if act > RELU:
        return field_pair(act, b1, b2, c11, c12, c22, 0)
    if act == LINEAR:
        return linear_pair0(c11, c12, c22) if centred else linear_pair(b1, b2, c11, c12, c22)
    if act == ERF:
        return erf_pair0(c11, c12, c22) if centred else erf_pair(b1, b2, c11, c12, c22)
    return relu_pair0(c11, c12, c22) if centred else relu_pair(b1, b2, c11, c12, c22)


@njit(cache=True)
def gaussian_averages(act, centred, Q, b, e, G, P, S, F, status, status_value):
    """Fill the averages over lambda ~ N(b, Q): e[k, a] = E g^(a)(lambda_k), a <= 3;
    G, P = E g g^T, E g' g'^T; S[k, l] = E g''(lambda_k) g(lambda_l); F[k, l] = E g'_k g_l."""
    K = Q.shape[0]
    qmax = 0.0
    for k in range(K):
        qmax = max(qmax, abs(Q[k, k]))
    for k in range(K):
        c = Q[k, k]
        # ReLU averages diverge as a variance vanishes: below round-off of the largest one it is
        # zero for all purposes
        if not c >= 0.0 or (act == RELU and not c > 1e-12 * qmax):
            status[0], status[1], status[2] = BAD_VARIANCE, k, k
            status_value[0] = c
            return
        s1 = _single(act, centred, b[k], c)
        d1 = _diag(act, centred, b[k], c)
        for i in range(4):
            e[k, i] = s1[i]
        G[k, k], P[k, k], S[k, k], F[k, k] = d1[0], d1[1], d1[2], d1[3]
    for k in range(K):
        for l in range(k + 1, K):
            c11, c22, c12 = Q[k, k], Q[l, l], Q[k, l]
            scale = math.sqrt(c11 * c22)
            if scale > 0.0:
                r = c12 / scale
                if not abs(r) <= 1.0 + 1e-9:
                    status[0], status[1], status[2] = BAD_CORRELATION, k, l
                    status_value[0] = r
                    return
                lim = (1.0 - CLAMP) * scale if (act == RELU and not centred) else scale
                c12 = min(max(c12, -lim), lim)
            out = _pair(act, centred, b[k], b[l], c11, c12, c22)
            G[k, l] = G[l, k] = out[0]
            P[k, l] = P[l, k] = out[1]
            S[k, l], S[l, k] = out[2], out[3]
            F[k, l], F[l, k] = out[4], out[5]
    for k in range(K):
        for i in range(4):
            if not math.isfinite(e[k, i]):
                status[0], status[1], status[2] = NOT_FINITE, k, k
                return
        for l in range(K):
            if not (math.isfinite(G[k, l]) and math.isfinite(P[k, l])
                    and math.isfinite(S[k, l]) and math.isfinite(F[k, l])):
                status[0], status[1], status[2] = NOT_FINITE, k, l
                return


@njit(cache=True)
def global_order_parameters(y, wq, wt, K, tied, Q, R, T, T0):
    """Q, R, T, T0 from the factor columns with weights wq = n p and wt = n (see
    odedyn.autoencoder.kernels); the symmetric ones on one triangle."""
    rows = K if tied else 2 * K
    Q[:, :] = 0.0
    R[:, :] = 0.0
    T[:, :] = 0.0
    T0[:, :] = 0.0
    for c in range(wq.shape[0]):
        base = c * rows
        w = wq[c]
        for k in range(K):
            wk = y[base + k]
            for l in range(k, K):
                Q[k, l] += w * wk * y[base + l]
        if tied:
            for k in range(K):
                wk = y[base + k]
                for l in range(k, K):
                    T0[k, l] += wt[c] * wk * y[base + l]
            continue
        for k in range(K):
            uk = y[base + K + k]
            for l in range(K):
                R[k, l] += w * uk * y[base + l]
            for l in range(k, K):
                tt = uk * y[base + K + l]
                T[k, l] += w * tt
                T0[k, l] += wt[c] * tt
    for k in range(K):
        for l in range(k):
            Q[k, l] = Q[l, k]
            T[k, l] = T[l, k]
            T0[k, l] = T0[l, k]
    if tied:
        R[:, :] = Q
        T[:, :] = Q


@njit(cache=True)
def mask(truncated, k, m):
    """M[k, m] of the rule: 1 for vanilla, [m <= k] for truncated."""
    return 0.0 if truncated and m > k else 1.0
'''

RHS = '''
@njit(cache=True)
def rhs(t, y, dy, status, pc, wq, wt, total, K, eta_W, eta_V, act, tied, train_bias, truncated,
        work, status_value):
    """Write dy/dt of the state ``y`` into ``dy``; return the reconstruction error at y (the
    equations do not depend on the time ``t``).
    ``pc``, ``wq``, ``wt``: per factor column p, n p and n; ``total`` = Tr(Omega) / 2D;
    ``work`` is scratch memory from ``workspace(K)``; trouble goes to ``status`` (code, k, l)
    and ``status_value``."""
    rows = K if tied else 2 * K
    off_b = pc.shape[0] * rows
    b = y[off_b:off_b + K]
    centred = not train_bias
    for k in range(K):
        if b[k] != 0.0:
            centred = False
    KK = K * K
{slices}
    global_order_parameters(y, wq, wt, K, tied, Q, R, T, T0)
    for k in range(K):
        if not abs(Q[k, k]) < BLOW_UP_LIMIT:
            status[0], status[1], status[2] = BLOW_UP, k, k
            status_value[0] = Q[k, k]
            return math.nan
    gaussian_averages(act, centred, Q, b, e, G, P, S, F, status, status_value)
    if status[0] != OK:
        return math.nan
    if tied:
{tied}
    else:
{untied}
    for k in range(K):
        dy[off_b + k] = f[k] if train_bias else 0.0
    return reconstruction_error(total, K, R, T0, e, G)
'''

AVERAGE_IMPORTS = ", ".join("%s_%s%s" % (a, kind, c) for a in ("erf", "linear", "relu")
                            for kind in ("diag", "pair", "single") for c in ("", "0"))


def module_body():
    parts = ['"""Compiled right-hand side of the shallow-autoencoder order-parameter equations '
             '(see\nderivations/autoencoder_ode.py for the derivation and odedyn/autoencoder/'
             'kernels.py for\nthe state), and its Dormand-Prince integrator."""\n',
             INTEGRATOR_IMPORTS, "from odedyn._generated.gaussian_averages import (\n    %s)\n"
             % textwrap.fill(AVERAGE_IMPORTS, 95, subsequent_indent="    "),
             "from odedyn.averages import (\n    ACTIVATIONS, ERF, LINEAR, RELU, field_diag, "
             "field_pair, field_single)\n", "\n", GLUE]
    arrays = [(n, "KK") for n in ("Q", "R", "T", "T0", "G", "P", "S", "F")] + [("e", "4K"),
                                                                               ("f", "K")]
    calls = {}
    for variant in ("untied", "tied"):
        d = derive_indexed(tied=variant == "tied")
        forms = {t: linear_form(d[t]) for t in (("w",) if variant == "tied" else ("w", "u"))}
        src, coeffs = coefficients_source(variant, forms, scalar_form(d["b"]))
        parts += ["\n\n" + src]
        dsrc, dnames = drift_source(variant, forms)
        parts += ["\n\n" + dsrc]
        calls[variant] = "\n".join(
            textwrap.fill(call, 99, initial_indent=" " * 8, subsequent_indent=" " * 12)
            for call in ("coefficients_%s(%s)" % (variant, ", ".join(coeffs)),
                         "drift_%s(y, dy, pc, K, %s)" % (variant, ", ".join(dnames))))
        arrays += [(n, "KK" if n.startswith("C") else "K") for n in dnames
                   if (n, "KK" if n.startswith("C") else "K") not in arrays]
    parts += ["\n\n" + error_source(derive_indexed()["error"])]
    slices, start = [], "0"
    size = {"KK": (1, 0), "4K": (0, 4), "K": (0, 1)}
    nkk = nk = 0
    for name, kind in arrays:
        a, c = size[kind]
        stop = " + ".join(t for t in ("%d * KK" % (nkk + a) if nkk + a else "",
                                      "%d * K" % (nk + c) if nk + c else "") if t)
        shape = "(K, K)" if kind == "KK" else "(K, 4)" if kind == "4K" else None
        sl = "work[%s:%s]" % (start, stop)
        slices.append("    %s = %s" % (name, sl + (".reshape(%s)" % shape if shape else "")))
        nkk, nk, start = nkk + a, nk + c, stop
    parts += ["\n\ndef workspace(K):\n    \"\"\"Scratch memory for ``rhs`` (so that no step "
              "allocates).\"\"\"\n    return np.empty(%d * K * K + %d * K)\n" % (nkk, nk)]
    parts += ["\n" + RHS.format(slices="\n".join(slices), **calls)]
    parts += ["\n\n" + integrator_source("rhs")]
    return "".join(parts)


def print_drift(args):
    if args.indexed:
        d = derive_indexed(args.tied)
        for key in ("w",) if args.tied else ("w", "u"):
            for (s, pw), entry in sorted(linear_form(d[key]).items()):
                for shape, col in (("full", "j"), ("diag", "k")):
                    for inner, expr in entry[shape].items():
                        print("d%s_k/dt += p^%d %s(%s) * %s_%s" % (
                            key, pw, "".join("sum_%s " % a for a in inner), expr, s, col))
        for inner, expr in scalar_form(d["b"]).items():
            print("db_k/dt += %s(%s)" % ("".join("sum_%s " % a for a in inner), expr))
        return
    dw, du, db, _ = derive(args.K, args.rule, args.tied, args.bias)
    for k in range(args.K):
        print("dw_%d/dt =" % k, dw[k])
        if not args.tied:
            print("du_%d/dt =" % k, du[k])
        if args.bias:
            print("db_%d/dt =" % k, db[k])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the generated module is stale")
    ap.add_argument("--print", action="store_true",
                    help="print the drift instead of writing (implied by the options below)")
    ap.add_argument("--indexed", action="store_true", help="print the drift in index form")
    ap.add_argument("--K", type=int, help="print the drift unrolled for K units (default 2)")
    ap.add_argument("--rule", choices=("vanilla", "truncated"))
    ap.add_argument("--tied", action="store_true")
    ap.add_argument("--bias", action="store_true")
    args = ap.parse_args(argv)
    if args.print or args.indexed or args.K or args.rule or args.tied or args.bias:
        args.K, args.rule = args.K or 2, args.rule or "vanilla"
        print_drift(args)
        return 0
    return generator_main(__doc__.split("\n")[0], [(
        "odedyn/_generated/autoencoder_ode.py", "autoencoder_ode.py", lambda check: module_body())],
        ["--check"] if args.check else [])


if __name__ == "__main__":
    sys.exit(main())
