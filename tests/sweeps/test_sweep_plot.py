"""What ``odedyn plot-sweep`` draws, read off the matplotlib objects of small synthetic stores
(laid out as odedyn.sweeps.store writes them, no model run): tick labels that do not overlap,
axes that stay within the swept range, contour labels that do not pile up, done points without
a value (target not reached) marked and named, the colour bar clear of the next panel, and a key
that changed nothing said on stderr and in the title."""
import json
import itertools

import matplotlib
import numpy as np
import pytest
import xarray

import odedyn.plotting
from odedyn.cli import main
from odedyn.sweeps.plot import LABELS_PER_LEVEL, LogTicks, plot_sweep

matplotlib.use("Agg")

TIME = np.concatenate([[0.0], np.geomspace(0.05, 40.0, 30)])


def make_store(path, values, error, status=None):
    """A theory sweep store at ``path`` over ``values`` {key: list} whose error curve at a grid
    point is ``error(*point values, time)``."""
    keys = list(values)
    shape = tuple(len(v) for v in values.values())
    err = np.empty(shape + (len(TIME),))
    for idx in np.ndindex(shape):
        err[idx] = error(*(values[k][i] for k, i in zip(keys, idx)), TIME)
    status = np.ones(shape, dtype="i1") if status is None else np.asarray(status, dtype="i1")
    meta = {"keys": keys, "values": [list(v) for v in values.values()], "mode": "theory",
            "seeds": None, "kind": "autoencoder", "fingerprint": "test", "id": "test",
            "error_name": "error", "time_label": "time $t$", "common_times": True,
            "n_times": len(TIME)}
    ds = xarray.Dataset(
        {"error": (keys + ["time"], err), "status": (keys, status),
         "message": (keys, np.full(shape, "", dtype="<U40")),
         "seconds": (keys, np.zeros(shape)), "curve_seconds": (keys, np.zeros(shape))},
        coords=dict({k: np.asarray(v) for k, v in values.items()}, time=TIME),
        attrs={"odedyn_sweep": json.dumps(meta), "config": "{}", "provenance": "{}"})
    ds.to_zarr(str(path), zarr_format=2, consolidated=True)
    return str(path)


def falling(scale=1.0):
    """A learning curve from 0.5 towards a floor; it falls faster with a larger ``rate``."""
    def error(rate, floor, t):
        return floor + (0.5 - floor) * np.exp(-scale * rate * t)
    return error


@pytest.fixture
def drawn(monkeypatch):
    """The figures plot_sweep saves (through odedyn.plotting.save), drawn again as saved on a
    canvas of their own (saving closes them)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    figs = []
    save = odedyn.plotting.save

    def keep(fig, folder, name):
        paths = save(fig, folder, name)
        FigureCanvasAgg(fig)
        with odedyn.plotting.style():
            fig.canvas.draw()
        figs.append(fig)
        return paths
    monkeypatch.setattr(odedyn.plotting, "save", keep)
    return figs


def boxes(texts, renderer):
    return [t.get_window_extent(renderer) for t in texts if t.get_visible() and t.get_text()]


def tick_labels(axis, renderer):
    """The tick labels an axis shows (inside its view), as (text, bounding box)."""
    lo, hi = sorted(axis.get_view_interval())
    out = []
    for tick in list(axis.get_major_ticks()) + list(axis.get_minor_ticks()):
        label = tick.label1
        if (tick.get_visible() and label.get_visible() and label.get_text()
                and lo * (1 - 1e-9) <= tick.get_loc() <= hi * (1 + 1e-9)):
            out.append((label.get_text(), label.get_window_extent(renderer)))
    return out


def assert_apart(labelled):
    for (a, box_a), (b, box_b) in itertools.combinations(labelled, 2):
        assert not box_a.overlaps(box_b), "tick labels %r and %r overlap" % (a, b)


def test_log_tick_labels_are_few_plain_and_apart(tmp_path, drawn):
    """A log axis over less than a decade and a bit (0.3 to 3) got a label at every minor tick,
    3x10^-1 4x10^-1 6x10^-1 written into each other; within a decade, panel (b) got none."""
    store = make_store(tmp_path / "a.zarr", {"training.lr": list(np.geomspace(0.3, 3, 6)),
                                             "data.noise": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]},
                       lambda lr, noise, t: noise ** 2 + 0.01 + 0.5 * np.exp(-lr * t))
    plot_sweep(store, out=str(tmp_path))
    fig = drawn[-1]
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            assert_apart(tick_labels(axis, renderer))
    xlabels = [text for text, _ in tick_labels(fig.axes[0].xaxis, renderer)]
    assert 2 <= len(xlabels) <= 5 and "1" in xlabels, xlabels
    assert not any("times" in text for text in xlabels), xlabels      # 0.3, not 3x10^-1

    store = make_store(tmp_path / "b.zarr", {"training.lr": list(np.geomspace(0.3, 0.6, 9))},
                       lambda lr, t: 0.02 + 0.5 * np.exp(-lr * t))
    plot_sweep(store, out=str(tmp_path))
    fig = drawn[-1]
    renderer = fig.canvas.get_renderer()
    panel_b = tick_labels(fig.axes[1].xaxis, renderer)
    assert len(panel_b) >= 2, panel_b
    assert_apart(panel_b)


def test_log_ticks_at_most_five_and_inside():
    for lo, hi in ((0.05, 5), (0.3, 0.6), (1e-6, 1e3), (0.31, 0.39), (2.0, 40.0)):
        t = LogTicks().tick_values(lo, hi)
        assert 2 <= len(t) <= 5 and t.min() >= lo * (1 - 1e-9) and t.max() <= hi * (1 + 1e-9), \
            (lo, hi, t)


def test_axes_stay_within_the_swept_range(tmp_path, drawn):
    """A noise swept from 0 was drawn from -0.05 (half a cell, and matplotlib's margins in the
    one-key summary panel); an integer seed from -0.5 with ticks at 0.5."""
    noise = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    store = make_store(tmp_path / "a.zarr", {"init.seed": [0, 1, 2], "data.noise": noise},
                       lambda seed, noise, t: noise ** 2 + 0.01 + 0.5 * np.exp(-(1 + seed) * t))
    plot_sweep(store, out=str(tmp_path))
    ax = drawn[-1].axes[0]
    assert ax.get_xlim() == pytest.approx((0, 2)) and ax.get_ylim() == pytest.approx((0, 0.5))
    ticks = [t for t in ax.get_xticks() if 0 <= t <= 2]
    assert ticks == [0, 1, 2], ticks

    store = make_store(tmp_path / "b.zarr", {"data.noise": noise},
                       lambda noise, t: noise ** 2 + 0.01 + 0.5 * np.exp(-t))
    plot_sweep(store, out=str(tmp_path))
    assert drawn[-1].axes[1].get_xlim() == pytest.approx((0, 0.5))


def test_contour_labels_do_not_pile_up(tmp_path, drawn):
    """On a noisy map every piece of every contour got a label (12 on 15.2, 8.71 beside 8.71);
    on a coarse grid the labels are left out and the levels marked on the colour bar."""
    rng = np.random.default_rng(3)
    bumps = rng.uniform(0.2, 1.0, (9, 8))
    lr, spike = list(np.geomspace(0.1, 3, 9)), list(np.linspace(0.3, 1.2, 8))
    store = make_store(tmp_path / "a.zarr", {"training.lr": lr, "data.spikes.0": spike},
                       lambda a, b, t: 0.01 + bumps[lr.index(a), spike.index(b)] * np.exp(-t / 20))
    plot_sweep(store, out=str(tmp_path))
    fig = drawn[-1]
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_text()]
    assert labels, "a fine grid keeps some contour labels"
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    for a, b in itertools.combinations(boxes(labels, renderer), 2):
        assert not a.overlaps(b)
    for box in boxes(labels, renderer):
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 <= frame.y1
    per_level = {}
    for t in labels:
        per_level[t.get_text()] = per_level.get(t.get_text(), 0) + 1
    assert max(per_level.values()) <= LABELS_PER_LEVEL, per_level

    store = make_store(tmp_path / "b.zarr", {"training.lr": [0.1, 0.3, 1, 3],
                                             "data.spikes.0": [0.3, 0.75, 1.2]},
                       lambda a, b, t: 0.01 + (0.2 + b * (1 + np.sin(7 * a))) * np.exp(-t))
    plot_sweep(store, quantity="plateau_length", out=str(tmp_path))
    fig = drawn[-1]
    assert not [t for t in fig.axes[0].texts if t.get_text()]
    colour_bar = fig.axes[1]
    assert colour_bar.get_label() == "<colorbar>" and colour_bar.collections[-1].get_segments()


def test_target_not_reached_is_marked_and_named(tmp_path, drawn):
    """Points whose error never reached the target were blank, with nothing saying why."""
    rates = [0.05, 0.1, 0.3, 1.0, 3.0]
    store = make_store(tmp_path / "a.zarr", {"training.lr": rates,
                                             "data.spikes.0": [0.3, 0.5, 0.7, 0.9]},
                       lambda lr, s, t: 0.01 + 0.5 * np.exp(-lr * (1 + s / 10) * t))
    plot_sweep(store, quantity="time_to_target", target=0.02, out=str(tmp_path))
    ax = drawn[-1].axes[0]
    legend = ax.get_legend()
    assert legend is not None
    texts = [t.get_text() for t in legend.get_texts()]
    assert any("target not reached" in t for t in texts), texts
    handle = legend.legend_handles[0]
    hatched = [c for c in ax.collections if c.get_hatch() == handle.get_hatch()]
    assert len(hatched) == 4      # lr = 0.05 does not get there by t = 40

    store = make_store(tmp_path / "b.zarr", {"training.lr": [0.03] + rates},
                       lambda lr, t: 0.01 + 0.5 * np.exp(-lr * t))
    plot_sweep(store, quantity="time_to_target", target=0.02, out=str(tmp_path))
    ax2 = drawn[-1].axes[1]
    assert any("target not reached" in t.get_text() for t in ax2.get_legend().get_texts())
    marked = [line for line in ax2.get_lines() if "target not reached" in line.get_label()]
    assert len(marked) == 1 and len(marked[0].get_xdata()) == 2


def test_colour_bar_label_clear_of_the_next_panel(tmp_path, drawn):
    """Panel (a)'s colour bar label sat 0.1 inch from panel (b)'s axis label."""
    store = make_store(tmp_path / "a.zarr",
                       {"data.spikes.0": list(np.linspace(0.3, 1.2, 10))},
                       lambda s, t: 0.02 + s * np.exp(-t))
    plot_sweep(store, quantity="time_to_target", target=0.1, out=str(tmp_path))
    fig = drawn[-1]
    renderer = fig.canvas.get_renderer()
    ax, ax2, colour_bar = fig.axes
    assert colour_bar.get_label() == "<colorbar>"
    bar = colour_bar.get_tightbbox(renderer)
    gap = (ax2.get_tightbbox(renderer).x0 - bar.x1) / fig.dpi
    assert gap >= 0.25, "%.2f inch between the colour bar and panel (b)" % gap


def test_a_key_that_changes_nothing_is_said(tmp_path, capsys, drawn):
    store = make_store(tmp_path / "a.zarr", {"init.seed": [0, 1, 2],
                                             "training.lr": [0.5, 1.0, 2.0]},
                       lambda seed, lr, t: 0.01 + 0.5 * np.exp(-lr * t))
    assert main(["plot-sweep", store]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("odedyn: warning:")]
    assert len(lines) == 1 and "every point identical along init.seed" in lines[0], err
    assert ".py:" not in lines[0]                 # no source location for odedyn's own warning
    assert "every point identical along init.seed" in drawn[-1]._suptitle.get_text()

    store = make_store(tmp_path / "b.zarr", {"init.seed": [0, 1, 2],
                                             "training.lr": [0.5, 1.0, 2.0]},
                       lambda seed, lr, t: 0.01 + 0.5 * np.exp(-(lr + seed) * t))
    assert main(["plot-sweep", store]) == 0
    assert "warning" not in capsys.readouterr().err
