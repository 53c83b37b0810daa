"""Butcher tableaus of the explicit Runge-Kutta methods the shared integrator runs, as data.
Owns: the coefficients; the one stepping loop that uses them is the template in
derivations/integrators.py (compiled) and its Python twin in odedyn.integrate.

Each tableau has stages C, coefficients A (strictly lower triangular), the propagated weights B
and, for embedded pairs, E = B - B_hat (the error estimate is h sum_s E_s k_s) with the order
``order`` of the propagated solution and ``error_order`` of the estimate (the step-size
controller uses the exponent 1 / (error_order + 1)). ``fsal``: the last stage is evaluated at
the new point with the new solution, so it is the next step's first stage.
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Tableau:
    name: str
    C: np.ndarray
    A: np.ndarray
    B: np.ndarray
    E: np.ndarray
    order: int
    error_order: int
    fsal: bool

    @property
    def stages(self):
        return len(self.C)

    @property
    def embedded(self):
        return bool(np.any(self.E != 0.0))


def _tableau(name, C, rows, B, B_hat=None, order=1, error_order=0, fsal=False):
    s = len(C)
    A = np.zeros((s, s))
    for i, row in enumerate(rows, start=1):
        A[i, :len(row)] = row
    B = np.concatenate([B, np.zeros(s - len(B))])
    E = np.zeros(s) if B_hat is None else B - np.asarray(B_hat, dtype=float)
    return Tableau(name, np.asarray(C, dtype=float), A, B, E, order, error_order, fsal)


#: Dormand & Prince (1980) 5(4), first same as last
DOPRI5 = _tableau(
    "dopri5", [0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0],
    [[1 / 5], [3 / 40, 9 / 40], [44 / 45, -56 / 15, 32 / 9],
     [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
     [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
     [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]],
    [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
    [5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40],
    order=5, error_order=4, fsal=True)

#: Bogacki & Shampine (1989) 3(2), first same as last
BS3 = _tableau(
    "bs3", [0.0, 1 / 2, 3 / 4, 1.0],
    [[1 / 2], [0.0, 3 / 4], [2 / 9, 1 / 3, 4 / 9]],
    [2 / 9, 1 / 3, 4 / 9], [7 / 24, 1 / 4, 1 / 3, 1 / 8], order=3, error_order=2, fsal=True)

#: the classical fourth-order method (fixed steps)
RK4 = _tableau("rk4", [0.0, 1 / 2, 1 / 2, 1.0], [[1 / 2], [0.0, 1 / 2], [0.0, 0.0, 1.0]],
               [1 / 6, 1 / 3, 1 / 3, 1 / 6], order=4)

#: the explicit Euler scheme (fixed steps)
EULER = _tableau("euler", [0.0], [], [1.0], order=1)

TABLEAUS = {t.name: t for t in (DOPRI5, BS3, RK4, EULER)}
