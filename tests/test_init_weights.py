"""The shared [init] vocabulary: every model kind starts from the network in
``[init] weights = "FILE.npz"`` (read by odedyn.config.load_weights), and a random start may not
stand beside it."""
import numpy as np
import pytest
import tomllib

from odedyn.config import KINDS, experiment_from_dict
from odedyn.errors import ConfigError
from tiny_configs import TINY

#: kind -> {array name in the file: attribute of the experiment holding the initial network}
NETWORK = {
    "autoencoder": {"W": "W0", "V": "V0", "b": "b0"},
    "sign-autoencoder": {"A": "A0", "B": "B0"},
    "group-sparse-autoencoder": {"W": "W0"},
    "deep-autoencoder": {"theta": "theta0"},
    "committee": {"W": "W0", "v": "v0", "W_teacher": "W_teacher", "A": "A"},
}


def test_every_kind_is_listed():
    assert set(NETWORK) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_network_from_a_file_is_the_network_started_from(kind, tmp_path):
    cfg = tomllib.loads(TINY[kind])
    random = experiment_from_dict(cfg)
    arrays = {name: getattr(random, attr) for name, attr in NETWORK[kind].items()}
    shifted = {name: np.asarray(a, dtype=float) * 0.5 for name, a in arrays.items()}
    np.savez(tmp_path / "net.npz", **shifted)
    cfg["init"] = {"weights": "net.npz"}
    loaded = experiment_from_dict(cfg, str(tmp_path))
    for name, attr in NETWORK[kind].items():
        assert np.array_equal(getattr(loaded, attr), shifted[name]), name
    # a random start beside the file is refused, naming the key
    cfg["init"] = {"weights": "net.npz", "seed": 1}
    with pytest.raises(ConfigError, match="init.seed"):
        experiment_from_dict(cfg, str(tmp_path))
