"""Deep autoencoders for model reduction on manifolds (seed 003; Kvalheim & Sontag, TMLR 2024).

Owns the model family "deep-autoencoder": data on k-dimensional sets K in R^n
(``manifolds``), deep autoencoders in numpy + numba (``network``), their training by gradient
flow on the empirical loss (scipy) and by minibatch SGD from the same start (``training``),
the measurements (mean and maximal reconstruction error, measure of the exceptional set,
``measure``) and the CONFIG-driven experiment (``experiment``).
"""
from .manifolds import MANIFOLDS, Manifold
from .measure import OBSERVABLES, measure, measure_many
from .network import ACTIVATIONS, DeepAutoencoder
from .training import descend, gradient_flow
