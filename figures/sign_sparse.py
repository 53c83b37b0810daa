"""Gradient descent of the one-bit autoencoder on Bernoulli-Gaussian data (seed 000): whatever the
sparsity p, it ends at the Gaussian performance 1 - 2r/pi (it ignores the sparsity). Each step
averages the exact support-conditioned gradient over fresh supports; lines: the risk over fixed
evaluation supports (band: its standard error); markers: the final network on fresh samples.
"""
import numpy as np

from odedyn.figures import figure_main
from odedyn.integrate import output_times
from odedyn.onebit.experiment import single_blas_thread
from odedyn.onebit.model import Objective, SignAutoencoder
from odedyn.onebit.theory import gradient_descent
from odedyn.onebit.simulate import fresh_risk
from odedyn.onebit.sources import Source
from odedyn.plotting import COLORS, plt, save, simulation_points, theory_line, time_axis, title

NAME = "sign-sparse"
DESCRIPTION = "one-bit AE, Bernoulli-Gaussian data: gradient descent still ends at 1 - 2r/pi"
SPARSITIES = (0.1, 0.3)
RATE = 0.25


def make(out_dir, quick=False):
    d, t_max, eta, batch = (80, 30.0, 0.25, 32) if quick else (200, 60.0, 0.25, 64)
    n = int(round(RATE * d))
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    time_axis(ax, label=r"time $t$ (steps $\times$ learning rate)")
    numbers = {"d": d, "r": RATE, "target": 1 - 2 * RATE / np.pi, "sparsities": {}}
    for k, p in enumerate(SPARSITIES):
        model = SignAutoencoder(d, n, Source("bernoulli-gaussian", p))
        A0, B0 = model.random_network(seed=k)
        with single_blas_thread():
            traj = gradient_descent(Objective(model, 256, seed=100 + k), A0, B0, eta,
                                    output_times(t_max, 12, 0.5), Objective(model, batch, k), k)
        mean, se = fresh_risk(traj.arrays["final_A"], traj.arrays["final_B"], model.source,
                              np.random.default_rng(k), samples=40000)
        c = COLORS[k]
        theory_line(ax, traj.t, traj["risk"], c, "p = %g" % p)
        ax.fill_between(traj.t[1:], (traj["risk"] - 2 * traj["risk_se"])[1:],
                        (traj["risk"] + 2 * traj["risk_se"])[1:], color=c, alpha=0.2, lw=0)
        simulation_points(ax, [traj.t[-1]], [mean], [se], c)
        numbers["sparsities"][str(p)] = {"fresh_risk": mean, "fresh_risk_se": se,
                                         "support_risk": traj["risk"][-1],
                                         "gram_offdiag_max": traj["gram_offdiag_max"][-1],
                                         "identity_overlap": traj["identity_overlap"][-1]}
    ax.axhline(numbers["target"], color="k", ls=":", lw=1, label=r"Gaussian $1 - 2r/\pi$")
    ax.set_ylabel("risk")
    ax.set_ylim(numbers["target"] - 0.1, numbers["target"] + 0.3)
    ax.legend()
    title(fig, "Bernoulli-Gaussian source; markers: fresh samples", d=d, activation="sign",
          r=RATE, lr=eta, batch=batch)
    fig.tight_layout()
    numbers["files"] = save(fig, out_dir, NAME)
    return numbers


if __name__ == "__main__":
    figure_main(make)
