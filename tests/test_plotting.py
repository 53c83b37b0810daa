"""The shared plotting mechanics: no global matplotlib state changed by importing odedyn, the
house style inside a context, error bars measured against markers, panel labels, legends off the
data, PNG at 300 dpi."""
import subprocess
import sys

import matplotlib
import numpy as np
import pytest

from odedyn import plotting
from odedyn.plotting import plt


def test_import_leaves_matplotlib_alone():
    code = ("import matplotlib as m; b = dict(m.rcParams); import odedyn, odedyn.plotting, "
            "odedyn.figures, odedyn.compare; assert dict(m.rcParams) == b, "
            "[k for k in b if m.rcParams[k] != b[k]]")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_style_is_a_context():
    before = dict(matplotlib.rcParams)
    with plotting.style():
        assert matplotlib.rcParams["axes.spines.top"] is False
    assert dict(matplotlib.rcParams) == before


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def draw(sem, label="SGD"):
    fig, ax = plt.subplots(figsize=(4, 3))
    t = np.linspace(1, 10, 10)
    plotting.theory_line(ax, t, t, "k", "theory")
    plotting.simulation_points(ax, t, t, sem, "C0", label)
    ax.legend()
    plotting.finish(fig)
    return fig, ax


@pytest.mark.parametrize("sem,note", [(np.full(10, 1e-4), plotting.BARS_HIDDEN),
                                      (np.full(10, 2.0), None),
                                      (np.r_[np.full(5, 1e-4), np.full(5, 2.0)],
                                       plotting.BARS_SOME_HIDDEN)])
def test_legend_says_when_bars_hide_behind_markers(sem, note):
    fig, ax = draw(sem)
    said = ax.get_legend().get_title().get_text()
    assert (note in said) if note else ("smaller" not in said), said
    plt.close(fig)


def test_note_beside_each_label_when_series_differ():
    fig, ax = plt.subplots(figsize=(4, 3))
    t = np.linspace(1, 10, 10)
    plotting.simulation_points(ax, t, t, np.full(10, 1e-4), "C0", "tight")
    plotting.simulation_points(ax, t, t + 3, np.full(10, 2.0), "C1", "loose")
    ax.legend()
    plotting.finish(fig)
    assert legend_texts(ax) == ["tight (%s)" % plotting.BARS_HIDDEN, "loose"]
    plt.close(fig)


def test_unlabelled_points_get_the_note_in_the_legend_title():
    fig, ax = draw(np.full(10, 1e-4), label=None)
    assert plotting.BARS_HIDDEN in ax.get_legend().get_title().get_text()
    plt.close(fig)


def test_legend_moved_to_a_free_corner():
    fig, ax = plt.subplots(figsize=(4, 3))
    x = np.linspace(0, 1, 50)
    ax.plot(x, 1 - x, label="falling")  # through the upper left corner, the default place
    ax.legend(loc="upper left")
    plotting.finish(fig)
    leg = ax.get_legend()
    assert not plotting._covers(leg, plotting._data_points(ax))
    assert ax.get_window_extent().contains(*leg.get_window_extent().p0)  # still inside
    plt.close(fig)


def test_legend_moved_below_when_no_corner_is_free():
    fig, ax = plt.subplots(figsize=(4, 3))
    x = np.linspace(0, 1, 200)
    for k in range(6):  # saw teeth through every part of the axes
        ax.plot(x, (x * (k + 1)) % 1, label="line %d" % k)
    ax.legend(loc="upper left")
    plotting.finish(fig)
    leg = ax.get_legend()
    assert not plotting._covers(leg, plotting._data_points(ax))
    assert leg.get_window_extent().y1 <= ax.get_window_extent().y0
    plt.close(fig)


def test_png_at_300_dpi_and_panel_labels(tmp_path):
    from PIL import Image
    fig, axes = plt.subplots(1, 2, figsize=(4, 2))
    plotting.panel_labels(axes)
    assert [t.get_text() for ax in axes for t in ax.texts] == ["(a)", "(b)"]
    png, pdf = plotting.save(fig, str(tmp_path), "x")
    with Image.open(png) as im:
        assert im.info["dpi"][0] == pytest.approx(300, abs=1)


def test_title_names_the_parameters():
    fig = plt.figure()
    plotting.title(fig, "sequential PCA", K=3, activation="erf", lr=1.0)
    assert fig._suptitle.get_text() == "sequential PCA (K = 3, erf, learning rate = 1)"
    plt.close(fig)


def test_legend_moved_beside_without_meeting_another_panel():
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(4, 5))
    x = np.linspace(0, 1, 200)
    for k in range(6):
        top.plot(x, (x * (k + 1)) % 1, label="line %d" % k)
    bottom.plot(x, x)
    bottom.set_title("a panel below")
    top.legend(loc="upper left")
    fig.tight_layout()
    plotting.finish(fig)
    leg = top.get_legend()
    assert not plotting._covers(leg, plotting._data_points(top))
    renderer = fig.canvas.get_renderer()
    assert not leg.get_window_extent(renderer).overlaps(bottom.get_tightbbox(renderer))
    plt.close(fig)


def test_panel_labels_skip_panels_switched_off():
    fig, axes = plt.subplots(1, 3)
    axes[1].axis("off")
    plotting.panel_labels(axes)
    assert [t.get_text() for t in axes[0].texts + axes[2].texts] == ["(a)", "(b)"]
    assert not axes[1].texts
    plt.close(fig)
