"""Properties as derivatives of one energy, against PySCF 2.14.0 (recorded values, see
wengert_dft.demos.pyscf_reference) and finite differences."""

import numpy
import pytest

import wengert
from wengert_dft import (
    Molecule,
    alchemical_derivatives,
    dipole,
    dipole_derivatives,
    energy,
    forces,
    harmonic_analysis,
    hessian,
    optimize_geometry,
    polarizability,
)

WATER = "O 0 0 0; H 0 -0.757 0.587; H 0 0.757 0.587"
LIH = "Li 0 0 0; H 0 0 1.6"


@pytest.mark.parametrize("name", ["h2", "lih", "h2o"])
@pytest.mark.parametrize("basis", ["sto-3g", "6-31g"])
def test_rhf_forces_dipole_polarizability_match_pyscf(name, basis, reference, geometries):
    mol = Molecule(geometries[name], basis)
    ref = reference[f"{name}/{basis}/rhf"]
    assert numpy.abs(forces(mol) + numpy.array(ref["gradient"])).max() < 1e-6
    assert numpy.abs(dipole(mol) - ref["dipole"]).max() < 1e-6
    assert numpy.abs(polarizability(mol) - ref["polarizability"]).max() < 1e-4


def test_rhf_hessian_frequencies_match_pyscf(reference):
    mol = Molecule(WATER, "6-31g")
    hess = hessian(mol)
    assert hess.shape == (3, 3, 3, 3)
    assert numpy.allclose(hess, hess.transpose(2, 3, 0, 1), atol=1e-8)
    modes = harmonic_analysis(mol, hess, dipole_derivatives(mol))
    assert numpy.abs(modes.frequencies - reference["h2o/6-31g/rhf"]["freq"]).max() < 1e-2
    assert numpy.all(modes.ir_intensities > 0)


def test_rhf_hessian_matches_pyscf_analytic_hessian():
    pyscf = pytest.importorskip("pyscf", reason="PySCF's analytic Hessian is the oracle")
    mol = Molecule(WATER, "sto-3g")
    mf = pyscf.scf.RHF(mol.to_pyscf())
    mf.conv_tol = 1e-12
    mf.verbose = 0
    mf.kernel()
    ref = mf.Hessian().kernel().transpose(0, 2, 1, 3)
    assert numpy.abs(hessian(mol) - ref).max() < 1e-5


def test_hessian_is_the_derivative_of_the_forces():
    mol = Molecule(LIH, "sto-3g")
    h = 1e-4
    e = numpy.zeros((2, 3))
    e[1, 2] = 1.0
    fd = -(
        forces(mol.with_coords(mol.coords + h * e)) - forces(mol.with_coords(mol.coords - h * e))
    ) / (2 * h)
    assert numpy.abs(hessian(mol)[1, 2] - fd).max() < 1e-6


def test_dipole_derivatives_are_the_coordinate_derivative_of_the_dipole():
    mol = Molecule(WATER, "sto-3g")
    h = 1e-4
    e = numpy.zeros((3, 3))
    e[1, 1] = 1.0
    fd = (
        dipole(mol.with_coords(mol.coords + h * e)) - dipole(mol.with_coords(mol.coords - h * e))
    ) / (2 * h)
    assert numpy.abs(dipole_derivatives(mol)[1, 1] - fd).max() < 1e-6


def test_alchemical_gradient_matches_finite_differences_in_z():
    mol = Molecule(WATER, "6-31g")
    grad = alchemical_derivatives(mol)
    h = 1e-4
    for i in range(3):
        e = numpy.zeros(3)
        e[i] = h
        fd = (
            float(energy(mol, charges=mol.charges + e))
            - float(energy(mol, charges=mol.charges - e))
        ) / (2 * h)
        assert abs(grad[i] - fd) < 1e-6


def test_alchemical_gradient_is_the_electrostatic_potential_at_the_nuclei():
    from wengert_dft import scf
    from wengert_dft.integrals.primitives import nuclear

    mol = Molecule(WATER, "sto-3g")
    dm = scf(mol).dm
    v = nuclear(mol.basis, mol.coords)  # -<a|1/|r - R_C||b>
    dist = numpy.linalg.norm(mol.coords[:, None] - mol.coords[None], axis=-1)
    numpy.fill_diagonal(dist, numpy.inf)
    esp = numpy.einsum("cab,ab->c", v, dm) + (mol.charges[None, :] / dist).sum(1)
    assert numpy.abs(alchemical_derivatives(mol) - esp).max() < 1e-8


@pytest.mark.parametrize("basis", ["sto-3g", "6-31g"])
def test_alchemical_hessian_matches_finite_differences_for_n2(basis):
    # at the ground state (degenerate pi orbitals; see test_scf's N2 tests): reverse-over-
    # reverse (the default), forward-over-reverse and 5-point differences of the AD gradient
    mol = Molecule("N 0 0 0; N 0 0 1.098", basis)
    hess = alchemical_derivatives(mol, order=2)
    hess_fwd = wengert.hessian(lambda z: energy(mol, charges=z))(mol.charges.copy())
    grad = lambda z: alchemical_derivatives_at(mol, z)
    h = 1e-2
    e = numpy.array([1.0, 0.0])
    fd = (
        8 * grad(mol.charges + h * e)
        - 8 * grad(mol.charges - h * e)
        - grad(mol.charges + 2 * h * e)
        + grad(mol.charges - 2 * h * e)
    ) / (12 * h)
    assert numpy.abs(hess - hess.T).max() < 1e-9
    assert numpy.abs(hess_fwd - hess).max() < 1e-9
    assert numpy.abs(hess[0] - fd).max() < 1e-7


def alchemical_derivatives_at(mol, z):
    return wengert.grad(lambda q: energy(mol, charges=q))(z)


def test_lda_forces_and_dipole_match_pyscf(reference):
    # grid level 3 here against PySCF's level 8: agreement is limited by the grids
    mol = Molecule(LIH, "sto-3g")
    ref = reference["lih/sto-3g/lda"]
    assert numpy.abs(forces(mol, "rks", "lda") + numpy.array(ref["gradient"])).max() < 1e-5
    assert numpy.abs(dipole(mol, "rks", "lda") - ref["dipole"]).max() < 1e-4


def test_energy_is_twice_differentiable_in_the_field():
    mol = Molecule("H 0 0 0; H 0.1 0.2 0.74", "sto-3g")
    from wengert.testing import check_grads

    check_grads(
        lambda f: energy(mol, field=f),
        (numpy.array([0.01, -0.02, 0.005]),),
        order=2,
        rtol=1e-5,
        atol=1e-8,
    )


def test_geometry_optimization_reaches_a_stationary_point():
    mol = Molecule("H 0 0 0; H 0 0 0.9", "sto-3g")
    opt, res = optimize_geometry(mol, gtol=1e-6)
    r = numpy.linalg.norm(opt.coords[1] - opt.coords[0])
    assert numpy.abs(forces(opt)).max() < 1e-5
    assert abs(r - 1.3459) < 2e-3  # H2 RHF/STO-3G equilibrium, 1.346 Bohr (0.712 Å)
