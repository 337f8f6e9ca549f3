"""The local density approximation: Slater exchange + VWN5 correlation (closed shell).

libxc ids 1 (LDA_X) and 7 (LDA_C_VWN, the VWN "5" fit: S. H. Vosko, L. Wilk, M. Nusair,
Can. J. Phys. 58, 1200 (1980)); PySCF calls the pair ``"lda,vwn5"`` (its ``"vwn"`` alone
is VWN_RPA, id 8, a common mix-up). The potential v_xc = d(rho eps_xc)/d rho is the
automatic derivative of the energy density, so every order needed by the SCF response
(f_xc for polarizabilities and Hessians) comes from the same few lines.
"""

from __future__ import annotations

import numpy

import wengert
import wengert.numpy as np

__all__ = [
    "check_xc",
    "lda_energy_density",
    "lda_params",
    "lda_energy",
    "lda_potential",
    "ao_values",
]

_ALIASES = {
    "lda,vwn5": "lda,vwn5",
    "lda": "lda,vwn5",
    "svwn5": "lda,vwn5",
    "slater,vwn5": "lda,vwn5",
    "lda_x,lda_c_vwn": "lda,vwn5",
}
_RHO_MIN = 1e-14
# VWN5 paramagnetic fit: A (Eh), b, c, x0
_A, _B, _C, _X0 = 0.0310907, 3.72744, 12.9352, -0.10498


def check_xc(xc):
    """Normalize the functional name; only Slater+VWN5 is implemented."""
    key = str(xc).lower().replace(" ", "") if xc is not None else None
    if key not in _ALIASES:
        raise ValueError(f"xc must be one of {sorted(_ALIASES)} for method='rks', got {xc!r}")
    return _ALIASES[key]


def lda_energy_density(rho):
    """rho * (eps_x + eps_c) per volume (Eh/Bohr^3) for a closed-shell density rho."""
    rho_safe = np.where(rho > _RHO_MIN, rho, _RHO_MIN)
    e_x = -0.75 * (3.0 / numpy.pi) ** (1.0 / 3.0) * rho_safe ** (4.0 / 3.0)
    rs = (3.0 / (4.0 * numpy.pi * rho_safe)) ** (1.0 / 3.0)
    x = np.sqrt(rs)
    big_x = x**2 + _B * x + _C
    x0 = _X0**2 + _B * _X0 + _C
    q = numpy.sqrt(4 * _C - _B**2)
    atn = np.arctan(q / (2 * x + _B))
    eps_c = _A * (
        np.log(x**2 / big_x)
        + 2 * _B / q * atn
        - _B * _X0 / x0 * (np.log((x - _X0) ** 2 / big_x) + 2 * (_B + 2 * _X0) / q * atn)
    )
    return np.where(rho > _RHO_MIN, e_x + rho_safe * eps_c, 0.0)


def ao_values(basis, coords, points):
    """Basis functions on the grid, shape (ngrid, nao); differentiable in ``coords`` (the
    atoms the shells sit on, Bohr) and ``points`` (ngrid, 3)."""
    from wengert_dft.basis import cart_components

    cols = []
    for shell in basis.shells:
        dr = points - coords[shell.atom]
        r2 = np.sum(dr**2, axis=1)
        radial = np.dot(np.exp(-r2[:, None] * shell.exps[None, :]), shell.coefs)
        for powers in cart_components(shell.ell):
            col = radial
            for d, n in enumerate(powers):  # repeated products: x**0 has a NaN derivative at 0
                for _ in range(n):
                    col = col * dr[:, d]
            cols.append(col)
    ao = np.stack(cols, axis=1)
    return ao if basis.c2s is None else np.dot(ao, basis.c2s)


def lda_params(mol, coords, level: int = 3):
    """(ao values (ngrid, nao), weights (ngrid,)) on the molecular grid at ``coords``."""
    from wengert_dft.grid import molecular_grid

    points, weights = molecular_grid(coords, level)
    return ao_values(mol.basis, coords, points), weights


def _rho(dm, ao):
    return np.sum(np.dot(ao, dm) * ao, axis=1)


def lda_energy(dm, ao, weights):
    """E_xc = sum_g w_g rho_g eps_xc(rho_g) for the density matrix ``dm``."""
    return np.sum(weights * lda_energy_density(_rho(dm, ao)))


def lda_potential(dm, ao, weights):
    """V_xc,ab = sum_g w_g v_xc(rho_g) phi_a(g) phi_b(g), v_xc = d(rho eps_xc)/d rho."""
    v = wengert.grad(lambda r: np.sum(lda_energy_density(r)))(_rho(dm, ao))
    return np.dot(ao.T, (weights * v)[:, None] * ao)
