"""Objectives of coil design: quadratic flux and engineering penalties.

All are written in ``wengert.numpy`` and are differentiable. The distance penalties pick
the pairs closer than the threshold on the untraced values first and differentiate only
those: the other pairs contribute zero with zero derivative (the penalties are C1), so
the result is exact and costs nothing when no pair is close.
"""

from __future__ import annotations

import numpy

import wengert
import wengert.numpy as np
from wengert_coils.field import spectral_derivative_matrix

__all__ = [
    "quadratic_flux",
    "bn_over_b",
    "line_elements",
    "length_penalty",
    "curvature_penalty",
    "coil_coil_penalty",
    "coil_surface_penalty",
    "min_coil_distance",
    "min_coil_surface_distance",
]


def quadratic_flux(field, surface, normalized: bool = True):
    """The quadratic flux of ``field`` ``(nphi, ntheta, 3)`` (T) through ``surface``'s grid.

    ``normalized=True`` (default): ``int (B.n)^2 dA / int |B|^2 dA``, dimensionless,
    invariant under scaling all currents (simsopt's ``"normalized"`` definition without its
    factor 1/2). ``normalized=False``: ``int (B.n)^2 dA`` over the part of the torus the
    grid covers (T^2 m^2). ``n`` is the unit normal; integrals by the grid's trapezoidal rule.
    """
    bn = np.sum(field * surface.unit_normal, axis=-1)
    flux = np.sum(bn**2 * surface.area_weights)
    if not normalized:
        return flux
    return flux / np.sum(np.sum(field**2, axis=-1) * surface.area_weights)


def bn_over_b(field, surface) -> numpy.ndarray:
    """``|B.n| / |B|`` on the grid, ``(nphi, ntheta)`` (plain array, for reporting)."""
    field = numpy.asarray(field)
    return numpy.abs(numpy.sum(field * surface.unit_normal, axis=-1)) / numpy.linalg.norm(
        field, axis=-1
    )


def line_elements(points):
    """Arc-length weights ``|r'(t_j)| / nquad`` (m) of closed curves ``(..., nquad, 3)``.

    ``sum`` over the last axis is the length; the tangent is the spectral one of
    :func:`~wengert_coils.field`.
    """
    nquad = np.shape(points)[-2]
    dl = np.matmul((2 * numpy.pi / nquad) * spectral_derivative_matrix(nquad), points)
    return np.sqrt(np.sum(dl**2, axis=-1))


def length_penalty(curve, coefficients, max_length: float):
    """``sum_k max(L_k - max_length, 0)^2`` (m^2) over the curves ``coefficients``."""
    return np.sum(np.maximum(curve.length(coefficients) - max_length, 0.0) ** 2)


def curvature_penalty(curve, coefficients, max_curvature: float):
    """``sum_k int max(kappa - max_curvature, 0)^2 dl`` (1/m) over the curves."""
    excess = np.maximum(curve.curvature(coefficients) - max_curvature, 0.0)
    speed = np.sqrt(np.sum(curve.points(coefficients, 1) ** 2, axis=-1))
    return (2 * numpy.pi / curve.nquad) * np.sum(excess**2 * speed)


def _pairs_closer(a, b, cutoff):
    """Index pairs ``(i, j)`` with ``|a_i - b_j| < cutoff`` for plain ``a`` (P, 3), ``b`` (Q, 3)."""
    d2 = numpy.sum(a**2, axis=1)[:, None] + numpy.sum(b**2, axis=1)[None, :] - 2.0 * a @ b.T
    return numpy.nonzero(d2 < cutoff**2)


def _penalty(pa, pb, wa, wb, min_distance):
    dist = np.sqrt(np.sum((pa - pb) ** 2, axis=-1))
    return np.sum(np.maximum(min_distance - dist, 0.0) ** 2 * wa * wb)


def coil_coil_penalty(points, min_distance: float, nbase: int | None = None):
    """``sum_{k < nbase, l > k} int int max(d_min - |r_k - r_l|, 0)^2 dl_k dl_l`` (m^4).

    :param points: ``(ncoils, nquad, 3)`` samples of all coils (m).
    :param nbase: with a symmetric coil set whose first ``nbase`` coils are the base
        coils (:meth:`CoilSet.all_points`), only pairs with a base coil are summed: every
        pair of coils is the image of one of those under the symmetry. ``None``: all pairs.
    """
    ncoils = np.shape(points)[0]
    nbase = ncoils if nbase is None else nbase
    plain = numpy.asarray(wengert.stop_gradient(points))
    margin = 1.0 + 1e-9
    ks, i_s, ls, j_s = [], [], [], []
    for k in range(min(nbase, ncoils - 1)):
        others = plain[k + 1 :].reshape(-1, 3)
        i, flat = _pairs_closer(plain[k], others, min_distance * margin)
        l_idx, j = numpy.divmod(flat, plain.shape[1])
        ks.append(numpy.full(i.shape, k))
        i_s.append(i)
        ls.append(l_idx + k + 1)
        j_s.append(j)
    if not ks or not sum(len(i) for i in i_s):
        return 0.0
    k, i, l_idx, j = (numpy.concatenate(v) for v in (ks, i_s, ls, j_s))
    dl = line_elements(points)
    return _penalty(points[k, i], points[l_idx, j], dl[k, i], dl[l_idx, j], min_distance)


def coil_surface_penalty(points, surface, min_distance: float):
    """``sum_k int_coil int_surface max(d_min - |r - s|, 0)^2 dl dA`` (m^5) on ``surface``'s grid.

    With a symmetric coil set and a symmetric grid (``"half period"``), all coils against
    the grid counts every close coil-surface pair once up to symmetry.
    """
    plain = numpy.asarray(wengert.stop_gradient(points))
    nquad = plain.shape[1]
    spts = surface.points.reshape(-1, 3)
    flat, s = _pairs_closer(plain.reshape(-1, 3), spts, min_distance * (1.0 + 1e-9))
    if not len(flat):
        return 0.0
    k, i = numpy.divmod(flat, nquad)
    dl = line_elements(points)
    return _penalty(
        points[k, i], spts[s], dl[k, i], surface.area_weights.reshape(-1)[s], min_distance
    )


def min_coil_distance(points) -> float:
    """Smallest distance (m) between samples of two different coils ``(ncoils, nquad, 3)``."""
    points = numpy.asarray(points)
    best = numpy.inf
    for k in range(points.shape[0] - 1):
        diff = points[k][:, None, None, :] - points[k + 1 :][None]
        best = min(best, float(numpy.sqrt(numpy.min(numpy.sum(diff**2, axis=-1)))))
    return best


def min_coil_surface_distance(points, surface) -> float:
    """Smallest distance (m) between coil samples and the surface grid points."""
    a = numpy.asarray(points).reshape(-1, 3)
    b = surface.points.reshape(-1, 3)
    d2 = numpy.sum(a**2, axis=1)[:, None] + numpy.sum(b**2, axis=1)[None, :] - 2.0 * a @ b.T
    return float(numpy.sqrt(max(numpy.min(d2), 0.0)))
