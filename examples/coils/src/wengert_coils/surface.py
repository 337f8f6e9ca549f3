"""Toroidal surfaces given by Fourier coefficients, with a rotating ellipse built in."""

from __future__ import annotations

import numpy

import wengert.numpy as np

__all__ = ["Surface"]


class Surface:
    """A stellarator-symmetric toroidal surface ``R(theta, phi)``, ``Z(theta, phi)``.

    ``R = sum_{m,n} rc[m, n] cos(m theta - n nfp phi)``,
    ``Z = sum_{m,n} zs[m, n] sin(m theta - n nfp phi)``, with ``phi`` the cylindrical
    (geometric toroidal) angle and ``theta`` a poloidal angle, both in radians — simsopt's
    ``SurfaceRZFourier`` convention. ``rc`` and ``zs`` have shape ``(mpol + 1, 2 ntor + 1)``,
    column ``n + ntor`` for mode ``n`` (m).

    The quadrature grid is ``nphi x ntheta``: ``theta_j = 2 pi j / ntheta`` and
    ``phi_i = (i + 1/2) span / nphi`` with ``span`` ``2 pi`` (``range="full torus"``),
    ``2 pi / nfp`` (``"field period"``) or ``pi / nfp`` (``"half period"``). The half-period
    grid is the restriction of a uniform full-torus grid that the field-period and
    stellarator symmetries map onto itself, so for a symmetric integrand it integrates the
    whole torus with the trapezoidal rule's spectral accuracy.

    ``points``, ``normal`` (``dx/dphi x dx/dtheta``, not normalized, outward for the
    built-in ellipse), ``unit_normal`` and ``area_weights`` (``|normal| dphi dtheta``, m^2)
    are plain arrays on the grid, shape ``(nphi, ntheta, 3)`` or ``(nphi, ntheta)``;
    :meth:`evaluate` gives points and normals as differentiable functions of ``rc, zs``.
    """

    def __init__(
        self, rc, zs, nfp: int = 1, *, nphi: int = 32, ntheta: int = 32, range: str = "full torus"
    ):
        rc, zs = numpy.array(rc, dtype=float), numpy.array(zs, dtype=float)
        if rc.ndim != 2 or rc.shape[1] % 2 != 1 or zs.shape != rc.shape:
            raise ValueError(
                "rc and zs must have the same shape (mpol + 1, 2 ntor + 1), got "
                f"{rc.shape} and {zs.shape}"
            )
        if not isinstance(nfp, (int, numpy.integer)) or nfp < 1:
            raise ValueError(f"nfp must be an int >= 1, got {nfp!r}")
        for name, value in (("nphi", nphi), ("ntheta", ntheta)):
            if not isinstance(value, (int, numpy.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        spans = {
            "full torus": 2 * numpy.pi,
            "field period": 2 * numpy.pi / nfp,
            "half period": numpy.pi / nfp,
        }
        if range not in spans:
            raise ValueError(f"range must be one of {sorted(spans)}, got {range!r}")
        self.rc, self.zs, self.nfp, self.range = rc, zs, int(nfp), range
        self.nphi, self.ntheta = int(nphi), int(ntheta)
        self.phi = (numpy.arange(nphi) + 0.5) * spans[range] / nphi
        self.theta = 2 * numpy.pi * numpy.arange(ntheta) / ntheta
        self.dphi, self.dtheta = spans[range] / nphi, 2 * numpy.pi / ntheta
        #: the fraction of the torus the grid covers
        self.fraction = spans[range] / (2 * numpy.pi)
        mpol, ntor = rc.shape[0] - 1, rc.shape[1] // 2
        m = numpy.arange(mpol + 1)[:, None]
        n = numpy.arange(-ntor, ntor + 1)[None, :]
        angle = (
            m * self.theta[None, :, None, None] - n * self.nfp * self.phi[:, None, None, None]
        )  # (nphi, ntheta, M, N)
        self._cos, self._sin = numpy.cos(angle), numpy.sin(angle)
        self._m, self._n = m * 1.0, n * self.nfp * 1.0
        self.points, self.normal = (numpy.asarray(a) for a in self.evaluate(rc, zs))
        self.area_weights = numpy.linalg.norm(self.normal, axis=-1) * self.dphi * self.dtheta
        self.unit_normal = self.normal / numpy.linalg.norm(self.normal, axis=-1)[..., None]

    @classmethod
    def rotating_ellipse(
        cls,
        major_radius: float = 1.0,
        minor_radius: float = 0.15,
        ellipticity: float = 0.05,
        nfp: int = 2,
        **grid,
    ) -> Surface:
        """An elliptical cross-section that rotates ``nfp / 2`` turns per toroidal turn.

        ``R = R0 + a cos theta + b cos(theta - nfp phi)``,
        ``Z = a sin theta - b sin(theta - nfp phi)``: an ellipse with semi-axes ``a + b`` and
        ``a - b`` (``minor_radius``, ``ellipticity``) whose major axis makes the angle
        ``nfp phi / 2`` with the R direction. ``grid``: ``nphi``, ``ntheta``, ``range`` as for
        :class:`Surface`.
        """
        if not 0 <= ellipticity < minor_radius < major_radius:
            raise ValueError(
                "need 0 <= ellipticity < minor_radius < major_radius, got "
                f"{ellipticity}, {minor_radius}, {major_radius}"
            )
        rc, zs = numpy.zeros((2, 3)), numpy.zeros((2, 3))
        rc[0, 1], rc[1, 1], rc[1, 2] = major_radius, minor_radius, ellipticity
        zs[1, 1], zs[1, 2] = minor_radius, -ellipticity
        return cls(rc, zs, nfp, **grid)

    def with_grid(
        self, *, nphi: int | None = None, ntheta: int | None = None, range: str | None = None
    ) -> Surface:
        """The same surface on another grid."""
        return Surface(
            self.rc,
            self.zs,
            self.nfp,
            nphi=nphi or self.nphi,
            ntheta=ntheta or self.ntheta,
            range=range or self.range,
        )

    def evaluate(self, rc, zs):
        """``(points, normal)`` on the grid, (nphi, ntheta, 3) each; differentiable in rc, zs."""
        cos, sin, m, n = self._cos, self._sin, self._m, self._n
        r = np.sum(cos * rc, axis=(-2, -1))
        z = np.sum(sin * zs, axis=(-2, -1))
        r_t = -np.sum(sin * (m * rc), axis=(-2, -1))
        r_p = np.sum(sin * (n * rc), axis=(-2, -1))
        z_t = np.sum(cos * (m * zs), axis=(-2, -1))
        z_p = -np.sum(cos * (n * zs), axis=(-2, -1))
        cp, sp = numpy.cos(self.phi)[:, None], numpy.sin(self.phi)[:, None]
        points = np.stack([r * cp, r * sp, z], axis=-1)
        d_phi = np.stack([r_p * cp - r * sp, r_p * sp + r * cp, z_p], axis=-1)
        d_theta = np.stack([r_t * cp, r_t * sp, z_t], axis=-1)
        return points, np.cross(d_phi, d_theta)

    def area(self) -> float:
        """Area of the whole surface (m^2), from the grid (``sum dA / fraction``)."""
        return float(numpy.sum(self.area_weights) / self.fraction)
