"""The teacher-student committee machine (Saad & Solla 1995; Goldt et al. 2019). Owns: the
model's parameters, the map from weights to order parameters, the state vector's layout and the
error (its theory: odedyn.committee.theory).

Conventions (see README): student yhat = sum_k v_k g(w_k.x/sqrt D) (not divided by K), teacher
y = sum_m A_m g*(w*_m.x/sqrt D) + sigma xi, x ~ N(0, I_D), one fresh sample per step,
t = steps / D, loss (y - yhat)^2 / 2, weight decay kappa on both layers:

    w_k += (eta/sqrt D) v_k g'(lambda_k) (y - yhat) x - (eta kappa / D) w_k
    v_k += (eta_v / D) [g(lambda_k) (y - yhat) - kappa v_k]          (if the second layer trains)

both rates multiplied by the schedule's factor at t. Order parameters Q = w w^T/D,
R = w w*^T/D, T = w* w*^T/D, v; error eps = E[(y* - yhat)^2]/2 with y* the noiseless teacher.
"""
from dataclasses import dataclass, field

import numpy as np

from .._generated import committee_averages as ca
from ..errors import ConfigError
from ..integrate import Layout
from ..schedules import Schedule

ACTIVATIONS = tuple(ca.ACTIVATIONS)


@dataclass
class Committee:
    K: int
    M: int
    activation: str = "erf"
    teacher_activation: str = "erf"
    train_second_layer: bool = True
    lr: float = 1.0
    lr_second_layer: float = None
    weight_decay: float = 0.0
    noise: float = 0.0
    schedule: Schedule = field(default_factory=Schedule)

    def __post_init__(self):
        for key, act in (("model.activation", self.activation),
                         ("teacher.activation", self.teacher_activation)):
            if act not in ca.ACTIVATIONS:
                raise ConfigError(key, act, "must be one of %s" % ", ".join(ACTIVATIONS))
        if self.lr_second_layer is None:
            self.lr_second_layer = self.lr

    @property
    def quadrature(self):
        """Are some averages computed by quadrature (an activation with no closed form)?"""
        return max(ca.ACTIVATIONS[self.activation], ca.ACTIVATIONS[self.teacher_activation]) > ca.RELU

    # ------------------------------------------------------------ weights -> order parameters
    @property
    def acts(self):
        """Activation code of each of the K + M fields."""
        return np.array([ca.ACTIVATIONS[self.activation]] * self.K
                        + [ca.ACTIVATIONS[self.teacher_activation]] * self.M, dtype=np.int64)

    @staticmethod
    def order_parameters(W, v, W_teacher):
        """(Q, R, T, v) of a network (W: K x D, W_teacher: M x D)."""
        D = W.shape[1]
        return W @ W.T / D, W @ W_teacher.T / D, W_teacher @ W_teacher.T / D, np.array(v, float)

    @property
    def layout(self):
        """The state vector: Q (K x K), R (K x M), v (K)."""
        return Layout((("Q", (self.K, self.K)), ("R", (self.K, self.M)), ("v", (self.K,))),
                      {"Q": ("k", "l"), "R": ("k", "m"), "v": ("k",)})

    def state(self, Q, R, v):
        return self.layout.pack(Q, R, v)

    def unpack(self, y):
        """(Q, R, v) of a state (or of states with leading axes)."""
        parts = self.layout.unpack(y)
        return parts["Q"], parts["R"], parts["v"]

    def error(self, Q, R, T, v, A):
        """eps = E[(y* - yhat)^2] / 2 from the order parameters (the same averages as the ODE)."""
        K, M = self.K, self.M
        C = np.empty((K + M, K + M))
        ca.covariance(K, M, np.ascontiguousarray(Q), np.ascontiguousarray(R),
                      np.ascontiguousarray(T), C)
        c = np.concatenate([-np.asarray(v, float), np.asarray(A, float)])
        return ca.generalisation_error(K + M, self.acts, C, c, np.empty((K + M, K + M)))
