"""The ``odedyn`` command line (the contract is the README's "Command line" section).

    odedyn integrate CONFIG [--fluctuations] [--json] [--out FILE.npz]
    odedyn simulate  CONFIG [--seeds N] [--D N] [--workers N] [--no-progress] [--json] [--out FILE.npz]
    odedyn compare   CONFIG [--seeds N] [--D N] [--workers N] [--no-progress] [--fluctuations]
                     [--json] [--out DIR]
    odedyn figure    NAME [--out DIR] [--quick] [--json]   |   odedyn figure --list
    odedyn example   NAME [--to DIR]                       |   odedyn example --list

Owns: argument parsing, the JSON and file outputs, and exit codes: 0 success, 2 bad input with a
one-line message naming the key (output paths are checked before anything is computed), 1
numerical trouble, 130 interrupted (Ctrl-C; a simulation saves what it measured), 141 when the
reader of stdout has gone (``odedyn ... --json | head``), as for a Unix tool killed by SIGPIPE.
Nothing is written on failure.
"""
import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
import time
import warnings

from .errors import ConfigError, NumericalError

#: seconds of start-up (reading the CONFIG, loading or compiling kernels) after which the CLI says
#: on stderr that it is compiling, if numba compiles: it does once (25-40 s), then caches them
COMPILE_NOTICE_AFTER = 3.0

class _SizeHelp:
    """The help text of --D, built from the families' declarations when a help is printed
    (importing every family costs start-up that a run does not need)."""

    def text(self):
        from . import families
        return ("the problem's size, the CONFIG rebuilt at it (random starts only): " + "; ".join(
            "%s: %s (%s)" % (kind, cls.size_help, cls.size_key)
            for kind, cls in families.all_families().items() if cls.size_key))

    def __str__(self):
        return self.text()

    def __mod__(self, params):
        return self.text() % params

    def strip(self):
        return self.text().strip()

    def __len__(self):
        return len(self.text())

    def __contains__(self, part):
        return part in self.text()


D_HELP = _SizeHelp()
FLUCTUATIONS_HELP = ("also the predicted finite-size band at the CONFIG's D: the std of single "
                     "SGD runs and the O(1/D) bias of their mean around the theory curve "
                     "(committee and autoencoder, linear or erf), NaN where not valid")


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


# ------------------------------------------------------------ checks before any computation
def check_out(path, folder=False):
    """ConfigError naming ``--out`` unless ``path`` can be written: a file path must not be a
    folder, a folder path must not be a file, and the nearest existing folder above it must be a
    writable folder."""
    if path is None:
        return
    if folder and os.path.exists(path) and not os.path.isdir(path):
        raise ConfigError("--out", path, "exists and is not a folder")
    if not folder:
        for p in (path, os.path.splitext(path)[0] + ".json"):
            if os.path.isdir(p):
                raise ConfigError("--out", path, "%s is a folder; give a FILE.npz" % p)
    above = os.path.abspath(path if folder else os.path.dirname(os.path.abspath(path)))
    while not os.path.exists(above):
        above = os.path.dirname(above)
    if not os.path.isdir(above):
        raise ConfigError("--out", path, "%s is not a folder" % above)
    if not os.access(above, os.W_OK | os.X_OK):
        raise ConfigError("--out", path, "folder %s is not writable" % above)
    try:                  # by trying: access() says yes to root in /proc and read-only mounts
        fd, probe = tempfile.mkstemp(dir=above, prefix=".odedyn-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError("--out", path, "cannot write in %s (%s)" % (above, exc.strerror))


#: a partial result (an interrupted run) that would replace a result is written beside it,
#: its names ending in this
PARTIAL = ".partial"


def _write_results(out, write, partial):
    """Write a run's files with ``write(folder, stem)`` (returns their paths) at ``out`` =
    (folder, stem). A partial result never replaces files already there: it goes beside them,
    its stem ending in PARTIAL. A write that fails after the work keeps the result in a rescue
    folder (in the working folder, else the temporary one) and says so in one line. Returns
    (paths, exit status: None, or 2 when --out could not be written)."""
    folder, stem = out
    if partial and any(name.startswith(stem + ".") for name in (
            os.listdir(folder) if os.path.isdir(folder) else ())):
        stem += PARTIAL
    try:
        return list(write(folder, stem)), None
    except OSError as first:
        failed = "odedyn: error: --out: could not write %s (%s)" % (
            first.filename or os.path.join(folder, stem), first.strerror or first)
    for where in (os.getcwd(), None):
        try:
            rescue = tempfile.mkdtemp(prefix="odedyn-rescue-", dir=where)
            paths = list(write(rescue, stem))
        except OSError:
            continue
        print("%s; the result is kept in %s" % (failed, rescue), file=sys.stderr)
        return paths, 2
    print("%s; nor could a rescue folder be written: nothing saved" % failed, file=sys.stderr)
    return [], 2


def _file_out(path):
    """(folder, stem) of a FILE.npz given as --out."""
    path = path[:-4] if path.endswith(".npz") else path
    return os.path.dirname(os.path.abspath(path)), os.path.basename(path)


def available_memory():
    """Bytes of memory available to a new allocation (Linux MemAvailable, else physical)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None


def _gib(n):
    return "%.3g GiB" % (n / 2 ** 30)


def check_memory(exp):
    """ConfigError naming the size key when the theory would need more memory than is free."""
    need = exp.memory_estimate()
    have = available_memory()
    if need is not None and have is not None and need[0] > have:
        key = need[1]
        section, _, name = key.partition(".")
        value = exp.config.get(section, {}).get(name) if isinstance(
            exp.config.get(section), dict) else None
        raise ConfigError(key, value, "the theory would need about %s of memory, %s is "
                          "available" % (_gib(need[0]), _gib(have)))


@contextlib.contextmanager
def _startup():
    """Say on stderr when start-up takes long because numba compiles (a first run): once, when
    COMPILE_NOTICE_AFTER seconds have passed and a compilation has begun (loading kernels from
    numba's cache is not compiling, and says nothing)."""
    from numba.core import event
    begun, said, lock = threading.Event(), [], threading.Lock()

    def notice():
        with lock:
            if begun.is_set() and not said:
                said.append(True)
                print("odedyn: compiling kernels (once: numba caches them for the next runs) ...",
                      file=sys.stderr, flush=True)

    class Compiling(event.Listener):
        def on_start(self, ev):
            begun.set()
            if timer.finished.is_set():
                notice()

        def on_end(self, ev):
            pass

    timer = threading.Timer(COMPILE_NOTICE_AFTER, notice)
    timer.daemon = True
    listener = Compiling()
    event.register("numba:compile", listener)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        event.unregister("numba:compile", listener)


def _experiment(args, simulate=False):
    """The experiment of ``args.config`` (with --D), its kernels compiled (start-up; with
    --fluctuations the expansion's too, which refuses a family without one here), the CONFIG as
    resolved (every value the family read, defaults included) and the start-up's timing:
    ``startup_s`` (the process's age when the work begins) and its stages ``startup``
    {imports_s: the interpreter and imports before the command, config_s: reading the CONFIG
    and building the experiment, kernels_s: loading or compiling the kernels}."""
    from .config import experiment, recording
    from .experiment import Experiment
    imports = _process_age()
    t0 = time.perf_counter()
    with _startup(), recording() as resolved:
        exp = experiment(args.config, getattr(args, "D", None))
        check_memory(exp)
        t1 = time.perf_counter()
        with warnings.catch_warnings():   # said by the run itself, if at all
            warnings.simplefilter("ignore")
            exp.prepare()
        if getattr(args, "fluctuations", False):
            # the expansion's kernels, and its refusal (ConfigError) before any other work
            from .fluctuations import of
            of(exp, times=exp.times[:2])
        if simulate and type(exp).sim_start is not Experiment.sim_start:
            exp.sim_advance(exp.sim_start(0), 0)  # compile the learning rule's kernel
    t2 = time.perf_counter()
    timing = {"startup_s": _process_age(),
              "startup": {"imports_s": imports, "config_s": t1 - t0, "kernels_s": t2 - t1}}
    return exp, _resolved(exp.config, resolved), timing


def _resolved(given, read):
    """``given`` (the CONFIG) with every value the family read laid over it, defaults included."""
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in given.items()}
    for section, values in read.items():
        if isinstance(out.get(section, {}), dict):
            out[section] = dict(out.get(section, {}), **values)
    return out


# ------------------------------------------------------------ output
def _curves_json(traj, exp, sem=False):
    """t, the error curve (under its paper name and as "error"), the headline curves at the top
    level, the order parameters under "order_parameters", other observables under
    "observables"; for simulations "_sem" twins and the seeds behind each time ("n_seeds");
    for a theory with its predicted band, "fluctuations" (odedyn.fluctuations.band_json)."""
    def pick(names, suffix=""):
        return {n: traj[n + suffix] for n in names if n + suffix in traj.curves}

    top = (exp.error_name,) + tuple(exp.headline_names)
    out = {"t": traj.t} | pick(top)
    out["error"] = traj[exp.error_name]
    out["order_parameters"] = pick(exp.order_parameter_names)
    out["observables"] = pick(exp.observable_names)
    if sem:
        out |= {n + "_sem": v for n, v in pick(top, "_sem").items()}
        out["error_sem"] = traj[exp.error_name + "_sem"]
        out["order_parameters_sem"] = pick(exp.order_parameter_names, "_sem")
        out["observables_sem"] = pick(exp.observable_names, "_sem")
        if "n_seeds" in traj.curves:
            out["n_seeds"] = traj["n_seeds"]
    if getattr(traj, "band", None) is not None:
        from .fluctuations import band_json
        out["fluctuations"] = band_json(traj.band)
    return out


def _arrays(traj, prefix=""):
    return {prefix + k: v for k, v in (traj.curves | traj.arrays).items()
            if not k.endswith("_seeds") or k == "n_seeds"} | {prefix + "t": traj.t}


def _emit(obj):
    from .results import to_jsonable
    json.dump(to_jsonable(obj), sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()


def _sidecar(exp, resolved, **more):
    from .results import provenance
    return provenance(exp.config) | {"resolved_config": resolved} | more


def _simulation_meta(exp, sim):
    """The simulation's metadata plus whether its output times were moved to the step grid."""
    import numpy as np
    meta = dict(sim.meta)
    wanted = np.asarray(exp.times, dtype=float)
    snapped = exp.snap_times(wanted)
    meta["times_snapped"] = bool(len(snapped) != len(wanted) or np.any(snapped != wanted))
    meta.setdefault("time_step", _grid_step(exp))
    return meta


def _grid_step(exp):
    """The spacing of the grid ``exp.snap_times`` rounds to: the first positive snap of 2^k
    (k rising) is the step itself, since 2^k then lies in [step/2, step)."""
    for k in range(-60, 60):
        snapped = exp.snap_times([2.0 ** k])
        if len(snapped) and snapped[-1] > 0:
            return float(snapped[-1])
    return None


def _interrupted(sim, exp, paths, on_stdout):
    """Tell stderr what an interrupted simulation kept; the exit status 130 (128 + SIGINT)."""
    where = ("partial results in " + ", ".join(paths) if paths else
             "partial results on stdout" if on_stdout else "nothing saved (no --out)")
    if len(sim.t):
        count = sim["n_seeds"]
        every = sim.t[count == count[0]][-1]
        kept = "%d seeds measured up to t = %g of %g" % (count[0], every, exp.times[-1]) + (
            "" if every == sim.t[-1] else ", %d up to t = %g" % (count[-1], sim.t[-1])) + (
            "; seeds behind each time in n_seeds")
    else:
        kept = "before any measurement"
    print("odedyn: interrupted (%s); %s" % (kept, where), file=sys.stderr)
    return 128 + signal.SIGINT


def cmd_integrate(args):
    from .results import save
    check_out(args.out)
    exp, resolved, startup = _experiment(args)
    traj = exp.integrate(fluctuations=args.fluctuations)
    timing = {"integrate_s": traj.meta["integrate_s"]} | startup | _band_timing(traj)
    record = {k: traj.meta[k] for k in ("method", "rhs_evaluations", "steps", "numerical_error",
                                        "diagnostics")}
    status = None
    if args.out:
        arrays = _arrays(traj) | exp.saved_arrays() | _band_arrays(traj)
        sidecar = _sidecar(exp, resolved, timing=timing, summary=record)
        _, status = _write_results(_file_out(args.out), lambda folder, stem: save(
            os.path.join(folder, stem + ".npz"), arrays, sidecar), partial=False)
    if args.json:
        _emit(_curves_json(traj, exp) | {"timing": timing} | record)
    else:
        accuracy = ("" if record["numerical_error"] is None
                    else ", numerical error <= %.2g" % record["numerical_error"])
        print("%s: final %s = %.6g at t = %g (%s: %d RHS evaluations, %.3f s%s)"
              % (args.config, exp.error_name, traj[exp.error_name][-1], traj.t[-1],
                 record["method"], record["rhs_evaluations"], timing["integrate_s"], accuracy))
        if traj.band is not None:
            print(_band_line(traj, exp))
    return status


def _band_timing(traj):
    return {} if traj.band is None else {"fluctuations_s": traj.band["fluctuations_s"]}


def _band_arrays(traj):
    """The --out arrays of a theory's predicted band (none without --fluctuations)."""
    from .fluctuations import band_arrays
    return {} if traj.band is None else band_arrays(traj.band)


def _band_line(traj, exp):
    """The human line of a predicted band: its value at the last valid time, how far it holds."""
    import numpy as np
    b = traj.band
    valid = np.asarray(b["valid"])
    last = int(np.nonzero(valid)[0][-1])
    head = ("finite-size band at D = %d: at t = %g %s = %.6g + %.3g (bias) +- %.3g (std of one "
            "run) (%.3f s)" % (b["D"], traj.t[last], exp.error_name, traj[exp.error_name][last],
                               b["error_bias"][last], b["error_std"][last], b["fluctuations_s"]))
    if valid.all():
        return head + "; valid at every time"
    return head + "; not valid from t = %g on (the fluctuations grow to O(1): no prediction " \
        "there, NaN)" % traj.t[last + 1]


def cmd_simulate(args):
    from .results import save
    check_out(args.out)
    exp, resolved, startup = _experiment(args, simulate=True)
    sim = exp.simulate(seeds=args.seeds, workers=args.workers, progress=not args.no_progress)
    meta = _simulation_meta(exp, sim)
    timing = {"integrate_s": meta["simulate_s"], "simulate_s": meta["simulate_s"]} | startup
    paths, status = [], None
    if args.out and len(sim.t):
        arrays = _arrays(sim) | exp.saved_arrays()
        sidecar = _sidecar(exp, resolved, simulation=meta, timing=timing)
        paths, status = _write_results(_file_out(args.out), lambda folder, stem: save(
            os.path.join(folder, stem + ".npz"), arrays, sidecar), partial=not meta["complete"])
    if args.json:
        _emit(_curves_json(sim, exp, sem=True) | {"timing": timing, "simulation": meta})
    if meta.get("interrupted"):
        return status or _interrupted(sim, exp, paths, args.json)
    if not args.json:
        print("%s: D = %d, %d seeds: final %s = %.6g +- %.2g (%.1f s)"
              % (args.config, exp.D, meta["seeds"], exp.error_name, sim[exp.error_name][-1],
                 sim[exp.error_name + "_sem"][-1], meta["simulate_s"]))
    return status


def cmd_compare(args):
    from .compare import compare, summary_lines
    from .results import save
    check_out(args.out, folder=True)
    exp, resolved, startup = _experiment(args, simulate=True)
    theory, sim, summary = compare(exp, seeds=args.seeds, workers=args.workers,
                                   progress=not args.no_progress,
                                   fluctuations=args.fluctuations)
    timing = {"integrate_s": theory.meta.get("integrate_s"),
              "simulate_s": sim.meta.get("simulate_s")} | startup | _band_timing(theory)
    meta = _simulation_meta(exp, sim)
    name = os.path.splitext(os.path.basename(args.config))[0]
    paths, status = {}, None
    if args.out and len(sim.t):
        from .plotting import comparison_figure, save as save_figure
        arrays = _arrays(theory, "theory_") | _arrays(sim, "sim_") | _band_arrays(theory)
        sidecar = _sidecar(exp, resolved, summary=summary, simulation=meta, timing=timing,
                           numerical_error=theory.meta.get("numerical_error"))

        def write(folder, stem):
            npz_json = save(os.path.join(folder, stem + ".npz"), arrays, sidecar)
            return save_figure(comparison_figure(theory, sim, exp, name), folder, stem) + list(
                npz_json)
        written, status = _write_results((args.out, name + "-compare"), write,
                                         partial=not meta["complete"])
        paths = dict(zip(("figure", "figure_pdf", "arrays", "sidecar"), written))
    if args.json:
        _emit(_curves_json(theory, exp)
              | {"timing": timing, "numerical_error": theory.meta.get("numerical_error"),
                 "simulation": _curves_json(sim, exp, sem=True) | {"meta": meta},
                 "summary": summary, "files": paths})
    if meta.get("interrupted"):
        return status or _interrupted(sim, exp, list(paths.values()), args.json)
    if not args.json:
        print("%s: D = %d, %d seeds\n%s%s"
              % (args.config, exp.D, summary["seeds"], "\n".join(summary_lines(summary)),
                 "" if not paths else "\nwrote " + ", ".join(paths.values())))
    return status


def cmd_figure(args):
    from . import figures
    if args.list or not args.name:
        for name, desc in figures.available().items():
            print("%-24s %s" % (name, desc))
        return
    check_out(args.out, folder=True)
    module = figures.load(args.name)
    import matplotlib
    matplotlib.use("Agg")  # this process draws into files only
    numbers = figures.run(module, args.out, quick=args.quick)
    if args.json:
        _emit(numbers)
    else:
        print("wrote %s" % ", ".join(numbers.get("files", [])), file=sys.stderr)


def cmd_example(args):
    from . import figures
    names = figures.examples()
    if args.list or not args.name:
        for name, path in names.items():
            print("%-28s %s" % (name, figures.example_summary(path)))
        return
    if args.name not in names:
        from .config import suggest
        raise ConfigError("example", args.name, "unknown; see odedyn example --list"
                          + suggest(args.name, names))
    text = names[args.name].read_text()
    if args.to is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = os.path.join(args.to, args.name + ".toml")
    check_out(args.to, folder=True)
    if os.path.exists(target):
        raise ConfigError("--to", args.to, "%s exists (not overwritten)" % target)
    from .results import atomic_write

    def write(tmp):
        with open(tmp, "w") as fh:
            fh.write(text)
    atomic_write(target, write)
    print("wrote %s" % target, file=sys.stderr)


def build_parser():
    from . import __version__
    from .compare import FEW_SEEDS
    ap = argparse.ArgumentParser(prog="odedyn", description="Asymptotic learning dynamics of "
                                 "neural networks: theory curves, simulations, paper figures. "
                                 "Exit status: 0 done, 2 bad input, 1 numerical trouble, "
                                 "130 interrupted.")
    ap.add_argument("--version", action="version", version="odedyn " + __version__,
                    help="print the version and exit")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    config_help = "experiment CONFIG file (TOML; see odedyn example --list)"
    json_help = "print one JSON object on stdout (progress and messages go to stderr)"
    p = sub.add_parser("integrate", help="theory curve (macroscopic dynamics)",
                       description="Integrate the theory of CONFIG from its initial network.")
    p.add_argument("config", metavar="CONFIG", help=config_help)
    p.add_argument("--json", action="store_true", help=json_help)
    p.add_argument("--out", metavar="FILE.npz", help="write the curves to FILE.npz and the "
                   "resolved config, versions and timing to the FILE.json beside it")
    p.add_argument("--fluctuations", action="store_true", help=FLUCTUATIONS_HELP)
    p.set_defaults(func=cmd_integrate)
    for name, func, hlp, out_help in (
            ("simulate", cmd_simulate, "finite-size companion (SGD), N seeds",
             "write means, standard errors and n_seeds to FILE.npz (+ FILE.json sidecar)"),
            ("compare", cmd_compare, "theory and simulation from the same network",
             "folder for NAME-compare.png/.pdf, the arrays (.npz) and the sidecar (.json)")):
        p = sub.add_parser(name, help=hlp, description=hlp[0].upper() + hlp[1:] + ". Ctrl-C "
                           "stops it and keeps what was measured (exit status 130).")
        p.add_argument("config", metavar="CONFIG", help=config_help)
        p.add_argument("--seeds", type=int, default=8, metavar="N",
                       help="independent simulation runs, >= 2 (default 8); standard errors "
                       "mean little below %d" % FEW_SEEDS)
        p.add_argument("--D", type=int, metavar="N", help=D_HELP)
        p.add_argument("--json", action="store_true", help=json_help)
        p.add_argument("--out", metavar="FILE.npz" if name == "simulate" else "DIR",
                       help=out_help)
        p.add_argument("--workers", type=int, metavar="N",
                       help="seeds run in parallel threads (default: all cores)")
        p.add_argument("--no-progress", action="store_true",
                       help="no progress bar on stderr")
        if name == "compare":
            p.add_argument("--fluctuations", action="store_true", help=FLUCTUATIONS_HELP
                           + "; the summary measures the seeds against it and the figure "
                           "draws it")
        p.set_defaults(func=func)
    p = sub.add_parser("figure", help="one paper figure (odedyn figure --list)",
                       description="Draw one paper figure (PNG at 300 dpi and PDF).")
    p.add_argument("name", nargs="?", metavar="NAME", help="the figure (see --list)")
    p.add_argument("--list", action="store_true", help="list the figures")
    p.add_argument("--out", default=os.path.join("figures", "out"), metavar="DIR",
                   help="output folder (default figures/out)")
    p.add_argument("--quick", action="store_true", help="smaller, faster version")
    p.add_argument("--json", action="store_true", help="print the figure's numbers as JSON")
    p.set_defaults(func=cmd_figure)
    p = sub.add_parser("example", help="the example CONFIG files (odedyn example --list)",
                       description="Print an example CONFIG, or copy it into a folder.")
    p.add_argument("name", nargs="?", metavar="NAME", help="the example (see --list)")
    p.add_argument("--list", action="store_true", help="list the examples")
    p.add_argument("--to", metavar="DIR", help="copy NAME.toml into DIR instead of printing it")
    p.set_defaults(func=cmd_example)
    from .sweeps.cli import add_commands
    add_commands(sub)
    return ap


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """A warning as one line on stderr: odedyn's own ones without the source location."""
    from .errors import NumericalWarning, SweepWarning
    own = issubclass(category, (NumericalWarning, SweepWarning))
    where = "" if own else " (%s:%d)" % (filename, lineno)
    print("odedyn: warning: %s%s" % (message, where), file=sys.stderr if file is None else file,
          flush=True)


def main(argv=None):
    with warnings.catch_warnings():          # the command line's own display, restored after
        warnings.showwarning = _show_warning
        return _main(argv)


def _main(argv):
    args = build_parser().parse_args(argv)
    for key in ("seeds", "D", "workers"):
        val = getattr(args, key, None)
        if val is not None and val < (2 if key == "seeds" else 1):
            print("odedyn: error: --%s = %r: must be >= %d" % (key, val, 2 if key == "seeds" else 1),
                  file=sys.stderr)
            return 2
    try:
        return args.func(args) or 0
    except ConfigError as exc:
        print("odedyn: error: %s" % exc, file=sys.stderr)
        return 2
    except NumericalError as exc:
        print("odedyn: numerical trouble %s" % exc, file=sys.stderr)
        return 1
    except MemoryError as exc:
        print("odedyn: error: out of memory (%s): a smaller problem (model.K, the size) or a "
              "machine with more memory" % (str(exc).split(" for an array")[0] or "MemoryError"),
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("odedyn: interrupted; nothing written", file=sys.stderr)
        return 128 + signal.SIGINT
    except BrokenPipeError:
        # the reader of stdout has gone (e.g. | head): stop quietly as a Unix tool would; point
        # stdout at /dev/null so that the interpreter's final flush cannot fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + signal.SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
