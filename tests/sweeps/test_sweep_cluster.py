"""Sweeps on real Dask clusters (all on 127.0.0.1, dashboards off): the same numbers bit for bit
on the default local cluster, on an existing cluster reached with --scheduler and as separate
`odedyn integrate` runs; re-running a finished sweep computes nothing; a worker killed mid-sweep
and Ctrl-C to the command. Every process a test starts is stopped by its pid."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray

from odedyn.cli import main
from odedyn.config import derive, load

pytestmark = pytest.mark.slow

TEMPLATE = """
[model]
kind = "autoencoder"
activation = "erf"
K = 2
[data]
D = {D}
spikes = [{s0!r}, 0.25]
bulk = 0.03
[training]
lr = {lr!r}
t_max = {t_max!r}
[init]
std = 0.3
seed = 0
[output]
n_times = 10
"""
THEORY = dict(D=200, s0=0.7, lr=1.0, t_max=5.0)
GRID = ["--grid", "training.lr=0.5,2", "--grid", "data.spikes.0=0.4,0.8"]
# SGD points of ~0.3 s each (D = 400, 40 000 steps x 2 seeds): long enough to act mid-sweep
SLOW = dict(D=400, s0=0.7, lr=1.0, t_max=100.0)
SLOW_GRID = ["--grid", "training.lr=lin:0.5:1.5:10", "--simulate", "--seeds", "2"]
CURVES = ("error", "Q", "R", "T", "T0", "b")


def write(folder, name, **values):
    path = os.path.join(folder, name)
    with open(path, "w") as fh:
        fh.write(TEMPLATE.format(**values))
    return path


def odedyn_process(args, **kw):
    return subprocess.Popen([sys.executable, "-m", "odedyn"] + args, stderr=subprocess.PIPE,
                            text=True, preexec_fn=lambda: signal.signal(signal.SIGINT,
                                                                        signal.SIG_DFL), **kw)


def wait_for_points(path, n, proc, timeout=300):
    """Until the store at ``path`` has at least ``n`` points done (or the process ended)."""
    start = time.time()
    while time.time() - start < timeout and proc.poll() is None:
        if os.path.exists(os.path.join(path, ".zmetadata")):
            done = int((xarray.open_zarr(path)["status"].values == 1).sum())
            if done >= n:
                return done
        time.sleep(0.2)
    raise AssertionError("no %d points done in %s s (process ended: %s)" % (n, timeout, proc.poll()))


@pytest.fixture(scope="module")
def local_store(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("local"))
    cfg = write(folder, "c.toml", **THEORY)
    out = os.path.join(folder, "store")
    assert main(["sweep", cfg, *GRID, "--out", out, "--workers", "2", "--no-progress"]) == 0
    return cfg, out


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """`dask scheduler` and two `dask worker` processes (no nanny: a killed worker stays dead),
    all bound to 127.0.0.1 without dashboards; stopped by pid at the end."""
    from distributed import Client
    folder = tmp_path_factory.mktemp("cluster")
    sched_file = str(folder / "scheduler.json")
    procs = []
    try:
        procs.append(subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host",
                                       "127.0.0.1", "--port", "0", "--no-dashboard",
                                       "--scheduler-file", sched_file],
                                      stderr=subprocess.DEVNULL, cwd=folder))
        for _ in range(2):
            procs.append(subprocess.Popen([sys.executable, "-m", "dask", "worker",
                                           "--scheduler-file", sched_file, "--host", "127.0.0.1",
                                           "--no-dashboard", "--no-nanny", "--nthreads", "1"],
                                          stderr=subprocess.DEVNULL, cwd=folder))
        start = time.time()
        while not os.path.exists(sched_file) and time.time() - start < 120:
            time.sleep(0.2)
        with Client(scheduler_file=sched_file, timeout="60s") as c:
            c.wait_for_workers(2, timeout=180)
            address = c.scheduler.address
        assert address.startswith("tcp://127.0.0.1:")
        yield address, procs[1:]
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def test_local_cluster_equals_separate_integrate_runs_and_rerun_computes_nothing(local_store,
                                                                                  tmp_path,
                                                                                  capsys):
    cfg, out = local_store
    ds = xarray.open_zarr(out).load()
    assert (ds["status"].values == 1).all()
    for i, lr in enumerate([0.5, 2.0]):
        for j, s0 in enumerate([0.4, 0.8]):
            point = write(str(tmp_path), "p%d%d.toml" % (i, j), **dict(THEORY, lr=lr, s0=s0))
            npz = str(tmp_path / ("p%d%d.npz" % (i, j)))
            assert main(["integrate", point, "--out", npz]) == 0
            with np.load(npz) as f:
                np.testing.assert_array_equal(ds["time"].values, f["t"])
                for name in CURVES:
                    np.testing.assert_array_equal(ds[name].values[i, j], f[name], err_msg=name)
    capsys.readouterr()
    assert main(["sweep", cfg, *GRID, "--out", out, "--no-progress"]) == 0
    assert "computed 0 now" in capsys.readouterr().err
    assert xarray.open_zarr(out).attrs["odedyn_sweep"] == ds.attrs["odedyn_sweep"]


def test_existing_scheduler_gives_the_same_numbers(local_store, dask_cluster, tmp_path):
    cfg, local = local_store
    address, _ = dask_cluster
    out = str(tmp_path / "store")
    assert main(["sweep", cfg, *GRID, "--out", out, "--scheduler", address,
                 "--no-progress"]) == 0
    a, b = xarray.open_zarr(local).load(), xarray.open_zarr(out).load()
    for name in CURVES:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)


def test_ctrl_c_leaves_a_readable_store_and_the_rerun_finishes_it(dask_cluster, tmp_path):
    """Real SIGINT to `odedyn sweep` on its default local cluster once a point is done: exit
    130, a store xarray reads with the points done; the same command on another cluster
    computes only the rest."""
    address, _ = dask_cluster
    cfg = write(str(tmp_path), "slow.toml", **SLOW)
    out = str(tmp_path / "store")
    args = ["sweep", cfg, *SLOW_GRID, "--out", out, "--no-progress"]
    proc = odedyn_process(args + ["--workers", "1"])
    try:
        wait_for_points(out, 1, proc)
        proc.send_signal(signal.SIGINT)
        err = proc.communicate(timeout=120)[1]
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err, err     # the clean message only
    ds = xarray.open_zarr(out).load()
    done = ds["status"].values == 1
    assert 1 <= done.sum() < 10
    assert np.isfinite(ds["error"].values[done]).all() and np.isnan(ds["error"].values[~done]).all()
    proc = odedyn_process(args + ["--scheduler", address])
    err = proc.communicate(timeout=600)[1]
    assert proc.returncode == 0, err
    assert "10 of 10 points done" in err and "computed %d now" % (10 - done.sum()) in err


def test_killing_a_worker_mid_sweep_still_completes(dask_cluster, tmp_path):
    """SIGKILL to one of the two workers once a point is done: the scheduler re-runs its task on
    the other, every point ends done and equals a direct simulation."""
    address, workers = dask_cluster
    cfg = write(str(tmp_path), "slow.toml", **SLOW)
    out = str(tmp_path / "store")
    proc = odedyn_process(["sweep", cfg, *SLOW_GRID, "--out", out, "--scheduler", address,
                           "--no-progress"])
    try:
        done_at_kill = wait_for_points(out, 2, proc)
        os.kill(workers[0].pid, signal.SIGKILL)
        err = proc.communicate(timeout=600)[1]
    finally:
        proc.kill()
    assert done_at_kill < 10, "the sweep ended before the kill: make the points longer"
    assert workers[0].wait(timeout=10) == -signal.SIGKILL
    assert proc.returncode == 0, err
    ds = xarray.open_zarr(out).load()
    assert (ds["status"].values == 1).all()
    cfg_dict, base = load(cfg)
    lr = float(ds["training.lr"].values[-1])
    sim = derive(cfg_dict, {"training.lr": lr}, base).simulate(seeds=2, progress=False)
    np.testing.assert_array_equal(ds["error"].values[-1], sim["error_seeds"])


def test_default_local_cluster_listens_on_loopback_only():
    from distributed import Client
    from odedyn.sweeps.engine import local_cluster
    with local_cluster(1) as cluster, Client(cluster) as c:
        workers = list(c.scheduler_info()["workers"])
        http = [s.getsockname()[0] for s in cluster.scheduler.http_server._sockets.values()]
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        assert workers and all(w.startswith("tcp://127.0.0.1:") for w in workers)
        assert http and set(http) == {"127.0.0.1"}
        # what listens is the health/metrics HTTP server, on a free port: no dashboard page
        import urllib.error
        import urllib.request
        port = next(iter(cluster.scheduler.http_server._sockets.values())).getsockname()[1]
        assert port != 8787
        url = "http://127.0.0.1:%d/" % port
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        assert direct.open(url + "health", timeout=10).read() == b"ok"
        with pytest.raises(urllib.error.HTTPError, match="404"):
            direct.open(url + "status", timeout=10)


def test_phase_diagram_figure_quick(tmp_path):
    """The quick figure: every point done, the final error above the PCA error of two
    components (a K = 2 reconstruction lies in a 2-dimensional subspace) and falling with the
    learning rate at every spike; and the claim of panel (b), that eta only sets the clock:
    (eta, t) and (2 eta, t / 2) end at the same error to the solver's tolerance."""
    from odedyn.figures import load as load_figure
    numbers = load_figure("sweep-phase-diagram").make(str(tmp_path), quick=True)
    assert numbers["failed"] == 0 and numbers["points"] == 35
    final, pca = numbers["final_error"], numbers["pca_error"]
    assert (final >= pca[None, :]).all()
    assert (np.diff(final, axis=0) < 0).all()
    assert all(os.path.getsize(f) > 0 for f in numbers["files"])
    cfg, base = load(os.path.join(os.path.dirname(__file__), "..", "..", "examples",
                                  "erf_spiked.toml"))
    a = derive(cfg, {"training.lr": 0.7, "training.t_max": 12.0}, base).integrate()
    b = derive(cfg, {"training.lr": 1.4, "training.t_max": 6.0}, base).integrate()
    assert a["error"][-1] == pytest.approx(b["error"][-1], rel=1e-7)
