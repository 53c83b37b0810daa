"""Accuracy of the finite-size band against SGD (not a speed benchmark): prints tables.

    python benchmarks/fluctuations_accuracy.py [--seeds 64] [--case committee|autoencoder|all]

For each case and D, at a few output times: the theory's error, the predicted std x sqrt(D)
against the measured one over the seeds (with the sampling error of a standard deviation,
sd / sqrt(2 (n - 1))), the predicted bias x D against the measured mean deviation from the
theory x D (with its standard error), and whether the expansion is marked valid there. Cases:
committee erf K = M = 2, eta = 1, second layer fixed (v = 1) and trained, D = 500 and 1000, to
t = 150 (the plateau and its escape); the erf autoencoder K = 2 of examples/erf_spiked.toml at
D = 500 and 1000.
"""
import argparse
from dataclasses import replace

import numpy as np

from odedyn.autoencoder.experiment import configure as autoencoder
from odedyn.committee import configure as committee


def committee_case(trained, D):
    init = {"std": 0.3, "seed": 1, "teacher_seed": 0}
    init.update({"v_std": 0.5} if trained else {"v_init": 1.0})
    return committee(model={"K": 2, "activation": "erf", "train_second_layer": trained},
                     teacher={"M": 2}, data={"D": D}, training={"lr": 1.0, "t_max": 150.0},
                     init=init, output={"n_times": 1, "t_first": 1.0,
                                        "times": [3.0, 10.0, 30.0, 60.0, 90.0, 120.0, 150.0]})


def autoencoder_case(D):
    return autoencoder(data={"D": D}, training={"t_max": 40.0},
                       output={"n_times": 1, "t_first": 0.5,
                               "times": [2.0, 4.0, 8.0, 15.0, 25.0, 40.0]})


def table(name, exp, fluct, seeds):
    exp = replace(exp, times=exp.snap_times(exp.times))
    th, fl = exp.integrate(), fluct(exp)
    sim = exp.simulate(seeds=seeds, progress=False)
    D, s = exp.D, sim["error_seeds"]
    n = s.shape[0]
    sd, dev = s.std(0, ddof=1), s.mean(0) - th["error"]
    print("\n%s, D = %d, %d runs (fluctuations: %d evaluations, %.1f s)"
          % (name, D, n, fl["meta"]["evaluations"], fl["meta"]["fluctuations_s"]))
    print("%8s %9s | %9s %16s | %9s %16s | %s" % ("t", "error", "std*vD", "measured",
                                                  "bias*D", "measured", "valid"))
    for i, t in enumerate(exp.times):
        if t == 0:
            continue
        print("%8.2f %9.5f | %9.4f %8.4f +- %5.4f | %9.4f %8.4f +- %5.4f | %s" % (
            t, th["error"][i], fl["error_std"][i] * np.sqrt(D), sd[i] * np.sqrt(D),
            sd[i] * np.sqrt(D) / np.sqrt(2 * (n - 1)), fl["error_bias"][i] * D, dev[i] * D,
            sd[i] / np.sqrt(n) * D, "yes" if fl["valid"][i] else "NO"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=64)
    ap.add_argument("--case", choices=("committee", "autoencoder", "all"), default="all")
    args = ap.parse_args()
    if args.case in ("committee", "all"):
        from odedyn.committee.fluctuations import fluctuations
        for trained in (False, True):
            for D in (500, 1000):
                table("committee erf K = M = 2, %s second layer"
                      % ("trained" if trained else "fixed"), committee_case(trained, D),
                      fluctuations, args.seeds)
    if args.case in ("autoencoder", "all"):
        from odedyn.autoencoder.fluctuations import fluctuations
        for D in (500, 1000):
            table("autoencoder erf K = 2, examples/erf_spiked.toml", autoencoder_case(D),
                  fluctuations, args.seeds)


if __name__ == "__main__":
    main()
