"""Clustering scikit-learn's digits by the most active group of a tied group-sparse autoencoder
(M = 10 groups of g = 4, one per class; unit-norm rows; minibatch SGD on the training rows,
odedyn.groupsparse.realdata), on held-out rows: accuracy after Hungarian matching and adjusted
Rand index, mean and standard error over independent initial networks (or restarts), against a
plain ReLU autoencoder of the same width (same rule: most active group of 4 units), k-means,
a Gaussian mixture (diagonal covariances) and spectral clustering (nearest-neighbour graph).
Bottom: the learned templates, every column of W as an 8x8 image, one row per group, labelled
with the digit its group is matched to."""
import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import linear_sum_assignment

from odedyn.figures import figure_main
from odedyn_figures._group_sparse import DIGITS, LABELS, experiment
from odedyn.groupsparse.realdata import cluster_of, clustering_scores
from odedyn.plotting import COLORS, save

NAME = "group-sparse-digits"
DESCRIPTION = ("clustering digits by the active group: accuracy and ARI vs ReLU AE, k-means, "
               "GMM, spectral")
METHODS = ("group-sparse ReLU AE", "ReLU AE", "k-means", "Gaussian mixture", "spectral")
# thresholds with about the same number of active groups per held-out image (2.5 and 3.1 of 10;
# explored 0.1-1.0 and 0.1-0.5: the accuracy of both rises slowly with the threshold)
THRESHOLDS = {"group-sparse-relu": 0.7, "relu": 0.5}


def baselines(data, seed):
    """Labels of the held-out rows from the three standard clusterings, fitted with ``seed``."""
    from sklearn.cluster import KMeans, SpectralClustering
    from sklearn.mixture import GaussianMixture
    both = np.vstack([data.train, data.test])
    return {"k-means": KMeans(10, n_init=10, random_state=seed).fit(data.train).predict(data.test),
            "Gaussian mixture": GaussianMixture(10, covariance_type="diag", random_state=seed)
            .fit(data.train).predict(data.test),
            "spectral": SpectralClustering(10, affinity="nearest_neighbors", random_state=seed)
            .fit_predict(both)[len(data.train):]}


def make(out_dir, quick=False):
    starts = 5
    scores = {m: [] for m in METHODS}
    templates = None
    for seed in range(starts):
        for act, method in zip(LABELS, METHODS):
            lam = THRESHOLDS[act]
            exp = experiment(DIGITS, model={"activation": act, "threshold": lam},
                             init={"seed": seed},
                             training={"t_max": 50.0 if quick else 200.0})
            W = exp.simulate(seeds=1, progress=False)["W"][-1]
            labels = cluster_of(W, exp.model.test, exp.model.group_size, lam, exp.activation_code)
            scores[method].append(clustering_scores(labels, exp.model.test_labels))
            if seed == 0 and act == "group-sparse-relu":
                templates = (W, labels)
        for method, labels in baselines(exp.model, seed).items():
            scores[method].append(clustering_scores(labels, exp.model.test_labels))
    data = exp.model
    stats = {m: (np.mean(v, axis=0), np.std(v, axis=0, ddof=1) / np.sqrt(len(v)))
             for m, v in scores.items()}

    fig = plt.figure(figsize=(9.5, 6.4))
    ax = fig.add_axes([0.08, 0.58, 0.86, 0.36])
    x = np.arange(len(METHODS))
    bars = (("accuracy", COLORS[0]), ("adjusted Rand index", COLORS[1]))
    for k, (name, color) in enumerate(bars):
        ax.bar(x + (k - 0.5) * 0.38, [stats[m][0][k] for m in METHODS], 0.38,
               yerr=[stats[m][1][k] for m in METHODS], capsize=3, color=color, label=name)
    ax.set_xticks(x, METHODS, fontsize=8)
    ax.set_ylabel("held-out score")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, title="mean $\\pm$ s.e. over %d starts" % starts, title_fontsize=8)
    ax.set_title("(a) digits (%d train / %d held-out, unit-norm rows), 10 groups of %d, "
                 "thresholds %g (group-sparse), %g (ReLU)" % (len(data.train), len(data.test),
                                                             data.group_size,
                                                             *THRESHOLDS.values()),
                 fontsize=9, loc="left")
    # templates: rows = groups, matched to digits on the held-out rows
    W, labels = templates
    counts = np.zeros((10, 10))
    np.add.at(counts, (labels, data.test_labels), 1)
    groups, digits = linear_sum_assignment(-counts)
    g = data.group_size
    order = groups[np.argsort(digits)]
    grid = fig.add_gridspec(g, 10, left=0.08, right=0.94, bottom=0.04, top=0.44,
                            wspace=0.08, hspace=0.08)
    for j, G in enumerate(order):
        for i in range(g):
            tax = fig.add_subplot(grid[i, j])
            col = W[:, G * g + i].reshape(8, 8)
            v = np.abs(col).max()
            tax.imshow(col, cmap="RdBu_r", vmin=-v, vmax=v)
            tax.set_xticks([])
            tax.set_yticks([])
            for spine in tax.spines.values():
                spine.set_visible(False)
            if i == 0:
                tax.set_title("group %d: '%d'" % (G, digits[np.argsort(digits)][j]), fontsize=7)
    fig.text(0.08, 0.465, "(b) templates: the %d columns of each group of W (group-sparse ReLU, "
             "start 0; red > 0 > blue), groups matched to digits" % g, fontsize=9)
    numbers = {"accuracy": {m: [float(stats[m][0][0]), float(stats[m][1][0])] for m in METHODS},
               "ari": {m: [float(stats[m][0][1]), float(stats[m][1][1])] for m in METHODS},
               "starts": starts, "thresholds": THRESHOLDS, "t_max": exp.times[-1]}
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
