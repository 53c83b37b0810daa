"""Scaling with width (seed 003): circle of radius 1 through a 1-d bottleneck, gradient flow
(Euler scheme, step 0.05) from several random initial networks at each width, same training
sample (128 points): the mean error and the measure of the exceptional set
{|f(x) - x| > epsilon} fall with width (means over initial networks with standard errors),
while the maximal error of every run stays above the Borsuk-Ulam bound (the radius)."""
import matplotlib.pyplot as plt

from odedyn.figures import figure_main
from odedyn.manifold.plots import summary, sweep_panels, width_sweep
from odedyn.plotting import save

NAME = "manifold-scaling"
DESCRIPTION = "circle: mean error and exceptional-set measure against width and time; max error vs bound"


def make(out_dir, quick=False):
    widths = [8, 32] if quick else [4, 8, 16, 32, 64]
    t_max = 3200 if quick else 6400
    seeds = [0, 1, 2] if quick else [0, 1, 2, 3, 4, 5]
    runs, final, exp = width_sweep("circle", widths, seeds, t_max, train=128)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    sweep_panels(axes, widths, runs, final, exp.bound, t_max)
    fig.suptitle("circle (r = 1), 1-d bottleneck, two hidden layers per side, 128 training "
                 r"points, $\epsilon$ = %g" % exp.epsilon, fontsize=10)
    fig.tight_layout()
    return summary(widths, seeds, t_max, final, exp) | {"files": save(fig, out_dir, NAME)}


if __name__ == "__main__":
    figure_main(make)
