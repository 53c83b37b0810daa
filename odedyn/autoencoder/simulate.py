"""Finite-size online SGD of the shallow autoencoder (the simulation companion of seed 001).

Owns: the numba SGD kernel (every activation, tied/untied, trained bias, vanilla/truncated
rule, separate learning rates) and the measurement of the same observables the theory returns:
the order parameters computed from the weights, and the population reconstruction error
evaluated *exactly* from them with the same closed-form Gaussian averages the theory uses.

Inputs are drawn in the eigenbasis of the spectrum, x_tau = sqrt(rho_tau) z_tau (O(D) per
sample), or taken from the rows of a data matrix in that eigenbasis (shuffled every epoch).
The update rule is the one in odedyn.autoencoder.model.
"""
import math

import numpy as np
from numba import njit

from .. import averages
from . import kernels


@njit(cache=True)
def _activation(act, x):
    if act > kernels.RELU:  # the shared registry's activations (odedyn.averages)
        return averages.act(act, x), averages.dact(act, x)
    if act == kernels.LINEAR:
        return x, 1.0
    if act == kernels.ERF:
        return math.erf(x / math.sqrt(2.0)), math.sqrt(2.0 / math.pi) * math.exp(-0.5 * x * x)
    return (x, 1.0) if x > 0.0 else (0.0, 0.0)


@njit(cache=True, nogil=True)
def sgd_steps(W, V, b, sqrt_rho, data, order, cursor, rng, n_steps, eta_W, eta_V, act, tied,
              train_bias, truncated):
    """Run ``n_steps`` SGD steps in place. Gaussian inputs when ``data`` has no rows, else rows
    data[order[cursor[0]]], ... (reshuffled when exhausted). Returns False on a blow-up."""
    K, D = W.shape
    sD = math.sqrt(D)
    x = np.empty(D)
    e = np.empty(D)
    lam = np.empty(K)
    gk = np.empty(K)
    dg = np.empty(K)
    c = np.empty(K)
    for _ in range(n_steps):
        if data.shape[0] == 0:
            z = rng.standard_normal(D)
            for i in range(D):
                x[i] = sqrt_rho[i] * z[i]
        else:
            if cursor[0] >= data.shape[0]:
                rng.shuffle(order)
                cursor[0] = 0
            row = order[cursor[0]]
            cursor[0] += 1
            for i in range(D):
                x[i] = data[row, i]
        for k in range(K):
            s = 0.0
            for i in range(D):
                s += W[k, i] * x[i]
            lam[k] = s / sD + b[k]
            gk[k], dg[k] = _activation(act, lam[k])
        if not truncated:
            for i in range(D):
                acc = x[i]
                for k in range(K):
                    acc -= V[k, i] * gk[k]
                e[i] = acc
        else:
            e[:] = x
        for k in range(K):
            if truncated:  # e = x - sum_{a <= k} v_a g_a, with the weights before this step
                for i in range(D):
                    e[i] -= V[k, i] * gk[k]
            s = 0.0
            for i in range(D):
                s += V[k, i] * e[i]
            c[k] = s / D
            fw = eta_W / D * dg[k] * c[k] / sD
            fv = eta_V / D * gk[k]
            if tied:  # w += (eta/D) [g e / sqrt(D) + g' c x / sqrt(D)],  v = sqrt(D) w
                for i in range(D):
                    W[k, i] += fw * x[i] + fv * e[i] / sD
                    V[k, i] = sD * W[k, i]
            else:
                for i in range(D):
                    W[k, i] += fw * x[i]
                    V[k, i] += fv * e[i]
            if train_bias:
                b[k] += eta_W / D * dg[k] * c[k]
        if not (abs(lam[0]) < 1e12 and abs(c[0]) < 1e12):
            return False
    return True


@njit(cache=True)
def measure(W, V, rho, labels, ngroups):
    """Q, R, T, T0 and the group means of q, r, t from the weights (eigenbasis coordinates)."""
    K, D = W.shape
    sD = math.sqrt(D)
    Q = np.zeros((K, K))
    R = np.zeros((K, K))
    T = np.zeros((K, K))
    T0 = np.zeros((K, K))
    q = np.zeros((ngroups, K, K))
    r = np.zeros((ngroups, K, K))
    t = np.zeros((ngroups, K, K))
    count = np.zeros(ngroups)
    for i in range(D):
        g = labels[i]
        count[g] += 1.0
        p = rho[i] / D
        for k in range(K):
            for l in range(K):
                qq = W[k, i] * W[l, i]
                rr = V[k, i] * W[l, i] / sD
                tt = V[k, i] * V[l, i] / D
                Q[k, l] += p * qq
                R[k, l] += p * rr
                T[k, l] += p * tt
                T0[k, l] += tt
                q[g, k, l] += qq
                r[g, k, l] += rr
                t[g, k, l] += tt
    for g in range(ngroups):
        q[g] /= count[g]
        r[g] /= count[g]
        t[g] /= count[g]
    return Q, R, T, T0, q, r, t


@njit(cache=True)
def empirical_error(W, V, b, data, act):
    """Mean of |x - xhat|^2 / 2D over the rows of ``data`` (real inputs, eigenbasis)."""
    K, D = W.shape
    sD = math.sqrt(D)
    g = np.empty(K)
    total = 0.0
    for row in range(data.shape[0]):
        for k in range(K):
            s = 0.0
            for i in range(D):
                s += W[k, i] * data[row, i]
            g[k] = _activation(act, s / sD + b[k])[0]
        for i in range(D):
            r = data[row, i]
            for k in range(K):
                r -= V[k, i] * g[k]
            total += r * r
    return total / (2.0 * D * data.shape[0])


def population_error(model, total, Q, R, T0, b):
    """The exact population reconstruction error of a network with these order parameters."""
    K = model.K
    e = np.empty((K, 4))
    G, P, S, F = (np.empty((K, K)) for _ in range(4))
    status = np.zeros(3, dtype=np.int64)
    value = np.zeros(1)
    centred = not model.train_bias and not np.any(b != 0)
    kernels.gaussian_averages(kernels.ACTIVATIONS[model.activation], centred, Q, b, e, G, P, S,
                              F, status, value)
    if status[0] != kernels.OK:
        return math.nan
    return kernels.reconstruction_error(total, K, R, T0, e, G)
