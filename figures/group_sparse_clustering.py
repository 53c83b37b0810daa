"""Clustering by the active group: inputs from the clustering model (one active group per
sample; M = 16 groups of 2) are assigned to the group with the largest |h_G| of the trained group-sparse
autoencoder, against k-means on the raw inputs (scipy kmeans2, k-means++, best of 10),
accuracy on fresh samples against the noise level (seed 002). Line: the network the gradient
flow ends at (its accuracy averaged over the theory's nodes); markers: SGD networks and k-means
over independent data sets, with standard errors."""
import matplotlib.pyplot as plt
import numpy as np

from odedyn.figures import figure_main
from odedyn.groupsparse.clustering import autoencoder_accuracy, kmeans_accuracy
from odedyn_figures._group_sparse import experiment
from odedyn.plotting import COLORS, save, simulation_points, title

NAME = "group-sparse-clustering"
DESCRIPTION = "clustering accuracy of the active group vs k-means, against the noise"


def make(out_dir, quick=False):
    noises = (0.1,) if quick else (0.05, 0.1, 0.2, 0.3, 0.4)
    repeats = 4 if quick else 6
    rows = {"theory": [], "sgd": [], "sgd_sem": [], "kmeans": [], "kmeans_sem": []}
    for sigma in noises:
        exp = experiment(data={"noise": sigma, "groups": 16}, model={"threshold": 0.3},
                         training={"t_max": 5.0 if quick else 30.0}, output={"n_times": 3},
                         simulation={"test_samples": 500}, theory={"amplitude_nodes": 6})
        sim = exp.simulate(seeds=repeats, progress=False)
        rows["theory"].append(exp.integrate(sim.t[[0, -1]])["cluster_accuracy"][-1])
        ae, km = [], []
        for r in range(repeats):
            X, _, mask = exp.model.sample(np.random.default_rng([11, r]), 1000 if quick else 2000)
            truth = mask.argmax(axis=1)
            ae.append(autoencoder_accuracy(sim["W_seeds"][r][-1], exp.model, exp.activation_code,
                                           exp.threshold, X, truth))
            km.append(kmeans_accuracy(X, truth, exp.model.M, seed=r, restarts=10))
        for name, vals in (("sgd", ae), ("kmeans", km)):
            rows[name].append(np.mean(vals))
            rows[name + "_sem"].append(np.std(vals, ddof=1) / np.sqrt(repeats))
    fig, ax = plt.subplots(figsize=(5.0, 3.6))
    ax.plot(noises, rows["theory"], "-", marker="_", ms=14, color=COLORS[0],
            label="theory (gradient flow)")
    simulation_points(ax, noises, rows["sgd"], rows["sgd_sem"], COLORS[0],
                      "group-sparse autoencoder (SGD)", ms=5)
    simulation_points(ax, noises, rows["kmeans"], rows["kmeans_sem"], COLORS[3], "k-means on x",
                      ms=5, fmt="s")
    ax.set_xlabel(r"noise $\sigma$")
    ax.set_ylabel("clustering accuracy (fresh samples)")
    ax.legend(fontsize=7)
    title(fig, "Clustering by the active group, 16 groups of 2", n=exp.D,
          activation="group-sparse ReLU", threshold=0.3, lr=exp.lr)
    fig.tight_layout()
    return dict(rows, noise=list(noises), files=save(fig, out_dir, NAME))


if __name__ == "__main__":
    figure_main(make)
