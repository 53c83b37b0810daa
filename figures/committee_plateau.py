"""The symmetric plateau of the erf committee machine (Saad & Solla 1995) and its escape:
K = M = 2 and 3, second layer fixed to 1, orthogonal teacher. (a) theory from a small random
student against online SGD from the same weights, with the error of the symmetric fixed point
(found by root finding); (b) theory from starts off the plateau whose unstable component has
size eps, with the escape times the Jacobian's unstable eigenvalue predicts (dotted)."""
import numpy as np

from odedyn.committee import configure
from odedyn.committee.analysis import calibrate_escape, plateau_exit, symmetric_plateau
from odedyn.committee.theory import integrate
from odedyn.compare import compare
from odedyn.figures import figure_main
from odedyn.plotting import COLORS, plt, save, simulation_points, theory_line, time_axis

NAME = "committee-plateau"
DESCRIPTION = "erf committee machine: the symmetric plateau, its escape, theory vs SGD"
EPSILONS = (1e-2, 1e-4, 1e-6)


def experiment(K, D, t_max):
    return configure(model={"K": K, "activation": "erf", "train_second_layer": False},
                     teacher={"M": K, "activation": "erf", "orthogonal": True},
                     data={"D": D, "noise": 0.0}, training={"lr": 1.0, "t_max": t_max},
                     init={"std": 0.1, "seed": 0, "v_init": 1.0}, output={"n_times": 40})


def make(out_dir, quick=False):
    D, seeds = (500, 8) if quick else (1000, 8)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.9))
    time_axis(ax)
    time_axis(ax2, log=False)
    numbers = {"D": D, "seeds": seeds}
    for i, K in enumerate((2, 3)):
        exp = experiment(K, D, 300.0)
        theory, sim, summary = compare(exp, seeds=seeds, progress=False)
        T, A = theory["T"][0], exp.A
        p = symmetric_plateau(exp.model, T, A, guess=(0.5, 0.2, 0.3))
        c = COLORS[i]
        theory_line(ax, theory.t, theory["error"], c, "K = M = %d" % K)
        simulation_points(ax, sim.t, sim["error"], sim["error_sem"], c, every=2)
        ax.axhline(p.error, color=c, ls="--", lw=0.9)
        exit_theory = plateau_exit(theory.t, theory["error"], p.error)
        exit_sim = plateau_exit(sim.t, sim["error"], p.error)
        before = theory.t < 0.5 * exit_theory
        z = np.abs(sim["error"] - theory["error"])[1:] / sim["error_sem"][1:]
        # (b): starts off the plateau; the escape law from a reference start
        a0, t0 = calibrate_escape(p, T, A)
        runs = []
        for j, eps in enumerate(EPSILONS):
            Q0, R0, v0 = p.perturbed(eps, seed=1)   # the direction of the reference start
            amp = p.amplitude(Q0, R0, v0)
            t_end = 1.5 * p.escape_time(amp, a0, t0)
            tr = integrate(exp.model, Q0, R0, T, v0, A, np.linspace(0, t_end, 600))
            measured = plateau_exit(tr.t, tr["error"], p.error)
            predicted = p.escape_time(amp, a0, t0)
            theory_line(ax2, tr.t, tr["error"], c, "K = %d" % K if j == 0 else None,
                        ls=("-", "--", ":")[j])
            ax2.axvline(predicted, color=c, ls="-", lw=0.6, alpha=0.6)
            runs.append({"eps": eps, "predicted_exit": predicted, "measured_exit": measured})
        numbers["K=%d" % K] = {
            "plateau_error": p.error, "unstable_eigenvalue": p.eigenvalue,
            "multiplicity": p.multiplicity, "plateau_Q": p.Q.tolist(), "plateau_R": p.R[0, 0],
            "exit_theory": exit_theory, "exit_sgd": exit_sim,
            "max_z_before_escape": float(z[before[1:]].max()), "max_z": float(z.max()),
            "final_error_theory": float(theory["error"][-1]),
            "final_error_sgd": float(sim["error"][-1]), "escape": runs}
    ax.set_yscale("log")
    ax.set_ylim(1e-4, 1.0)
    ax.set_ylabel(r"generalisation error $\epsilon_g$")
    ax.plot([], [], "k--", lw=0.9, label="symmetric fixed point")
    ax.plot([], [], "o", color="0.3", mfc="white", ms=3.5,
            label="SGD, D = %d (%d seeds; bars: s.e.)" % (D, seeds))
    ax.legend(fontsize=8, title="lines: theory", title_fontsize=8, loc="lower left")
    ax2.set_yscale("log")
    ax2.set_ylim(1e-4, 5.0)
    ax2.set_ylabel(r"generalisation error $\epsilon_g$")
    for j, eps in enumerate(EPSILONS):
        ax2.plot([], [], color="0.3", ls=("-", "--", ":")[j], label=r"$\varepsilon = 10^{%d}$"
                 % round(np.log10(eps)))
    ax2.plot([], [], color="0.3", ls="-", lw=0.6, alpha=0.6, label="predicted escape")
    ax2.legend(fontsize=8, ncol=3, loc="upper right",
               title="starts off the plateau (theory)", title_fontsize=8)
    for a, label in ((ax, "(a)"), (ax2, "(b)")):
        a.text(-0.12, 1.02, label, transform=a.transAxes, fontweight="bold")
    fig.tight_layout()
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
