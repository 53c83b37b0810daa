"""The bias of the finite-size companion's surrogate gradient, in closed form (Gaussian source).
Owns: the mean of kernels.surrogate_gradient over Gaussian data at width h, and the population
"surrogate flow" it drives -- the limit of sample-based training as lr -> 0 and batch -> oo.

The surrogate (kernels.surrogate_gradient) keeps the exact A-gradient and, for the encoder row
b_i, replaces the delta function of d sign(u_i)/du_i by phi_h(u_i) = phi(u_i / (h|b_i|)) /
(h|b_i|). Write phi_h(u) as the density at 0 of w = u + h|b_i| xi, xi ~ N(0, 1) independent of x.
Then E[F(x) phi_h(b_i . x)] = p_w(0) E[F(x) | w = 0], with p_w(0) = 1 / (sqrt(2 pi) |b_i|
sqrt(1 + h^2)) and, for x ~ N(0, I), x | w = 0 ~ N(0, I - bbar_i bbar_i^T / (1 + h^2)) (h = 0: the
hyperplane b_i . x = 0). The two averages the B-gradient needs, projected orthogonally to b_i:

    E[(a_i . x) x_perp | w = 0]           = P_perp a_i                          (any h)
    E[sign(b_j . x) x_perp | w = 0]       = sqrt(2/pi) P_perp bbar_j / sqrt(1 - G_ij^2 / (1 + h^2))

so the mean surrogate B-gradient is the exact one (kernels.support_term) with

    c = sqrt(2/pi)                      ->  c / sqrt(1 + h^2)
    k'(G) = 2 / (pi sqrt(1 - G^2))      ->  2 / (pi sqrt(1 + h^2 - G^2))

(exactly; h = 0 gives back Price's k'). The bias is therefore O(h^2): a slower clock of the
encoder by 1 / sqrt(1 + h^2) plus a softened repulsion between rows (finite even at |G| = 1).
At an orthonormal encoder with A = sqrt(2/pi) Bbar^T both gradients still vanish: the surrogate
keeps the population optimum and its risk 1 - 2r/pi; it only changes the path towards it.
"""
import numpy as np

from . import kernels
from .model import Objective


def surrogate_mean_gradient(A, B, width):
    """(risk, dR/dA, mean surrogate B-gradient at ``width``) for the Gaussian source; the risk
    and the A-gradient are the exact population ones."""
    d, n = A.shape
    idx, offsets = np.arange(d, dtype=np.int64), np.array([0, d], dtype=np.int64)
    risk, gA, _, _, _ = kernels.population_risk(A, B, idx, offsets, 1.0)
    norms = np.linalg.norm(B, axis=1)
    Bbar = B / norms[:, None]
    G = np.clip(Bbar @ Bbar.T, -1.0, 1.0)
    M = A.T @ A
    h2 = width * width
    G2 = G * G
    np.fill_diagonal(G2, 0.0)                        # the diagonal is not a pair term
    W = M * (2 / np.pi) / np.sqrt(1 + h2 - G2)
    np.fill_diagonal(W, 0.0)
    gbar = -2.0 * np.sqrt(2 / np.pi) / np.sqrt(1 + h2) * A.T + 2.0 * (W @ Bbar)
    gbar -= (gbar * Bbar).sum(axis=1, keepdims=True) * Bbar
    return risk, gA, gbar / norms[:, None] / d


class SurrogateObjective(Objective):
    """The Gaussian population risk with the B-gradient replaced by the surrogate's mean at
    ``width``: model.gradient_flow(SurrogateObjective(...)) is the lr -> 0, batch -> oo limit
    of training from samples with that surrogate (the flow the companion follows)."""

    def __init__(self, model, width):
        if model.source.kind != "gaussian":
            raise ValueError("the surrogate mean is derived for the gaussian source only")
        super().__init__(model)
        self.width = width

    def evaluate(self, A, B, t=0.0, gradient=True):
        risk, gA, gB = surrogate_mean_gradient(A, B, self.width)
        return risk, gA, gB, 0.0
