"""Every reported value is as accurate as the solver's tolerance says: each family's theory at
random output times, with its default solver, against a run at a much tighter tolerance, on a
case with a plateau or a slow phase (long steps, where an interpolant would be off by far more
than the tolerance: the committee plateau below was off by 1.5e-5 relative under scipy's dense
output at rtol 1e-9). The bound, 10 (atol + rtol max|y|) per curve entry, allows for the global
error of a few hundred steps; a value from an interpolant misses it by orders of magnitude, and
so does a step across a jump of the right-hand side (the group-sparse flow's, where a group's
shrinkage switches: 46 tolerances with RK45 stepping across, 0.4 from switch to switch,
odedyn.integrate.Switching).
Checked: the error and the order parameters, or, where the state is the weights, the weights
themselves (curves that count points, such as a measure of an exceptional set or a fraction of
supports recovered, jump with an arbitrarily small change of the state: no tolerance bounds
them)."""
import dataclasses

import numpy as np
import pytest

from odedyn import families
from odedyn.config import derive

#: kind -> (CONFIG, how much tighter the reference is, how many random output times)
CASES = {
    # the symmetric plateau of erf K = M = 2 with a fixed second layer (issue 23's case)
    "committee": ({"model": {"kind": "committee", "K": 2, "train_second_layer": False},
                   "teacher": {"M": 2}, "data": {"D": 1000}, "training": {"t_max": 300.0},
                   "init": {"std": 0.1, "seed": 0}}, 1e-4, 200),
    # sequential learning of two spikes, with its plateau between them
    "autoencoder": ({"model": {"kind": "autoencoder", "K": 2},
                     "data": {"D": 1000, "spikes": [0.7, 0.25], "bulk": 0.03},
                     "training": {"t_max": 40.0}, "init": {"std": 0.3, "seed": 0}}, 1e-4, 200),
    "sign-autoencoder": ({"model": {"kind": "sign-autoencoder", "d": 16, "r": 0.5},
                          "training": {"t_max": 40.0}, "init": {"seed": 0}}, 1e-3, 60),
    "group-sparse-autoencoder": ({"model": {"kind": "group-sparse-autoencoder",
                                            "threshold": 0.2},
                                  "data": {"n": 40, "groups": 4, "group_size": 2,
                                           "active_groups": 1},
                                  "training": {"t_max": 30.0}, "init": {"distance": 0.3},
                                  "theory": {"amplitude_nodes": 4, "error_estimate": False}},
                                 1e-2, 40),
    "deep-autoencoder": ({"model": {"kind": "deep-autoencoder", "encoder": [8], "bottleneck": 1},
                          "data": {"manifold": "circle", "train": 32, "test": 128},
                          "training": {"t_max": 20.0}}, 1e-3, 40),
}


def test_every_kind_has_a_case():
    assert set(CASES) >= set(families.kinds()) - {"oja"}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(CASES))
def test_values_at_random_output_times_meet_the_tolerance(kind):
    cfg, tighter, n = CASES[kind]
    exp = derive(cfg)
    t_max = float(exp.times[-1])
    times = np.sort(np.concatenate([[0.0], np.random.default_rng(7).uniform(0, t_max, n)]))
    solver = exp.solver
    got = exp.integrate(times, progress=False)
    exp.solver = dataclasses.replace(solver, rtol=solver.rtol * tighter,
                                     atol=solver.atol * tighter)
    ref = exp.integrate(times, progress=False)
    curves = {name: (got[name], ref[name])
              for name in (exp.error_name,) + tuple(exp.order_parameter_names)}
    curves |= {name: (got.arrays[name], ref.arrays[name])
               for name in got.arrays if name.endswith("_at_times")}
    for name, (a, b) in curves.items():
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        scale = solver.atol + solver.rtol * np.max(np.abs(b), axis=0)
        worst = float(np.max(np.abs(a - b) / scale))
        assert worst <= 10.0, "%s: %s off by %.3g tolerances" % (kind, name, worst)
