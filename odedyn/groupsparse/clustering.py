"""Clustering by the active group (the clustering variant, one active group per sample).
Owns: the accuracy of a labelling against the generating groups after the best matching of
label names (Hungarian), and the k-means baseline (scipy.cluster.vq.kmeans2, k-means++ starts,
best of several restarts by distortion).
"""
import numpy as np
from scipy.optimize import linear_sum_assignment

from .activation import activate
from .theory import cluster_labels


def matched_accuracy(labels, truth, k):
    """Fraction of agreement after renaming the labels by the best one-to-one matching."""
    counts = np.zeros((k, k))
    np.add.at(counts, (labels, truth), 1)
    rows, cols = linear_sum_assignment(-counts)
    return counts[rows, cols].sum() / len(truth)


def autoencoder_accuracy(W, model, kind, lam, X, truth):
    """Accuracy of the active group of h(W^T x) as the cluster of x (labels are the groups
    themselves: no renaming)."""
    Z = X @ W
    H = activate(Z, model.group_size, lam, kind)
    return float(np.mean(cluster_labels(Z, H, model.group_size) == truth))


def kmeans_accuracy(X, truth, k, seed=0, restarts=5):
    """k-means on the raw inputs, best of ``restarts`` by distortion, matched accuracy."""
    from scipy.cluster.vq import kmeans2   # here: scipy.cluster costs a theory run's start-up
    best = None
    for r in range(restarts):
        centroids, labels = kmeans2(X, k, minit="++", seed=np.random.default_rng([seed, r]))
        distortion = np.sum((X - centroids[labels]) ** 2)
        if best is None or distortion < best[0]:
            best = (distortion, labels)
    return matched_accuracy(best[1], truth, k)
