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
  configs it falls 8-10x per doubling.
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
"""
import math

import numpy as np

from . import averages

REPLICAS = 8
SAMPLE_FACTOR = 4.0
OBSERVABLES = ("loss", "distance", "group_distance", "support_accuracy", "cluster_accuracy")


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


def check(make_flow, options, run):
    """Attach the numerical error to a theory Trajectory.

    make_flow(node_options) -> Flow; run(flow) -> Trajectory (the same times and solver as
    the main curve); options: the main node options. Returns (the main Trajectory, the error
    curves and the meta to merge into it)."""
    main = make_flow(options)
    traj = run(main)
    replicas = 1 if main.nodes.exact else REPLICAS
    checks = []
    points = main.nodes.amplitude_nodes
    for r in range(replicas):
        flow = make_flow(coarse_options(options, points, r))
        checks.append((run(flow), len(flow.nodes.w)))
    names = [k for k in OBSERVABLES if k in traj.curves]
    scale = math.sqrt(np.mean([n for _, n in checks]) / len(main.nodes.w))
    curves, summary = {}, {}
    for name in names:
        values = np.array([c[name] for c, _ in checks])
        sample = (values.std(axis=0, ddof=1) * scale if replicas > 1
                  else np.zeros_like(traj[name]))
        gap = np.max(np.abs(traj[name] - values.mean(axis=0)))
        curves[name + "_numerical_error"] = gap + SAMPLE_FACTOR * sample
        summary[name] = float(np.max(curves[name + "_numerical_error"]))
    meta = {"numerical_error": summary,
            "check": {"replicas": replicas, "nodes": [n for _, n in checks],
                      "amplitude_nodes": max(1, math.ceil(points / 2))}}
    return traj, curves, meta
