"""The one-bit compression autoencoder of seed 000 (Koegler et al., ICML 2024): model, sources,
population dynamics, sample-based companion, denoisers."""
from .experiment import Experiment
from .model import Objective, SignAutoencoder, observables
from .theory import gradient_descent, gradient_flow
from .sources import Source

__all__ = ["Experiment", "Objective", "SignAutoencoder", "Source",
           "gradient_descent", "gradient_flow", "observables"]
