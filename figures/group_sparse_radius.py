"""The radius of the neighbourhood of A the gradient flow converges to (seed 002), against the
threshold lambda: noiseless data, amplitudes on [0.1, 1.5], start at column distance 0.3.

Lines: the flow on the expected loss at t = T, for incoherent random dictionaries of growing n
(coherence ~ n^-1/2) with one active group, for two active groups, and the orthonormal limit
(the symmetric fixed point, odedyn.groupsparse.fixedpoint). The radius is the group distance
(matched groups, best rotation inside each group), which settles by t ~ 1e3; the column distance
keeps drifting along those rotations. Markers: minibatch SGD from the same start at t = T
(standard errors over seeds), next to the flow.

What it shows: the radius shrinks with the threshold and with the sparsity (fewer active
groups) down to a floor set by the dictionary's coherence; the floor shrinks as n grows, and
the radius approaches the orthonormal limit ~ 0.4 lambda.
"""
import matplotlib.pyplot as plt
import numpy as np

from odedyn.figures import figure_main
from odedyn.groupsparse import averages
from odedyn.groupsparse.activation import ACTIVATIONS
from odedyn.groupsparse.model import GenerativeModel, orthonormal_dictionary
from odedyn.groupsparse.fixedpoint import asymptotic_radius, symmetric_group_radius
from odedyn.groupsparse.theory import Flow
from odedyn_figures._group_sparse import BASE, experiment
from odedyn.plotting import COLORS, save, simulation_points, theory_line, title

NAME = "group-sparse-radius"
DESCRIPTION = "radius of the neighbourhood of A against threshold, sparsity and coherence"

AMPLITUDES = [0.1, 1.5]


def setting(lam, n, K, t_end, dynamics="gradient-flow", error_estimate=False, nodes=None,
            **extra):
    return experiment(model={"threshold": lam}, init={"distance": 0.3},
                      data={"n": n, "active_groups": K, "noise": 0.0,
                            "amplitude_range": AMPLITUDES},
                      training={"t_max": t_end},
                      theory={"amplitude_nodes": nodes or (4 if K == 1 else 3),
                              "dynamics": dynamics,
                              "error_estimate": error_estimate},
                      **extra)


def orthonormal_radius(lam, K):
    model = GenerativeModel(orthonormal_dictionary(16, 16), 2, K, AMPLITUDES)
    nodes = averages.build(model, representative=True, amplitude_nodes=4)
    return symmetric_group_radius(Flow(model, ACTIVATIONS["group-sparse-relu"], lam, nodes,
                                       symmetric=True))


def make(out_dir, quick=False):
    lambdas = [0.05, 0.1, 0.2, 0.3] if quick else [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5]
    t_end = 2000.0
    curves = [("n = 100, K = 1", 100, 1), ("n = 400, K = 1", 400, 1),
              ("n = 1600, K = 1", 1600, 1), ("n = 400, K = 2", 400, 2)]
    numbers = {"lambdas": lambdas, "t_end": t_end, "radius": {}, "drift": {}}
    fig, ax = plt.subplots(figsize=(6.2, 4.2))
    for i, (label, n, K) in enumerate(curves):
        lams = lambdas[1:] if K == 2 and quick else lambdas
        r, drift = np.array([asymptotic_radius(setting(lam, n, K, t_end), t_end)
                             for lam in lams]).T
        numbers["radius"][label], numbers["drift"][label] = r, drift
        theory_line(ax, lams, r, COLORS[i], "flow, " + label, marker=".")
    ortho = np.array([orthonormal_radius(lam, 1) for lam in lambdas])
    numbers["radius"]["orthonormal, K = 1"] = ortho
    theory_line(ax, lambdas, ortho, "k", "orthonormal A (symmetric fixed point), K = 1", ls="--")
    # SGD from the same start (batch 256, lr 0.1, t = lr x steps) at points that carry each
    # claim: threshold (n = 400, lambda 0.2 -> 0.3), sparsity (K = 2 at 0.2), coherence (n = 100
    # against n = 400 at 0.05; n = 100 runs to t = 2000, where its radius has settled). Held
    # against the theory of full-batch gradient descent with the same step (no O(lr) gap); the
    # theory's own error: its reported numerical error (odedyn.groupsparse.accuracy) at 8
    # amplitude nodes for K = 1, 4 for K = 2 (the change from 4 to 8, 2 to 4, uniform over the
    # trajectory; the integrand has kinks where a group's norm crosses lambda). Not at the 4
    # nodes of the lines: from 2 to 4 nodes the rule is not yet in its asymptotic regime and the
    # check under-reports (n = 400, lambda = 0.05: 3.1e-4 reported, 4 against 8 nodes differ
    # by 1.5e-3)
    points = [(1, 400, 1, 0.05, 400.0), (1, 400, 1, 0.2, 400.0), (1, 400, 1, 0.3, 400.0),
              (3, 400, 2, 0.2, 400.0), (0, 100, 1, 0.05, 2000.0)]
    if not quick:
        points.insert(1, (1, 400, 1, 0.1, 400.0))
    sgd = {k: [] for k in ("n", "K", "lambda", "t", "mean", "sem", "theory",
                           "theory_quadrature_error")}
    for color, n, K, lam, t in points:
        exp = setting(lam, n, K, t, "gradient-descent", error_estimate=True,
                      nodes=8 if K == 1 else 4, output={"times": [t]},
                      simulation={"test_samples": 1000})
        sim = exp.simulate(seeds=4, progress=False)
        th = exp.integrate(sim.t)
        for key, value in (("n", n), ("K", K), ("lambda", lam), ("t", t),
                           ("mean", sim["group_distance"][-1]),
                           ("sem", sim["group_distance_sem"][-1]),
                           ("theory", th["group_distance"][-1]),
                           ("theory_quadrature_error", th["group_distance_numerical_error"][-1])):
            sgd[key].append(value)
        simulation_points(ax, [lam], [sgd["mean"][-1]], [sgd["sem"][-1]], COLORS[color],
                          "SGD (4 seeds, t = 400; n = 100: t = 2000)" if not ax.containers
                          else None)
    numbers["sgd"] = sgd
    ax.set_xlabel(r"threshold $\lambda$")
    ax.set_ylabel(r"radius: group distance $\min_O |W_G O - A_G| / \sqrt{g}$")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7)
    title(fig, "Where the flow ends: 8 groups of 2, noiseless, t = %g" % t_end,
          activation="group-sparse ReLU", lr=BASE["training"]["lr"],
          batch=BASE["training"]["batch"])
    fig.tight_layout()
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
