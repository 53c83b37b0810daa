"""Scaling with width (seed 003): circle of radius 1 through a 1-d bottleneck, gradient flow
(Euler scheme, step 0.05) from several random initial networks at each width, same training
sample (128 stratified points, see figures/manifold_circle.py): the mean error and the measure
of the exceptional set {|f(x) - x| > epsilon} fall with width (means over initial networks with
standard errors), while the maximal error of every run stays above the Borsuk-Ulam bound (the
radius).

Measured (t = 3200, 6 initial networks): width 4 -> 16, mean error 0.073 -> 0.032, exceptional
measure 0.16 -> 0.021. Beyond width 16 both level off (width 64: 0.030, 0.024): the floor is set
by the sample and the training time, not the width (width 32: 512 points give a measure of
0.015, t = 12800 gives 0.020, against 0.024 at 128 points and t = 3200)."""
import matplotlib.pyplot as plt

from odedyn.figures import figure_main
from odedyn_figures._manifold import summary, sweep_panels, width_sweep
from odedyn.plotting import panel_labels, save, title

NAME = "manifold-scaling"
DESCRIPTION = "circle: mean error and exceptional-set measure against width and time; max error vs bound"


def make(out_dir, quick=False):
    widths = [4, 16] if quick else [4, 8, 16, 32, 64]
    t_max = 3200 if quick else 6400
    seeds = [0, 1, 2, 3, 4, 5]
    runs, final, exp = width_sweep("circle", widths, seeds, t_max, train=128,
                                   sampling="stratified")
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    sweep_panels(axes, widths, runs, final, exp.bound, t_max)
    panel_labels(axes)
    title(fig, "Circle (r = 1), two hidden layers per side, 128 stratified training points",
          bottleneck=exp.net.bottleneck, activation=exp.net.activation,
          epsilon=exp.epsilon)
    fig.tight_layout()
    return summary(widths, seeds, t_max, final, exp) | {"files": save(fig, out_dir, NAME)}


if __name__ == "__main__":
    figure_main(make)
