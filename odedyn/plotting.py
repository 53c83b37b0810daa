"""Shared plotting. Owns: the house style of odedyn figures and the mechanics every figure gets
from it: theory as lines, simulation as markers with standard-error bars (the legend says when the
bars are smaller than the markers), labelled axes, time on a log axis, panel labels (a), (b),
titles naming the model's parameters, legends moved off the data, and saving as PNG (300 dpi) and
PDF atomically.

Importing this module changes nothing global: the style (``STYLE``) applies inside ``style()``,
which ``odedyn figure``, ``figure_main`` and ``comparison_figure`` enter; the backend is the
caller's (the CLI picks Agg for its own process)."""
import os
import textwrap

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from .results import atomic_write

STYLE = {"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False,
         "axes.spines.right": False, "font.size": 10, "legend.frameon": False}
COLORS = matplotlib.rcParamsDefault["axes.prop_cycle"].by_key()["color"]
#: resolution of the PNG files
PNG_DPI = 300
#: what the legend says of simulation markers whose standard-error bars all hide behind them
BARS_HIDDEN = "error bars smaller than markers"
BARS_SOME_HIDDEN = "error bars smaller than markers where not visible"


def style():
    """Context in which figures are drawn in the house style (rcParams restored on exit)."""
    return matplotlib.rc_context(STYLE)


def time_axis(ax, log=True, label=r"time $t$ (steps / $D$)"):
    ax.set_xlabel(label)
    if log:
        ax.set_xscale("log")


def theory_line(ax, t, y, color, label=None, **kw):
    mask = t > 0 if ax.get_xscale() == "log" else slice(None)
    kw.setdefault("ls", "-")
    kw.setdefault("lw", 1.6)
    ax.plot(np.asarray(t)[mask], np.asarray(y)[mask], color=color, label=label, **kw)


def simulation_points(ax, t, y, sem, color, label=None, every=1, ms=3.5, **kw):
    """Simulation means as open markers with standard-error bars. ``save`` measures the bars
    against the markers in the finished figure and says in the legend when they are smaller."""
    t, y, sem = (np.asarray(a, dtype=float)[::every] for a in (t, y, sem))
    mask = t > 0 if ax.get_xscale() == "log" else slice(None)
    kw = dict(dict(fmt="o", mfc="white", mew=1.0, elinewidth=1.0, capsize=1.5), **kw)
    bars = ax.errorbar(t[mask], y[mask], yerr=np.nan_to_num(sem[mask]), ms=ms, color=color,
                       label=label, **kw)
    ax.__dict__.setdefault("_odedyn_points", []).append(
        (bars, t[mask], y[mask], np.nan_to_num(sem[mask]), ms))
    return bars


def panel_labels(axes, start=0):
    """(a), (b), ... at the top left of each panel, in order (panels switched off skipped)."""
    for i, ax in enumerate(ax for ax in np.ravel(axes) if ax.axison):
        ax.text(-0.02, 1.03, "(%s)" % chr(ord("a") + start + i), transform=ax.transAxes,
                ha="right", va="bottom", fontweight="bold")


def title(fig, what, **params):
    """Figure title: ``what`` and the parameters that define the model, e.g.
    title(fig, "sequential PCA", K=3, activation="erf", lr=1.0)."""
    names = {"lr": "learning rate", "activation": None}
    parts = []
    for key, value in params.items():
        if value is None:
            continue
        label = names.get(key, key)
        parts.append(str(value) if label is None else "%s = %s" % (label, _fmt(value)))
    fig.suptitle(what + (" (%s)" % ", ".join(parts) if parts else ""), fontsize=10)


def _fmt(value):
    return "%g" % value if isinstance(value, float) else str(value)


# ------------------------------------------------------------ finishing a figure
def _bars_hidden(ax, points):
    """'all', 'some' or 'none' of the non-zero bars of ``points`` are shorter than the marker."""
    bars, t, y, sem, ms = points
    up = ax.transData.transform(np.c_[t, y + sem])[:, 1]
    down = ax.transData.transform(np.c_[t, np.where(y - sem > 0, y - sem, y)
                                        if ax.get_yscale() == "log" else y - sem])[:, 1]
    mid = ax.transData.transform(np.c_[t, y])[:, 1]
    half = np.maximum(np.abs(up - mid), np.abs(mid - down))
    radius = 0.5 * ms * ax.figure.dpi / 72.0
    shown = (sem > 0) & np.isfinite(half)
    if not shown.any():
        return "all"
    hidden = half[shown] < radius
    return "all" if hidden.all() else "some" if hidden.any() else "none"


def _note_hidden_bars(fig):
    """Say in each legend when simulation error bars hide behind their markers."""
    for ax in fig.axes:
        notes, sets = [], ax.__dict__.get("_odedyn_points", [])
        for points in sets:
            verdict = _bars_hidden(ax, points)
            if verdict != "none":
                notes.append((points[0].get_label(), BARS_HIDDEN if verdict == "all"
                              else BARS_SOME_HIDDEN))
        if not notes:
            continue
        leg = ax.get_legend()
        if leg is None:
            leg = ax.legend(handles=[], fontsize=7)
        # one note for the panel when it holds for all its markers, else beside each label
        per_label = len({note for _, note in notes}) > 1 or len(notes) < len(sets)
        unlabelled = []
        for label, note in notes:
            text = next((t for t in leg.get_texts() if t.get_text() == label), None)
            if per_label and text is not None and not label.startswith("_"):
                text.set_text(label[:-1] + "; %s)" % note if label.endswith(")")
                              else "%s (%s)" % (label, note))
            else:
                unlabelled.append(note)
        if unlabelled:
            note = BARS_HIDDEN if all(n == BARS_HIDDEN for n in unlabelled) else BARS_SOME_HIDDEN
            old = leg.get_title().get_text()
            leg.set_title((old + "\n" if old else "") + "markers: " + note, prop={"size": 7})


def _data_points(ax):
    """Display coordinates of what an axes shows: line vertices (segments sampled), markers,
    scatter points, texts' corners (not the shade of a predicted band, BAND_GID)."""
    pts = []
    for line in ax.get_lines():
        xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
        xy = xy[np.isfinite(xy).all(axis=1)]
        if len(xy) > 1 and line.get_linestyle() not in ("None", "", " "):
            s = np.linspace(0, 1, 9)[:, None, None]
            xy = (xy[:-1] + s * (xy[1:] - xy[:-1])).reshape(-1, 2)
        pts.append(xy)
    for coll in ax.collections:
        if coll.get_gid() == BAND_GID:      # a shade a legend may cover (its lines stay data)
            continue
        offsets = np.asarray(coll.get_offsets(), dtype=float)
        if len(offsets):
            pts.append(coll.get_offset_transform().transform(offsets))
        for path in coll.get_paths()[:2000]:
            if len(path.vertices) and coll.get_offsets().shape[0] <= 1:
                pts.append(coll.get_transform().transform(path.vertices))
    for text in ax.texts:
        if text.get_text() and text.get_transform() is not ax.transAxes:
            ext = text.get_window_extent()
            pts.append(np.array([[ext.x0, ext.y0], [ext.x1, ext.y1]]))
    pts = [p for p in pts if len(p)]
    return np.vstack(pts) if pts else np.zeros((0, 2))


#: where a legend may go inside its axes, in order of preference
LEGEND_PLACES = ("upper right", "upper left", "lower left", "lower right", "center right",
                 "center left", "upper center", "lower center", "center")


def _covered(leg, pts):
    """How many of the display points ``pts`` the legend's box covers."""
    box = leg.get_window_extent()
    return int(np.count_nonzero((pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1)
                                & (pts[:, 1] >= box.y0) & (pts[:, 1] <= box.y1)))


def _covers(leg, pts):
    return _covered(leg, pts) > 0


def _outside_places(fig, ax):
    """(anchor in axes coordinates, loc) beside the axes: below its x label, right of it, above
    its title."""
    renderer = fig.canvas.get_renderer()
    tight = ax.get_tightbbox(renderer)
    inv = ax.transAxes.inverted()
    below = inv.transform((0, tight.y0 - 4))[1]
    right = inv.transform((tight.x1 + 4, 0))[0]
    above = inv.transform((0, tight.y1 + 4))[1]
    return [((0.5, below), "upper center"), ((right, 1.0), "upper left"),
            ((0.5, above), "lower center")]


def _clear_legends(fig):
    """Move every legend that covers data: to the first place inside its axes where it covers
    none; else beside the axes where it meets no other panel; else (nowhere free) to the place
    inside where it covers least."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        leg = ax.get_legend()
        if leg is None:
            continue
        pts = _data_points(ax)
        if not _covers(leg, pts):
            continue
        for place in LEGEND_PLACES:
            leg.set_loc(place)
            if not _covers(leg, pts):
                break
        else:
            others = [o.get_tightbbox(renderer) for o in fig.axes
                      if o is not ax and o.get_visible() and o.axison]
            for anchor, loc in _outside_places(fig, ax):
                leg.set_bbox_to_anchor(anchor, transform=ax.transAxes)
                leg.set_loc(loc)
                box = leg.get_window_extent(renderer)
                if not any(box.overlaps(o) for o in others):
                    break
            else:
                leg.set_bbox_to_anchor((0, 0, 1, 1), transform=ax.transAxes)
                leg.set_loc(min(LEGEND_PLACES, key=lambda p: (leg.set_loc(p), _covered(leg, pts))[1]))


def finish(fig):
    """What every saved figure gets: hidden error bars said in the legend, legends off the
    data (called by ``save``)."""
    fig.canvas.draw()
    _note_hidden_bars(fig)
    _clear_legends(fig)


def save(fig, out_dir, name):
    """Finish ``fig`` and write NAME.png (300 dpi) and NAME.pdf into ``out_dir``; returns their
    paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    with style():
        finish(fig)
        for ext in ("png", "pdf"):
            path = os.path.join(out_dir, "%s.%s" % (name, ext))
            atomic_write(path, lambda tmp, ext=ext: fig.savefig(
                tmp, format=ext, bbox_inches="tight", dpi=PNG_DPI if ext == "png" else "figure"))
            paths.append(path)
    plt.close(fig)
    return paths


#: a comparison panel draws every entry of its curves up to this many lines, else summaries
MAX_LINES = 8
#: what every comparison figure says of its lines and markers
LINES_AND_MARKERS = "lines: theory; markers: simulation (mean and standard error over %d seeds, %s)"


def comparison_figure(theory, sim, exp, name=None):
    """Theory against simulation for any family (``exp`` declares what to draw): (a) the error;
    then a panel of its first two order parameters and one of up to four other observables
    (those it has). A panel of more than MAX_LINES entries shows summaries: the mean over the
    diagonal entries and over the others of each matrix (over all entries of a vector or a
    non-square matrix), the theory's range over those entries as a band. Entries are named
    ``R[k, l]`` (indices from 1; a symmetric matrix on its upper triangle). The title says
    what lines and markers are, the same in every kind, and that the simulation stopped early
    where it did (an interrupted run's partial result). A theory with its predicted
    finite-size band (``theory.band``, ``compare --fluctuations``) also gets, around the error
    and every entry drawn one by one (not the summaries: the spread of an average over entries
    needs their correlations), the band of single runs it predicts, theory + bias +- 2 std,
    shaded only where the expansion is valid (BAND_LABEL in the legend, gid BAND_GID)."""
    groups = [(names, what + ", ".join(n.replace("_", " ") for n in names))
              for names, what in ((_drawn(exp.order_parameter_names[:2], sim),
                                   "order parameters "),
                                  (_drawn(exp.observable_names[:4], sim), "")) if names]
    size = (exp.size_key or "D").rsplit(".", 1)[-1]
    with style():
        fig, axes = plt.subplots(1, 1 + len(groups), figsize=(4.8 * (1 + len(groups)), 3.8),
                                 squeeze=False)
        axes = axes[0]
        error_label = getattr(exp, "error_label", None) or exp.error_name.replace("_", " ")
        predicted = _predicted(theory, exp.error_name)
        _comparison_panel(axes[0], theory, sim, [exp.error_name], exp.time_label, error_label,
                          predicted)
        for ax, (names, ylabel) in zip(axes[1:], groups):
            _comparison_panel(ax, theory, sim, names, exp.time_label, ylabel, predicted)
        panel_labels(axes)
        head = "%s: theory vs simulation" % name if name else "theory vs simulation"
        if not sim.meta.get("complete", True) and len(sim.t):
            head += " (interrupted: %s)" % _reached(sim)
        fig.suptitle(head + "\n" + LINES_AND_MARKERS % (
            sim.meta.get("seeds", 0), "%s = %s" % (size, exp.D)), fontsize=10)
        fig.tight_layout()
    return fig


def _reached(sim):
    """How far an interrupted simulation got: every seed to t = a (and some to b)."""
    count = np.asarray(sim.curves.get("n_seeds", np.full(len(sim.t), 1)))
    every = sim.t[count == count.max()][-1]
    if every == sim.t[-1]:
        return "simulation to t = %.4g" % every
    return "every seed to t = %.4g, %d to t = %.4g" % (every, count[-1], sim.t[-1])


def _drawn(names, sim):
    return [n for n in names if n in sim.curves and n + "_sem" in sim.curves]


def _predicted(theory, error_name):
    """{name: (std, bias, valid)} of a theory's predicted band, {} without one."""
    band = getattr(theory, "band", None)
    if band is None:
        return {}
    out = {error_name: (band["error_std"], band["error_bias"])}
    out |= {n: (s, band["order_parameters_bias"][n]) for n, s in
            band["order_parameters_std"].items()}
    return {n: (np.asarray(s, float), np.asarray(b, float), np.asarray(band["valid"], bool))
            for n, (s, b) in out.items()}


def _band_of_single_runs(ax, t, th, key, predicted, color):
    """Shade theory + bias +- 2 std of entry ``key`` = (name, index) where valid; returns
    whether it drew."""
    if key is None or key[0] not in predicted:
        return False
    std, bias, valid = predicted[key[0]]
    at = (slice(None),) + key[1]
    std, bias = std[at][: len(t)], bias[at][: len(t)]
    show = valid[: len(t)] & np.isfinite(std) & (t > 0 if ax.get_xscale() == "log" else True)
    if not (show & (std > 0)).any():
        return False
    centre = th + bias
    ax.fill_between(t, np.where(show, centre - 2 * std, np.nan),
                    np.where(show, centre + 2 * std, np.nan), color=color, alpha=0.18, lw=0,
                    gid=BAND_GID)
    return True


#: legend entry and gid of the predicted band of single runs (compare --fluctuations)
BAND_LABEL = "predicted single runs: theory + bias ± 2 std (where valid)"
BAND_GID = "odedyn-fluctuation-band"


def _comparison_panel(ax, theory, sim, names, time_label, ylabel, predicted=None):
    """Every entry of ``names``, or their summaries (see comparison_figure); the predicted band
    of single runs around the entries drawn one by one, when ``predicted`` has it."""
    time_axis(ax, label=time_label)
    for detail in ("all", "diagonal", "none"):
        series = [s for n in names for s in _summaries(n, theory, sim, detail)]
        if len(series) <= MAX_LINES:
            break
    every = max(1, len(sim.t) // 30)
    single = len(series) == 1
    banded = False
    for i, (label, th, mean, sem, band, key) in enumerate(series):
        c = "k" if single else COLORS[i % len(COLORS)]
        theory_line(ax, theory.t, th, c, "theory" if single else label)
        banded |= _band_of_single_runs(ax, np.asarray(theory.t, float), np.asarray(th, float),
                                       key, predicted or {}, c)
        if band is not None:
            mask = theory.t > 0
            ax.fill_between(theory.t[mask], band[0][mask], band[1][mask], color=c, alpha=0.15,
                            lw=0)
        simulation_points(ax, sim.t, mean, sem, COLORS[0] if single else c, every=every,
                          label="simulation" if single else None)
    if banded:   # one legend entry for the panel's bands (each in its entry's colour)
        ax.fill_between([], [], [], color="k" if single else "0.5", alpha=0.18, lw=0,
                        label=BAND_LABEL if single else BAND_LABEL + ", in each entry's colour")
    ax.set_ylabel("\n".join(textwrap.wrap(ylabel, 34)))
    ax.legend(ncol=2 if len(series) > 4 else 1, fontsize=7)


def _entry_name(name, idx):
    name = name.replace("_", " ")
    return "%s[%s]" % (name, ", ".join(str(i + 1) for i in idx)) if idx else name


def _symmetric(x):
    return x.ndim == 3 and x.shape[1] == x.shape[2] and np.allclose(x, np.swapaxes(x, 1, 2))


def _entries(name, theory, sim):
    """(label, theory, mean, sem, None, (name, index)) of every entry of ``name`` (upper
    triangle if it is symmetric)."""
    th, mean, sem = (np.asarray(c, dtype=float) for c in (theory[name], sim[name],
                                                          sim[name + "_sem"]))
    out = []
    for idx in np.ndindex(th.shape[1:]):
        if _symmetric(th) and idx[0] > idx[1]:
            continue
        at = (slice(None),) + idx
        out.append((_entry_name(name, idx), th[at], mean[at], sem[at], None, (name, idx)))
    return out


def _summaries(name, theory, sim, detail):
    """The series of ``name``: every entry (``detail`` "all"); the diagonal entries of a square
    matrix and a summary of the others ("diagonal"); or summaries only ("none"): (label,
    theory mean, simulation mean, its standard error, theory band) over the diagonal and over
    the other entries of a square matrix, over all entries otherwise; the standard error of an
    average over entries from the per-seed curves when there are any."""
    th = np.asarray(theory[name], dtype=float)
    if detail == "all" or th.ndim == 1:
        return _entries(name, theory, sim)
    flat = th.reshape(th.shape[0], -1)
    label = name.replace("_", " ")
    if not (th.ndim == 3 and th.shape[1] == th.shape[2]):
        return [_summary(name, theory, sim, np.ones(flat.shape[1], bool),
                         "%s, all %d entries" % (label, flat.shape[1]))]
    k = th.shape[1]
    diag = np.eye(k, dtype=bool)
    off = np.triu(~diag) if _symmetric(th) else ~diag
    rest = [_summary(name, theory, sim, off.ravel(), "%s[k, l], k %s l" % (
        label, "<" if _symmetric(th) else "≠"))] if off.any() else []
    if detail == "diagonal":
        return [e for e in _entries(name, theory, sim) if _is_diagonal(e[0])] + rest
    return [_summary(name, theory, sim, diag.ravel(), "%s[k, k], k = 1..%d" % (label, k))] + rest


def _is_diagonal(label):
    idx = label[label.index("[") + 1:-1].split(", ")
    return len(set(idx)) == 1


def _summary(name, theory, sim, pick, label):
    nt = len(sim.t)
    th = np.asarray(theory[name], dtype=float).reshape(len(theory.t), -1)[:, pick]
    mean = np.asarray(sim[name], dtype=float).reshape(nt, -1)[:, pick].mean(axis=1)
    if name + "_seeds" in sim.curves:
        seeds = np.asarray(sim[name + "_seeds"], dtype=float)
        per_seed = seeds.reshape(seeds.shape[0], nt, -1)[:, :, pick].mean(axis=2)
        count = np.sum(np.isfinite(per_seed), axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            sem = np.where(count > 1, np.nanstd(per_seed, axis=0, ddof=1)
                           / np.sqrt(np.maximum(count, 1)), np.nan)
    else:  # no per-seed curves: the largest entry's, an upper bound
        sem = np.asarray(sim[name + "_sem"], dtype=float).reshape(nt, -1)[:, pick].max(axis=1)
    return (label + ": mean (band: range)", th.mean(axis=1), mean, sem,
            (th.min(axis=1), th.max(axis=1)), None)


def error_axis(ax, reference=None, reference_label=None, legend_title=None,
               ylabel="reconstruction error"):
    """Finish an error panel: a dashed reference level (e.g. the PCA error), log scale, label,
    legend."""
    if reference is not None:
        ax.axhline(reference, ls="--", color="0.4", lw=1, label=reference_label)
    ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    ax.legend(title=legend_title, title_fontsize=8, fontsize=8)
