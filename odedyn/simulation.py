"""Shared simulation scaffolding: the one place that runs a microscopic learning rule and records
it. Owns: the fixed-step record loop (``record``: advance a state by chunks of steps to each
output step and measure it there; a finite-size SGD run and gradient descent as the Euler scheme
of a flow are both this loop), running one simulation per seed in parallel threads (the kernels
release the GIL), a progress bar on stderr for runs longer than a couple of seconds, clean
interruption (Ctrl-C keeps every measurement made so far, in every seed), and the reduction of
per-seed curves to means and standard errors with the number of seeds behind each time.

A model family supplies only its physics, through three methods of its Experiment (see
odedyn.experiment.Experiment and docs/adding-a-family.md):

    state = exp.sim_start(seed)           the initial microscopic state (same network, own noise)
    exp.sim_advance(state, n)             n steps of the learning rule, in place (compiled)
    exp.sim_measure(state) -> {name: a}   the observables of the state

and ``simulate(exp, seeds)`` does the rest.
"""
import os
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

from .results import Trajectory


def default_workers():
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())


def record(advance, measure, state, steps, stop=None, progress=None, chunk=20000, sizes=None):
    """Advance ``state`` with ``advance(state, n)`` to each of the increasing step counts
    ``steps`` (in chunks of at most ``chunk`` steps) and ``measure(state)`` there.

    With ``sizes`` (one step size per interval before each of ``steps``) the scheme lands on
    output times that are not on one grid: ``advance(state, n, sizes[i])`` (the explicit Euler
    scheme of a flow, see ``euler_steps``). Returns {name: array (n_recorded, ...)}; when
    ``stop`` is set, returns what was recorded so far. ``progress(n)`` is told of every chunk.
    """
    rec = {}
    done = 0
    for i, target in enumerate(steps):
        while done < target:
            if stop is not None and stop.is_set():
                return {k: np.array(v) for k, v in rec.items()}
            n = int(min(target - done, chunk))
            if sizes is None:
                advance(state, n)
            else:
                advance(state, n, sizes[i])
            done += n
            if progress is not None:
                progress(n)
        for name, value in measure(state).items():
            rec.setdefault(name, []).append(value)
    return {k: np.array(v) for k, v in rec.items()}


def euler_steps(times, max_step):
    """The schedule of an explicit fixed-step scheme that lands exactly on ``times``: each
    interval is cut into the fewest equal steps of at most ``max_step``. Returns (cumulative
    step counts at the times, step size of each interval) for ``record``."""
    times = np.asarray(times, dtype=float)
    gaps = np.diff(times, prepend=times[0])
    counts = np.array([max(1, int(np.ceil(g / max_step - 1e-9))) if g > 0 else 0 for g in gaps],
                      dtype=np.int64)
    sizes = np.where(counts > 0, gaps / np.maximum(counts, 1), 0.0)
    return np.cumsum(counts), sizes


def run_seeds(task, seeds, total_steps, workers=None, progress=True, desc="simulate"):
    """Run ``task(seed, stop, advance)`` for every seed in a thread pool.

    Returns (list of per-seed results, interrupted flag). On Ctrl-C the seeds still queued are
    cancelled, the running ones are told to stop (``stop`` is set) and return what they have
    measured. If a task raises, the others are stopped and the first exception is re-raised.
    """
    from tqdm import tqdm

    stop = threading.Event()
    total = int(total_steps) * len(seeds)
    if not progress:
        bar = _Lines(total, desc, enabled=False)
    elif sys.stderr.isatty():
        bar = tqdm(total=total, desc=desc, unit="step", unit_scale=True, delay=2.0, leave=False,
                   dynamic_ncols=True, mininterval=0.2)
    else:                              # in a log file, a plain line every LINE_EVERY seconds
        bar = _Lines(total, desc)
    lock = threading.Lock()

    def advance(n):
        with lock:
            bar.update(n)

    workers = min(workers or default_workers(), len(seeds))
    interrupted = False
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(task, seed, stop, advance) for seed in seeds]
        try:
            # Wait in short slices: Python runs signal handlers only in the main thread, when it
            # executes bytecode. If the kernel delivers SIGINT to a worker thread, a main thread
            # blocked in an untimed wait would not notice it until every seed had finished.
            while True:
                done, not_done = wait(futures, timeout=0.2)
                if any(f.exception() is not None for f in done) or not not_done:
                    break
        except KeyboardInterrupt:
            interrupted = True
        if interrupted or not_done:
            stop.set()
            for f in futures:
                f.cancel()
        wait(futures)
    bar.close()
    for f in futures:
        if not f.cancelled() and f.exception() is not None:
            raise f.exception()
    return [f.result() for f in futures if not f.cancelled()], interrupted


#: seconds between two progress lines when stderr is not a terminal (a log file)
LINE_EVERY = 10.0


class _Lines:
    """Progress as plain lines on stderr (no carriage returns), one every LINE_EVERY seconds,
    the first after LINE_EVERY; the rate, and the time left, measured from the first steps
    reported (a first chunk that waited for a compilation does not count)."""

    def __init__(self, total, desc, enabled=True):
        self.total, self.desc, self.enabled = total, desc, enabled
        self.n = 0
        self.start = self.last = time.perf_counter()
        self.first = None                                  # (time, steps) of the first report

    def update(self, n):
        if not self.enabled:
            return
        self.n += n
        now = time.perf_counter()
        if self.first is None:
            self.first = (now, self.n)
            return
        if now - self.last < LINE_EVERY or self.n >= self.total:
            return
        self.last = now
        rate = (self.n - self.first[1]) / max(now - self.first[0], 1e-9)
        left = (self.total - self.n) / rate if rate > 0 else float("inf")
        print("odedyn: %s: %.0f%% (%.4g of %.4g steps, %.0f s, about %.0f s left)"
              % (self.desc, 100.0 * self.n / self.total, self.n, self.total, now - self.start,
                 left), file=sys.stderr, flush=True)

    def close(self):
        pass


def reduce_seeds(t, per_seed, meta):
    """Mean over seeds of every curve (``name``), its standard error (``name + '_sem'``, NaN
    where fewer than two seeds reached a time) and the per-seed curves (``name + '_seeds'``,
    NaN-padded), at every output time some seed reached; ``n_seeds`` counts the seeds behind
    each time (an interrupted run may have seeds that stopped early)."""
    per_seed = [r for r in per_seed if r and len(next(iter(r.values())))]
    lengths = [len(next(iter(r.values()))) for r in per_seed]
    n = max(lengths, default=0)
    count = np.array([sum(m > j for m in lengths) for j in range(n)], dtype=np.int64)
    curves = {"n_seeds": count}
    names = per_seed[0] if per_seed else {}
    for name in names:
        first = np.asarray(per_seed[0][name], dtype=float)
        stack = np.full((len(per_seed), n) + first.shape[1:], np.nan)
        for i, r in enumerate(per_seed):
            stack[i, :lengths[i]] = r[name]
        # times some seeds never reached (an interrupted run): NaN, and a one-seed variance is
        # masked below; numpy's warnings about them are expected, not the user's business
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(stack, axis=0) if n else stack[0]
            var = (np.nanvar(stack, axis=0, ddof=1) if len(per_seed) > 1
                   else np.full(stack.shape[1:], np.nan))
        shape = (n,) + (1,) * (stack.ndim - 2)
        sem = np.where(count.reshape(shape) > 1, np.sqrt(var) / np.sqrt(count.reshape(shape)),
                       np.nan) if n else np.zeros((0,) + first.shape[1:])
        curves[name], curves[name + "_sem"], curves[name + "_seeds"] = mean, sem, stack
    meta = dict(meta, seeds=len(per_seed), complete=bool(per_seed) and min(lengths) == len(t))
    return Trajectory(np.asarray(t[:n], dtype=float), curves, meta)


def simulate(exp, seeds=8, workers=None, progress=True):
    """The finite-size companion of ``exp``: ``seeds`` runs of its learning rule from its initial
    network (the noise differs between seeds), observables at its output times snapped to the
    step grid; a Trajectory of means, standard errors and seed counts (see ``reduce_seeds``)."""
    times = exp.snap_times(exp.times)
    steps = np.round(np.asarray(times) / exp.time_step).astype(np.int64)

    def task(seed, stop, advance):
        state = exp.sim_start(seed)
        return record(exp.sim_advance, exp.sim_measure, state, steps, stop, advance,
                      exp.sim_chunk)

    t0 = time.perf_counter()
    with exp.sim_context():
        per_seed, interrupted = run_seeds(task, list(range(seeds)), steps[-1], workers, progress)
    traj = reduce_seeds(times, per_seed, exp.sim_meta() | {"interrupted": interrupted,
                                                           "D": exp.D,
                                                           "time_step": exp.time_step})
    traj.meta["simulate_s"] = time.perf_counter() - t0
    return traj
