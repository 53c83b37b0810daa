"""Where gradient descent ends on sparse data, across sizes and rates. Owns: the scan of the
trained encoder's shape against the fraction p of non-zero entries of sparse Rademacher data
(x_i in {0, +-1/sqrt p}), at a given d and rate r, and the critical p where the mean identity
overlap crosses the midpoint between a Haar encoder's and the identity's (1).

What the transition is. At r = 1 with sign(0) = 0 the identity B = I with A = I / sqrt(p)
reconstructs this ternary data exactly (risk 0) at every p, so it is the global minimiser
everywhere: the transition is not one of the minimiser but of where stochastic gradient descent
from a random network ends (a rotation-like encoder below p_c, a noisy identity-like one above,
whose identity overlap stays near 0.9 with off-diagonal Gram entries up to ~0.4). Training:
simulate.train_on_samples (surrogate gradient, fresh minibatches), the settings of figure
sign-phase-transition.
"""
import numpy as np

from .denoiser import haar_rows
from .model import SignAutoencoder, observables
from .simulate import train_on_samples
from .sources import Source

KEYS = ("identity_overlap", "gram_offdiag_max", "rotation_defect", "risk")


def crossing(ps, values, level):
    """First p where ``values`` (increasing through ``level``) crosses it, linearly interpolated."""
    for i in range(1, len(ps)):
        if values[i - 1] < level <= values[i]:
            return ps[i - 1] + (level - values[i - 1]) * (ps[i] - ps[i - 1]) / (values[i] - values[i - 1])
    return float("nan")


def crossing_se(ps, values, ses, level):
    """Standard error of ``crossing``: the standard error of the values at the crossing
    (interpolated) over the slope of the bracketing segment (nan without a crossing)."""
    for i in range(1, len(ps)):
        if values[i - 1] < level <= values[i]:
            w = (level - values[i - 1]) / (values[i] - values[i - 1])
            se = np.hypot((1 - w) * ses[i - 1], w * ses[i])
            return se * (ps[i] - ps[i - 1]) / (values[i] - values[i - 1])
    return float("nan")


def rotation_overlap(n, d, encoders=20):
    """Mean identity overlap of n rows of a Haar rotation (the rotation-like reference)."""
    return float(np.mean([observables(np.eye(d)[:, :n], haar_rows(n, d, s))["identity_overlap"]
                          for s in range(encoders)]))


def scan(d, r, ps, seeds=3, t_max=40.0, eta=0.05, batch=200, width=0.1):
    """Train from ``seeds`` random networks at every p; the mean and standard error over seeds
    of the end's KEYS, the identity's risk, and the critical p of the mean identity overlap
    (with the standard error that the overlaps' standard errors give it)."""
    n = max(1, int(round(r * d)))
    rows = []
    for p in ps:
        source = Source.sparse_rademacher(float(p))
        model = SignAutoencoder(d, n, source)
        ends = []
        for s in range(seeds):
            rec = train_on_samples(*model.random_network(seed=s), source, [t_max], eta, batch,
                                   width, seed=s, test_samples=5000)
            ends.append([rec[k][-1] for k in KEYS])
        ends = np.array(ends)
        row = {"p": float(p), "identity_risk": source.identity_risk(n / d)}
        for k, key in enumerate(KEYS):
            row[key], row[key + "_se"] = ends[:, k].mean(), ends[:, k].std(ddof=1) / np.sqrt(seeds)
        rows.append(row)
    reference = rotation_overlap(n, d)
    midpoint = (reference + 1) / 2
    ps, ov = np.asarray(ps, float), [row["identity_overlap"] for row in rows]
    return {"d": d, "r": n / d, "rows": rows, "rotation_overlap": reference, "midpoint": midpoint,
            "p_critical": crossing(ps, ov, midpoint),
            "p_critical_se": crossing_se(ps, ov, [row["identity_overlap_se"] for row in rows], midpoint)}
