"""Shared plotting. Owns: the house style of odedyn figures (theory as lines, simulation as
markers with standard-error bars, labelled axes, time in steps / D on a log axis) and saving a
figure as PNG and PDF atomically."""
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .results import atomic_write  # noqa: E402

plt.rcParams.update({"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3,
                     "axes.spines.top": False, "axes.spines.right": False, "font.size": 10,
                     "legend.frameon": False})
COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


def time_axis(ax, log=True, label=r"time $t$ (steps / $D$)"):
    ax.set_xlabel(label)
    if log:
        ax.set_xscale("log")


def theory_line(ax, t, y, color, label=None, **kw):
    mask = t > 0 if ax.get_xscale() == "log" else slice(None)
    kw.setdefault("ls", "-")
    kw.setdefault("lw", 1.6)
    ax.plot(np.asarray(t)[mask], np.asarray(y)[mask], color=color, label=label, **kw)


def simulation_points(ax, t, y, sem, color, label=None, every=1):
    t, y, sem = (np.asarray(a)[::every] for a in (t, y, sem))
    mask = t > 0 if ax.get_xscale() == "log" else slice(None)
    ax.errorbar(t[mask], y[mask], yerr=np.nan_to_num(sem[mask]), fmt="o", ms=3.5, color=color,
                mfc="white", mew=1.0, elinewidth=1.0, capsize=1.5, label=label)


def save(fig, out_dir, name):
    """Write NAME.png and NAME.pdf into ``out_dir``; returns their paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for ext in ("png", "pdf"):
        path = os.path.join(out_dir, "%s.%s" % (name, ext))
        atomic_write(path, lambda tmp, ext=ext: fig.savefig(tmp, format=ext, bbox_inches="tight"))
        paths.append(path)
    plt.close(fig)
    return paths


def comparison_figure(theory, sim, error_name="error", order_names=("Q", "R"), title=None,
                      time_label=r"time $t$ (steps / $D$)"):
    """Two panels: the error, and the diagonal of chosen order parameters; theory lines,
    simulation markers with standard-error bars."""
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6))
    ax = axes[0]
    time_axis(ax, label=time_label)
    theory_line(ax, theory.t, theory[error_name], "k", "theory")
    simulation_points(ax, sim.t, sim[error_name], sim[error_name + "_sem"], COLORS[0],
                      "SGD, D = %d (%d seeds)" % (sim.meta.get("D", 0), sim.meta.get("seeds", 0)),
                      every=max(1, len(sim.t) // 30))
    ax.set_ylabel("reconstruction error" if error_name == "error" else error_name)
    ax.legend()
    ax = axes[1]
    time_axis(ax, label=time_label)
    i = 0
    for name in order_names:
        th, mean, sem = (np.asarray(c) for c in (theory[name], sim[name], sim[name + "_sem"]))
        if th.ndim == 3:  # K x K matrices: their diagonals
            picks = [((slice(None), k, k), r"$%s_{%d%d}$" % (name, k + 1, k + 1))
                     for k in range(th.shape[1])]
        elif th.ndim == 2:
            picks = [((slice(None), k), r"$%s_{%d}$" % (name, k + 1)) for k in range(th.shape[1])]
        else:
            picks = [((slice(None),), name)]
        for idx, label in picks:
            c = COLORS[i % len(COLORS)]
            i += 1
            theory_line(ax, theory.t, th[idx], c, label)
            simulation_points(ax, sim.t, mean[idx], sem[idx], c, every=max(1, len(sim.t) // 30))
    ax.set_ylabel("order parameters")
    ax.legend(ncol=2, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def error_axis(ax, reference=None, reference_label=None, legend_title=None,
               ylabel="reconstruction error"):
    """Finish an error panel: a dashed reference level (e.g. the PCA error), log scale, label,
    legend."""
    if reference is not None:
        ax.axhline(reference, ls="--", color="0.4", lw=1, label=reference_label)
    ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    ax.legend(title=legend_title, title_fontsize=8, fontsize=8)
