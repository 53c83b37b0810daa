"""Test set-up: derivations/ on the path (tests import the derivation scripts), and the suite
spread over every core by pytest-xdist when it is installed and ``-n`` is not given (``-n 0``
runs in one process; ``-p no:xdist`` works too, which an ``-n auto`` in addopts would break)."""
import os
import sys

import pytest

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
