"""Averages over the data law for the macroscopic flow. Owns: the weighted nodes
(codes s, noise directions xi, weights) on which every expectation E[f(z)], z = R s + sigma L xi,
is evaluated, and the standard error those nodes carry.

Each part of the average is done as exactly as it can be:
* the active groups: every one of the C(M, K) supports, equally weighted (deterministic);
  one representative support under the permutation-symmetric reduction (exact there, see
  odedyn.groupsparse.theory); a fixed random sample when C(M, K) exceeds ``max_supports``;
* the amplitudes: one node when constant; otherwise a tensor Gauss-Legendre rule with
  ``amplitude_nodes`` points per active entry (default: the most whose tensor rule fits in
  ``max_amplitude_nodes``, at most ``MAX_POINTS``; deterministic quadrature; the integrand has
  kinks, so it converges algebraically: odedyn.groupsparse.accuracy estimates the error),
  replaced by a fixed random sample when the tensor rule would exceed ``max_amplitude_nodes``;
* the noise (sigma > 0 only): no elementary form exists for the group-sparse ReLU, so a fixed
  Monte Carlo sample of ``noise_draws`` antithetic pairs (+xi, -xi) per node.
The nodes carry a block label (``blocks`` independent replicas of the random parts): the
spread of the block means gives the Monte Carlo standard error (zero when all is deterministic).
"""
import itertools
import math
from dataclasses import dataclass

import numpy as np

BLOCKS = 8
MAX_POINTS = 64


def default_points(K, g, max_amplitude_nodes, representative=False):
    """The most Gauss-Legendre points per entry whose rule (see ``rule_size``) has at most
    ``max_amplitude_nodes`` nodes (at least 2, at most MAX_POINTS)."""
    n = 2
    while n < MAX_POINTS and rule_size(n + 1, K, g, representative) <= max_amplitude_nodes:
        n += 1
    return n


@dataclass
class Nodes:
    S: np.ndarray        # codes (N x p)
    xi: np.ndarray       # standard normal noise directions (N x p); zeros when sigma = 0
    w: np.ndarray        # weights (N), summing to one
    mask: np.ndarray     # active groups (N x M)
    block: np.ndarray    # replica label (N) for standard errors
    random_parts: tuple  # which parts are Monte Carlo: subset of ("supports", "amplitudes", "noise")
    amplitude_nodes: int = 1  # Gauss-Legendre points per active entry (1: constant amplitudes)

    @property
    def exact(self):
        return not self.random_parts

    def mean(self, values):
        """Weighted mean over nodes of per-node values (N x ...)."""
        return np.tensordot(self.w, values, axes=(0, 0))

    def standard_error(self, values):
        """Monte Carlo standard error of ``mean(values)`` from the spread over blocks."""
        if self.exact:
            return np.zeros(np.shape(values)[1:])
        means = [np.tensordot(self.w[b] / self.w[b].sum(), values[b], axes=(0, 0))
                 for b in (self.block == k for k in range(BLOCKS))]
        return np.std(means, axis=0, ddof=1) / math.sqrt(BLOCKS)


def supports(M, K, max_supports, rng, representative=False):
    """Active groups (S x K) and whether they are a random sample."""
    if representative:
        return np.arange(K)[None, :], False
    if math.comb(M, K) <= max_supports:
        return np.array(list(itertools.combinations(range(M), K)), dtype=int), False
    return np.argsort(rng.random((max_supports, M)), axis=1)[:, :K], True


def rule_size(points, K, g, representative):
    """Nodes of the amplitude rule: points^(K g), or under the permutation-symmetric reduction
    C(points + g - 1, g)^K (multisets inside each active group)."""
    return math.comb(points + g - 1, g) ** K if representative else points ** (K * g)


def amplitudes(lo, hi, K, g, amplitude_nodes, max_amplitude_nodes, rng, representative=False):
    """Amplitude nodes (A x K g) with weights (A), and whether they are a random sample.

    Under the permutation-symmetric reduction the projected gradients are invariant under
    permuting the entries inside an active group, so the tensor rule is summed over multisets
    of points per group, each weighted by its number of orderings (same sum, fewer nodes)."""
    dim = K * g
    if lo == hi:
        return np.full((1, dim), float(lo)), np.ones(1), False
    if rule_size(amplitude_nodes, K, g, representative) <= max_amplitude_nodes:
        x, wt = np.polynomial.legendre.leggauss(amplitude_nodes)
        x, wt = lo + (hi - lo) * (x + 1) / 2, wt / 2
        if not representative:
            grid = np.array(list(itertools.product(range(amplitude_nodes), repeat=dim)))
            return x[grid], np.prod(wt[grid], axis=1), False
        sets = np.array(list(itertools.combinations_with_replacement(range(amplitude_nodes), g)))
        orderings = np.array([math.factorial(g) / np.prod([math.factorial(c) for c in
                                                           np.unique(m, return_counts=True)[1]])
                              for m in sets])
        per_group = orderings * np.prod(wt[sets], axis=1)
        pick = np.array(list(itertools.product(range(len(sets)), repeat=K)))
        return (x[sets[pick].reshape(len(pick), dim)], np.prod(per_group[pick], axis=1), False)
    n = max_amplitude_nodes
    return lo + (hi - lo) * rng.random((n, dim)), np.full(n, 1.0 / n), True


def build(model, amplitude_nodes=None, noise_draws=16, max_supports=2000,
          max_amplitude_nodes=4096, seed=0, representative=False):
    """The nodes for ``model`` (an odedyn.groupsparse.GenerativeModel)."""
    rng = np.random.default_rng([seed, 6])
    K, g = model.active_groups, model.group_size
    if model.constant_amplitude:
        amplitude_nodes = 1
    elif amplitude_nodes is None:
        amplitude_nodes = default_points(K, g, max_amplitude_nodes, representative)
    sup, sup_random = supports(model.M, K, max_supports, rng, representative)
    amp, amp_w, amp_random = amplitudes(*model.amplitude_range, K, g, amplitude_nodes,
                                        max_amplitude_nodes, rng, representative)
    ns, na = len(sup), len(amp)
    S = model.codes(np.repeat(sup, na, axis=0), np.tile(amp, (ns, 1)).reshape(-1, K, g))
    w = np.tile(amp_w, ns) / ns
    mask = np.zeros((ns * na, model.M), dtype=bool)
    mask[np.arange(ns * na)[:, None], np.repeat(sup, na, axis=0)] = True
    random_parts = tuple(name for name, flag in (("supports", sup_random),
                                                  ("amplitudes", amp_random)) if flag)
    node = np.arange(ns * na)
    xi = np.zeros_like(S)
    draw = np.zeros(len(S), dtype=int)
    if model.noise > 0:
        half = rng.standard_normal((noise_draws, len(S), model.p))
        xi = np.concatenate([half, -half]).reshape(-1, model.p)
        reps = 2 * noise_draws
        S, w, mask = np.tile(S, (reps, 1)), np.tile(w, reps) / reps, np.tile(mask, (reps, 1))
        node, draw = np.tile(node, reps), np.repeat(np.tile(np.arange(noise_draws), 2), ns * na)
        random_parts += ("noise",)
    # independent replicas: by node when supports or amplitudes are sampled or the noise pairs
    # are fewer than the blocks (each node has its own noise draws), else by noise draw (an
    # antithetic pair stays in one replica)
    by_node = sup_random or amp_random or noise_draws < BLOCKS
    block = (node if by_node else draw) % BLOCKS
    return Nodes(S, xi, w, mask, block, random_parts, amplitude_nodes)
