"""Long simulations show progress on stderr and an interrupted run keeps what it measured."""
import json
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


@pytest.mark.slow
def test_ctrl_c_saves_partial_simulation(tmp_path):
    """The run is long (minutes); in a log the progress line appears after ~10 s, then Ctrl-C."""
    cfg = tmp_path / "long.toml"
    cfg.write_text(CONFIG)
    out = tmp_path / "sim.npz"
    proc = subprocess.Popen([sys.executable, "-m", "odedyn", "simulate", str(cfg), "--seeds", "2",
                             "--out", str(out)], stderr=subprocess.PIPE, text=True)
    seen, start = "", time.time()
    while "step" not in seen and time.time() - start < 120:  # the progress bar is up
        seen += proc.stderr.read(1)
    assert "step" in seen, seen
    proc.send_signal(signal.SIGINT)
    rest = proc.communicate(timeout=120)[1]
    assert proc.returncode == 0, rest
    assert "interrupted" in rest
    side = json.loads((tmp_path / "sim.json").read_text())
    assert side["simulation"]["interrupted"] is True and side["simulation"]["complete"] is False
    with np.load(out) as f:
        t = f["t"]
        assert 1 < len(t) < 61 and t[-1] < 100000.0
        assert np.all(np.isfinite(f["error"]))
