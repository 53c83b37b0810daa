"""Sweeps and phase diagrams on Dask. Owns: the front door ``sweep()`` (also ``odedyn.sweep`` and
``odedyn sweep``): build and check every grid point of a CONFIG, compute the missing ones on a Dask
cluster (one task per point), and return the results as an xarray Dataset stored in zarr.

    ds = odedyn.sweep("examples/erf_spiked.toml",
                      {"training.lr": "log:0.05:5:9", "data.spikes.0": [0.3, 0.5, 0.9]},
                      out="lr-spike.zarr", workers=2)
    ds["error"].isel(time=-1)            # final error on the (lr, spike) grid

Modules: ``grid`` (VALUES, [sweep] table, building the points), ``store`` (the zarr layout),
``engine`` (tasks, clusters, the loop), ``summary`` (final error, time to a target, plateau
length), ``plot`` (``odedyn plot-sweep``), ``cli`` (the two commands).
"""
import hashlib
import json
import os
import shutil
import tempfile

import numpy as np

from ..errors import ConfigError
from . import engine, grid, store
from .summary import summarize

__all__ = ["sweep", "summarize", "open_sweep"]


def _base(config, base_dir):
    """(CONFIG dict, folder) of a CONFIG path, a dict or an Experiment."""
    from ..config import load
    from ..experiment import Experiment
    if isinstance(config, Experiment):
        return config.config, config.base_dir
    if isinstance(config, dict):
        return config, base_dir or "."
    return load(os.fspath(config))


def fingerprint(cfg, g, mode, seeds):
    """What makes two sweeps the same: the CONFIG without [sweep], the grid and the mode."""
    text = json.dumps({"config": cfg, "keys": g.keys, "values": g.values, "mode": mode,
                       "seeds": seeds}, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def provenance(cfg):
    from importlib.metadata import PackageNotFoundError, version
    from ..results import provenance as base
    out = base(cfg)
    for pkg in ("dask", "distributed", "xarray", "zarr"):
        try:
            out["versions"][pkg] = version(pkg)
        except PackageNotFoundError:
            out["versions"][pkg] = None
    return out


def prepare(config, grid_spec=None, out=None, simulate=False, seeds=8, base_dir=None):
    """Check everything and open (or create) the store; nothing is computed. Returns
    (points, base_dir, meta). Every grid point's experiment is built first: a bad key or value
    is a ConfigError before any file is written."""
    cfg, base = _base(config, base_dir)
    g, rest = grid.make_grid(cfg, grid_spec or {})
    points, exps = g.points(rest, base)
    if simulate and (isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 2):
        raise ConfigError("--seeds", seeds, "must be an integer >= 2")
    mode = "simulate" if simulate else "theory"
    times = [np.asarray(e.snap_times(e.times) if simulate else e.times, dtype=float) for e in exps]
    first = exps[0]
    meta = {"keys": g.keys, "values": g.values, "mode": mode, "seeds": seeds if simulate else None,
            "kind": first.kind,
            "error_name": first.error_name, "time_label": first.time_label,
            "fingerprint": fingerprint(rest, g, mode, seeds if simulate else None)}
    meta = store.open_or_create(out, g, meta, times, cfg, provenance(cfg))
    return points, base, meta


def sweep(config, grid=None, out=None, simulate=False, seeds=8, workers=None, scheduler=None,
          cluster=None, progress=True, base_dir=None):
    """Sweep ``config`` (a CONFIG path, a CONFIG dict with ``base_dir``, or an Experiment) over
    ``grid`` ({dotted key: values or "lin:a:b:n" / "log:a:b:n"}, added to the CONFIG's [sweep]
    table); theory curves, or ``seeds`` SGD runs per point with ``simulate``.

    Results go to the zarr store ``out`` (resumable: points already there are not recomputed;
    a different sweep in the same folder is a ConfigError); without ``out`` a temporary store is
    used and the Dataset is returned loaded in memory. Engine: ``scheduler`` (address of a running
    Dask scheduler), ``cluster`` ("slurm" or "pbs", through dask-jobqueue) or a local cluster of
    ``workers`` processes. Returns the xarray Dataset; ``ds.attrs["run"]`` says what this call
    did (points computed, interrupted, wall time)."""
    import xarray
    tmp = None
    if out is None:
        tmp = out = tempfile.mkdtemp(prefix="odedyn-sweep-")
        os.rmdir(tmp)
    try:
        points, base, meta = prepare(config, grid, out, simulate, seeds, base_dir)
        report = engine.run(points, base, out, meta, workers, scheduler, cluster, progress)
        ds = xarray.open_zarr(out)
        if tmp is not None:
            ds = ds.load()
        ds.attrs["run"] = report
        return ds
    finally:
        if tmp is not None and os.path.exists(tmp):
            shutil.rmtree(tmp)


def open_sweep(path):
    """The Dataset of a sweep store (``xarray.open_zarr``), with its metadata in
    ``ds.attrs["sweep"]`` (decoded)."""
    import xarray
    meta = store.read_meta(path)
    if meta is None:
        raise ConfigError("DIR", path, "is not an odedyn sweep store")
    ds = xarray.open_zarr(path)
    ds.attrs["sweep"] = meta
    return ds
