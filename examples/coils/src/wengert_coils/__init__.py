"""Stellarator coil design on wengert: a third-party plugin written against the public API.

* :func:`biot_savart` — the primitive ``coils.biot_savart``: the field of closed
  filamentary coils with hand-written VJP and JVP (any order, both modes).
* :class:`FourierCurve`, :class:`CoilSet` — coils as Fourier curves, currents,
  field-period and stellarator symmetry.
* :class:`Surface` — toroidal surfaces from Fourier coefficients; a rotating ellipse.
* :mod:`~wengert_coils.objectives` — quadratic flux, length, curvature and distance
  penalties; :func:`optimize_coils` (L-BFGS-B) and :func:`plot_coils`.

Units: metres, amperes, tesla.
"""

from wengert_coils.curves import CoilSet, FourierCurve
from wengert_coils.field import MU0, biot_savart, spectral_derivative_matrix
from wengert_coils.objectives import (
    bn_over_b,
    coil_coil_penalty,
    coil_surface_penalty,
    curvature_penalty,
    length_penalty,
    line_elements,
    min_coil_distance,
    min_coil_surface_distance,
    quadratic_flux,
)
from wengert_coils.optimize import CoilObjective, CoilOptimizationResult, optimize_coils, plot_coils
from wengert_coils.surface import Surface

__all__ = [
    "MU0",
    "biot_savart",
    "spectral_derivative_matrix",
    "FourierCurve",
    "CoilSet",
    "Surface",
    "quadratic_flux",
    "bn_over_b",
    "line_elements",
    "length_penalty",
    "curvature_penalty",
    "coil_coil_penalty",
    "coil_surface_penalty",
    "min_coil_distance",
    "min_coil_surface_distance",
    "CoilObjective",
    "CoilOptimizationResult",
    "optimize_coils",
    "plot_coils",
]
