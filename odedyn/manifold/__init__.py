"""Deep autoencoders for model reduction on manifolds (seed 003; Kvalheim & Sontag, TMLR 2024).

Owns the model family "deep-autoencoder": data on k-dimensional sets K in R^n
(``manifolds``), deep autoencoders in numpy + numba (``model``), their gradient flow on the
empirical loss (``theory``: scipy, or its Euler scheme) and minibatch SGD from the same start
(``simulate``),
the measurements (mean and maximal reconstruction error, measure of the exceptional set,
``measure``) and the CONFIG-driven experiment (``experiment``).
"""
from .manifolds import MANIFOLDS, Manifold
from .measure import OBSERVABLES, measure, measure_many
from .model import ACTIVATIONS, DeepAutoencoder
from .simulate import descend
from .theory import gradient_flow
