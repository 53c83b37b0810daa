"""Sweep benchmark: a 200-point theory sweep (examples/erf_spiked.toml, training.lr x
data.spikes.0 = 20 x 10) on a local Dask cluster of 1 and of 2 worker processes; prints a table.

    python benchmarks/sweep.py [--points-lr 20 --points-spike 10] [--t-max 40] [--repeats 1]

Columns: wall time from the first submission to the last result (cluster start-up excluded, shown
apart), parallel efficiency T(1) / (n T(n)), the curve's own time (integrate_s, mean over points),
the task time on the worker (build + integrate + write into the store, mean) and the per-point
overhead n T(n) / points - curve time (everything a point costs beyond its own integration:
building the experiment, Dask, the zarr writes, the driver). Each run writes a fresh store.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(os.path.dirname(HERE), "examples", "erf_spiked.toml")


def run(workers, grid, t_max):
    from odedyn.config import load
    from odedyn.sweeps import engine, prepare
    cfg, base = load(CONFIG)
    cfg["training"]["t_max"] = t_max
    folder = tempfile.mkdtemp(prefix="odedyn-bench-sweep-")
    out = os.path.join(folder, "store")
    try:
        points, base, meta = prepare(cfg, grid, out, base_dir=base)
        t0 = time.perf_counter()
        report = engine.run(points, base, out, meta, workers=workers, progress=False)
        total = time.perf_counter() - t0
        import xarray
        ds = xarray.open_zarr(out).load()
        assert report["done"] == len(points), report
        return {"workers": workers, "points": len(points), "wall_s": report["wall_s"],
                "startup_s": total - report["wall_s"],
                "curve_s": float(np.mean(ds["curve_seconds"].values)),
                "task_s": float(np.mean(ds["seconds"].values))}
    finally:
        shutil.rmtree(folder)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--points-lr", type=int, default=20)
    ap.add_argument("--points-spike", type=int, default=10)
    ap.add_argument("--t-max", type=float, default=40.0)
    args = ap.parse_args(argv)
    grid = {"training.lr": "log:0.1:10:%d" % args.points_lr,
            "data.spikes.0": "lin:0.3:1.2:%d" % args.points_spike}
    rows = [run(w, grid, args.t_max) for w in (1, 2)]
    t1 = rows[0]["wall_s"]
    print("# %d-point theory sweep of %s (t_max = %g), local Dask cluster; load average %s"
          % (rows[0]["points"], os.path.basename(CONFIG), args.t_max,
             " ".join("%.1f" % x for x in os.getloadavg())), file=sys.stdout)
    print("%8s %10s %11s %10s %9s %9s %12s" % ("workers", "wall [s]", "start-up [s]",
                                                  "efficiency", "curve [ms]", "task [ms]",
                                                  "overhead [ms]"))
    for r in rows:
        n = r["workers"]
        eff = t1 / (n * r["wall_s"])
        overhead = n * r["wall_s"] / r["points"] - r["curve_s"]
        print("%8d %10.2f %11.2f %9.0f%% %10.1f %9.1f %12.1f"
              % (n, r["wall_s"], r["startup_s"], 100 * eff, 1e3 * r["curve_s"],
                 1e3 * r["task_s"], 1e3 * overhead))


if __name__ == "__main__":
    main()
