"""Long simulations show progress on stderr and an interrupted run keeps what it measured."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

CONFIG = """
[model]
activation = "erf"
K = 2
[data]
D = 500
spikes = [0.7, 0.25]
bulk = 0.03
[training]
t_max = 100000.0
[init]
std = 0.3
seed = 1
"""


def default_sigint():
    """In the child before exec: SIGINT back to its default action. A job started in the
    background by a non-interactive shell (as CI may run the tests) ignores SIGINT, children
    inherit that, and Python then installs no KeyboardInterrupt handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def busiest_other_thread(pid):
    """Thread id of the process's busiest thread other than the main one (a simulation worker),
    or the main thread when there is none (Linux /proc)."""
    best, tid = -1, pid
    for task in os.listdir("/proc/%d/task" % pid):
        if int(task) == pid:
            continue
        with open("/proc/%d/task/%s/stat" % (pid, task)) as f:
            ticks = sum(map(int, f.read().rsplit(")", 1)[1].split()[11:13]))  # utime + stime
        if ticks > best:
            best, tid = ticks, int(task)
    return tid


@pytest.mark.slow
@pytest.mark.parametrize("target", ["process", "worker thread"])
def test_ctrl_c_saves_partial_simulation(tmp_path, target):
    """The run is long (minutes); in a log the progress line appears after ~10 s, then Ctrl-C:
    to the process, and to a worker thread (where the kernel may deliver a process's SIGINT; the
    main thread must still notice it)."""
    cfg = tmp_path / "long.toml"
    cfg.write_text(CONFIG)
    out = tmp_path / "sim.npz"
    proc = subprocess.Popen([sys.executable, "-m", "odedyn", "simulate", str(cfg), "--seeds", "2",
                             "--out", str(out)], stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)
    seen, start = "", time.time()
    while "step" not in seen and time.time() - start < 120:  # the progress bar is up
        seen += proc.stderr.read(1)
    assert "step" in seen, seen
    if target == "process":
        proc.send_signal(signal.SIGINT)
    else:  # kill() to a thread id: Linux delivers to that thread when it can take the signal
        os.kill(busiest_other_thread(proc.pid), signal.SIGINT)
    try:
        rest = proc.communicate(timeout=120)[1]
    finally:
        proc.kill()  # no-op once it has exited; a run that ignored the signal must not linger
    assert proc.returncode == 0, rest
    assert "interrupted" in rest
    side = json.loads((tmp_path / "sim.json").read_text())
    assert side["simulation"]["interrupted"] is True and side["simulation"]["complete"] is False
    with np.load(out) as f:
        t = f["t"]
        assert 1 < len(t) < 61 and t[-1] < 100000.0
        assert np.all(np.isfinite(f["error"]))
