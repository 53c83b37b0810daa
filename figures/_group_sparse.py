"""Settings shared by the group-sparse figures (figures/group_sparse_*.py) and their tests.
Owns: the base CONFIG of the paper-style experiments (n = 100, M = 8 groups of g = 2, incoherent
random dictionary, amplitudes uniform on [0.1, 1.5], noise 0.05, start at column distance 0.2),
the base CONFIG on real data (scikit-learn's digits, unit-norm rows, M = 10 groups of g = 4,
started from training rows; examples/group_sparse_digits.toml) and building an Experiment from
either with overrides."""
from odedyn.config import derive

BASE = {
    "model": {"kind": "group-sparse-autoencoder", "activation": "group-sparse-relu",
              "threshold": 0.5},
    "data": {"n": 100, "groups": 8, "group_size": 2, "active_groups": 1, "dictionary": "random",
             "seed": 0, "amplitude_range": [0.1, 1.5], "noise": 0.05},
    "training": {"lr": 0.1, "batch": 256, "t_max": 30.0},
    "init": {"distance": 0.2, "seed": 1},
    "theory": {"amplitude_nodes": 10, "noise_draws": 8},
    "simulation": {"test_samples": 4000},
    "output": {"n_times": 15},
}

DIGITS = {
    "model": {"kind": "group-sparse-autoencoder", "activation": "group-sparse-relu",
              "threshold": 0.7},
    "data": {"source": "dataset", "dataset": "digits", "preprocess": "unit-norm", "groups": 10,
             "group_size": 4, "test_fraction": 0.25, "seed": 0},
    "training": {"lr": 0.1, "batch": 64, "t_max": 200.0},
    "init": {"samples": True, "seed": 0},
    "output": {"n_times": 3},
}

LABELS = {"group-sparse-relu": "group-sparse ReLU", "relu": "ReLU with bias"}


def experiment(base=None, **sections):
    """Experiment from ``base`` (default BASE) with ``section={key: value}`` overrides."""
    return derive(BASE if base is None else base, **sections)
