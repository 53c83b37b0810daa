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
    # work stealing (xdist >= 3.2): each worker starts on its own contiguous share of the tests
    # (see pytest_collection_modifyitems) and an idle one takes half of another's queue
    option = config.option
    if getattr(option, "numprocesses", None) and getattr(option, "dist", None) == "no":
        option.dist = "worksteal"


#: the longest tests (minutes of one core; the rest take seconds): in an xdist run each worker
#: starts with one of them, so that they run beside each other and the others fill around them
#: (in collection order they started late and ran last, alone)
LONGEST = (
    ("tests/manifold/test_manifold_figures.py::"
     "test_error_and_exceptional_set_shrink_with_width[manifold-linked-circles]"),
    ("tests/groupsparse/test_groupsparse_figures.py::"
     "test_radius_figure_shrinks_with_threshold_sparsity_and_coherence"),
)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """(xdist, in the controller) tell each worker how the tests are scheduled."""
    node.workerinput["dist"] = node.config.option.dist


def pytest_collection_modifyitems(config, items):
    workerinput = getattr(config, "workerinput", None)
    if not workerinput or workerinput.get("dist") != "worksteal":
        return
    workers = int(workerinput["workercount"])
    ids = {item.nodeid: item for item in items}
    first = [ids[i] for i in LONGEST if i in ids]
    rest = [item for item in items if item.nodeid not in set(LONGEST)]
    # the shares the scheduler hands out at the start: len // (workers left), in turn
    shares, left = [], len(items)
    for w in range(workers):
        shares.append(left // (workers - w))
        left -= shares[-1]
    order = []
    for w, size in enumerate(shares):
        mine = first[w::workers]
        order += mine + rest[:max(0, size - len(mine))]
        rest = rest[max(0, size - len(mine)):]
    items[:] = order + rest
