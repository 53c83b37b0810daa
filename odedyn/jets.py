"""Exact second-order forward differentiation. Owns: ``Jet``, arrays of (value, gradient,
second derivative) carried through sums, products and primitives with known derivatives, so
that a right-hand side written with them gives, in one evaluation, f, J = df/dm and its second
derivatives exactly (no step size). The second derivative is either the full Hessian (S = None:
trailing axes (n, n)) or its contraction H[S] = sum_jk d^2 f / dm_j dm_k S_jk with a fixed
symmetric S (one number per entry: cheaper when only H[S] is wanted).

Rules (g the gradient in m, h the Hessian or its contraction; (x) the outer product):

    (a + b)      g_a + g_b,               h_a + h_b
    (a b)        a g_b + b g_a,           a h_b + b h_a + g_a (x) g_b + g_b (x) g_a
                                          (contracted: ... + 2 g_a^T S g_b)
    phi(a_1..r)  sum_i phi_i g_i,         sum_i phi_i h_i + sum_ij phi_ij g_i (x) g_j

with phi_i, phi_ij the primitive's exact gradient and Hessian in its arguments.
"""
import numpy as np


class Jet:
    """An array of values with gradients (trailing axis n) and second derivatives."""

    __array_priority__ = 100

    def __init__(self, v, g, h, S):
        self.v, self.g, self.h, self.S = np.asarray(v, float), np.asarray(g, float), \
            np.asarray(h, float), S

    @property
    def full(self):
        return self.S is None

    @classmethod
    def variables(cls, m, S=None):
        """The coordinates m themselves (gradient the identity, no curvature); S = None keeps
        full Hessians."""
        n = len(m)
        h = np.zeros((n, n, n)) if S is None else np.zeros(n)
        return cls(np.array(m, float), np.eye(n), h, S)

    def _lift(self, other):
        if isinstance(other, Jet):
            return other
        v = np.asarray(other, float)
        n = self.g.shape[-1]
        h = np.zeros(v.shape + ((n, n) if self.full else ()))
        return Jet(v, np.zeros(v.shape + (n,)), h, self.S)

    def _hshape(self, c):
        """``c`` (shaped like values) broadcast against h."""
        return c.reshape(c.shape + (1, 1)) if self.full else c

    @property
    def shape(self):
        return self.v.shape

    def __getitem__(self, idx):
        idx = idx if isinstance(idx, tuple) else (idx,)
        return Jet(self.v[idx], self.g[idx + (Ellipsis,)], self.h[idx + (Ellipsis,)], self.S)

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
            c = np.broadcast_to(c, np.broadcast_shapes(c.shape, self.v.shape)) if c.ndim else c
            return Jet(self.v * c, self.g * np.asarray(c)[..., None],
                       self.h * self._hshape(np.asarray(c)), self.S)
        if self.full:
            cross = self.g[..., :, None] * other.g[..., None, :]
            cross = cross + np.swapaxes(cross, -1, -2)
        else:
            cross = 2.0 * np.einsum("...i,...i->...", self.g @ self.S, other.g)
        return Jet(self.v * other.v, self.v[..., None] * other.g + other.v[..., None] * self.g,
                   self._hshape(self.v) * other.h + self._hshape(other.v) * self.h + cross,
                   self.S)

    __rmul__ = __mul__

    def sum(self, axis):
        axis = axis if axis >= 0 else self.v.ndim + axis
        return Jet(self.v.sum(axis), self.g.sum(axis), self.h.sum(axis), self.S)

    @property
    def T(self):
        return Jet(self.v.T, np.swapaxes(self.g, 0, 1), np.swapaxes(self.h, 0, 1), self.S)


def stack(jets, axis=0):
    return Jet(np.stack([j.v for j in jets], axis), np.stack([j.g for j in jets], axis),
               np.stack([j.h for j in jets], axis), jets[0].S)


def matmul(a, b):
    """(a b)_ij = sum_k a_ik b_kj for 2-d Jets (or a 2-d Jet times a 1-d one)."""
    if b.v.ndim == 1:
        return (a * b[None, :]).sum(1)
    A = Jet(a.v[:, :, None], a.g[:, :, None, :], a.h[:, :, None, ...], a.S)
    B = Jet(b.v[None, :, :], b.g[None, :, :, :], b.h[None, :, :, ...], b.S)
    return (A * B).sum(1)


def diag(a):
    """The diagonal matrix of a 1-d Jet."""
    n = a.v.shape[0]
    I = np.eye(n)
    Ih = I.reshape((n, n) + (1, 1)) if a.full else I
    return Jet(a.v[:, None] * I, a.g[:, None, :] * I[:, :, None], a.h[:, None, ...] * Ih, a.S)


def primitive(value, grad, hess, args):
    """phi(args) from its value, gradient (r,) and Hessian (r, r) in the scalar Jets ``args``."""
    S = args[0].S
    g = sum(grad[i] * args[i].g for i in range(len(args)))
    h = sum(grad[i] * args[i].h for i in range(len(args)))
    for i in range(len(args)):
        gi = args[i].g if S is None else args[i].g @ S
        for j in range(len(args)):
            if hess[i, j] != 0.0:
                h = h + hess[i, j] * (np.outer(gi, args[j].g) if S is None else gi @ args[j].g)
    return Jet(value, g, h, S)


def contract(h, S):
    """H[S] of full Hessians h (..., n, n)."""
    return np.einsum("...jk,jk->...", h, S)
