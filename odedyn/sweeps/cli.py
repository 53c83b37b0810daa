"""The commands ``odedyn sweep`` and ``odedyn plot-sweep`` (hooked into odedyn.cli by
``add_commands``). Owns their arguments and handlers; exit codes follow odedyn.cli (2: bad input,
one line naming the key), and an interrupted sweep exits with 130 after saying how far it got.

    odedyn sweep CONFIG --grid KEY=VALUES ... --out DIR [--simulate --seeds N]
                 [--workers N | --scheduler ADDRESS | --cluster slurm|pbs] [--no-progress]
    odedyn plot-sweep DIR [--quantity final_error|plateau_length|time_to_target] [--target E]
                 [--at KEY=VALUE ...] [--out FOLDER]
"""
import sys

from ..errors import ConfigError


def cmd_sweep(args):
    from . import engine, prepare
    if sum(x is not None for x in (args.scheduler, args.cluster)) > 1 or (
            args.scheduler and args.workers):
        raise ConfigError("--scheduler", args.scheduler,
                          "give one of --workers N, --scheduler ADDRESS, --cluster slurm|pbs")
    points, base, meta = prepare(args.config, args.grid, args.out, args.simulate, args.seeds)
    report = engine.run(points, base, args.out, meta, args.workers, args.scheduler, args.cluster,
                        progress=not args.no_progress)
    line = ("%s: %d of %d points done, %d failed numerically; computed %d now (%.1f s) -> %s"
            % (args.config, report["done"], report["total"], report["failed"],
               report["computed"], report["wall_s"], args.out))
    if report["interrupted"]:
        print(line + " [interrupted: re-run the same command to finish]", file=sys.stderr)
        raise SystemExit(130)
    print(line, file=sys.stderr)


def cmd_plot_sweep(args):
    from .plot import plot_sweep
    at = {}
    for item in args.at or ():
        if "=" not in item:
            raise ConfigError("--at", item, "must be KEY=VALUE")
        key, value = item.split("=", 1)
        at[key] = value
    paths = plot_sweep(args.dir, args.quantity, args.target, at, args.out)
    print("wrote %s" % ", ".join(paths), file=sys.stderr)


def add_commands(sub):
    """Add ``sweep`` and ``plot-sweep`` to the subparsers ``sub`` of the odedyn parser."""
    p = sub.add_parser("sweep", help="grid of runs on Dask (zarr store, resumable)")
    p.add_argument("config", help="the CONFIG file (TOML) of the runs")
    p.add_argument("--grid", action="append", default=[], metavar="KEY=VALUES",
                   help="dotted CONFIG key and values: 0.1,0.5,1 | lin:A:B:N | log:A:B:N "
                   "(repeat for more keys; adds to the CONFIG's [sweep] table)")
    p.add_argument("--out", required=True, help="zarr store folder (re-run to resume)")
    p.add_argument("--simulate", action="store_true", help="SGD runs instead of theory curves")
    p.add_argument("--seeds", type=int, default=8, help="SGD runs per point (default 8)")
    p.add_argument("--workers", type=int, help="local worker processes (default: the cores); "
                   "with --cluster, the Dask workers to start as batch jobs")
    p.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:port)")
    p.add_argument("--cluster", choices=("slurm", "pbs"),
                   help="start workers through dask-jobqueue (configured in "
                   "~/.config/dask/jobqueue.yaml)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)
    p = sub.add_parser("plot-sweep", help="heat map (two keys) or family of curves (one key)")
    p.add_argument("dir", help="the sweep's folder (its zarr store)")
    p.add_argument("--quantity", default="final_error",
                   choices=("final_error", "plateau_length", "plateau_error", "time_to_target"),
                   help="what to draw per point (default final_error)")
    p.add_argument("--target", type=float, help="error level for time_to_target")
    p.add_argument("--at", action="append", metavar="KEY=VALUE",
                   help="value of each further swept key (nearest grid value)")
    p.add_argument("--out", help="folder for the PNG and PDF (default: beside DIR)")
    p.set_defaults(func=cmd_plot_sweep)
