"""Coils: closed Fourier curves, currents, and stellarator / field-period symmetry.

Lengths in metres, currents in amperes. All functions of coefficients and currents are
written in ``wengert.numpy`` and are differentiable (any order, both modes).
"""

from __future__ import annotations

import numpy

import wengert.numpy as np
from wengert_coils.field import biot_savart

__all__ = ["FourierCurve", "CoilSet"]


class FourierCurve:
    """Closed curves ``r(theta) = c_0 + sum_{m=1}^{order} (c_m cos m theta + s_m sin m theta)``.

    Each Cartesian component has its own series; a curve is its coefficient array of shape
    ``(3, 2 order + 1)`` (rows x, y, z; columns ``c_0, c_1..c_order, s_1..s_order``), and a
    stack of curves is ``(..., 3, 2 order + 1)``. Curves are sampled at
    ``theta_j = 2 pi j / nquad``, ``j = 0..nquad-1`` (the ``t_j = j / nquad`` of
    :func:`~wengert_coils.field`); ``nquad > 2 order`` so that the samples determine
    the curve and its spectral tangent exactly.

    >>> curve = FourierCurve(order=2, nquad=32)
    >>> c = curve.circle(center=(1.0, 0.0, 0.0), radius=0.5, normal_angle=0.0)
    >>> round(float(curve.length(c)), 12) == round(numpy.pi, 12)
    True
    """

    def __init__(self, order: int, nquad: int | None = None):
        if not isinstance(order, (int, numpy.integer)) or order < 1:
            raise ValueError(f"order must be an int >= 1, got {order!r}")
        nquad = 8 * (order + 1) if nquad is None else nquad
        if not isinstance(nquad, (int, numpy.integer)) or nquad <= 2 * order:
            raise ValueError(f"nquad must be an int > 2 * order = {2 * order}, got {nquad!r}")
        self.order, self.nquad = int(order), int(nquad)
        self.theta = 2 * numpy.pi * numpy.arange(self.nquad) / self.nquad
        m = numpy.arange(1, self.order + 1)[:, None]
        cos, sin = numpy.cos(m * self.theta), numpy.sin(m * self.theta)
        ones = numpy.ones((1, self.nquad))
        zeros = numpy.zeros((1, self.nquad))
        # (2 order + 1, nquad) bases of r, r' and r'' (derivatives with respect to theta)
        self._bases = (
            numpy.concatenate([ones, cos, sin]),
            numpy.concatenate([zeros, -m * sin, m * cos]),
            numpy.concatenate([zeros, -(m**2) * cos, -(m**2) * sin]),
        )

    @property
    def ncoef(self) -> int:
        """Number of coefficients per Cartesian component, ``2 order + 1``."""
        return 2 * self.order + 1

    def _check(self, coefficients):
        if np.shape(coefficients)[-2:] != (3, self.ncoef):
            raise ValueError(
                f"coefficients must have shape (..., 3, {self.ncoef}) for order {self.order}, "
                f"got {np.shape(coefficients)}"
            )

    def points(self, coefficients, derivative: int = 0):
        """``r`` or its ``derivative``-th theta derivative (0..2) at the samples (..., nquad, 3)."""
        self._check(coefficients)
        return np.swapaxes(np.matmul(coefficients, self._bases[derivative]), -1, -2)

    def length(self, coefficients):
        """Length of each curve (m), ``(...)``: the trapezoidal rule for ``int |r'| dtheta``."""
        speed = np.sqrt(np.sum(self.points(coefficients, 1) ** 2, axis=-1))
        return (2 * numpy.pi / self.nquad) * np.sum(speed, axis=-1)

    def curvature(self, coefficients):
        """Curvature ``|r' x r''| / |r'|**3`` (1/m) at the samples, ``(..., nquad)``."""
        d1, d2 = self.points(coefficients, 1), self.points(coefficients, 2)
        cross = np.cross(d1, d2)
        return np.sqrt(np.sum(cross**2, axis=-1)) / np.sum(d1**2, axis=-1) ** 1.5

    def circle(self, center, radius: float, normal_angle: float) -> numpy.ndarray:
        """Coefficients of a circle of ``radius`` around ``center`` in a vertical plane.

        The plane holds the z axis direction and the radial direction at toroidal angle
        ``normal_angle`` (rad): the circle of a planar toroidal-field coil at that angle,
        ``r(theta) = center + radius (cos theta e_R + sin theta e_z)``.
        """
        coef = numpy.zeros((3, self.ncoef))
        coef[:, 0] = center
        coef[:, 1] = radius * numpy.array([numpy.cos(normal_angle), numpy.sin(normal_angle), 0.0])
        coef[:, self.order + 1] = (0.0, 0.0, radius)
        return coef

    def fit(self, points) -> numpy.ndarray:
        """Coefficients ``(..., 3, ncoef)`` of the curve through ``points`` ``(..., nquad, 3)``.

        Least squares (exact when the points come from a curve of this order).
        """
        points = numpy.asarray(points, dtype=float)
        coef, *_ = numpy.linalg.lstsq(
            self._bases[0].T, numpy.moveaxis(points, -2, 0).reshape(self.nquad, -1), rcond=None
        )
        return numpy.moveaxis(coef.reshape((self.ncoef,) + points.shape[:-2] + (3,)), 0, -1)


def _rotation_z(angle: float) -> numpy.ndarray:
    c, s = numpy.cos(angle), numpy.sin(angle)
    return numpy.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


class CoilSet:
    """Independent *base* coils and their symmetric copies.

    :param curve: the :class:`FourierCurve` (order, nquad) shared by all coils.
    :param coefficients: ``(nbase, 3, 2 order + 1)`` base-coil coefficients (m).
    :param currents: ``(nbase,)`` base-coil currents (A).
    :param nfp: number of field periods: each coil is copied rotated by ``2 pi k / nfp``
        about the z axis, ``k = 0..nfp-1``.
    :param stellsym: stellarator symmetry: each of those is also copied rotated by pi about
        the x axis, ``(x, y, z) -> (x, -y, -z)``, with the current **reversed**. A proper
        rotation ``S`` of a coil gives the field ``S B(S^T x)``; stellarator symmetry asks for
        ``B(S x) = -S B(x)`` (``B_R`` odd, ``B_phi`` and ``B_Z`` even under
        ``(phi, Z) -> (-phi, -Z)``), hence the sign, as in simsopt's
        ``apply_symmetries_to_currents``.

    The full set holds ``nfp * (2 if stellsym else 1) * nbase`` coils, ordered copy by copy
    with the base coils first.
    """

    def __init__(
        self, curve: FourierCurve, coefficients, currents, nfp: int = 1, stellsym: bool = False
    ):
        coefficients = numpy.array(coefficients, dtype=float)
        currents = numpy.array(currents, dtype=float)
        if coefficients.ndim != 3 or coefficients.shape[1:] != (3, curve.ncoef):
            raise ValueError(
                f"coefficients must have shape (nbase, 3, {curve.ncoef}), got {coefficients.shape}"
            )
        if currents.shape != coefficients.shape[:1]:
            raise ValueError(
                f"currents must have shape ({coefficients.shape[0]},), got {currents.shape}"
            )
        if not isinstance(nfp, (int, numpy.integer)) or nfp < 1:
            raise ValueError(f"nfp must be an int >= 1, got {nfp!r}")
        self.curve, self.coefficients, self.currents = curve, coefficients, currents
        self.nfp, self.stellsym = int(nfp), bool(stellsym)
        flips = (False, True) if stellsym else (False,)
        flip = numpy.diag([1.0, -1.0, -1.0])
        self._transforms = numpy.array(
            [
                _rotation_z(2 * numpy.pi * k / nfp) @ (flip if f else numpy.eye(3))
                for k in range(nfp)
                for f in flips
            ]
        )
        self._signs = numpy.array([-1.0 if f else 1.0 for _ in range(nfp) for f in flips])

    @classmethod
    def circular(
        cls,
        ncoils: int,
        major_radius: float,
        radius: float,
        current: float,
        *,
        order: int,
        nquad: int | None = None,
        nfp: int = 1,
        stellsym: bool = False,
    ) -> CoilSet:
        """``ncoils`` planar circular base coils, placed so that the full set is uniform.

        Base coil ``i`` sits at toroidal angle ``(i + 1/2) pi / (nfp ncoils)`` with stellarator
        symmetry (the half period), ``(i + 1/2) 2 pi / (nfp ncoils)`` without; all carry
        ``current`` (A) in the same sense (a toroidal field ``B_phi < 0`` at the major radius
        for ``current > 0``).
        """
        if not isinstance(ncoils, (int, numpy.integer)) or ncoils < 1:
            raise ValueError(f"ncoils must be an int >= 1, got {ncoils!r}")
        curve = FourierCurve(order, nquad)
        span = (numpy.pi if stellsym else 2 * numpy.pi) / (nfp * ncoils)
        coef = []
        for i in range(ncoils):
            phi = (i + 0.5) * span
            center = (major_radius * numpy.cos(phi), major_radius * numpy.sin(phi), 0.0)
            coef.append(curve.circle(center, radius, phi))
        return cls(curve, coef, numpy.full(ncoils, float(current)), nfp, stellsym)

    @property
    def nbase(self) -> int:
        return self.coefficients.shape[0]

    @property
    def ncoils(self) -> int:
        """Number of coils in the full set."""
        return self.nbase * len(self._signs)

    def all_points(self, coefficients=None):
        """Samples of every coil of the full set, ``(ncoils, nquad, 3)`` (m)."""
        coefficients = self.coefficients if coefficients is None else coefficients
        base = self.curve.points(coefficients)  # (nbase, nquad, 3)
        copies = np.matmul(base[None], numpy.swapaxes(self._transforms, 1, 2)[:, None])
        return np.reshape(copies, (self.ncoils, self.curve.nquad, 3))

    def all_currents(self, currents=None):
        """Currents of every coil of the full set, ``(ncoils,)`` (A), with the symmetry signs."""
        currents = self.currents if currents is None else currents
        return np.reshape(self._signs[:, None] * currents[None, :], (self.ncoils,))

    def field(self, points, coefficients=None, currents=None):
        """``B`` (T) of the full set at ``points`` ``(..., 3)``; differentiable in all inputs."""
        return biot_savart(self.all_points(coefficients), self.all_currents(currents), points)

    def replace(self, coefficients=None, currents=None) -> CoilSet:
        """A copy with new base coefficients and/or currents."""
        return CoilSet(
            self.curve,
            self.coefficients if coefficients is None else coefficients,
            self.currents if currents is None else currents,
            self.nfp,
            self.stellsym,
        )
