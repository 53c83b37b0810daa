"""What a user sees when a theory run is pointless or hopeless (issue 24, items 3 and 4): a
learning rate that leaves fewer than two gradient-descent steps is an error naming it, output
times never pass t_max, a loss that grows under gradient descent is a warning saying when; a
stiff theory run shows progress, is flagged, and answers Ctrl-C within a second."""
import json
import signal
import subprocess
import sys
import time

import pytest

from odedyn.cli import main
from test_interrupt import default_sigint

GROUP_SPARSE = """
[model]
kind = "group-sparse-autoencoder"
threshold = 0.2
[data]
n = 20
groups = 4
group_size = 2
active_groups = 1
[training]
lr = %s
t_max = 20.0
[init]
distance = 0.3
[theory]
dynamics = "gradient-descent"
amplitude_nodes = 3
error_estimate = false
[output]
n_times = 5
"""

ONE_BIT = """
[model]
kind = "sign-autoencoder"
d = 12
r = 0.5
[training]
method = "gd"
lr = %s
t_max = 20.0
"""


def run(tmp_path, text, *args):
    path = tmp_path / "c.toml"
    path.write_text(text)
    return main(["integrate", str(path), *args])


@pytest.mark.parametrize("text,lr", [(GROUP_SPARSE, 50), (ONE_BIT, 100)])
def test_a_rate_that_leaves_fewer_than_two_steps_is_an_error(tmp_path, capsys, text, lr):
    assert run(tmp_path, text % lr, "--json") == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]  # (after a compile notice)
    assert err.startswith("odedyn: error: training.lr = %s" % lr) and "two steps" in err


def test_times_stay_within_t_max_and_a_growing_loss_is_said(tmp_path, capsys):
    assert run(tmp_path, GROUP_SPARSE % 3, "--json") == 0
    captured = capsys.readouterr()
    said = [line for line in captured.err.splitlines() if line.startswith("odedyn: warning:")]
    assert len(said) == 1 and "loss grows under gradient descent" in said[0], captured.err
    assert "training.lr = 3" in said[0]
    out = json.loads(captured.out)
    assert max(out["t"]) <= 20.0 and out["t"][-1] == 18.0


@pytest.mark.slow
def test_a_hopeless_theory_run_is_flagged_and_answers_ctrl_c(tmp_path):
    """The autoencoder at lr = 1e4 (the equations become stiff: a step of ~3e-5 over t = 40)
    prints progress and a stiffness warning within a few seconds, and answers SIGINT within a
    second (its message; the interpreter's exit then takes a moment more), exit status 130."""
    cfg = tmp_path / "c.toml"
    cfg.write_text('[model]\nkind = "autoencoder"\nK = 2\n[data]\nD = 1000\nspikes = [0.7, '
                   '0.25]\nbulk = 0.03\n[training]\nlr = 1e4\nt_max = 40.0\n[init]\nstd = 0.3\n')
    proc = subprocess.Popen([sys.executable, "-m", "odedyn", "integrate", str(cfg)],
                            stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    lines, t0 = [], time.monotonic()
    while time.monotonic() - t0 < 300:
        line = proc.stderr.readline()
        lines.append(line)
        if "theory at t =" in line:
            break
    assert any("stiff" in line for line in lines), lines
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    answer = proc.stderr.readline()
    assert time.monotonic() - sent < 1.0 and "interrupted" in answer, answer
    proc.wait(timeout=30)
    proc.stderr.close()
    assert proc.returncode == 130
