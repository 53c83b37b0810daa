"""The Dormand-Prince 5(4) Butcher tableau (Dormand & Prince 1980), module data for the compiled
integrator that derivations/integrators.py prints into each family's generated module: stages C,
coefficients A, fifth-order weights B (the propagated solution) and E = B - B*, the difference
to the embedded fourth-order weights (the error estimate), with the seventh stage evaluated at
the new point (FSAL)."""
import numpy as np

C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0])
A = np.zeros((7, 7))
A[1, :1] = [1 / 5]
A[2, :2] = [3 / 40, 9 / 40]
A[3, :3] = [44 / 45, -56 / 15, 32 / 9]
A[4, :4] = [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729]
A[5, :5] = [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]
A[6, :6] = [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]
B = A[6, :6].copy()
B_STAR = np.array([5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40])
E = np.concatenate([B, [0.0]]) - B_STAR
