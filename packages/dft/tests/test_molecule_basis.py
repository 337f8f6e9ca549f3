import numpy
import pytest

from wengert_dft import BOHR, Molecule


def test_string_and_list_inputs_agree_and_angstrom_is_converted():
    a = Molecule("O 0 0 0; H 0 -0.757 0.587; H 0 0.757 0.587", "sto-3g")
    b = Molecule([("O", (0, 0, 0)), ("H", (0, -0.757, 0.587)), ("H", (0, 0.757, 0.587))], "STO-3G")
    assert numpy.allclose(a.coords, b.coords)
    assert numpy.isclose(a.coords[2, 1], 0.757 / BOHR)
    c = Molecule("H 0 0 0; H 0 0 1.4", "sto-3g", unit="bohr")
    assert numpy.isclose(c.coords[1, 2], 1.4)


@pytest.mark.parametrize(
    "basis, nao", [("sto-3g", 7), ("6-31g", 13), ("6-31g*", 19), ("cc-pvdz", 24)]
)
def test_basis_sizes_match_pyscf_conventions(basis, nao):
    # 6-31G* with Cartesian d (6 functions), cc-pVDZ spherical (5), as PySCF/BSE define them
    assert Molecule("O 0 0 0; H 0 -0.757 0.587; H 0 0.757 0.587", basis).nao == nao


def test_spherical_override_of_631gs():
    mol = Molecule("O 0 0 0; H 0 -0.757 0.587; H 0 0.757 0.587", "6-31g*", cart=False)
    assert mol.nao == 18 and mol.basis.c2s.shape == (19, 18)


def test_electron_count_and_spin():
    mol = Molecule("O 0 0 0; H 0 0 1", "sto-3g", spin=1)
    assert (mol.nelectron, mol.nalpha, mol.nbeta) == (9, 5, 4)
    assert Molecule("O 0 0 0; H 0 0 1", "sto-3g", charge=1).nelectron == 8


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"atoms": "Xx 0 0 0", "basis": "sto-3g"}, "unknown element"),
        ({"atoms": "H 0 0", "basis": "sto-3g"}, "atoms"),
        ({"atoms": "H 0 0 0; H 0 0 1", "basis": "def2-svp"}, "basis must be"),
        ({"atoms": "O 0 0 0; H 0 0 1", "basis": "sto-3g"}, "spin"),
        ({"atoms": "H 0 0 0", "basis": "sto-3g", "unit": "nm"}, "unit"),
        ({"atoms": "H 0 0 0", "basis": "sto-3g", "charge": 1}, "charge"),
    ],
)
def test_bad_input_names_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Molecule(**kwargs)


def test_nuclear_repulsion_h2():
    mol = Molecule("H 0 0 0; H 0 0 1.4", "sto-3g", unit="bohr")
    assert numpy.isclose(mol.nuclear_repulsion(), 1 / 1.4)
