"""Molecular integration grids (Becke partitioning of atom-centred spheres), differentiable.

* radial: Treutler-Ahlrichs M4 mapping (J. Chem. Phys. 102, 346 (1995), eq. 19 with
  alpha = 0.6, xi = 1) of Gauss-Chebyshev (second kind) points;
* angular: Lebedev-Laikov rules from :func:`scipy.integrate.lebedev_rule`;
* partition: Becke's fuzzy cells (J. Chem. Phys. 88, 2547 (1988)), three iterations of
  p(mu) = 3mu/2 - mu^3/2, without atomic-size adjustment (still an exact partition of
  unity; convergence in the number of points is what makes it comparable to PySCF's).

Points move with the atoms, and the weights depend on interatomic distances, so the grid
is written in :mod:`wengert.numpy`: energies integrated on it are differentiable with
respect to the coordinates (grid-weight derivatives included).
"""

from __future__ import annotations

from functools import cache

import numpy

import wengert.numpy as np

__all__ = ["radial_grid", "angular_grid", "molecular_grid", "GRID_LEVELS"]

#: (radial points, Lebedev order) per level; the default for energies is level 3.
GRID_LEVELS = {1: (40, 17), 2: (60, 23), 3: (80, 29), 4: (100, 35), 5: (150, 41)}


@cache
def radial_grid(n: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Radii (Bohr) and weights (including r^2) of an n-point Treutler-Ahlrichs M4 grid."""
    i = numpy.arange(1, n + 1)
    theta = i * numpy.pi / (n + 1)
    x = numpy.cos(theta)
    ln2 = numpy.log(2.0)
    r = (1 + x) ** 0.6 * numpy.log(2 / (1 - x)) / ln2
    drdx = (0.6 * (1 + x) ** -0.4 * numpy.log(2 / (1 - x)) + (1 + x) ** 0.6 / (1 - x)) / ln2
    w = numpy.pi / (n + 1) * numpy.sin(theta) * drdx * r**2
    return r, w


@cache
def angular_grid(order: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Unit vectors (npt, 3) and weights (sum 4 pi) of the Lebedev rule of ``order``."""
    from scipy.integrate import lebedev_rule

    x, w = lebedev_rule(order)
    return x.T, w


def _becke_step(mu):
    for _ in range(3):
        mu = 1.5 * mu - 0.5 * mu**3
    return 0.5 * (1.0 - mu)


def molecular_grid(coords, level: int = 3):
    """Grid points (ngrid, 3) and weights (ngrid,) for the atoms at ``coords`` (Bohr).

    Differentiable with respect to ``coords`` (a wengert.numpy array or box).
    """
    if level not in GRID_LEVELS:
        raise ValueError(f"level must be one of {sorted(GRID_LEVELS)}, got {level!r}")
    nrad, order = GRID_LEVELS[level]
    r, wr = radial_grid(nrad)
    u, wa = angular_grid(order)
    offsets = (r[:, None, None] * u[None]).reshape(-1, 3)  # (nrad*nang, 3)
    w_atom = (wr[:, None] * wa[None]).ravel()
    natm = numpy.shape(coords)[0]
    points = np.reshape(coords[:, None, :] + offsets[None], (-1, 3))  # (natm*npt, 3)
    if natm == 1:
        return points, numpy.asarray(w_atom)
    dist = np.sqrt(np.sum((points[:, None, :] - coords[None]) ** 2, axis=-1) + 1e-300)
    diff = coords[:, None, :] - coords[None]
    r_ab = np.sqrt(np.sum(diff**2, axis=-1) + numpy.eye(natm))
    mu = (dist[:, :, None] - dist[:, None, :]) / r_ab[None]
    s = _becke_step(mu)
    cell = 1.0  # P_A = prod_{B != A} s(mu_AB), by products (np.prod's VJP divides by s)
    for b in range(natm):
        cell = cell * (s[:, :, b] * (1.0 - numpy.eye(natm)[b]) + numpy.eye(natm)[b])
    own = numpy.repeat(numpy.arange(natm), len(w_atom))
    weight = cell[numpy.arange(len(own)), own] / np.sum(cell, axis=1)
    return points, weight * numpy.tile(w_atom, natm)
