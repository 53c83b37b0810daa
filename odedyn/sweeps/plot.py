"""Drawing a sweep (``odedyn plot-sweep DIR``). Owns: the heat map with contours of a per-point
quantity over two swept keys (``heat_map``), the family of learning curves over one swept key
(``curve_family``), and picking the slice to draw when more keys were swept (``--at``).
A key whose values are log-spaced gets a log axis with a few plainly written ticks; an axis
spans the swept range and no more. Points that failed numerically are hatched (xx), done points
without a value (target not reached) hatched (//) and named in the legend; points not run yet
are blank. Contours are labelled where the labels fit (their levels are on the colour bar). A
swept key that left every point identical is said (SweepWarning, and in the title).
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


#: at most this many labelled ticks on a log axis (decades thinned, else 1-3, 1-2-5, ...)
LOG_TICKS = 5
#: contour labels are written only on grids of at least this many values along both keys (on a
#: coarser grid the contours are rough and their levels are marked on the colour bar alone)
LABEL_GRID = 5
#: at most this many labels per contour level
LABELS_PER_LEVEL = 2
#: what a done point without a value of each quantity means
MISSING = {"time_to_target": "target not reached", "plateau_length": "no value",
           "plateau_error": "no plateau", "final_error": "no finite error"}


class LogTicks:
    """Major tick positions of a log axis from its view limits, at most ``most``: every n-th
    decade when three or more decades lie in the range, else the first of 1-3, 1-2-5, 1-2-3-5
    and 1-...-9 times the decades that gives three ticks (else two), else plain linear ticks."""
    SUBS = ((1.0, 3.0), (1.0, 2.0, 5.0), (1.0, 2.0, 3.0, 5.0), tuple(range(1, 10)))

    def __init__(self, most=LOG_TICKS):
        self.most = most

    def tick_values(self, lo, hi):
        from matplotlib.ticker import MaxNLocator
        lo, hi = sorted((float(lo), float(hi)))
        if not (np.isfinite(lo) and np.isfinite(hi) and hi > 0):
            return np.array([])
        lo = lo if lo > 0 else hi / 1e3
        tol = 1e-9
        k0, k1 = int(np.floor(np.log10(lo))) - 1, int(np.ceil(np.log10(hi))) + 1

        def inside(t):
            return t[(t >= lo * (1 - tol)) & (t <= hi * (1 + tol))]
        decades = inside(10.0 ** np.arange(k0, k1 + 1))
        if len(decades) >= 3:
            return decades[::int(np.ceil(len(decades) / self.most))]
        sets = [inside(np.array([m * 10.0 ** k for k in range(k0, k1 + 1) for m in subs]))
                for subs in self.SUBS]
        for enough in (3, 2):
            for t in sets:
                if enough <= len(t) <= self.most:
                    return t
        t = MaxNLocator(nbins=3, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
        return inside(t)


def tick_text(v, pos=None):
    """A tick label: plain (0.05, 3, 200) from 10^-3 to 10^4, else m x 10^k."""
    if v == 0 or not np.isfinite(v):
        return "%g" % v
    k = int(np.floor(np.log10(abs(v)) + 1e-9))
    if -3 <= k <= 4:
        return "%g" % float("%.3g" % v)
    m = float("%.3g" % (v / 10.0 ** k))
    return r"$10^{%d}$" % k if m == 1 else r"$%g\times10^{%d}$" % (m, k)


def log_ticks(axis, most=LOG_TICKS):
    """Give a log ``axis`` (x, y or a colour bar's) at most ``most`` labelled ticks, plainly
    written, and unlabelled minor ticks (call after its scale is set: set_scale resets them)."""
    from matplotlib.ticker import FuncFormatter, Locator, NullFormatter

    class _Locator(Locator):
        def __init__(self):
            self.ticks = LogTicks(most)

        def tick_values(self, vmin, vmax):
            return self.ticks.tick_values(vmin, vmax)

        def __call__(self):
            return self.tick_values(*self.axis.get_view_interval())
    axis.set_major_locator(_Locator())
    axis.set_major_formatter(FuncFormatter(tick_text))
    axis.set_minor_formatter(NullFormatter())


def _numeric(values):
    v = np.asarray(values)
    return v.dtype.kind in "biuf"


def _edges(values, log):
    """Cell edges around the grid values: half-way between neighbours, and the outer edges at the
    first and last value (an axis shows the swept range and nothing outside it, e.g. no negative
    noise); a single value gets a cell of half its size either side (0: the cell [0, 1])."""
    v = np.log(values) if log else np.asarray(values, dtype=float)
    if len(v) == 1:
        x = float(np.asarray(values, dtype=float)[0])
        return np.array([0.0, 1.0]) if x == 0 else np.sort([x / 2, 3 * x / 2])
    mid = np.concatenate([[v[0]], (v[1:] + v[:-1]) / 2, [v[-1]]])
    return np.exp(mid) if log else mid


def _value_axis(axis, values, log):
    """Ticks of an axis of swept values: log ticks, integers for an integer key, the one value
    of a single-valued key."""
    from matplotlib.ticker import FixedLocator, MaxNLocator
    if log:
        log_ticks(axis)
    elif len(values) == 1:
        axis.set_major_locator(FixedLocator([float(values[0])]))
    elif np.asarray(values).dtype.kind in "biu":
        axis.set_major_locator(MaxNLocator(nbins="auto", integer=True))


def _label_contours(fig, ax, cs, fmt):
    """Label the contours ``cs`` where the labels fit: at most LABELS_PER_LEVEL per level, none
    overlapping another or leaving the axes (matplotlib's own placement puts one on every piece
    of every contour, which piles them up on a coarse or noisy map). Returns the labels."""
    fig.canvas.draw()          # the layout first: label sizes are measured in display space
    renderer = fig.canvas.get_renderer()
    texts = cs.clabel(fmt=fmt, fontsize=7, inline=False)
    frame = ax.get_window_extent(renderer)
    kept, per_level, boxes = [], {}, []
    for text in texts:
        box = text.get_window_extent(renderer)
        pad = box.expanded(1.3, 1.6)
        level = text.get_text()
        if (per_level.get(level, 0) >= LABELS_PER_LEVEL or box.x0 < frame.x0
                or box.x1 > frame.x1 or box.y0 < frame.y0 or box.y1 > frame.y1
                or any(pad.overlaps(b) for b in boxes)):
            continue
        per_level[level] = per_level.get(level, 0) + 1
        boxes.append(pad)
        kept.append(text.get_position())
    while cs.labelTexts:
        cs.pop_label()
    if kept:
        cs.clabel(fmt=fmt, fontsize=7, inline=True, manual=kept)
    return list(cs.labelTexts)


def heat_map(ax, x, y, z, status, xlabel, ylabel, zlabel, fig, levels=None, log_color=True,
             missing=None):
    """Colour map of z[i, j] at (x[i], y[j]) with contours (labelled where they fit, their levels
    marked on the colour bar); hatching where status = 2; done points (status 1) without a value
    of z are drawn grey and named ``missing`` in the legend (e.g. "target not reached")."""
    from matplotlib.colors import LogNorm
    from matplotlib.patches import Patch
    logx, logy = is_log_spaced(x), is_log_spaced(y)
    ex, ey = _edges(x, logx), _edges(y, logy)
    z = np.asarray(z, dtype=float)
    status = np.asarray(status)
    finite = z[np.isfinite(z)]
    log_color = bool(log_color and len(finite) and finite.min() > 0)
    norm = (LogNorm(finite.min(), finite.max())
            if log_color and finite.max() > finite.min() else None)
    mesh = ax.pcolormesh(ex, ey, np.ma.masked_invalid(z.T), cmap="viridis", norm=norm,
                         shading="flat")
    handles = []
    unvalued = np.argwhere((status == 1) & ~np.isfinite(z))
    if len(unvalued):
        for i, j in unvalued:
            ax.fill_between([ex[i], ex[i + 1]], ey[j], ey[j + 1], facecolor="0.93",
                            hatch="//", edgecolor="0.6", lw=0)
        handles.append(Patch(facecolor="0.93", hatch="//", edgecolor="0.6",
                             label=missing or "no value"))
    failed = np.argwhere(status == 2)
    if len(failed):
        for i, j in failed:
            ax.fill_between([ex[i], ex[i + 1]], ey[j], ey[j + 1], facecolor="0.85",
                            hatch="xx", edgecolor="0.4", lw=0)
        handles.append(Patch(facecolor="0.85", hatch="xx", edgecolor="0.4",
                             label="failed numerically"))
    cb = None
    if len(finite):
        cb = fig.colorbar(mesh, ax=ax)
        cb.set_label(zlabel)
        if norm is not None:
            log_ticks(cb.ax.yaxis, most=6)
    else:
        ax.text(0.5, 0.5, "%s: no point has a value" % zlabel, transform=ax.transAxes,
                ha="center", va="center", fontsize=8, color="0.3")
    ax.set_xscale("log" if logx else "linear")
    ax.set_yscale("log" if logy else "linear")
    ax.set_xlim(ex[0], ex[-1])
    ax.set_ylim(ey[0], ey[-1])
    _value_axis(ax.xaxis, x, logx)
    _value_axis(ax.yaxis, y, logy)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(False)
    if handles:
        ax.legend(handles=handles, loc="upper right", fontsize=7, frameon=True)
    spread = len(finite) > 3 and finite.max() - finite.min() > 1e-9 * np.abs(finite).max()
    if min(len(x), len(y)) >= 3 and spread:   # (levels of a map equal to rounding: none)
        if levels is None:
            levels = (np.geomspace(finite.min(), finite.max(), 7)[1:-1] if log_color
                      else np.linspace(finite.min(), finite.max(), 7)[1:-1])
        cs = ax.contour(x, y, np.ma.masked_invalid(z.T), levels=levels, colors="white",
                        linewidths=0.8)
        if cb is not None:
            cb.add_lines(cs)
        if min(len(x), len(y)) >= LABEL_GRID:
            _label_contours(fig, ax, cs, lambda v: "%.3g" % v)
    return mesh


def _value_text(v):
    """A swept value as written in a legend or title (0.3, not 0.30000000000000004)."""
    return ("%.6g" % v) if isinstance(v, (float, np.floating)) else str(v)


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
                label=None if numeric else "%s = %s" % (key, _value_text(v)))
    ax.set_yscale("log")
    log_ticks(ax.xaxis)
    log_ticks(ax.yaxis, most=6)
    ax.set_ylabel(error_name)
    if numeric:
        sm = mpl.cm.ScalarMappable(norm=norm, cmap="viridis")
        cb = fig.colorbar(sm, ax=ax)
        cb.set_label(key)
        if log:
            log_ticks(cb.ax.yaxis, most=6)
    else:
        ax.legend(fontsize=7)


def summary_panel(ax, values, q, key, label, missing=None):
    """The per-point quantity ``q`` against the one swept key; points without a value (done,
    e.g. target not reached) marked on the top edge and named ``missing`` in the legend."""
    from matplotlib.transforms import blended_transform_factory
    numeric = _numeric(values)
    x = np.asarray(values, dtype=float) if numeric else np.arange(len(values))
    q = np.asarray(q, dtype=float)
    ax.plot(x, q, "o-", color="k", ms=4, clip_on=False)
    log = numeric and is_log_spaced(values)
    if log:
        ax.set_xscale("log")
    if numeric:
        lo, hi = _edges(values, False)[[0, -1]] if len(x) == 1 else (x.min(), x.max())
        ax.set_xlim(lo, hi)
        _value_axis(ax.xaxis, values, log)
    else:
        ax.set_xticks(x, [str(v) for v in values])
    if missing is not None and np.any(~np.isfinite(q)):
        top = blended_transform_factory(ax.transData, ax.transAxes)
        ax.plot(x[~np.isfinite(q)], np.ones(np.count_nonzero(~np.isfinite(q))), "x",
                color="C3", ms=6, mew=1.5, transform=top, clip_on=False, label=missing)
        ax.legend(fontsize=7, loc="lower right")
    ax.set_xlabel(key)
    ax.set_ylabel(label)


def identical_keys(ds, keys, error_name, rtol=1e-12):
    """The swept keys along which every done point has the same error curve as the others at the
    same values of the other keys (to ``rtol`` of the largest error; NaN where NaN): sweeping
    them changed nothing. Needs two done points side by side along the key."""
    err = ds[error_name]
    if "seed" in err.dims:
        err = err.mean("seed")
    err = np.asarray(err.transpose(*keys, "time").values, dtype=float)
    done = np.asarray(ds["status"].values) == 1
    scale = np.nanmax(np.abs(err[done])) if np.isfinite(err[done]).any() else 0.0
    out = []
    for axis, key in enumerate(keys):
        e, d = np.moveaxis(err, axis, -2), np.moveaxis(done, axis, -1)
        compared, same = 0, True
        for idx in np.ndindex(d.shape[:-1]):
            rows = e[idx][d[idx]]
            if len(rows) < 2:
                continue
            compared += 1
            ok = np.isfinite(rows)
            same = same and bool(np.all(ok == ok[0]) and np.all(
                np.abs(rows - rows[0])[ok] <= rtol * scale))
        if compared and same:
            out.append(key)
    return out


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
    """Draw the sweep at ``path``; writes PNG and PDF; returns their paths. A swept key that
    left every point identical is said in a SweepWarning and in the figure's title."""
    import warnings

    from ..errors import SweepWarning
    from ..plotting import plt, save
    from . import open_sweep
    ds = open_sweep(path)
    meta = ds.attrs["sweep"]
    if quantity == "time_to_target" and target is None:
        raise ConfigError("--target", None, "time_to_target needs --target ERROR")
    ds, keys = select(ds, meta["keys"], at or {})
    summ = summarize(ds.assign_attrs(sweep=dict(meta, keys=keys)), target)
    name, label = meta["error_name"], quantity_label(quantity, meta["error_name"], target)
    missing = MISSING[quantity]
    if quantity == "time_to_target":
        missing = "%s (by t = %g)" % (missing, float(np.nanmax(
            ds["t"].values if "t" in ds else ds["time"].values)))
    store_name = os.path.basename(os.path.normpath(path))
    title = "%s: %s sweep%s" % (store_name, meta["mode"], "".join(
        ", %s = %s" % (k, _value_text(ds[k].values.item())) for k in at or {}))
    same = identical_keys(ds, keys, name)
    for key in same:
        warnings.warn(SweepWarning(
            "%s: every point identical along %s (its %d values give the same %s curves): "
            "the key changes nothing here" % (store_name, key, len(ds[key]), name)))
    if same:
        title += "\nevery point identical along %s" % ", ".join(same)
    if len(keys) == 1:
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
        # room between panel (a)'s colour bar with its label and panel (b)'s axis label
        fig.get_layout_engine().set(wspace=0.1)
        fig.suptitle(title, fontsize=9)
        curve_family(ax, ds, keys[0], name, meta["time_label"], fig)
        summary_panel(ax2, ds[keys[0]].values, summ[quantity].values, keys[0], label, missing)
        for a, letter in ((ax, "(a)"), (ax2, "(b)")):
            a.set_title(letter, loc="left", fontweight="bold")
    else:
        fig, ax = plt.subplots(figsize=(5.6, 4.4), layout="constrained")
        fig.suptitle(title, fontsize=9)
        heat_map(ax, ds[keys[0]].values, ds[keys[1]].values, summ[quantity].values,
                 ds["status"].values, keys[0], keys[1], label, fig,
                 log_color=quantity != "plateau_length", missing=missing)
    base = store_name[:-5] if store_name.endswith(".zarr") else store_name
    folder = out or os.path.dirname(os.path.abspath(os.path.normpath(path)))
    return save(fig, folder, "%s-%s" % (base, quantity))
