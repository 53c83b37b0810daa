"""Running a sweep on Dask. Owns: the task of one grid point (``compute_point`` on a worker, and
``run_point``, which also writes it into the store), the Dask clusters (a local one bound to
127.0.0.1 with the dashboard off, an existing scheduler, or Slurm/PBS through dask-jobqueue) and
the loop that submits the points, follows them with a progress bar and stops cleanly on Ctrl-C.

One task per grid point. Tasks are module-level functions, so each worker process imports the
model family once and keeps its compiled numba kernels (loaded from numba's on-disk cache, or
compiled on its first point) for all the points it runs. Workers run one task at a time
(``threads_per_worker=1``); a simulation point runs its seeds one after another on its worker.

Fault tolerance is Dask's: the scheduler re-runs a task whose worker died on another worker
(up to ``distributed.scheduler.allowed-failures`` times). A NumericalError in a point is not a
fault: the point is recorded as failed (status 2) with its message and the sweep goes on. Any
other exception stops the sweep and is raised; the points already done stay in the store.
"""
import contextlib
import logging
import signal
import sys
import threading
import time

import numpy as np

from ..config import experiment_from_dict
from ..errors import ConfigError, NumericalError
from . import store
from .store import DONE, FAILED, NOT_RUN


def curve_names(exp):
    """The curves a sweep stores: the error, then the headline, order-parameter and other
    observable curves."""
    names = [exp.error_name]
    for n in (tuple(exp.headline_names) + tuple(exp.order_parameter_names)
              + tuple(exp.observable_names)):
        if n not in names:
            names.append(n)
    return names


def compute_point(config, base_dir, mode, seeds):
    """One grid point on a worker: the theory curve (``mode = "theory"``) or ``seeds`` SGD runs
    (per-seed curves). Returns {status, message, t, curves, seconds, curve_seconds,
    numerical_error} (the theory's largest reported quadrature error; NaN for closed forms and
    simulations)."""
    t0 = time.perf_counter()
    exp = experiment_from_dict(config, base_dir)
    numerical_error = np.nan
    try:
        if mode == "theory":
            traj = exp.integrate()
            curve_s = traj.meta.get("integrate_s", np.nan)
            if traj.meta.get("numerical_error") is not None:
                numerical_error = float(traj.meta["numerical_error"])
            curves = {n: np.asarray(traj[n]) for n in curve_names(exp) if n in traj.curves}
        else:
            traj = exp.simulate(seeds=seeds, workers=1, progress=False)
            curve_s = traj.meta.get("simulate_s", np.nan)
            curves = {n: np.asarray(traj[n + "_seeds"]) for n in curve_names(exp)
                      if n + "_seeds" in traj.curves}
    except NumericalError as exc:
        return {"status": FAILED, "message": "%s: %s" % (type(exc).__name__, exc), "t": [],
                "curves": {}, "seconds": time.perf_counter() - t0, "curve_seconds": np.nan,
                "numerical_error": np.nan}
    return {"status": DONE, "message": "", "t": np.asarray(traj.t, dtype=float),
            "curves": curves, "seconds": time.perf_counter() - t0, "curve_seconds": curve_s,
            "numerical_error": numerical_error}


def run_point(path, store_id, index, config, base_dir, mode, seeds):
    """``compute_point`` and write it into the store (on the worker); returns the bookkeeping."""
    result = compute_point(config, base_dir, mode, seeds)
    store.write_point(path, store_id, index, result, mode == "simulate")
    return {k: result[k] for k in ("status", "message", "seconds", "curve_seconds")}


# ------------------------------------------------------------------ clusters
def local_cluster(workers):
    """Dask LocalCluster: ``workers`` processes of one thread, listening on 127.0.0.1 only,
    no dashboard. (The scheduler always serves its health and metrics routes over HTTP: on a
    free port of 127.0.0.1 here rather than the default 8787.) Its scheduler hands every task to
    the workers at once (worker-saturation = inf) rather than about one per thread: a worker
    then starts its next point without waiting for a round trip to a scheduler that shares the
    machine's cores."""
    import dask
    from distributed import LocalCluster
    with dask.config.set({"distributed.scheduler.worker-saturation": float("inf")}):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
                            scheduler_kwargs={"dashboard": False,
                                              "dashboard_address": "127.0.0.1:0"})


def jobqueue_cluster(kind, **options):
    """A dask-jobqueue cluster (``kind`` = slurm or pbs), configured as dask-jobqueue documents:
    the ``jobqueue.slurm`` / ``jobqueue.pbs`` section of the Dask configuration
    (~/.config/dask/jobqueue.yaml: cores, memory, queue, account, walltime, job-extra-directives,
    scheduler-options...), overridden by ``options``."""
    try:
        import dask_jobqueue
    except ImportError:
        raise ConfigError("--cluster", kind, "needs dask-jobqueue: pip install odedyn[cluster]") from None
    classes = {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster}
    if kind not in classes:
        raise ConfigError("--cluster", kind, "must be slurm or pbs")
    options.setdefault("python", sys.executable)
    try:
        return classes[kind](**options)
    except ValueError as exc:
        raise ConfigError("--cluster", kind, "%s (set it in the jobqueue.%s section of "
                          "~/.config/dask/jobqueue.yaml)" % (exc, kind)) from None


@contextlib.contextmanager
def client(workers=None, scheduler=None, cluster=None):
    """A Dask client: on ``scheduler`` (an address) if given, else on a dask-jobqueue ``cluster``
    of ``workers`` workers (started as batch jobs), else on a local cluster of ``workers`` processes (default: the cores)."""
    from distributed import Client
    from ..simulation import default_workers
    if scheduler:
        try:
            c = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise ConfigError("--scheduler", scheduler, "cannot connect: %s" % exc) from None
        with c:
            yield c
        return
    own = (jobqueue_cluster(cluster) if cluster else local_cluster(workers or default_workers()))
    if cluster:
        own.scale(n=workers or 1)
    with own, Client(own) as c:
        yield c


@contextlib.contextmanager
def sigint_flag():
    """Within: Ctrl-C (SIGINT) sets the yielded Event instead of raising, so that the sweep stops
    between two points and never mid-write; a second Ctrl-C raises KeyboardInterrupt. The
    previous handler is restored on exit. Outside the main thread, nothing changes."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


# ------------------------------------------------------------------ the loop
def run(points, base_dir, path, meta, workers=None, scheduler=None, cluster=None, progress=True):
    """Compute every point of ``points`` not yet in the store at ``path``. Returns
    {done, failed, computed, interrupted, wall_s} (wall_s: first submission to last result)."""
    from tqdm import tqdm
    state = store.status(path)
    todo = [p for p in points if state[p.index] == NOT_RUN]
    report = {"computed": 0, "interrupted": False, "wall_s": 0.0}
    if todo:
        bar = tqdm(total=len(points), initial=len(points) - len(todo), desc="sweep",
                   unit="point", disable=not progress, file=sys.stderr, dynamic_ncols=True,
                   mininterval=0.2 if sys.stderr.isatty() else 10.0)
        with sigint_flag() as stop, client(workers, scheduler, cluster) as c:
            t0 = time.perf_counter()
            try:
                report["interrupted"] = _run(c, todo, base_dir, path, meta, stop, bar, report)
            finally:
                report["wall_s"] = time.perf_counter() - t0
                bar.close()
    state = store.status(path)
    report.update(done=int((state == DONE).sum()), failed=int((state == FAILED).sum()),
                  total=len(points))
    return report


def _run(c, todo, base_dir, path, meta, stop, bar, report):
    """Submit and follow; True if interrupted."""
    mode, seeds, simulate = meta["mode"], meta["seeds"], meta["mode"] == "simulate"
    tag = meta["id"][:10]

    def key(p):
        return "odedyn-point-%s-%s" % (tag, "-".join(map(str, p.index)))

    # The first point that succeeds, in grid order, fixes the layout of the curves.
    while todo and not store.curve_names(path, meta):
        p = todo.pop(0)
        fut = c.submit(compute_point, p.config, base_dir, mode, seeds, key=key(p) + "-layout",
                       pure=False)
        if not _follow(c, [fut], stop, lambda f: None):
            return True
        result = fut.result()
        if result["status"] == DONE:
            store.add_curves(path, meta, result)
        store.write_point(path, meta["id"], p.index, result, simulate)
        report["computed"] += 1
        bar.update(1)

    futures = [c.submit(run_point, path, meta["id"], p.index, p.config, base_dir, mode, seeds,
                        key=key(p), pure=False) for p in todo]

    def finished(f):
        report["computed"] += 1
        bar.update(1)
    return not _follow(c, futures, stop, finished)


def _follow(c, futures, stop, finished):
    """Wait for ``futures``, calling ``finished(f)`` for each; False if ``stop`` was set first
    (the rest are cancelled). A task that raised cancels the rest and re-raises."""
    pending = list(futures)
    while pending:
        if stop.is_set():
            c.cancel(pending)
            return False
        still = []
        for f in pending:
            if not f.done():
                still.append(f)
            elif f.status == "error":
                c.cancel(pending)
                f.result()   # raises the task's exception
            else:
                finished(f)
        if len(still) == len(pending):
            time.sleep(0.05)
        pending = still
    return True
