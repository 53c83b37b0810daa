"""Group-sparse autoencoder (seed 002): where the gradient flow on the expected loss ends.

* The asymptotic radius: the fixed point of the symmetric flow (orthonormal A, sigma = 0,
  odedyn.groupsparse.fixedpoint) is at column distance ~ 0.35 lambda from A: it shrinks to zero
  with the threshold; the full (non-symmetric) flow from a generic start converges to it.
  Quadrature convergence: 3 and 6 Gauss-Legendre points agree to < 1e-4.
* The neighbourhood of starts (incoherent random A, n = 100, M = 8, g = 2, K = 1, lambda = 0.3,
  W0 = A + delta U, U random unit columns in R^n): starts with delta <= 0.9 approach A; with
  delta = 2 the flow ends farther from A than it began and recovers no support.
"""
import numpy as np
import pytest

from odedyn.groupsparse import averages
from odedyn.groupsparse.model import GenerativeModel, orthonormal_dictionary
from odedyn.groupsparse.fixedpoint import symmetric_fixed_point, symmetric_group_radius
from odedyn.groupsparse.theory import Flow
from odedyn_figures._group_sparse import experiment

LAMBDAS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.4)


def symmetric_flow(K, lam, nodes=3):
    model = GenerativeModel(orthonormal_dictionary(20, 16, 0), 2, K, (0.5, 1.5), 0.0)
    nd = averages.build(model, amplitude_nodes=nodes, max_amplitude_nodes=10 ** 6,
                        representative=True)
    return Flow(model, 0, lam, nd, symmetric=True)


@pytest.mark.parametrize("K", [1, 2])
def test_fixed_point_radius_shrinks_with_the_threshold(K):
    radii = []
    for lam in LAMBDAS:
        coef, _, r = symmetric_fixed_point(symmetric_flow(K, lam))
        _, _, r6 = symmetric_fixed_point(symmetric_flow(K, lam, nodes=6), start=coef)
        assert abs(r - r6) < 1e-4          # quadrature converged
        radii.append(r)
    radii = np.array(radii)
    assert np.all(np.diff(radii) > 0)      # monotone in lambda
    assert np.all(np.abs(radii / np.array(LAMBDAS) - 0.35) < 0.02)   # ~ 0.35 lambda -> 0


@pytest.mark.parametrize("K,lam", [(1, 0.3), (2, 0.1)])
def test_full_flow_converges_to_the_symmetric_fixed_point(K, lam):
    """Generic start at column distance 0.3 (orthonormal A, n = 100): by t = 400 the column
    lengths equal the fixed point's a* to 1e-3, the group distance (blind to rotations inside a
    group) equals the fixed point's to 1e-3, and the column distance is within 0.01 of the
    fixed-point radius (what remains is a slowly decaying rotation inside each group)."""
    flow = symmetric_flow(K, lam)
    coef, _, radius = symmetric_fixed_point(flow)
    exp = experiment(model={"threshold": lam}, init={"distance": 0.3},
                     data={"active_groups": K, "noise": 0.0, "amplitude_range": [0.5, 1.5],
                           "dictionary": "orthonormal"},
                     training={"t_max": 400.0}, output={"n_times": 2},
                     theory={"amplitude_nodes": 3})
    tr = exp.integrate(np.array([0.0, 200.0, 400.0]))
    assert abs(np.sqrt(np.diag(tr["Q"][-1])).mean() - coef[0]) < 1e-3
    assert abs(tr["group_distance"][-1] - symmetric_group_radius(flow, start=coef)) < 1e-3
    d = tr["distance"]
    assert d[2] <= d[1] and 0 <= d[2] - radius < 0.01


def run_from(delta, seed):
    exp = experiment(model={"threshold": 0.3}, init={"distance": delta, "seed": seed},
                     data={"active_groups": 1, "noise": 0.0, "amplitude_range": [0.5, 1.5]},
                     training={"t_max": 150.0}, output={"n_times": 2},
                     theory={"amplitude_nodes": 3})
    return exp.integrate(np.array([0.0, 150.0]))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_neighbourhood_of_starts(seed):
    near, far = run_from(0.9, seed), run_from(2.0, seed)
    assert near["distance"][-1] < 0.3 and near["support_accuracy"][-1] > 0.6
    assert far["distance"][-1] > 1.0 and far["support_accuracy"][-1] < 0.05
