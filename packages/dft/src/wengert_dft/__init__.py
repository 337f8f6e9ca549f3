"""wengert-dft: differentiable electronic structure on wengert.

Hartree-Fock (RHF, UHF) and LDA Kohn-Sham in Gaussian basis sets, with the integrals as
wengert primitives (McMurchie-Davidson in numpy; libcint through PySCF as an optional
provider), the SCF density as an implicitly differentiated fixed point, and every
property a derivative of one energy function. 1D Kohn-Sham lives in
:mod:`wengert_dft.ks1d`.

>>> import wengert_dft as dft
>>> mol = dft.Molecule("O 0 0 0; H 0 -0.757 0.587; H 0 0.757 0.587", "sto-3g")
>>> round(float(dft.energy(mol)), 6)
-74.963063
>>> dft.forces(mol).shape, dft.polarizability(mol).shape
((3, 3), (3, 3))
"""

from wengert_dft.integrals.primitives import integral_provider, set_integral_provider
from wengert_dft.molecule import BOHR, Molecule
from wengert_dft.properties import (
    alchemical_derivatives,
    dipole,
    dipole_derivatives,
    forces,
    harmonic_analysis,
    hessian,
    optimize_geometry,
    polarizability,
)
from wengert_dft.scf import SCFResult, energy, scf

__all__ = [
    "Molecule",
    "BOHR",
    "energy",
    "scf",
    "SCFResult",
    "forces",
    "hessian",
    "dipole",
    "polarizability",
    "dipole_derivatives",
    "alchemical_derivatives",
    "harmonic_analysis",
    "optimize_geometry",
    "set_integral_provider",
    "integral_provider",
]
