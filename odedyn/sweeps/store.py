"""The zarr store of a sweep (a folder ``DIR`` that ``xarray.open_zarr(DIR)`` reads). Owns: its
layout, creating it, refusing to mix two different sweeps in one folder, and writing one grid
point.

Layout (zarr format 2, consolidated metadata):

- coordinates: one dimension per swept key, named by the dotted key (``training.lr``), holding
  its values; ``time`` (the output times when every point has the same ones, else their index,
  with a variable ``t`` per point); ``seed`` for simulations;
- per point (dims = the swept keys): ``status`` (0 not run yet, 1 done, 2 failed numerically),
  ``message`` (why it failed, or which curves were not stored), ``seconds`` (wall time of the
  task on its worker), ``curve_seconds`` (the integration or simulation alone) and
  ``numerical_error`` (the theory's largest quadrature error estimate, as ``integrate`` reports
  it; NaN for closed-form averages and for simulations);
- curves: the experiment's error (e.g. ``error``, ``risk``, ``loss``) and its headline and order-
  parameter curves, dims (keys..., [seed,] time, NAME_0, NAME_1, ...), as first computed at the
  first grid point that succeeds (in grid order, so the layout does not depend on which worker
  finishes first). A curve whose shape differs at another point (``Q`` when ``model.K`` is swept)
  is left NaN there and named in that point's message;
- attributes: ``odedyn_sweep`` (JSON: keys, values, mode, seeds, kind, fingerprint), ``config``
  (JSON of the base CONFIG, [sweep] table included) and ``provenance`` (JSON: versions of odedyn,
  numpy, ..., dask, xarray, zarr; the code hash; argv).

Every array has one uncompressed chunk per grid point, and each chunk file is written atomically
(temporary file, then rename; ``_write_chunk``): a concurrent reader sees a point either not yet
written or complete, and a process killed mid-write leaves the store readable (at worst a stray
``.*.partial`` file, which zarr ignores). A point's ``status`` is written last, so a point counts
as done only once all its curves are on disk. The folder must be on a file system that every
worker sees (on a cluster: the shared home or scratch space).
"""
import json
import os
import uuid

import numpy as np

from ..errors import ConfigError

BOOKKEEPING = ("status", "message", "seconds", "curve_seconds", "numerical_error", "t")
NOT_RUN, DONE, FAILED = 0, 1, 2
MESSAGE_WIDTH = 400


def _xr():
    import xarray
    return xarray


def read_meta(path):
    """The ``odedyn_sweep`` attribute of the store at ``path`` (None if there is no store)."""
    import zarr
    if not os.path.exists(os.path.join(path, ".zgroup")):
        return None
    attrs = zarr.open_group(path, mode="r", zarr_format=2).attrs
    return json.loads(attrs["odedyn_sweep"]) if "odedyn_sweep" in attrs else None


def open_or_create(path, grid, meta, times, config, provenance):
    """The store at ``path`` for this sweep: created if absent; if present it must hold the same
    sweep (same ``meta['fingerprint']``), else ConfigError. ``times`` lists every point's output
    times. Returns the store's meta (with its ``id``)."""
    if os.path.exists(path):
        old = read_meta(path)
        if old is None and (not os.path.isdir(path) or os.listdir(path)):
            raise ConfigError("--out", path, "exists and is not an odedyn sweep store")
        if old is not None:
            if old["fingerprint"] != meta["fingerprint"]:
                raise ConfigError("--out", path, "holds a different sweep (other CONFIG, grid or "
                                  "mode); choose another folder")
            return old
    common = all(len(t) == len(times[0]) and np.array_equal(t, times[0]) for t in times)
    n_t = max(len(t) for t in times)
    meta = dict(meta, id=uuid.uuid4().hex, common_times=common, n_times=n_t)
    xr = _xr()
    import dask.array as da
    keys, shape = grid.keys, grid.shape
    coords = {k: np.asarray(v) for k, v in zip(keys, grid.values)}
    coords["time"] = np.asarray(times[0], dtype=float) if common else np.arange(n_t)
    if meta["mode"] == "simulate":
        coords["seed"] = np.arange(meta["seeds"])
    one = (1,) * len(keys)
    data = {"status": (keys, da.zeros(shape, dtype="i1", chunks=one)),
            "message": (keys, da.full(shape, "", dtype="<U%d" % MESSAGE_WIDTH, chunks=one)),
            "seconds": (keys, da.full(shape, np.nan, chunks=one)),
            "curve_seconds": (keys, da.full(shape, np.nan, chunks=one)),
            "numerical_error": (keys, da.full(shape, np.nan, chunks=one))}
    if not common:
        data["t"] = (keys + ["time"], da.full(shape + (n_t,), np.nan, chunks=one + (n_t,)))
    attrs = {"odedyn_sweep": json.dumps(meta), "config": json.dumps(config),
             "provenance": json.dumps(provenance)}
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    ds["status"].attrs["meaning"] = "0 not run yet, 1 done, 2 failed (see message)"
    ds["seconds"].attrs["units"] = "s"
    ds["curve_seconds"].attrs["units"] = "s"
    ds["numerical_error"].attrs["meaning"] = ("the theory's largest quadrature error estimate; "
                                              "NaN: closed forms, or a simulation")
    # built beside and renamed into place: an interrupted creation leaves no half store
    tmp = "%s.tmp-%s" % (os.path.normpath(path), meta["id"][:8])
    try:
        ds.to_zarr(tmp, mode="w", compute=False, zarr_format=2, consolidated=True,
                   encoding={name: {"compressors": None} for name in data})
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            import shutil
            shutil.rmtree(tmp)
    return meta


def status(path):
    import zarr
    return np.asarray(zarr.open_group(path, mode="r", zarr_format=2)["status"][...])


def curve_names(path, meta):
    import zarr
    g = zarr.open_group(path, mode="r", zarr_format=2)
    return sorted(set(g.array_keys()) - set(BOOKKEEPING) - set(meta["keys"]) - {"time", "seed"})


def add_curves(path, meta, result):
    """Create the curve arrays (metadata only) with the shapes of ``result``, a successful
    point; called once, by the driver, before any worker writes curves."""
    xr = _xr()
    import dask.array as da
    keys, shape = meta["keys"], tuple(len(v) for v in meta["values"])
    lead = ["seed", "time"] if meta["mode"] == "simulate" else ["time"]
    n_lead = [meta["seeds"], meta["n_times"]] if meta["mode"] == "simulate" else [meta["n_times"]]
    data = {}
    for name, arr in result["curves"].items():
        trailing = np.shape(arr)[len(lead):]
        dims = keys + lead + ["%s_%d" % (name, i) for i in range(len(trailing))]
        full = shape + tuple(n_lead) + trailing
        data[name] = (dims, da.full(full, np.nan, chunks=(1,) * len(keys) + full[len(keys):]))
    import zarr
    attrs = dict(zarr.open_group(path, mode="r", zarr_format=2).attrs)  # mode "a" replaces them
    ds = xr.Dataset(data, attrs=attrs)
    ds.to_zarr(path, mode="a", compute=False, zarr_format=2, consolidated=True,
               encoding={name: {"compressors": None} for name in data})
    _OPEN.pop((os.path.abspath(path), meta["id"]), None)


_OPEN = {}   # per process (each Dask worker): (path, store id) -> {name: .zarray metadata}


def _arrays(path, store_id):
    key = (os.path.abspath(path), store_id)
    if key not in _OPEN:
        import zarr
        names = list(zarr.open_group(path, mode="r", zarr_format=2).array_keys())
        metas = {}
        for name in names:
            with open(os.path.join(path, name, ".zarray")) as fh:
                metas[name] = json.load(fh)
        _OPEN[key] = metas
    return _OPEN[key]


def _write_chunk(path, name, meta, index, block):
    """Write the chunk of grid point ``index`` of array ``name``: ``block`` in its leading
    corner, the fill value elsewhere. The arrays are created uncompressed, in C order, one chunk
    per point (see ``open_or_create``), so a chunk file is the raw bytes of the block (zarr
    format 2); written to a temporary file and renamed into place, so never seen half-written.
    (zarr-python's own setitem costs ~4 ms per array, more than a theory curve.)"""
    assert meta["compressor"] is None and not meta["filters"] and meta["order"] == "C"
    dtype = np.dtype(meta["dtype"])
    fill = np.nan if dtype.kind == "f" else ("" if dtype.kind == "U" else 0)
    chunk = np.full(meta["chunks"][len(index):], fill, dtype=dtype)
    block = np.asarray(block, dtype=dtype)
    chunk[tuple(slice(0, n) for n in block.shape)] = block
    key = meta.get("dimension_separator", ".").join(
        str(i) for i in tuple(index) + (0,) * (len(meta["shape"]) - len(index)))
    folder = os.path.join(path, name)
    tmp = os.path.join(folder, ".%s.%s.partial" % (key, uuid.uuid4().hex))
    with open(tmp, "wb") as fh:
        fh.write(chunk.tobytes(order="C"))
    os.replace(tmp, os.path.join(folder, key))


def write_point(path, store_id, index, result, simulate):
    """Write one point's ``result`` (from odedyn.sweeps.engine.compute_point) into the store;
    ``status`` last. Curves whose shape differs from the store's are skipped and named in the
    message."""
    metas = _arrays(path, store_id)
    index = tuple(int(i) for i in index)
    messages = [result["message"]] if result["message"] else []
    if result["status"] == DONE:
        if "t" in metas:
            _write_chunk(path, "t", metas["t"], index, result["t"])
        n_lead = 2 if simulate else 1
        for name, arr in result["curves"].items():
            meta = metas.get(name)
            want = None if meta is None else tuple(meta["shape"][len(index):])
            got = np.shape(arr)
            if want is None or got[n_lead:] != want[n_lead:] or any(
                    g > w for g, w in zip(got[:n_lead], want[:n_lead])):
                messages.append("%s: shape %s differs from the store's %s, not stored"
                                % (name, got, want))
                continue
            _write_chunk(path, name, meta, index, arr)
    if messages:
        _write_chunk(path, "message", metas["message"], index, "; ".join(messages)[:MESSAGE_WIDTH])
    _write_chunk(path, "seconds", metas["seconds"], index, result["seconds"])
    _write_chunk(path, "curve_seconds", metas["curve_seconds"], index,
                 result.get("curve_seconds", np.nan))
    if "numerical_error" in metas:                 # (absent in a store made before it existed)
        _write_chunk(path, "numerical_error", metas["numerical_error"], index,
                     result.get("numerical_error", np.nan))
    _write_chunk(path, "status", metas["status"], index, np.int8(result["status"]))
