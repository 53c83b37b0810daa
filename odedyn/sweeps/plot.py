"""Drawing a sweep (``odedyn plot-sweep DIR``). Owns: the heat map with contours of a per-point
quantity over two swept keys (``heat_map``), the family of learning curves over one swept key
(``curve_family``), and picking the slice to draw when more keys were swept (``--at``).
A key whose values are log-spaced gets a log axis. Points that failed numerically are hatched;
points not run yet are blank.
"""
import os

import numpy as np

from ..errors import ConfigError
from .summary import summarize

LABELS = {"final_error": "final %s", "plateau_length": "plateau length",
          "plateau_error": "plateau level of the %s", "time_to_target": "time to reach %s = %g"}


def is_log_spaced(values):
    v = np.asarray(values, dtype=float)
    if len(v) < 3 or np.any(v <= 0):
        return False
    r = np.diff(np.log(v))
    return bool(np.allclose(r, r[0], rtol=1e-6) and not np.allclose(np.diff(v), np.diff(v)[0]))


def quantity_label(quantity, error_name, target=None):
    text = LABELS[quantity]
    if quantity == "time_to_target":
        return text % (error_name, target)
    return text % error_name if "%s" in text else text


def _edges(values, log):
    v = np.log(values) if log else np.asarray(values, dtype=float)
    if len(v) == 1:
        mid = np.array([v[0] - 0.5, v[0] + 0.5])
    else:
        inner = (v[1:] + v[:-1]) / 2
        mid = np.concatenate([[2 * v[0] - inner[0]], inner, [2 * v[-1] - inner[-1]]])
    return np.exp(mid) if log else mid


def heat_map(ax, x, y, z, status, xlabel, ylabel, zlabel, fig, levels=None, log_color=True):
    """Colour map of z[i, j] at (x[i], y[j]) with labelled contours; hatching where status = 2."""
    from matplotlib.colors import LogNorm
    logx, logy = is_log_spaced(x), is_log_spaced(y)
    z = np.asarray(z, dtype=float)
    finite = z[np.isfinite(z)]
    log_color = log_color and len(finite) and finite.min() > 0
    norm = LogNorm(finite.min(), finite.max()) if log_color and finite.max() > finite.min() else None
    mesh = ax.pcolormesh(_edges(x, logx), _edges(y, logy), np.ma.masked_invalid(z.T),
                         cmap="viridis", norm=norm, shading="flat")
    cb = fig.colorbar(mesh, ax=ax)
    cb.set_label(zlabel)
    if len(x) > 1 and len(y) > 1 and len(finite) > 3 and finite.max() > finite.min():
        if levels is None:
            levels = (np.geomspace(finite.min(), finite.max(), 7)[1:-1] if log_color
                      else np.linspace(finite.min(), finite.max(), 7)[1:-1])
        cs = ax.contour(x, y, np.ma.masked_invalid(z.T), levels=levels, colors="white",
                        linewidths=0.8)
        ax.clabel(cs, fmt=lambda v: "%.3g" % v, fontsize=7)
    failed = np.argwhere(np.asarray(status) == 2)
    if len(failed):
        ex, ey = _edges(x, logx), _edges(y, logy)
        for i, j in failed:
            ax.fill_between([ex[i], ex[i + 1]], ey[j], ey[j + 1], facecolor="0.85",
                            hatch="xx", edgecolor="0.4", lw=0)
        ax.fill_between([], [], facecolor="0.85", hatch="xx", edgecolor="0.4",
                        label="failed numerically")
        ax.legend(loc="upper right", fontsize=7)
    ax.set_xscale("log" if logx else "linear")
    ax.set_yscale("log" if logy else "linear")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(False)
    return mesh


def curve_family(ax, ds, key, error_name, time_label, fig):
    """The error against time for every value of ``key`` (colour = value, with a colour bar)."""
    import matplotlib as mpl
    from ..plotting import time_axis
    values = ds[key].values
    numeric = np.issubdtype(values.dtype, np.number) and len(values) > 8   # else a legend
    log = numeric and is_log_spaced(values)
    if numeric:
        norm = (mpl.colors.LogNorm if log else mpl.colors.Normalize)(values.min(), values.max())
        colors = mpl.cm.viridis(norm(values))
    else:
        colors = mpl.cm.viridis(np.linspace(0, 1, len(values)))
    time_axis(ax, label=time_label)
    err = ds[error_name]
    if "seed" in err.dims:
        err = err.mean("seed")
    for i, v in enumerate(values):
        if int(ds["status"].values[i]) != 1:
            continue
        t = ds["t"].values[i] if "t" in ds else ds["time"].values
        e = err.isel({key: i}).values
        mask = t > 0
        ax.plot(t[mask], e[mask], color=colors[i], lw=1.4,
                label=None if numeric else "%s = %s" % (key, v))
    ax.set_yscale("log")
    ax.set_ylabel(error_name)
    if numeric:
        sm = mpl.cm.ScalarMappable(norm=norm, cmap="viridis")
        fig.colorbar(sm, ax=ax).set_label(key)
    else:
        ax.legend(fontsize=7)


def select(ds, keys, at):
    """The Dataset at ``at`` {key: value as text} for every swept key beyond the first two."""
    from .grid import _scalar
    extra = keys[2:]
    for key in at:
        if key not in keys:
            raise ConfigError("--at " + key, at[key], "not a swept key (%s)" % ", ".join(keys))
    for key in extra:
        if key not in at:
            raise ConfigError("--at " + key, None, "%d keys were swept: give --at %s=VALUE"
                              % (len(keys), key))
    sel = {}
    for key, text in at.items():
        value = _scalar(text)
        values = ds[key].values
        if np.issubdtype(values.dtype, np.number):
            if isinstance(value, str):
                raise ConfigError("--at " + key, text, "must be a number")
            sel[key] = int(np.argmin(np.abs(values - value)))
        else:
            hits = np.flatnonzero(values == str(value))
            if not len(hits):
                raise ConfigError("--at " + key, text, "not among %s" % list(values))
            sel[key] = int(hits[0])
    return ds.isel(sel), [k for k in keys if k not in at]


def plot_sweep(path, quantity="final_error", target=None, at=None, out=None):
    """Draw the sweep at ``path``; writes PNG and PDF; returns their paths."""
    from ..plotting import plt, save
    from . import open_sweep
    ds = open_sweep(path)
    meta = ds.attrs["sweep"]
    if quantity == "time_to_target" and target is None:
        raise ConfigError("--target", None, "time_to_target needs --target ERROR")
    ds, keys = select(ds, meta["keys"], at or {})
    summ = summarize(ds.assign_attrs(sweep=dict(meta, keys=keys)), target)
    name, label = meta["error_name"], quantity_label(quantity, meta["error_name"], target)
    title = "%s: %s sweep%s" % (os.path.basename(os.path.normpath(path)), meta["mode"], "".join(", %s = %s" % (k, ds[k].values) for k in at or {}))
    if len(keys) == 1:
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
        curve_family(ax, ds, keys[0], name, meta["time_label"], fig)
        values = ds[keys[0]].values
        ax2.plot(values, summ[quantity].values, "o-", color="k", ms=4)
        if is_log_spaced(values):
            from matplotlib.ticker import NullFormatter
            ax2.set_xscale("log")
            ax2.xaxis.set_minor_formatter(NullFormatter())   # crowded within a decade
        ax2.set_xlabel(keys[0])
        ax2.set_ylabel(label)
        for a, letter in ((ax, "(a)"), (ax2, "(b)")):
            a.set_title(letter, loc="left", fontweight="bold")
    else:
        fig, ax = plt.subplots(figsize=(5.6, 4.4), layout="constrained")
        heat_map(ax, ds[keys[0]].values, ds[keys[1]].values, summ[quantity].values,
                 ds["status"].values, keys[0], keys[1], label, fig,
                 log_color=quantity != "plateau_length")
    fig.suptitle(title, fontsize=9)
    base = os.path.basename(os.path.normpath(path))
    base = base[:-5] if base.endswith(".zarr") else base
    folder = out or os.path.dirname(os.path.abspath(os.path.normpath(path)))
    return save(fig, folder, "%s-%s" % (base, quantity))
