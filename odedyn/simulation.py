"""Shared simulation scaffolding. Owns: running one simulation task per seed in parallel threads
(the kernels release the GIL), a progress bar on stderr for runs longer than a couple of
seconds, clean interruption (Ctrl-C keeps what was measured), and the reduction of per-seed
curves to means and standard errors.

A task is ``task(seed, stop, advance) -> dict name -> array (n_recorded, ...)``; it must check
``stop.is_set()`` between chunks of work and call ``advance(steps)`` as it goes.
"""
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

from .results import Trajectory


def default_workers():
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())


def run_seeds(task, seeds, total_steps, workers=None, progress=True, desc="simulate"):
    """Run ``task`` for every seed; returns (list of per-seed dicts, interrupted flag)."""
    from tqdm import tqdm

    stop = threading.Event()
    interactive = sys.stderr.isatty()  # in a log file, a line every 10 s rather than a bar
    bar = tqdm(total=int(total_steps) * len(seeds), desc=desc, unit="step", unit_scale=True,
               disable=not progress, delay=2.0, leave=False, dynamic_ncols=True,
               mininterval=0.2 if interactive else 10.0)
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
            while wait(futures, timeout=0.2).not_done:
                pass
            results = [f.result() for f in futures]
        except KeyboardInterrupt:
            interrupted = True
            stop.set()
            results = [f.result() for f in futures]
    bar.close()
    return results, interrupted


def reduce_seeds(t, per_seed, meta):
    """Mean over seeds of every curve (``name``) and its standard error (``name + '_sem'``),
    on the output times every seed reached."""
    n = min(len(r[next(iter(r))]) for r in per_seed)
    curves = {}
    for name in per_seed[0]:
        stack = np.stack([np.asarray(r[name][:n]) for r in per_seed])
        curves[name] = stack.mean(axis=0)
        curves[name + "_sem"] = (stack.std(axis=0, ddof=1) / np.sqrt(len(per_seed))
                                 if len(per_seed) > 1 else np.full_like(curves[name], np.nan))
        curves[name + "_seeds"] = stack
    meta = dict(meta, seeds=len(per_seed), complete=(n == len(t)))
    return Trajectory(np.asarray(t[:n], dtype=float), curves, meta)
