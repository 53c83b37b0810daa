"""The comparison figure of ``odedyn compare`` (odedyn.plotting.comparison_figure) in every
kind: panels named after what they show, entries named R[k, l], large matrices summarised
instead of a legend of dozens of curves, and the same sentence on lines and markers."""
import tomllib
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest

from odedyn.plotting import LINES_AND_MARKERS, MAX_LINES, comparison_figure, plt
from odedyn.results import Trajectory
from tiny_configs import KINDS, TINY

matplotlib.use("Agg")


def declared(**kw):
    base = dict(error_name="loss", error_label=None, order_parameter_names=("R", "Q"),
                observable_names=(), time_label="time", size_key="data.n", D=100)
    return SimpleNamespace(**(base | kw))


def matrices(shapes, seeds=3, nt=12):
    """Theory and simulation Trajectories with a loss and the matrices ``shapes``."""
    rng = np.random.default_rng(0)
    t = np.linspace(0.0, 10.0, nt)
    th = {"loss": np.exp(-t)}
    sim = {}
    for name, shape in shapes.items():
        base = np.eye(*shape) + 0.1 * rng.standard_normal(shape)
        if name == "Q":
            base = base @ base.T
        th[name] = np.outer(1 + 0.05 * t, base.ravel()).reshape((nt,) + shape)
    for name, curve in th.items():
        per_seed = curve + 0.01 * rng.standard_normal((seeds,) + curve.shape)
        sim |= {name: per_seed.mean(0), name + "_sem": per_seed.std(0, ddof=1) / np.sqrt(seeds),
                name + "_seeds": per_seed}
    return Trajectory(t, th), Trajectory(t, sim, {"seeds": seeds})


def labels(ax):
    return [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]


def test_sixteen_by_sixteen_matrices_are_summarised():
    """The group-sparse recovery case: R and Q 16 x 16 drew 32 curves with a 32-entry legend
    (R_1010 for R[10, 10]); now diagonal and off-diagonal means with the range as a band."""
    fig = comparison_figure(*matrices({"R": (16, 16), "Q": (16, 16)}), declared(), "recovery")
    ax = fig.axes[1]
    names = labels(ax)
    assert 0 < len(names) <= MAX_LINES and len(set(names)) == len(names)
    assert any(n.startswith("R[k, k], k = 1..16") for n in names)
    assert any(n.startswith("Q[k, l], k < l") for n in names)      # Q symmetric: one triangle
    assert not any("_" in n or "1010" in n for n in names)
    assert ax.collections                                          # the bands
    assert "order parameters R, Q" in ax.get_ylabel()
    plt.close(fig)


def test_small_matrices_show_every_entry_by_its_indices():
    fig = comparison_figure(*matrices({"R": (2, 2), "Q": (2, 2)}), declared())
    names = labels(fig.axes[1])
    assert names == ["R[1, 1]", "R[1, 2]", "R[2, 1]", "R[2, 2]", "Q[1, 1]", "Q[1, 2]",
                     "Q[2, 2]"]
    plt.close(fig)


def test_three_by_three_shows_the_diagonal_and_summarises_the_rest():
    fig = comparison_figure(*matrices({"Q": (3, 3), "R": (3, 3)}),
                            declared(order_parameter_names=("Q", "R")))
    names = labels(fig.axes[1])
    assert names[:4] == ["Q[1, 1]", "Q[2, 2]", "Q[3, 3]", "Q[k, l], k < l: mean (band: range)"]
    assert names[4:7] == ["R[1, 1]", "R[2, 2]", "R[3, 3]"] and len(names) == MAX_LINES
    plt.close(fig)


def test_a_non_square_overlap_matrix():
    """Committee with K = 4 students and M = 2 teachers (examples/committee_schedule.toml):
    the old figure took R's diagonal and failed (IndexError)."""
    fig = comparison_figure(*matrices({"Q": (4, 4), "R": (4, 2)}),
                            declared(order_parameter_names=("Q", "R")))
    names = labels(fig.axes[1])
    assert "R, all 8 entries: mean (band: range)" in names and len(names) <= MAX_LINES
    plt.close(fig)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_says_lines_and_markers_the_same_way(kind):
    from odedyn.config import experiment_from_dict
    exp = experiment_from_dict(tomllib.loads(TINY[kind]))
    sim = exp.simulate(seeds=2, progress=False)
    theory = exp.integrate(sim.t, progress=False)
    fig = comparison_figure(theory, sim, exp, "tiny")
    title = fig._suptitle.get_text()
    assert LINES_AND_MARKERS.split("(")[0] in title and "2 seeds" in title
    size = exp.size_key.rsplit(".", 1)[-1]
    assert "%s = %d" % (size, exp.D) in title
    for ax in fig.axes:
        if ax.get_ylabel().startswith("order parameters"):
            assert exp.order_parameter_names, kind
        for name in labels(ax):
            assert "_" not in name, (kind, name)
    if not exp.order_parameter_names and exp.observable_names:      # e.g. the deep autoencoder
        assert exp.observable_names[0].replace("_", " ") in fig.axes[1].get_ylabel()
    plt.close(fig)


def test_the_title_says_when_the_simulation_was_interrupted():
    """A partial result (Ctrl-C) is drawn as far as it went and says so; a complete one not."""
    theory, sim = matrices({"R": (2, 2)})
    fig = comparison_figure(theory, sim, declared(), "run")
    assert "interrupted" not in fig._suptitle.get_text()
    plt.close(fig)
    cut = Trajectory(sim.t[:5], {k: v[:, :5] if k.endswith("_seeds") else v[:5]
                                 for k, v in sim.curves.items()}, {"seeds": 3, "complete": False})
    fig = comparison_figure(theory, cut, declared(), "run")
    assert "(interrupted: simulation to t = %.4g)" % sim.t[4] in fig._suptitle.get_text()
    plt.close(fig)
    # seeds that stopped at different times: say both
    uneven = Trajectory(sim.t, sim.curves | {"n_seeds": np.array([3] * 9 + [2] * 3)},
                        {"seeds": 3, "complete": False})
    fig = comparison_figure(theory, uneven, declared(), "run")
    assert ("(interrupted: every seed to t = %.4g, 2 to t = %.4g)" % (sim.t[8], sim.t[-1])
            in fig._suptitle.get_text())
    plt.close(fig)
