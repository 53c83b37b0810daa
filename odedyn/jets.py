"""Exact second-order forward differentiation contracted with a fixed symmetric matrix S.
Owns: ``Jet``, arrays of (value, gradient, H[S]) carried through sums, products and
primitives with known derivatives, so that a right-hand side written with them gives, in one
evaluation, f, J = df/dm and H[S]_i = sum_jk d^2 f_i / dm_j dm_k S_jk, exactly (no step size).

Rules (g the gradient in m, h = tr(Hessian S)):

    (a + b)      g_a + g_b,               h_a + h_b
    (a b)        a g_b + b g_a,           a h_b + b h_a + 2 g_a^T S g_b
    phi(a_1..r)  sum_i phi_i g_i,         sum_i phi_i h_i + sum_ij phi_ij g_i^T S g_j

with phi_i, phi_ij the primitive's exact gradient and Hessian in its arguments.
"""
import numpy as np


class Jet:
    """An array of values with gradients (trailing axis n) and S-contracted Hessians."""

    __array_priority__ = 100

    def __init__(self, v, g, h, S):
        self.v, self.g, self.h, self.S = np.asarray(v, float), np.asarray(g, float), \
            np.asarray(h, float), S

    @classmethod
    def variables(cls, m, S):
        """The coordinates m themselves (gradient the identity, no curvature)."""
        n = len(m)
        return cls(np.array(m, float), np.eye(n), np.zeros(n), S)

    @classmethod
    def constant(cls, v, S):
        v = np.asarray(v, float)
        return cls(v, np.zeros(v.shape + (S.shape[0],)), np.zeros(v.shape), S)

    def _lift(self, other):
        return other if isinstance(other, Jet) else Jet.constant(other, self.S)

    @property
    def shape(self):
        return self.v.shape

    def __getitem__(self, idx):
        idx = idx if isinstance(idx, tuple) else (idx,)
        return Jet(self.v[idx], self.g[idx + (Ellipsis,)] if self.v.ndim else self.g,
                   self.h[idx], self.S)

    def __add__(self, other):
        o = self._lift(other)
        return Jet(self.v + o.v, self.g + o.g, self.h + o.h, self.S)

    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.v, -self.g, -self.h, self.S)

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) - self

    def __mul__(self, other):
        if not isinstance(other, Jet):
            c = np.asarray(other, float)
            return Jet(self.v * c, self.g * c[..., None], self.h * c, self.S)
        gs = self.g @ self.S
        cross = np.einsum("...i,...i->...", gs, other.g)
        return Jet(self.v * other.v, self.v[..., None] * other.g + other.v[..., None] * self.g,
                   self.v * other.h + other.v * self.h + 2.0 * cross, self.S)

    __rmul__ = __mul__

    def sum(self, axis):
        axis = axis if axis >= 0 else self.v.ndim + axis
        return Jet(self.v.sum(axis), self.g.sum(axis), self.h.sum(axis), self.S)

    @property
    def T(self):
        return Jet(self.v.T, np.swapaxes(self.g, 0, 1), self.h.T, self.S)


def stack(jets, axis=0):
    return Jet(np.stack([j.v for j in jets], axis), np.stack([j.g for j in jets], axis),
               np.stack([j.h for j in jets], axis), jets[0].S)


def matmul(a, b):
    """(a b)_ij = sum_k a_ik b_kj for 2-d Jets (or a 2-d Jet times a 1-d one)."""
    if b.v.ndim == 1:
        return (a * b[None, :]).sum(1)
    A = Jet(a.v[:, :, None], a.g[:, :, None, :], a.h[:, :, None], a.S)
    B = Jet(b.v[None, :, :], b.g[None, :, :, :], b.h[None, :, :], b.S)
    return (A * B).sum(1)


def diag(a):
    """The diagonal matrix of a 1-d Jet."""
    n = a.v.shape[0]
    I = np.eye(n)
    return Jet(a.v[:, None] * I, a.g[:, None, :] * I[:, :, None], a.h[:, None] * I, a.S)


def primitive(value, grad, hess, args):
    """phi(args) from its value, gradient (r,) and Hessian (r, r) in the scalar Jets ``args``."""
    S = args[0].S
    g = sum(grad[i] * args[i].g for i in range(len(args)))
    h = sum(grad[i] * args[i].h for i in range(len(args)))
    for i in range(len(args)):
        gi = args[i].g @ S
        for j in range(len(args)):
            if hess[i, j] != 0.0:
                h = h + hess[i, j] * (gi @ args[j].g)
    return Jet(value, g, h, S)
