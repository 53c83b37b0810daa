"""Derived quantities of a learning curve, per grid point. Owns their definitions:

- **final error**: the error at the last output time.
- **time to target**: the first time the error reaches ``target`` (e <= target), interpolated
  linearly in (t, log e) between the two output times that bracket the crossing; NaN if never
  (odedyn.analysis.time_to_level, the one rule for a time to a level).
- **plateau length**: the longest stretch [t_a, t_b) of the curve on which the error stays within
  a relative band ``rel`` (default 5%) of its value at t_a, |e(t)/e(t_a) - 1| <= rel, and which
  ends by the error falling below (1 - rel) e(t_a) before the last output time. Its level e(t_a)
  is the **plateau error**. t_a runs over the output times and t_b is the first output time
  outside the band, so the resolution is that of the output grid (log-spaced by default); a
  plateau must hold at least one output time besides t_a (else any fall sampled coarsely would
  count). The converged tail (never left) is not a plateau; a curve without one has length 0.

For simulations these are taken on the mean over seeds.
"""
import numpy as np

from ..analysis import time_to_level


def final_error(t, e):
    ok = np.isfinite(e)
    return float(e[ok][-1]) if ok.any() else np.nan


def time_to_target(t, e, target):
    return time_to_level(t, e, target)


def plateau(t, e, rel=0.05):
    """(length, level) of the longest plateau (see the module docstring); (0, NaN) if none."""
    e = np.asarray(e, dtype=float)
    best, level = 0.0, np.nan
    n = len(e)
    for a in range(n):
        if not np.isfinite(e[a]) or e[a] <= 0:
            continue
        out = np.flatnonzero(~(np.abs(e[a + 1:] / e[a] - 1) <= rel))
        if not len(out):
            break          # the rest of the curve stays in the band: the converged tail
        b = a + 1 + out[0]
        if b > a + 1 and e[b] < (1 - rel) * e[a] and t[b] - t[a] > best:
            best, level = float(t[b] - t[a]), float(e[a])
    return best, level


def summarize(ds, target=None, rel=0.05):
    """Per-point summaries of a sweep Dataset: ``final_error``, ``plateau_length``,
    ``plateau_error`` and, with ``target``, ``time_to_target``; NaN where a point is not done."""
    import json

    import xarray
    meta = ds.attrs.get("sweep") or json.loads(ds.attrs["odedyn_sweep"])
    keys, name = meta["keys"], meta["error_name"]
    err = ds[name]
    if "seed" in err.dims:
        err = err.mean("seed")
    err = err.transpose(*keys, "time").values
    times = ds["t"].transpose(*keys, "time").values if "t" in ds else None
    status = ds["status"].values
    shape = status.shape
    out = {k: np.full(shape, np.nan) for k in ("final_error", "plateau_length", "plateau_error")}
    if target is not None:
        out["time_to_target"] = np.full(shape, np.nan)
    for idx in np.ndindex(shape):
        if status[idx] != 1:
            continue
        t = times[idx] if times is not None else ds["time"].values
        e = err[idx]
        out["final_error"][idx] = final_error(t, e)
        out["plateau_length"][idx], out["plateau_error"][idx] = plateau(t, e, rel)
        if target is not None:
            out["time_to_target"][idx] = time_to_target(t, e, target)
    coords = {k: ds[k].values for k in keys}
    res = xarray.Dataset({k: (keys, v) for k, v in out.items()}, coords=coords)
    res.attrs.update(error_name=name, rel=rel, target=np.nan if target is None else target)
    return res
