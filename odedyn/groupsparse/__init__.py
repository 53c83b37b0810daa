"""Group-sparse autoencoders (seed 002: Theodosis, Tolooshams, Tankala, Tasissa, Ba).

Owns the model family ``group-sparse-autoencoder``: the group-sparse generative model
(``model``), the group-sparse ReLU and the plain ReLU with a bias (``activation``), the averaging
rule over supports, amplitudes and noise (``averages``), the gradient flow on the expected loss
closed on R = W^T A and Q = W^T W (``theory``), minibatch SGD on samples (``simulate``), clustering
by the active group (``clustering``), the symmetric fixed point and its
radius (``fixedpoint``) and the CONFIG front door (``experiment``).
"""
from .activation import ACTIVATIONS
from .model import GenerativeModel, orthonormal_dictionary, random_dictionary
from .theory import Flow

__all__ = ["ACTIVATIONS", "GenerativeModel", "Flow", "orthonormal_dictionary", "random_dictionary"]
