"""Group-sparse autoencoder: theory against minibatch SGD and support recovery (slow
statistical tests, run by CI; seeds fixed, so deterministic). The asymptotic radius of the
neighbourhood of A is tested on its figure (test_groupsparse_figures.py).

The theory compared with SGD is the macroscopic map of full-batch gradient descent with the
SGD step (theory.dynamics = "gradient-descent"; exact on (R, Q), and first order in the step
away from the gradient flow, see test_groupsparse.py). Tolerances: 4 standard errors of the
simulation mean over seeds, combined with the theory's own Monte Carlo error (noise nodes).
"""
import numpy as np
import pytest

from odedyn.compare import deviation
from odedyn_figures._group_sparse import experiment

pytestmark = pytest.mark.slow


def combined_z(th, sim, name, th_error):
    se = np.sqrt(sim[name + "_sem"] ** 2 + th_error ** 2)[1:]
    return np.max(np.abs(th[name][: len(sim.t)] - sim[name])[1:] / se)


@pytest.mark.parametrize("n", [100, 400])
@pytest.mark.parametrize("activation", ["group-sparse-relu", "relu"])
def test_theory_within_sampling_error_of_large_batch_gd(n, activation):
    """The theory's own error: its Monte Carlo error for the loss, and for the distance the
    change under a finer quadrature (16 instead of 10 points) and fresh noise nodes."""
    def exp_with(nodes, seed):
        return experiment(model={"activation": activation}, data={"n": n},
                          training={"t_max": 3.0, "batch": 1024}, output={"n_times": 4},
                          theory={"dynamics": "gradient-descent", "noise_draws": 16,
                                  "amplitude_nodes": nodes, "seed": seed},
                          simulation={"test_samples": 8000})
    exp = exp_with(10, 0)
    sim = exp.simulate(seeds=6, progress=False)
    th = exp.integrate(sim.t)
    fine = exp_with(16, 1).integrate(sim.t)
    errors = {"loss": np.hypot(th["loss_mc_error"], th["loss"] - fine["loss"]),
              "distance": np.abs(th["distance"] - fine["distance"])}
    for name in ("loss", "distance"):
        assert combined_z(th, sim, name, errors[name]) < 4.0, (name, deviation(th, sim, [name]))
    assert th["distance"][-1] != th["distance"][0]


def test_sgd_approaches_the_theory_as_the_batch_grows():
    """Minibatch noise: |R_sgd - R_theory| ~ sqrt(lr / batch); 16x the batch, ~4x closer."""
    gaps = []
    for batch in (16, 256):
        exp = experiment(training={"t_max": 3.0, "batch": batch}, output={"n_times": 2},
                         theory={"dynamics": "gradient-descent", "noise_draws": 16})
        sim = exp.simulate(seeds=6, progress=False)
        R = exp.integrate(sim.t)["R"][-1]
        gaps.append(np.sqrt(np.mean([np.sum((Rs - R) ** 2) for Rs in sim["R_seeds"][:, -1]])))
    assert 2.5 < gaps[0] / gaps[1] < 6.5, gaps
