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
kind = "autoencoder"
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
    assert proc.returncode == 130, rest  # 128 + SIGINT, as a shell reports a Ctrl-C
    assert "interrupted" in rest and str(out) in rest and "Traceback" not in rest
    side = json.loads((tmp_path / "sim.json").read_text())
    assert side["simulation"]["interrupted"] is True and side["simulation"]["complete"] is False
    with np.load(out) as f:
        t = f["t"]
        assert 1 < len(t) < 61 and t[-1] < 100000.0
        assert np.all(np.isfinite(f["error"]))
        assert len(f["n_seeds"]) == len(t) and 1 <= f["n_seeds"].min() <= f["n_seeds"].max() <= 2


def interrupt_when_running(args, timeout=300):
    """Start ``odedyn ARGS``, wait for the progress line of its simulation (not the theory's,
    which also counts steps and shows when the kernels compile on a fresh machine), send SIGINT
    to the process; returns (exit status, stderr after the signal)."""
    proc = subprocess.Popen([sys.executable, "-m", "odedyn"] + args, stderr=subprocess.PIPE,
                            text=True, preexec_fn=default_sigint)
    seen, start = "", time.time()
    while "simulate:" not in seen and time.time() - start < timeout and proc.poll() is None:
        seen += proc.stderr.read(1)
    assert "simulate:" in seen, seen
    proc.send_signal(signal.SIGINT)
    try:
        rest = proc.communicate(timeout=timeout)[1]
    finally:
        proc.kill()
    return proc.returncode, rest


@pytest.mark.slow
def test_ctrl_c_compare_more_seeds_than_workers(tmp_path):
    """The README's example at D = 4000 with 8 seeds on 2 workers (seeds still queued when Ctrl-C
    comes): the comparison of what was measured is saved, the count of seeds behind each time is
    in the file, stderr says where, exit status 130."""
    example = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "examples", "erf_spiked.toml")
    out = tmp_path / "res"
    status, err = interrupt_when_running(["compare", example, "--D", "4000", "--seeds", "8",
                                          "--workers", "2", "--out", str(out)])
    assert status == 130, err
    assert "Traceback" not in err and "interrupted" in err
    npz = out / "erf_spiked-compare.npz"
    assert str(npz) in err
    side = json.loads((out / "erf_spiked-compare.json").read_text())
    assert side["simulation"]["interrupted"] is True and side["simulation"]["complete"] is False
    assert side["summary"]["interrupted"] is True
    with np.load(npz) as f:
        n = f["sim_n_seeds"]
        assert len(n) == len(f["sim_t"]) == len(f["theory_t"]) > 1
        assert n[0] <= 8 and n[-1] < 8  # not every seed reached the last time measured
        assert np.all(np.diff(n) <= 0)
        assert np.all(np.isfinite(f["sim_error"])) and np.all(np.isfinite(f["theory_error"]))
    assert (out / "erf_spiked-compare.png").exists()


@pytest.mark.slow
def test_ctrl_c_on_a_re_run_keeps_the_complete_result(tmp_path):
    """A compare run to completion, then the same command on the same CONFIG (now long) and
    Ctrl-C midway: the complete files stay as they were, byte for byte; the partial result is
    written beside them (NAME-compare.partial.*), its sidecar's seed counts agreeing."""
    cfg, out = tmp_path / "run.toml", tmp_path / "res"
    cfg.write_text(CONFIG.replace("t_max = 100000.0", "t_max = 2.0"))
    done = subprocess.run([sys.executable, "-m", "odedyn", "compare", str(cfg), "--seeds", "2",
                           "--no-progress", "--out", str(out)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert "run-compare.npz" in before
    cfg.write_text(CONFIG)
    status, err = interrupt_when_running(["compare", str(cfg), "--seeds", "2", "--out", str(out)])
    assert status == 130 and "Traceback" not in err, err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name in before} == before
    partial = out / "run-compare.partial.json"
    assert str(out / "run-compare.partial.npz") in err and partial.exists(), err
    side = json.loads(partial.read_text())
    assert side["summary"]["seeds"] == side["simulation"]["seeds"]
    assert side["simulation"]["complete"] is False
