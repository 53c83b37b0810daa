"""The ``odedyn`` command line (contract: ../shared/design/interface.md).

    odedyn integrate CONFIG [--json] [--out FILE.npz]
    odedyn simulate  CONFIG [--seeds N] [--D N] [--json] [--out FILE.npz]
    odedyn compare   CONFIG [--seeds N] [--D N] [--out DIR] [--json]
    odedyn figure    NAME [--out DIR] [--quick] [--json]   |   odedyn figure --list

Owns: argument parsing, the JSON and file outputs, and exit codes (0 success, 2 bad input with
a one-line message naming the key, 1 numerical trouble). Nothing is written on failure.
"""
import argparse
import json
import os
import sys
import time

from .errors import ConfigError, NumericalError


def _process_age():
    """Seconds since this process started (Linux /proc), else since odedyn was imported."""
    try:
        with open("/proc/self/stat") as fh:
            start_ticks = float(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        from . import IMPORT_TIME
        return time.perf_counter() - IMPORT_TIME


def _curves_json(traj, exp, sem=False):
    """t, the error curve and the headline curves at the top level, the order parameters
    under "order_parameters" (with "_sem" twins for simulations)."""
    top = (exp.error_name,) + tuple(exp.headline_names)
    names = exp.order_parameter_names
    out = {"t": traj.t} | {n: traj[n] for n in top if n in traj.curves}
    out["order_parameters"] = {n: traj[n] for n in names if n in traj.curves}
    if sem:
        out |= {n + "_sem": traj[n + "_sem"] for n in top if n + "_sem" in traj.curves}
        out["order_parameters_sem"] = {n: traj[n + "_sem"] for n in names
                                       if n + "_sem" in traj.curves}
    return out


def _arrays(traj, prefix=""):
    return {prefix + k: v for k, v in (traj.curves | traj.arrays).items()
            if not k.endswith("_seeds")} | {prefix + "t": traj.t}


def _emit(obj):
    from .results import to_jsonable
    json.dump(to_jsonable(obj), sys.stdout)
    sys.stdout.write("\n")


def cmd_integrate(args):
    from .config import experiment
    from .results import provenance, save
    exp = experiment(args.config)
    exp.prepare()
    startup = _process_age()
    traj = exp.integrate()
    timing = {"integrate_s": traj.meta["integrate_s"], "startup_s": startup}
    summary = {k: traj.meta[k] for k in ("rhs_evaluations", "groups", "binning_error")
               if traj.meta.get(k) is not None}
    if args.out:
        save(args.out, _arrays(traj) | exp.saved_arrays(),
             provenance(exp.config) | {"timing": timing, "summary": summary})
    if args.json:
        _emit(_curves_json(traj, exp) | {"timing": timing} | summary)
    else:
        print("%s: final %s = %.6g at t = %g (%d RHS evaluations, %.3f s)"
              % (args.config, exp.error_name, traj[exp.error_name][-1], traj.t[-1],
                 summary.get("rhs_evaluations", 0), timing["integrate_s"]), file=sys.stderr)


def cmd_simulate(args):
    from .config import experiment
    from .results import provenance, save
    exp = experiment(args.config, **({"D": args.D} if args.D else {}))
    startup = _process_age()
    sim = exp.simulate(seeds=args.seeds, workers=args.workers, progress=not args.no_progress)
    meta = dict(sim.meta)
    timing = {"integrate_s": meta["simulate_s"], "simulate_s": meta["simulate_s"],
              "startup_s": startup}
    if args.out:
        save(args.out, _arrays(sim) | exp.saved_arrays(),
             provenance(exp.config) | {"simulation": meta, "timing": timing})
    if args.json:
        _emit(_curves_json(sim, exp, sem=True)
              | {"timing": timing, "simulation": meta})
    else:
        print("%s: D = %d, %d seeds: final %s = %.6g +- %.2g (%.1f s)%s"
              % (args.config, exp.D, args.seeds, exp.error_name, sim[exp.error_name][-1],
                 sim[exp.error_name + "_sem"][-1], meta["simulate_s"],
                 " [interrupted]" if meta.get("interrupted") else ""), file=sys.stderr)


def cmd_compare(args):
    from .compare import compare
    from .config import experiment
    from .plotting import comparison_figure, save as save_figure
    from .results import provenance, save
    exp = experiment(args.config, **({"D": args.D} if args.D else {}))
    exp.prepare()
    startup = _process_age()
    theory, sim, summary = compare(exp, seeds=args.seeds, workers=args.workers,
                                   progress=not args.no_progress)
    timing = {"integrate_s": theory.meta.get("integrate_s"),
              "simulate_s": sim.meta.get("simulate_s"), "startup_s": startup}
    name = os.path.splitext(os.path.basename(args.config))[0]
    paths = {}
    if args.out:
        fig = comparison_figure(theory, sim, exp.error_name, exp.order_parameter_names[:2],
                                title="%s: theory vs SGD (D = %d)" % (name, exp.D),
                                time_label=exp.time_label)
        png, pdf = save_figure(fig, args.out, name + "-compare")
        npz, sidecar = save(os.path.join(args.out, name + "-compare.npz"),
                            _arrays(theory, "theory_") | _arrays(sim, "sim_"),
                            provenance(exp.config) | {"summary": summary, "timing": timing})
        paths = {"figure": png, "figure_pdf": pdf, "arrays": npz, "sidecar": sidecar}
    if args.json:
        _emit(_curves_json(theory, exp)
              | {"timing": timing,
                 "simulation": _curves_json(sim, exp, sem=True),
                 "summary": summary, "files": paths})
    else:
        dev = summary["deviation"]
        print("%s: D = %d, %d seeds; largest theory-simulation deviation over the output times, "
              "in standard errors of the simulation mean: %s%s"
              % (args.config, exp.D, args.seeds,
                 ", ".join("%s %.2f" % (k, v["max_z"]) for k, v in dev.items()),
                 "" if not paths else "\nwrote " + ", ".join(paths.values())), file=sys.stderr)


def cmd_figure(args):
    from . import figures
    if args.list or not args.name:
        for name, desc in figures.available().items():
            print("%-24s %s" % (name, desc))
        return
    numbers = figures.run(args.name, args.out, quick=args.quick)
    if args.json:
        _emit(numbers)
    else:
        print("wrote %s" % ", ".join(numbers.get("files", [])), file=sys.stderr)


def build_parser():
    ap = argparse.ArgumentParser(prog="odedyn", description="Asymptotic learning dynamics of "
                                 "neural networks: theory curves, simulations, paper figures.")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("integrate", help="theory curve (macroscopic dynamics)")
    p.add_argument("config")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--out", help="write FILE.npz and its FILE.json sidecar")
    p.set_defaults(func=cmd_integrate)
    for name, func, hlp in (("simulate", cmd_simulate, "finite-size companion (online SGD)"),
                            ("compare", cmd_compare, "theory and simulation from the same network")):
        p = sub.add_parser(name, help=hlp)
        p.add_argument("config")
        p.add_argument("--seeds", type=int, default=8, help="independent SGD runs (default 8)")
        p.add_argument("--D", type=int, help="input dimension (spiked spectra)")
        p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        p.add_argument("--out", help="FILE.npz (simulate) or folder (compare)")
        p.add_argument("--workers", type=int, help="threads (default: all cores)")
        p.add_argument("--no-progress", action="store_true", help="no progress bar")
        p.set_defaults(func=func)
    p = sub.add_parser("figure", help="one paper figure")
    p.add_argument("name", nargs="?")
    p.add_argument("--list", action="store_true", help="list the figures")
    p.add_argument("--out", default=os.path.join("figures", "out"), help="folder (figures/out)")
    p.add_argument("--quick", action="store_true", help="smaller, faster version")
    p.add_argument("--json", action="store_true", help="print the figure's numbers as JSON")
    p.set_defaults(func=cmd_figure)
    from .sweeps.cli import add_commands
    add_commands(sub)
    return ap


def main(argv=None):
    args = build_parser().parse_args(argv)
    for key in ("seeds", "D", "workers"):
        val = getattr(args, key, None)
        if val is not None and val < (2 if key == "seeds" else 1):
            print("odedyn: error: --%s = %r: must be >= %d" % (key, val, 2 if key == "seeds" else 1),
                  file=sys.stderr)
            return 2
    try:
        args.func(args)
    except ConfigError as exc:
        print("odedyn: error: %s" % exc, file=sys.stderr)
        return 2
    except NumericalError as exc:
        print("odedyn: numerical trouble %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
