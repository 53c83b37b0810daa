"""Parameter recovery, quantified: the distance of W to the generating A at the end of the
gradient flow, for the group-sparse ReLU and the ReLU with bias at equal sparsity (the same data:
K active groups of M, the same threshold lambda), over independent starts (a fresh dictionary A
and initial network W0 per start, both activations from the same pair) and input sizes n.
Owns: running those flows (the setting of figures/_group_sparse.py, noiseless so that the theory is
a deterministic quadrature) and the mean and standard error over starts, with the paired
difference between the activations and its standard error.
"""
import numpy as np

from odedyn_figures._group_sparse import LABELS, experiment

ACTIVATIONS = tuple(LABELS)


def final_distances(n, seed, lam=0.3, K=1, t_max=30.0, delta=0.5, theory=None):
    """{activation: {"distance", "group_distance", and their numerical errors}} at t_max for
    one start (dictionary seed = init seed = ``seed``)."""
    out = {}
    for act in ACTIVATIONS:
        exp = experiment(model={"activation": act, "threshold": lam},
                         data={"n": n, "seed": seed, "noise": 0.0, "active_groups": K},
                         init={"distance": delta, "seed": seed},
                         training={"t_max": t_max}, output={"n_times": 3},
                         theory=dict(theory or {}))
        th = exp.integrate()
        out[act] = {k: float(th[k][-1]) for k in ("distance", "group_distance",
                                                   "distance_numerical_error",
                                                   "group_distance_numerical_error")}
    return out


def mean_sem(values):
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values)))


def table(sizes, seeds, **kwargs):
    """{n: {activation: {name: [mean, sem], name + "_numerical_error": largest over starts},
    "difference": {name: [mean, sem]}}} over ``seeds`` starts; difference = ReLU minus
    group-sparse ReLU, paired by start; name = distance, group_distance."""
    names = ("distance", "group_distance")
    rows = {}
    for n in sizes:
        runs = [final_distances(n, s, **kwargs) for s in seeds]
        row = {act: {name: mean_sem([r[act][name] for r in runs]) for name in names}
               for act in ACTIVATIONS}
        for act in ACTIVATIONS:
            row[act].update({name + "_numerical_error": max(r[act][name + "_numerical_error"]
                                                            for r in runs) for name in names})
        row["difference"] = {name: mean_sem([r["relu"][name] - r["group-sparse-relu"][name]
                                             for r in runs]) for name in names}
        rows[n] = row
    return rows
