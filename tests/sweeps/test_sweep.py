"""Sweeps without a Dask cluster: VALUES and the [sweep] table, every point checked before
anything runs (exit 2, one line, nothing written), one point's task and its store, the
summaries' definitions, and the Slurm job script (dask-jobqueue, no cluster needed)."""
import sys

import numpy as np
import pytest

from odedyn.cli import main
from odedyn.config import load
from odedyn.errors import ConfigError
from odedyn.sweeps import grid, prepare, store, summary
from odedyn.sweeps.engine import compute_point, jobqueue_cluster, run_point

BASE = """
[model]
kind = "autoencoder"
activation = "erf"
K = 2
[data]
D = 100
spikes = [0.7, 0.25]
bulk = 0.03
[training]
lr = 1.0
t_max = 2.0
[init]
std = 0.3
seed = 0
[output]
n_times = 8
"""


def write(tmp_path, text, name="c.toml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_values_lists_and_ranges():
    assert grid.parse_values("k", "0.1,0.5,1") == [0.1, 0.5, 1]
    assert grid.parse_values("k", "erf,relu") == ["erf", "relu"]
    assert grid.parse_values("k", "true,false") == [True, False]
    assert grid.parse_values("k", "lin:1:4:4") == [1, 2, 3, 4]           # integers stay integers
    assert grid.parse_values("k", "lin:0.1:2:20") == list(np.linspace(0.1, 2, 20))
    log = grid.parse_values("k", "log:1e-3:1:13")
    assert len(log) == 13 and log[0] == pytest.approx(1e-3) and log[-1] == pytest.approx(1.0)
    assert np.allclose(np.diff(np.log10(log)), 0.25)
    for bad in ("", "1,,2", "log:0:1:3", "lin:0:1", "lin:a:1:3", "lin:0:1:0", "1,1", "nan"):
        with pytest.raises(ConfigError, match="--grid k"):
            grid.parse_values("k", bad)


def test_sweep_table_is_read_and_stripped(tmp_path):
    text = BASE + '[sweep]\ntraining.lr = [0.5, 1.0]\n"data.spikes.0" = "lin:0.4:0.8:3"\n'
    cfg, base = load(write(tmp_path, text))
    g, rest = grid.make_grid(cfg, ["training.lr=2,3,4"])       # the command line replaces a key
    assert "sweep" not in rest and "sweep" in cfg
    assert g.keys == ["training.lr", "data.spikes.0"] and g.shape == (3, 3)
    points, exps = g.points(rest, base)
    assert len(points) == 9 and points[5].index == (1, 2)
    assert exps[5].model.lr_encoder == 3.0 and exps[5].spectrum.eigenvalues[0] == 0.8 * 100


@pytest.mark.parametrize("arg, key", [("training.lr=0.5,-1", "training.lr = -1"),
                                      ("training.lx=1,2", "training.lx = 1: unknown key"),
                                      ("data.spikes.4=0.5", "data.spikes.4 = 0.5: index 4"),
                                      ("model.K=lin:1:2.5:4", "model.K = 1.0: must be an integer"),
                                      ("model.kind=autoencoder", "model.kind"),
                                      ("lr=1,2", "--grid lr")])
def test_bad_grid_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, arg, key):
    out = tmp_path / "store"
    assert main(["sweep", write(tmp_path, BASE), "--grid", arg, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and key in err, err
    assert not out.exists()


def test_other_sweep_in_the_same_folder_is_refused(tmp_path):
    cfg = write(tmp_path, BASE)
    out = str(tmp_path / "store")
    prepare(cfg, {"training.lr": [0.5, 1.0]}, out)
    prepare(cfg, {"training.lr": [0.5, 1.0]}, out)                  # the same: fine (resume)
    with pytest.raises(ConfigError, match="different sweep"):
        prepare(cfg, {"training.lr": [0.5, 2.0]}, out)
    with pytest.raises(ConfigError, match="different sweep"):
        prepare(write(tmp_path, BASE.replace("t_max = 2.0", "t_max = 3.0"), "d.toml"),
                {"training.lr": [0.5, 1.0]}, out)


def test_point_task_writes_its_chunk_and_a_failure_is_recorded(tmp_path):
    """A point written by run_point equals the experiment's own curve; SGD that blows up is
    status 2 with the NumericalError's message; points not run read as NaN / status 0."""
    import xarray
    cfg = write(tmp_path, BASE)
    out = str(tmp_path / "store")
    spec = {"training.lr": [0.5, 1e4]}
    points, base, meta = prepare(cfg, spec, out, simulate=True, seeds=2)
    first = compute_point(points[0].config, base, "simulate", 2)
    store.add_curves(out, meta, first)
    store.write_point(out, meta["id"], points[0].index, first, True)
    report = run_point(out, meta["id"], points[1].index, points[1].config, base, "simulate", 2)
    assert report["status"] == store.FAILED and "blew up" in report["message"]
    ds = xarray.open_zarr(out)
    assert list(ds["status"].values) == [1, 2]
    assert "NumericalError" in str(ds["message"].values[1])
    assert ds["error"].dims == ("training.lr", "seed", "time")
    assert np.isnan(ds["error"].values[1]).all()
    from odedyn.config import derive
    sim = derive(load(cfg)[0], {"training.lr": 0.5}, base).simulate(seeds=2, progress=False)
    np.testing.assert_array_equal(ds["error"].values[0], sim["error_seeds"])
    np.testing.assert_array_equal(ds["Q"].values[0], sim["Q_seeds"])


def test_summaries_follow_their_definitions():
    t = np.array([0.0, 1, 2, 3, 4, 5, 6, 7, 8])
    e = np.array([1.0, 0.5, 0.49, 0.48, 0.5, 0.2, 0.1, 0.1, 0.1])
    assert summary.final_error(t, e) == 0.1
    # plateau: from t = 1 (0.5) the error stays within 5% until t = 5 (0.2): length 4
    assert summary.plateau(t, e, 0.05) == (4.0, 0.5)
    # the converged tail (0.1 from t = 6 on) is not a plateau; a monotone fall has none
    assert summary.plateau(t, np.geomspace(1, 1e-3, 9), 0.05)[0] == 0.0
    # time to target: crossing 0.3 between t = 4 (0.5) and 5 (0.2), linear in log e
    want = 4 + (np.log(0.5) - np.log(0.3)) / (np.log(0.5) - np.log(0.2))
    assert summary.time_to_target(t, e, 0.3) == pytest.approx(want, rel=1e-12)
    assert np.isnan(summary.time_to_target(t, e, 0.01))


def test_slurm_job_script():
    """The Slurm path: a job script that starts one odedyn-capable Dask worker per job and
    points it at the scheduler (created here on 127.0.0.1, never submitted)."""
    cluster = jobqueue_cluster("slurm", cores=2, memory="4GB", processes=1, walltime="01:00:00",
                               queue="short", account="physics",
                               scheduler_options={"host": "127.0.0.1", "dashboard_address": None})
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    lines = script.splitlines()
    assert lines[0].startswith("#!") and "#SBATCH -p short" in lines
    assert "#SBATCH -A physics" in lines and "#SBATCH -t 01:00:00" in lines
    assert "#SBATCH --cpus-per-task=2" in lines and any(l.startswith("#SBATCH --mem=") for l in lines)
    cmd = lines[-1]
    assert cmd.startswith(sys.executable) and "distributed.cli.dask_worker" in cmd
    assert "tcp://127.0.0.1:" in cmd and "--nthreads 2" in cmd


def test_unconfigured_cluster_is_a_config_error(monkeypatch):
    import dask
    with dask.config.set({"jobqueue.pbs.cores": None, "jobqueue.pbs.memory": None}):
        with pytest.raises(ConfigError, match="--cluster"):
            jobqueue_cluster("pbs", scheduler_options={"host": "127.0.0.1",
                                                       "dashboard_address": None})


def fill(cfg, spec, out):
    """A sweep store computed in this process (the tasks of odedyn.sweeps.engine, no cluster)."""
    points, base, meta = prepare(cfg, spec, out)
    first = compute_point(points[0].config, base, "theory", None)
    store.add_curves(out, meta, first)
    store.write_point(out, meta["id"], points[0].index, first, False)
    for p in points[1:]:
        run_point(out, meta["id"], p.index, p.config, base, "theory", None)


@pytest.mark.parametrize("spec, extra, files", [
    ({"training.lr": "log:0.5:2:3", "data.spikes.0": [0.5, 0.8]}, [], "final_error"),
    ({"training.lr": [0.5, 1.0]}, ["--quantity", "time_to_target", "--target", "0.3"],
     "time_to_target"),
    ({"training.lr": [0.5, 1.0], "data.spikes.0": [0.5, 0.8], "data.bulk": [0.02, 0.03]},
     ["--at", "data.bulk=0.03"], "final_error")])
def test_plot_sweep(tmp_path, capsys, spec, extra, files):
    out = str(tmp_path / "s.zarr")
    fill(write(tmp_path, BASE), spec, out)
    assert main(["plot-sweep", out] + extra) == 0
    for ext in ("png", "pdf"):
        assert (tmp_path / ("s-%s.%s" % (files, ext))).stat().st_size > 0


def test_plot_sweep_asks_for_the_other_keys(tmp_path, capsys):
    out = str(tmp_path / "s.zarr")
    fill(write(tmp_path, BASE), {"training.lr": [0.5], "data.spikes.0": [0.5],
                                 "data.bulk": [0.02, 0.03]}, out)
    assert main(["plot-sweep", out]) == 2
    assert "--at data.bulk" in capsys.readouterr().err
    assert main(["plot-sweep", out, "--quantity", "time_to_target"]) == 2


def test_a_theory_sweep_stores_each_points_numerical_error(tmp_path):
    """Over the activation: erf's closed forms report none (NaN), tanh's quadrature its
    estimate, the same number ``integrate`` reports for that point."""
    import xarray
    from odedyn.config import derive
    cfg = write(tmp_path, BASE)
    out = str(tmp_path / "store")
    points, base, meta = prepare(cfg, {"model.activation": ["erf", "tanh"]}, out)
    first = compute_point(points[0].config, base, "theory", 1)
    store.add_curves(out, meta, first)
    for p in points:
        assert run_point(out, meta["id"], p.index, p.config, base, "theory", 1)["status"] == 1
    ds = xarray.open_zarr(out)
    err = ds["numerical_error"].values
    assert np.isnan(err[0])
    own = derive(load(cfg)[0], {"model.activation": "tanh"}, base).integrate()
    assert 0 < err[1] < 1e-3 and err[1] == own.meta["numerical_error"]
