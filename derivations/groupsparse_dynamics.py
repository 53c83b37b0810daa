"""Derive the macroscopic gradient flow of the group-sparse autoencoder and generate its kernels.

Run ``python derivations/groupsparse_dynamics.py`` to (re)write
``odedyn/_generated/groupsparse_dynamics.py``; ``--check`` only reports (exit 1) when the
committed module is stale. Every identity below is verified symbolically before anything is
written (``verify()``); tests/groupsparse/test_groupsparse_generated.py runs the check and the staleness test.

Model (seed 002). x = A s + sigma eps, A in R^{n x p} with unit-norm columns in M groups of size g,
s non-negative and non-zero on K active groups, eps ~ N(0, I_n). Tied autoencoder
xhat = W h(W^T x), loss l = |x - xhat|^2 / 2, gradient flow dW/dt = -grad_W E[l].

1. Closure. With z = W^T x and x^T W h = z.h,
       l = |x|^2 / 2 - z.h(z) + h^T Q h / 2,     Q = W^T W,
   and z | s ~ N(R s, sigma^2 Q), R = W^T A. So E[l] = F(R, Q) + const, and with C = A^T A,
       dR/dt = -(G_R C + 2 G_Q R),   dQ/dt = -(G_R R^T + R G_R^T + 2 G_Q Q + 2 Q G_Q),
   G_R = dF/dR, G_Q = dF/dQ (symmetric). ``verify_chain_rule`` checks this for a generic F.
2. Gradients. phi(z; Q) = -z.h + h^T Q h / 2 has grad_z phi = -h - J (z - Q h), J = dh/dz
   (symmetric for both activations, ``verify_potential_gradient``). Then
       G_R = E[grad phi s^T],
       G_Q = E[h h^T] / 2 + (sigma^2 / 2) E[hess phi]          (Price's theorem)
           = E[h h^T] / 2 + (sigma / 2) sym(E[grad phi xi^T] L^{-1}),
   the last line by Stein's lemma with z = R s + sigma L xi, Q = L L^T, xi ~ N(0, I_p); it needs
   only first derivatives of h (the kinks of h are handled by Stein's lemma, no delta terms).
3. Activations. Group-sparse ReLU (non-negative block shrinkage): on a group with positive part
   z+ and r = |z+|, h = (1 - lambda / r)_+ z+; its Jacobian on the positive coordinates of an
   active group is c I + d z+ z+^T; ``gsrelu_coefficients`` gives (c, d), derived here from the
   Jacobian of a symbolic group. Plain ReLU with bias -lambda: h = (z - lambda)_+, J = H(z - lambda).
4. Closed-form averages. The constant E|x|^2 / 2 = (sum_i P_i m2 + sum_{i != j} P_ij C_ij m1^2
   + sigma^2 n) / 2 from the support probabilities (K of M groups, uniformly) and the moments of
   the amplitude law (constant a, or uniform on [lo, hi], integrated here).
"""
import random
import sys

import sympy as sp

from codegen import function_source, generator_main

lam = sp.Symbol("lam", positive=True)
r = sp.Symbol("r", positive=True)


# ---------------------------------------------------------------- 1. chain rule
def verify_chain_rule(n=3, p=2, seed=3):
    """d/dt (W^T A, W^T W) under dW/dt = -grad_W F(W^T A, W^T W) for a generic polynomial F."""
    rng = random.Random(seed)
    W = sp.Matrix(n, p, lambda i, j: sp.Symbol("w%d%d" % (i, j)))
    A = sp.Matrix(n, p, lambda i, j: sp.Rational(rng.randint(-5, 5), 3))
    Rs = sp.Matrix(p, p, lambda i, j: sp.Symbol("R%d%d" % (i, j)))
    Qs = sp.Matrix(p, p, lambda i, j: sp.Symbol("Q%d%d" % (min(i, j), max(i, j))))
    syms = list(Rs) + sorted(set(Qs), key=str)
    F = sum(rng.randint(-3, 3) * a * b for a in syms for b in syms if rng.random() < 0.4)
    F += sum(rng.randint(-3, 3) * a ** 3 for a in syms if rng.random() < 0.5)
    R, Q = W.T * A, W.T * W
    on_W = {s: v for s, v in zip(list(Rs), list(R))}
    on_W.update({Qs[i, j]: Q[i, j] for i in range(p) for j in range(p)})
    dW = -sp.Matrix(n, p, lambda i, j: sp.diff(F.subs(on_W), W[i, j]))
    GR = sp.Matrix(p, p, lambda i, j: sp.diff(F, Rs[i, j]))
    # derivative with respect to a symmetric Q, split evenly over (i, j) and (j, i)
    GQ = sp.Matrix(p, p, lambda i, j: sp.diff(F, Qs[i, j]) / (1 if i == j else 2))
    C = A.T * A
    dR_flow = -(GR * C + 2 * GQ * Rs)
    dQ_flow = -(GR * Rs.T + Rs * GR.T + 2 * GQ * Qs + 2 * Qs * GQ)
    for lhs, rhs in ((dW.T * A, dR_flow), (dW.T * W + W.T * dW, dQ_flow)):
        diff = sp.expand(lhs - rhs.subs(on_W))
        if diff != sp.zeros(p, p):
            raise AssertionError("chain rule fails: %s" % diff)


# ---------------------------------------------------------------- 2. potential gradient
def verify_potential_gradient(p=3):
    """grad_z (-z.h + h^T Q h / 2) = -h - J^T (z - Q h) for a generic smooth map h."""
    z = sp.Matrix(sp.symbols("z0:%d" % p, real=True))
    Q = sp.Matrix(p, p, lambda i, j: sp.Symbol("Q%d%d" % (min(i, j), max(i, j))))
    h = sp.Matrix([sp.Function("h%d" % i)(*z) for i in range(p)])
    J = h.jacobian(z)
    phi = -(z.T * h)[0] + ((h.T * Q * h)[0]) / 2
    grad = sp.Matrix([sp.diff(phi, zi) for zi in z])
    if sp.simplify(grad - (-h - J.T * (z - Q * h))) != sp.zeros(p, 1):
        raise AssertionError("potential gradient")


# ---------------------------------------------------------------- 3. activations
def gsrelu_coefficients(g=3):
    """(c, d) with dh/dz = c I + d z z^T for h = (1 - lam / |z|) z on an active positive group,
    read off the Jacobian of a symbolic group of size g and checked on every entry."""
    z = sp.Matrix(sp.symbols("z0:%d" % g, positive=True))
    norm = sp.sqrt(sum(zi ** 2 for zi in z))
    J = (z * (1 - lam / norm)).jacobian(z)
    d = sp.simplify(J[0, 1] / (z[0] * z[1]))
    c = sp.simplify(J[0, 0] - d * z[0] ** 2)
    if sp.simplify(J - (c * sp.eye(g) + d * z * z.T)) != sp.zeros(g, g):
        raise AssertionError("group-sparse ReLU Jacobian is not c I + d z z^T")
    if not sp.simplify(J - J.T) == sp.zeros(g, g):
        raise AssertionError("group-sparse ReLU Jacobian is not symmetric")
    c, d = (sp.simplify(e.subs(norm, r)) for e in (c, d))
    return [e.subs(sp.sqrt(sum(zi ** 2 for zi in z)), r) for e in (c, d)]


# ---------------------------------------------------------------- 4. closed-form averages
def amplitude_moments():
    """(E a, E a^2) of the amplitude law: uniform on [lo, hi] (constant: lo = hi)."""
    lo, hi, a = sp.symbols("lo hi a", real=True)
    dens = 1 / (hi - lo)
    m1 = sp.factor(sp.integrate(a * dens, (a, lo, hi)))
    m2 = sp.factor(sp.integrate(a ** 2 * dens, (a, lo, hi)))
    return m1, m2


def support_probabilities():
    """(P(i active), P(i, j active | same group), P(i, j active | other groups)) for K of M
    groups chosen uniformly without replacement."""
    M, K = sp.symbols("M K", positive=True, integer=True)
    p1 = sp.binomial(M - 1, K - 1) / sp.binomial(M, K)
    p2 = sp.binomial(M - 2, K - 2) / sp.binomial(M, K)
    return [sp.simplify(sp.combsimp(e)) for e in (p1, p1, p2)]


def module_body():
    parts = ['"""Kernels of the group-sparse autoencoder (see derivations/groupsparse_dynamics.py)."""\n',
             "import math\n\nfrom numba import njit\n"]
    c, d = gsrelu_coefficients()
    parts.append("\n\n" + function_source(
        "gsrelu_coefficients", ["r", "lam"], [c, d],
        "(c, d): dh/dz = c I + d z z^T on an active group (|z+| = r > lam) of h = (1 - lam/r) z+."))
    m1, m2 = amplitude_moments()
    parts.append("\n\n" + function_source(
        "uniform_moments", ["lo", "hi"], [m1, m2],
        "(E a, E a^2) for a uniform on [lo, hi], lo < hi."))
    p1, p_same, p_other = support_probabilities()
    parts.append("\n\n" + function_source(
        "support_probabilities", ["M", "K"], [p1, p_same, p_other],
        "P(unit active), P(two units active: same group), (different groups); K of M groups."))
    return "".join(parts)


def verify():
    verify_chain_rule()
    verify_potential_gradient()


def body(check):
    if not check:
        verify()
    return module_body()


def main(argv=None):
    return generator_main(__doc__.split("\n")[0], [(
        "odedyn/_generated/groupsparse_dynamics.py", "groupsparse_dynamics.py", body)], argv)


if __name__ == "__main__":
    sys.exit(main())
