"""The activations of the tied autoencoder xhat = W h(W^T x). Owns: the group-sparse ReLU
(non-negative block shrinkage: on each group, h = (1 - lambda / |z+|)_+ z+, z+ = max(z, 0)), the
plain ReLU with bias -lambda (h = max(z - lambda, 0)), their Jacobian applied to vectors (both
Jacobians are symmetric), and the active groups they report. Numba kernels over a batch of
pre-activations Z (N x p, groups of g consecutive units); the Jacobian coefficients of the
group-sparse ReLU come from the generated module (derivations/groupsparse_dynamics.py).
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
