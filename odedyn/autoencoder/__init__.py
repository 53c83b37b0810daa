"""The shallow autoencoder of seed 001 (Refinetti & Goldt, ICML 2022): model, theory, SGD."""
from .experiment import Experiment, from_config
from .model import Autoencoder

__all__ = ["Autoencoder", "Experiment", "from_config"]
