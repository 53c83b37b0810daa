"""Test set-up: derivations/ on the path (tests import the derivation scripts), and the suite
spread over every core by pytest-xdist when it is installed and ``-n`` is not given (``-n 0``
runs in one process; ``-p no:xdist`` works too, which an ``-n auto`` in addopts would break).

One BLAS thread per test process: the workers already fill the cores, and OpenBLAS threads
spinning against each other make the small products of the simulations many times slower
(measured: a group-sparse SGD step, n = 400, batch 256, 17 ms of CPU with 2 BLAS threads on two
busy cores against 1.2 ms with one). Set in the environment before the workers start (so they
and the subprocesses the tests run inherit it; a value the user set is kept) and on the BLAS
libraries this process has already loaded."""
import os
import sys

import pytest

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    pass
else:
    threadpool_limits(int(os.environ["OPENBLAS_NUM_THREADS"]), user_api="blas")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "derivations"))


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    # an xdist worker runs this hook too, with numprocesses reset to None: it must stay a worker
    # (setting it there would make every worker start workers of its own)
    if hasattr(config, "workerinput") or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if config.pluginmanager.hasplugin("xdist") and config.option.numprocesses is None:
        affinity = getattr(os, "sched_getaffinity", None)
        config.option.numprocesses = len(affinity(0)) if affinity else os.cpu_count()
