"""The activations of the tied autoencoder xhat = W h(W^T x). Owns: the group-sparse ReLU
(non-negative block shrinkage: on each group, h = (1 - lambda / |z+|)_+ z+, z+ = max(z, 0)), the
plain ReLU with bias -lambda (h = max(z - lambda, 0)), their Jacobian applied to vectors (both
Jacobians are symmetric), and the active groups they report. Numba kernels over a batch of
pre-activations Z (N x p, groups of g consecutive units); the Jacobian coefficients of the
group-sparse ReLU come from the generated module (derivations/groupsparse_dynamics.py).

Also the switching functions and the activation and Jacobian with a switching pattern held
fixed, for integrating the theory's flow from switch to switch (odedyn.integrate.Switching).
Both activations are smooth but where a unit's pre-activation crosses its kink (0, or lambda for
the ReLU with bias) or a group's norm |z+| crosses lambda; there the Jacobian jumps. A pattern
is (units, groups): which units count as positive and which groups as active. With it held, the
same formulas are continued smoothly past the kinks (z in place of z+ on the pattern's units,
1 - lambda / r also for r below lambda on its groups); at the pattern of Z itself they are the
activation and Jacobian above, bit for bit. The switching functions are z (z - lambda for the
ReLU) per unit and r - lambda per group, r over the pattern's units: a unit or group is on in Z's
own pattern where its function is positive.
"""
import math

import numpy as np
from numba import njit

from .._generated.groupsparse_dynamics import gsrelu_coefficients

GROUP_SPARSE_RELU, RELU = 0, 1
ACTIVATIONS = {"group-sparse-relu": GROUP_SPARSE_RELU, "relu": RELU}


@njit(cache=True)
def _group_norm(Z, a, start, g):
    r2 = 0.0
    for i in range(start, start + g):
        if Z[a, i] > 0.0:
            r2 += Z[a, i] * Z[a, i]
    return math.sqrt(r2)


@njit(cache=True, nogil=True)
def _activate(Z, g, lam, kind, H):
    N, p = Z.shape
    for a in range(N):
        for start in range(0, p, g):
            if kind == GROUP_SPARSE_RELU:
                r = _group_norm(Z, a, start, g)
                c = 1.0 - lam / r if r > lam else 0.0
                for i in range(start, start + g):
                    H[a, i] = c * Z[a, i] if Z[a, i] > 0.0 else 0.0
            else:
                for i in range(start, start + g):
                    H[a, i] = Z[a, i] - lam if Z[a, i] > lam else 0.0


@njit(cache=True, nogil=True)
def _jacobian_apply(Z, V, g, lam, kind, out):
    N, p = Z.shape
    for a in range(N):
        for start in range(0, p, g):
            if kind == GROUP_SPARSE_RELU:
                r = _group_norm(Z, a, start, g)
                if r <= lam:
                    for i in range(start, start + g):
                        out[a, i] = 0.0
                    continue
                c, d = gsrelu_coefficients(r, lam)
                zv = 0.0
                for i in range(start, start + g):
                    if Z[a, i] > 0.0:
                        zv += Z[a, i] * V[a, i]
                for i in range(start, start + g):
                    out[a, i] = c * V[a, i] + d * Z[a, i] * zv if Z[a, i] > 0.0 else 0.0
            else:
                for i in range(start, start + g):
                    out[a, i] = V[a, i] if Z[a, i] > lam else 0.0


def activate(Z, g, lam, kind):
    """h(Z) row by row."""
    Z = np.ascontiguousarray(Z, dtype=float)
    H = np.empty_like(Z)
    _activate(Z, int(g), float(lam), int(kind), H)
    return H


def jacobian_apply(Z, V, g, lam, kind):
    """dh/dz (at each row of Z) applied to the same row of V."""
    Z = np.ascontiguousarray(Z, dtype=float)
    out = np.empty_like(Z)
    _jacobian_apply(Z, np.ascontiguousarray(V, dtype=float), int(g), float(lam), int(kind), out)
    return out


def group_norms(H, g):
    """|h_G| for every row and group (N x M)."""
    N, p = H.shape
    return np.sqrt((H.reshape(N, p // g, g) ** 2).sum(axis=2))


def support_recovered(H, S):
    """Per row: are the non-zero units of h exactly the units of the active groups (the
    non-zero entries of the code s)? Block recovery of the support."""
    return ((H > 0.0) == (S > 0.0)).all(axis=1)


# ---------------------------------------------------------------- switching patterns
@njit(cache=True, nogil=True)
def _switch_values(Z, g, lam, kind, units, live, uv, gv):
    """uv (N x p): the units' switching functions; gv (N x M): the groups', with r over the units
    of ``units`` (or, ``live``, over the units positive in Z)."""
    N, p = Z.shape
    for a in range(N):
        for k in range(p // g):
            start = k * g
            r2 = 0.0
            for i in range(start, start + g):
                if kind == GROUP_SPARSE_RELU:
                    uv[a, i] = Z[a, i]
                    if (Z[a, i] > 0.0) if live else units[a, i]:
                        r2 += Z[a, i] * Z[a, i]
                else:
                    uv[a, i] = Z[a, i] - lam
            gv[a, k] = math.sqrt(r2) - lam if kind == GROUP_SPARSE_RELU else 1.0


@njit(cache=True, nogil=True)
def _held_norm(Z, a, start, g, units):
    r2 = 0.0
    for i in range(start, start + g):
        if units[a, i]:
            r2 += Z[a, i] * Z[a, i]
    return math.sqrt(r2)


@njit(cache=True, nogil=True)
def _activate_held(Z, g, lam, kind, units, groups, H):
    N, p = Z.shape
    for a in range(N):
        for start in range(0, p, g):
            if kind == GROUP_SPARSE_RELU:
                r = _held_norm(Z, a, start, g, units)
                on = groups[a, start // g] and r > 0.0
                c = 1.0 - lam / r if on else 0.0
                for i in range(start, start + g):
                    H[a, i] = c * Z[a, i] if units[a, i] else 0.0
            else:
                for i in range(start, start + g):
                    H[a, i] = Z[a, i] - lam if units[a, i] else 0.0


@njit(cache=True, nogil=True)
def _jacobian_held(Z, V, g, lam, kind, units, groups, out):
    N, p = Z.shape
    for a in range(N):
        for start in range(0, p, g):
            if kind == GROUP_SPARSE_RELU:
                r = _held_norm(Z, a, start, g, units)
                if not groups[a, start // g] or r == 0.0:
                    for i in range(start, start + g):
                        out[a, i] = 0.0
                    continue
                c, d = gsrelu_coefficients(r, lam)
                zv = 0.0
                for i in range(start, start + g):
                    if units[a, i]:
                        zv += Z[a, i] * V[a, i]
                for i in range(start, start + g):
                    out[a, i] = c * V[a, i] + d * Z[a, i] * zv if units[a, i] else 0.0
            else:
                for i in range(start, start + g):
                    out[a, i] = V[a, i] if units[a, i] else 0.0


def switch_values(Z, g, lam, kind, units=None):
    """(unit values N x p, group values N x M): the switching functions at Z, the groups' over
    the units of ``units`` (default: Z's own positive units). Z's own pattern is
    (unit values > 0, group values > 0)."""
    Z = np.ascontiguousarray(Z, dtype=float)
    N, p = Z.shape
    uv, gv = np.empty_like(Z), np.empty((N, p // g))
    live = units is None
    _switch_values(Z, int(g), float(lam), int(kind),
                   np.zeros((1, 1), dtype=np.bool_) if live else units, live, uv, gv)
    return uv, gv


def activate_held(Z, g, lam, kind, units, groups):
    """h(Z) with the pattern (units, groups) held (boolean N x p and N x M)."""
    Z = np.ascontiguousarray(Z, dtype=float)
    H = np.empty_like(Z)
    _activate_held(Z, int(g), float(lam), int(kind), units, groups, H)
    return H


def jacobian_held(Z, V, g, lam, kind, units, groups):
    """dh/dz applied to V with the pattern (units, groups) held."""
    Z = np.ascontiguousarray(Z, dtype=float)
    out = np.empty_like(Z)
    _jacobian_held(Z, np.ascontiguousarray(V, dtype=float), int(g), float(lam), int(kind),
                   units, groups, out)
    return out
