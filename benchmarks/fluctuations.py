"""Cost of the finite-size band: prints a table.

    python benchmarks/fluctuations.py [--quick]

For each case, the plain theory curve (Experiment.integrate) and the curve with its finite-size
band (the family's ``fluctuations``: m, S and mu integrated together) at the same output times,
in the same run: CPU seconds of this process (best of 3; the machine is shared, so wall time
would measure the neighbours) and their ratio (the target is 20). Cases: committee erf K = M = 2
and K = M = 4 (both layers trained, eta = 1, D = 1000, to t = 100), and the erf autoencoder
K = 2 on the spiked spectrum of examples/erf_spiked.toml (when its expansion is available).
"""
import argparse
import time

from odedyn.committee import configure as committee


def cpu(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def cases(quick):
    t_max = 20.0 if quick else 100.0
    out = []
    for K in (2, 4):
        exp = committee(model={"K": K}, teacher={"M": K}, data={"D": 1000},
                        training={"t_max": t_max}, init={"std": 0.3, "v_std": 0.5, "seed": 1},
                        output={"n_times": 30})
        from odedyn.committee.fluctuations import fluctuations
        out.append(("committee erf K = M = %d" % K, exp, fluctuations))
    try:
        from odedyn.autoencoder.fluctuations import fluctuations as ae_fluct
        from odedyn.autoencoder.experiment import configure as autoencoder
        exp = autoencoder(training={"t_max": 10.0 if quick else 40.0}, output={"n_times": 30})
        out.append(("autoencoder erf K = 2 spiked", exp, ae_fluct))
    except ImportError:
        pass
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter curves, one repetition")
    args = ap.parse_args()
    repeat = 1 if args.quick else 3
    print("%-32s %10s %14s %8s %8s" % ("case", "plain [s]", "with band [s]", "ratio", "evals"))
    for name, exp, fluct in cases(args.quick):
        exp.integrate()          # compile / load the caches outside the timing
        fluct(exp, exp.times[:3])
        plain = cpu(exp.integrate, repeat)
        res = {}

        def both():
            exp.integrate()
            res["fl"] = fluct(exp)
        band = cpu(both, repeat)
        print("%-32s %10.3f %14.3f %8.1f %8d" % (name, plain, band, band / plain,
                                                 res["fl"]["meta"]["evaluations"]))


if __name__ == "__main__":
    main()
