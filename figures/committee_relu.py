"""ReLU teacher-student committee machine: K = M = 3 ReLU student and teacher, both layers
trained, theory (with the ReLU four-point average I4 by deterministic quadrature) against online
SGD from the same weights: (a) the error, (b) the student-teacher overlaps R_km."""
import numpy as np

from odedyn.committee import configure
from odedyn.compare import compare
from odedyn.figures import figure_main
from odedyn.plotting import COLORS, plt, save, simulation_points, theory_line, time_axis

NAME = "committee-relu"
DESCRIPTION = "ReLU committee machine (K = M = 3, both layers trained): theory vs SGD"


def make(out_dir, quick=False):
    D, seeds, t_max = (500, 8, 60.0) if quick else (1000, 8, 200.0)
    exp = configure(model={"K": 3, "activation": "relu", "train_second_layer": True},
                    teacher={"M": 3, "activation": "relu"},
                    data={"D": D, "noise": 0.1}, training={"lr": 0.5, "t_max": t_max},
                    init={"std": 0.3, "seed": 2, "v_std": 0.5}, output={"n_times": 30})
    theory, sim, summary = compare(exp, seeds=seeds, progress=False)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    time_axis(ax)
    time_axis(ax2)
    theory_line(ax, theory.t, theory["error"], "k", "theory")
    simulation_points(ax, sim.t, sim["error"], sim["error_sem"], COLORS[0],
                      "SGD, D = %d (%d seeds; bars: s.e.)" % (D, seeds))
    ax.set_yscale("log")
    ax.set_ylabel(r"generalisation error $\epsilon_g$")
    ax.legend(fontsize=8)
    for k in range(3):
        for m in range(3):
            c = COLORS[(3 * k + m) % len(COLORS)]
            theory_line(ax2, theory.t, theory["R"][:, k, m], c,
                        r"$R_{%d%d}$" % (k + 1, m + 1))
            simulation_points(ax2, sim.t, sim["R"][:, k, m], sim["R_sem"][:, k, m], c, every=2)
    ax2.set_ylabel(r"student-teacher overlap $R_{km}$")
    ax2.legend(fontsize=7, ncol=3)
    for a, label in ((ax, "(a)"), (ax2, "(b)")):
        a.text(-0.12, 1.02, label, transform=a.transAxes, fontweight="bold")
    fig.tight_layout()
    z = np.abs(sim["error"] - theory["error"])[1:] / sim["error_sem"][1:]
    R_final = theory["R"][-1]
    numbers = {"D": D, "seeds": seeds, "max_z_error": float(z.max()),
               "initial_error": float(theory["error"][0]),
               "final_error_theory": float(theory["error"][-1]),
               "final_error_sgd": float(sim["error"][-1]),
               "final_error_sgd_sem": float(sim["error_sem"][-1]),
               "final_R_theory": R_final.tolist(),
               "integrate_s": theory.meta["integrate_s"]}
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
