"""Molecular properties as derivatives of :func:`wengert_dft.energy` (Baroni et al., RMP 73,
515 (2001), table I): one energy, and each property one line of automatic differentiation.

=====================  ==========================  ===================================
property               derivative                  shape, units
=====================  ==========================  ===================================
forces                 -dE/dR                      (natm, 3), Eh/Bohr
hessian                d2E/dR dR                   (natm, 3, natm, 3), Eh/Bohr^2
dipole                 -dE/dF                      (3,), e Bohr (atomic units)
polarizability         -d2E/dF dF                  (3, 3), atomic units (Bohr^3)
dipole derivatives     d mu/dR = -d2E/dF dR        (natm, 3, 3) [A, x, mu component]
alchemical, order 1    dE/dZ                       (natm,), Eh
alchemical, order 2    d2E/dZ dZ                   (natm, natm), Eh
=====================  ==========================  ===================================

R are nuclear coordinates in Bohr, F a uniform electric field coupling as +F.r to the
electrons, Z nuclear charges at fixed basis and electron count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy

import wengert
from wengert_dft.scf import energy

__all__ = [
    "forces",
    "hessian",
    "dipole",
    "polarizability",
    "dipole_derivatives",
    "alchemical_derivatives",
    "harmonic_analysis",
    "optimize_geometry",
    "MASSES",
    "HARTREE_TO_WAVENUMBER",
    "IR_KM_PER_MOL",
]

#: Standard atomic weights (amu), as PySCF's ``pyscf.data.elements.MASSES`` (isotope average).
MASSES = (
    0.0,
    1.008,
    4.002602,
    6.94,
    9.0121831,
    10.81,
    12.011,
    14.007,
    15.999,
    18.998403163,
    20.1797,
    22.98976928,
    24.305,
    26.9815385,
    28.085,
    30.973761998,
    32.06,
    35.45,
    39.948,
)
#: sqrt(Eh / (amu Bohr^2)) / (2 pi c) in cm^-1 (CODATA 2018).
HARTREE_TO_WAVENUMBER = 5140.48763
#: IR intensity (d mu/dQ)^2 in e^2/amu -> km/mol.
IR_KM_PER_MOL = 974.8801


def forces(mol, method: str = "rhf", xc: str | None = None):
    """Forces -dE/dR, shape (natm, 3), Eh/Bohr."""
    return -wengert.grad(lambda c: energy(mol, method, xc, coords=c))(mol.coords)


def _second(fun, x):
    """d2 fun/dx2 by reverse-over-reverse (one reverse pass of the gradient per input).

    Measured (2026-11-26, one thread, load ~2.3): forward-over-reverse
    (:func:`wengert.hessian`) gives the same numbers (1e-11 for d2E/dZ2 of N2, 1e-11 for
    the H2O/6-31G nuclear Hessian, 2e-10 for its polarizability) but costs 1.6x
    (coordinates: 2.6 s vs 1.6 s) to 3-4x (charges, field: 0.2 s vs 0.06 s) as much, since
    the variational reverse-mode rule needs no response at the inner level.
    """
    return wengert.jacobian(wengert.grad(fun))(x)


def hessian(mol, method: str = "rhf", xc: str | None = None):
    """Nuclear Hessian d2E/dR_Ai dR_Bj, shape (natm, 3, natm, 3), Eh/Bohr^2
    (through the SCF fixed point: the coupled-perturbed equations by the IFT)."""
    return _second(lambda c: energy(mol, method, xc, coords=c), mol.coords)


def dipole(mol, method: str = "rhf", xc: str | None = None):
    """Dipole moment mu = -dE/dF at F = 0, shape (3,), atomic units (e Bohr)."""
    return -wengert.grad(lambda f: energy(mol, method, xc, field=f))(numpy.zeros(3))


def polarizability(mol, method: str = "rhf", xc: str | None = None):
    """Static polarizability alpha = -d2E/dF2 at F = 0, shape (3, 3), atomic units."""
    return -_second(lambda f: energy(mol, method, xc, field=f), numpy.zeros(3))


def dipole_derivatives(mol, method: str = "rhf", xc: str | None = None):
    """Atomic polar tensors d mu_k/dR_Ai, shape (natm, 3, 3) indexed [A, i, k], a.u."""

    def mu(c):
        return -wengert.grad(lambda f: energy(mol, method, xc, coords=c, field=f))(numpy.zeros(3))

    jac = wengert.jacobian(mu)(mol.coords)  # (3, natm, 3)
    return numpy.moveaxis(jac, 0, -1)


def alchemical_derivatives(mol, method: str = "rhf", xc: str | None = None, order: int = 1):
    """dE/dZ_I (order 1, shape (natm,)) or d2E/dZ_I dZ_J (order 2, (natm, natm)), Eh, at
    fixed basis set and electron count (Hellmann-Feynman at order 1: the electrostatic
    potential at each nucleus)."""
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}")
    fun = lambda z: energy(mol, method, xc, charges=z)
    if order == 1:
        return wengert.grad(fun)(mol.charges.copy())
    return _second(fun, mol.charges.copy())


@dataclass
class HarmonicAnalysis:
    """Harmonic frequencies (cm^-1; imaginary ones negative), normal modes (nmode, natm, 3)
    (mass-weighted eigenvectors divided by sqrt(mass), as PySCF's ``norm_mode``), reduced
    masses (amu) and, when dipole derivatives were given, IR intensities (km/mol)."""

    frequencies: numpy.ndarray
    modes: numpy.ndarray
    reduced_masses: numpy.ndarray
    ir_intensities: numpy.ndarray | None = None


def _rigid_motions(masses, coords):
    """Mass-weighted translations and rotations about the centre of mass, (6, 3 natm)."""
    sq = numpy.sqrt(masses)
    com = masses @ coords / masses.sum()
    r = coords - com
    vecs = []
    for d in range(3):
        t = numpy.zeros_like(coords)
        t[:, d] = 1.0
        vecs.append((sq[:, None] * t).ravel())
    for d in range(3):
        axis = numpy.eye(3)[d]
        vecs.append((sq[:, None] * numpy.cross(axis, r)).ravel())
    return numpy.array(vecs)


def harmonic_analysis(mol, hess, dipole_derivs=None) -> HarmonicAnalysis:
    """Normal modes of ``hess`` (natm, 3, natm, 3) with translations and rotations projected
    out (as ``pyscf.hessian.thermo.harmonic_analysis``), masses :data:`MASSES`."""
    masses = numpy.array([MASSES[int(z)] for z in mol.charges])
    n = 3 * mol.natm
    h = numpy.asarray(hess).reshape(n, n) / numpy.sqrt(
        numpy.outer(numpy.repeat(masses, 3), numpy.repeat(masses, 3))
    )
    q, _ = numpy.linalg.qr(_rigid_motions(masses, mol.coords).T)
    s = numpy.linalg.svd(_rigid_motions(masses, mol.coords), compute_uv=False)
    q = q[:, : int(numpy.sum(s > 1e-6 * s[0]))]
    w, v = numpy.linalg.eigh(numpy.eye(n) - q @ q.T)
    basis = v[:, w > 0.5]
    k, modes = numpy.linalg.eigh(basis.T @ h @ basis)
    modes = basis @ modes
    freq = numpy.sign(k) * numpy.sqrt(numpy.abs(k)) * HARTREE_TO_WAVENUMBER
    norm_modes = modes.reshape(mol.natm, 3, -1) / numpy.sqrt(masses)[:, None, None]
    norm_modes = numpy.moveaxis(norm_modes, -1, 0)
    reduced = 1.0 / numpy.einsum("iax,iax->i", norm_modes, norm_modes)
    ir = None
    if dipole_derivs is not None:
        dmu_dq = numpy.einsum("axk,iax->ik", dipole_derivs, norm_modes)
        ir = IR_KM_PER_MOL * numpy.sum(dmu_dq**2, axis=1)
    return HarmonicAnalysis(freq, norm_modes, reduced, ir)


def optimize_geometry(
    mol,
    method: str = "rhf",
    xc: str | None = None,
    *,
    gtol: float = 1e-5,
    maxiter: int = 100,
    progress: bool = False,
):
    """Minimize the energy over the nuclear coordinates (BFGS with exact AD gradients).

    Returns ``(molecule at the optimum, scipy OptimizeResult)``; the result's ``x`` holds
    the coordinates in Bohr. Stops when the largest gradient component is below ``gtol``
    (Eh/Bohr).
    """
    from wengert.optimize import minimize

    res = minimize(
        lambda c: energy(mol, method, xc, coords=c),
        mol.coords,
        method="BFGS",
        maxiter=maxiter,
        progress=progress,
        options={"gtol": gtol, "norm": numpy.inf},
    )
    if not res.success:
        raise wengert.ConvergenceError(
            f"optimize_geometry: {res.message}", float(numpy.abs(res.jac).max()), int(res.nit)
        )
    return mol.with_coords(res.x), res
