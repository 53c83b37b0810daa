"""Gradient flow of the one-bit autoencoder on Gaussian data (seed 000): for every rate r <= 1
the population risk reaches 1 - 2r/pi and the encoder ends at a rotation (orthonormal rows, no
preferred coordinates). Lines: the exact flow; markers: the final network's risk on fresh samples.
"""
import numpy as np

from odedyn.figures import figure_main
from odedyn.integrate import output_times
from odedyn.onebit.experiment import single_blas_thread
from odedyn.onebit.model import Objective, SignAutoencoder
from odedyn.onebit.theory import gradient_flow
from odedyn.onebit.simulate import fresh_risk
from odedyn.plotting import (COLORS, panel_labels, plt, save, simulation_points, theory_line,
                             time_axis, title)

NAME = "sign-gaussian"
DESCRIPTION = "one-bit AE, Gaussian data: gradient flow reaches 1 - 2r/pi at a random rotation"
RATES = (0.25, 0.5, 1.0)


def make(out_dir, quick=False):
    d, t_max = (40, 60.0) if quick else (100, 200.0)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(9.5, 3.6))
    time_axis(ax, label=r"time $t$ (gradient flow)")
    time_axis(ax2, label=r"time $t$ (gradient flow)")
    numbers = {"d": d, "t_max": t_max, "rates": {}}
    for k, r in enumerate(RATES):
        model = SignAutoencoder(d, int(round(r * d)))
        A0, B0 = model.random_network(seed=k)
        with single_blas_thread():
            traj = gradient_flow(Objective(model), A0, B0, output_times(t_max, 40, 0.05))
        mean, se = fresh_risk(traj.arrays["final_A"], traj.arrays["final_B"], model.source,
                              np.random.default_rng(k), samples=20000)
        c = COLORS[k]
        theory_line(ax, traj.t, traj["risk"], c, "r = %g" % r)
        ax.axhline(1 - 2 * r / np.pi, color=c, ls=":", lw=1)
        simulation_points(ax, [t_max], [mean], [se], c)
        theory_line(ax2, traj.t, traj["gram_offdiag_max"], c, r"max$_{i\neq j}|\bar G_{ij}|$, r = %g" % r)
        theory_line(ax2, traj.t, traj["identity_overlap"], c, None, ls="--")
        numbers["rates"][str(r)] = {
            "final_risk": traj["risk"][-1], "target": 1 - 2 * r / np.pi,
            "gram_offdiag_max": traj["gram_offdiag_max"][-1],
            "rotation_defect": traj["rotation_defect"][-1],
            "identity_overlap": traj["identity_overlap"][-1],
            "fresh_risk": mean, "fresh_risk_se": se, "rhs_evaluations": traj.meta["rhs_evaluations"]}
    ax.set_ylabel(r"population risk $R(A, B)$")
    ax.set_title("dotted: $1 - 2r/\\pi$; markers: final network on 20000 fresh samples", fontsize=8)
    ax.legend()
    ax2.set_yscale("log")
    ax2.plot([], [], "k--", label="identity overlap (mean max |row entry|)")
    ax2.set_ylabel("encoder shape")
    ax2.legend(fontsize=7)
    panel_labels((ax, ax2))
    title(fig, "One-bit autoencoder, Gaussian source: gradient flow", d=d,
          activation="sign", r=", ".join("%g" % r for r in RATES))
    fig.tight_layout()
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
