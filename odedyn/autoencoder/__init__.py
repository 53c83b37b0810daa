"""The shallow autoencoder of seed 001 (Refinetti & Goldt, ICML 2022): model, spectra, theory,
SGD."""
from .experiment import Experiment, configure
from .model import Autoencoder

__all__ = ["Autoencoder", "Experiment", "configure"]
