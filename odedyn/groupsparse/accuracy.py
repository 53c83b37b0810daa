"""The theory's numerical error. Owns: the check that accompanies a theory curve (a coarser
rule and independent replicas of the random parts, integrated alongside) and the error curves
it reports, ``NAME_numerical_error`` for every observable NAME.

The theory averages over the nodes of odedyn.groupsparse.averages: a Gauss-Legendre rule with N
points per active amplitude and, with noise, a Monte Carlo sample of antithetic pairs per node
(also a sample of supports or amplitudes when they are too many to enumerate). Two errors:

* quadrature. The integrand of the drift jumps where a group norm crosses lambda (and where a
  unit crosses 0 or lambda), so the rule converges algebraically (faster with noise, which
  smooths the jump). With y_N the N-point trajectory and e_N = y_N - y_exact,
  |y_N - y_N'| >= |e_N| for N' = ceil(N / 2) whenever the two errors have opposite signs or the
  error at least halves from N' to N (convergence of order >= 1); measured on the example
  configs it falls 8-10x per doubling. With very few points the rule is not yet in that
  regime and the bound can fail: noiseless, 4 points checked against 2 reported 3.1e-4 where
  4 and 8 points differ by 1.5e-3 (n = 400, lambda = 0.05, t = 400; figures/group_sparse_radius.py).
  Use 8 points or more (the defaults give 24 for one active group of 2).
* sample. ``REPLICAS`` replicas of the coarse rule, each with its own random parts, are
  integrated separately; the spread of their trajectories, scaled by
  sqrt(nodes per replica / nodes of the main rule), is the standard error of the main
  trajectory's sample. (With nothing random, one replica, and this term is zero.)

Reported: numerical_error(t) = max_s |y_N(s) - mean_r y_r(s)| + 4 SE(t), the quadrature part
uniform over the trajectory. Pointwise in time the bound fails: the trajectories cross, and
without noise the integrand jumps, so the N-point error need not halve from N / 2 at a given
time (measured: early times of the noiseless ReLU, 8 points, error 1.7e-5 against a difference
of 3e-6, while the largest difference over the trajectory is 7e-4). The factor 4 covers the
t-quantile with 7 degrees of freedom at 99.5% (3.5) and the sample error in the difference.
The ODE solver's own error (relative tolerance theory.rtol, 1e-5 by default) is not included.

With ``theory.tolerance`` the rule is refined until the reported error of the loss and both
distances is within it (``check``).
"""
import math

import numpy as np

from . import averages

REPLICAS = 8
SAMPLE_FACTOR = 4.0
OBSERVABLES = ("loss", "distance", "group_distance", "support_accuracy", "cluster_accuracy")
TOLERANCE_NAMES = ("loss", "distance", "group_distance")
MAX_PAIRS = 256


def coarse_options(options, points, replica):
    """Node options of one replica of the check: half the amplitude points (``points``: those
    of the main rule) and noise pairs, half the sample sizes, an independent seed."""
    out = dict(options)
    out["amplitude_nodes"] = max(1, math.ceil(points / 2))
    out["noise_draws"] = max(1, math.ceil(options.get("noise_draws", 16) / 2))
    out["max_supports"] = max(averages.BLOCKS, options.get("max_supports", 2000) // 2)
    out["max_amplitude_nodes"] = max(averages.BLOCKS, options.get("max_amplitude_nodes", 4096) // 2)
    out["seed"] = int(options.get("seed", 0)) * 1009 + 17 + replica
    return out


def check(make_flow, options, run, tolerance=None):
    """The main Trajectory with its numerical error: (trajectory, error curves, meta to merge).

    make_flow(node_options) -> Flow; run(flow) -> Trajectory (the same times and solver as
    the main curve); options: the main node options. With a ``tolerance``, the rule is refined
    until the reported error of the loss and both distances is within it: the amplitude points
    double while the quadrature part dominates, else the noise pairs double; it stops (meta
    ``tolerance_met`` false) when the rule would exceed max_amplitude_nodes or MAX_PAIRS."""
    options = dict(options)
    while True:
        traj, curves, meta, parts, main = _check_once(make_flow, options, run)
        if tolerance is None:
            return traj, curves, meta
        worst = {k: v for k, v in parts.items() if k in TOLERANCE_NAMES}
        meta["tolerance"] = tolerance
        meta["tolerance_met"] = all(q + smp <= tolerance for q, smp in worst.values())
        meta["noise_draws"] = options.get("noise_draws")
        if meta["tolerance_met"]:
            return traj, curves, meta
        quadrature = max(q for q, _ in worst.values())
        sample = max(smp for _, smp in worst.values())
        if quadrature >= sample:
            points = 2 * main.nodes.amplitude_nodes
            nodes = averages.rule_size(points, main.model.active_groups, main.g, main.symmetric)
            if main.nodes.amplitude_nodes == 1 or nodes > options.get("max_amplitude_nodes",
                                                                        4096):
                return traj, curves, meta
            options["amplitude_nodes"] = points
        else:
            if 2 * options.get("noise_draws", 16) > MAX_PAIRS:
                return traj, curves, meta
            options["noise_draws"] = 2 * options.get("noise_draws", 16)


def _check_once(make_flow, options, run):
    main = make_flow(options)
    traj = run(main)
    traj.meta["diagnostics"]["amplitude_nodes"] = main.nodes.amplitude_nodes
    replicas = 1 if main.nodes.exact else REPLICAS
    checks = []
    points = main.nodes.amplitude_nodes
    for r in range(replicas):
        flow = make_flow(coarse_options(options, points, r))
        flow.locate = main.locate   # integrated as the main rule is (switches located or not)
        checks.append((run(flow), len(flow.nodes.w)))
    names = [k for k in OBSERVABLES if k in traj.curves]
    scale = math.sqrt(np.mean([n for _, n in checks]) / len(main.nodes.w))
    curves, summary, parts = {}, {}, {}
    for name in names:
        values = np.array([c[name] for c, _ in checks])
        sample = (values.std(axis=0, ddof=1) * scale if replicas > 1
                  else np.zeros_like(traj[name]))
        gap = np.max(np.abs(traj[name] - values.mean(axis=0)))
        curves[name + "_numerical_error"] = gap + SAMPLE_FACTOR * sample
        summary[name] = float(np.max(curves[name + "_numerical_error"]))
        parts[name] = (float(gap), float(SAMPLE_FACTOR * np.max(sample)))
    meta = {"numerical_error_by_curve": summary,
            "check": {"replicas": replicas, "nodes": [n for _, n in checks],
                      "amplitude_nodes": max(1, math.ceil(points / 2))}}
    return traj, curves, meta, parts, main
