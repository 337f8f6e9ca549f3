"""Integrals: Boys function, values against libcint (PySCF as an optional oracle), and every
derivative operation of the engines against central finite differences of the values."""

import numpy
import pytest
from scipy.special import gamma, gammainc

from wengert_dft import Molecule, set_integral_provider
from wengert_dft.integrals._hermite import boys
from wengert_dft.integrals.one_electron import one_electron
from wengert_dft.integrals.primitives import dipole_integrals, eri, kinetic, nuclear, overlap
from wengert_dft.integrals.two_electron import eri as eri_engine

WATER = "O 0 0.1 0; H 0.2 -0.757 0.587; H 0 0.757 0.587"  # no symmetry


def test_boys_function_matches_incomplete_gamma():
    t = numpy.array([0.37, 3.3, 17.2, 33.3, 49.99, 50.01, 80.0, 200.0])
    m = numpy.arange(13)[:, None]
    ref = gamma(m + 0.5) * gammainc(m + 0.5, t) / (2 * t ** (m + 0.5))
    assert numpy.max(numpy.abs(boys(12, t) - ref) / ref) < 1e-13
    assert numpy.allclose(boys(5, numpy.zeros(1))[:, 0], 1 / (2 * numpy.arange(6) + 1), rtol=1e-15)


@pytest.mark.parametrize("basis", ["sto-3g", "6-31g", "6-31g*", "cc-pvdz"])
def test_integrals_match_libcint(basis):
    pytest.importorskip("pyscf", reason="PySCF is the optional oracle for the integrals")
    mol = Molecule(WATER, basis)
    pm = mol.to_pyscf()
    c = mol.coords
    assert numpy.abs(overlap(mol.basis, c) - pm.intor("int1e_ovlp")).max() < 1e-12
    assert numpy.abs(kinetic(mol.basis, c) - pm.intor("int1e_kin")).max() < 1e-12
    v = numpy.tensordot(mol.charges, nuclear(mol.basis, c), 1)
    assert numpy.abs(v - pm.intor("int1e_nuc")).max() < 1e-12
    with pm.with_common_orig((0, 0, 0)):
        assert numpy.abs(dipole_integrals(mol.basis, c) - pm.intor("int1e_r")).max() < 1e-12
    assert numpy.abs(eri(mol.basis, c) - pm.intor("int2e")).max() < 1e-12


def test_pyscf_provider_gives_the_same_values():
    pytest.importorskip("pyscf", reason="the libcint provider needs PySCF")
    mol = Molecule(WATER, "6-31g*")
    numpy_values = [f(mol.basis, mol.coords) for f in (overlap, nuclear, eri)]
    previous = set_integral_provider("pyscf")
    try:
        pyscf_values = [f(mol.basis, mol.coords) for f in (overlap, nuclear, eri)]
    finally:
        set_integral_provider(previous)
    for a, b in zip(numpy_values, pyscf_values):
        assert numpy.abs(a - b).max() < 1e-12


def test_unknown_provider_is_rejected():
    with pytest.raises(ValueError, match="provider"):
        set_integral_provider("libint")


def _engine(family):
    if family == "eri":
        return lambda basis, c, op="value", **kw: eri_engine(basis, c, op, **kw)
    return lambda basis, c, op="value", **kw: one_electron(family, basis, c, op, **kw)


@pytest.mark.parametrize("family", ["ovlp", "kin", "dip", "nuc", "eri"])
def test_derivative_operations_match_finite_differences(family):
    mol = Molecule(WATER, "6-31g*" if family != "eri" else "sto-3g")
    basis, c = mol.basis, mol.coords
    f = _engine(family)
    rng = numpy.random.default_rng(0)
    g = rng.normal(size=numpy.shape(f(basis, c)))
    v, w = rng.normal(size=c.shape), rng.normal(size=c.shape)

    def fd(fun, h=2e-3):  # 4th-order central differences along v
        return (
            8 * fun(c + h * v) - 8 * fun(c - h * v) - fun(c + 2 * h * v) + fun(c - 2 * h * v)
        ) / (12 * h)

    tangent = f(basis, c, "tangent", V=v)
    assert numpy.abs(tangent - fd(lambda x: f(basis, x))).max() < 1e-7
    cotangent = f(basis, c, "cotangent", G=g)
    assert abs(numpy.sum(g * tangent) - numpy.sum(cotangent * v)) < 1e-10
    second = f(basis, c, "second", G=g, V=v)
    assert numpy.abs(second - fd(lambda x: f(basis, x, "cotangent", G=g))).max() < 1e-6
    bitangent = f(basis, c, "bitangent", V=v, W=w)
    assert numpy.abs(bitangent - fd(lambda x: f(basis, x, "tangent", V=w))).max() < 1e-7


@pytest.mark.parametrize("basis", ["sto-3g", "cc-pvdz"])  # Cartesian; spherical d
def test_eri_gradient_from_densities_equals_the_full_cotangent(basis):
    mol = Molecule(WATER, basis)
    rng = numpy.random.default_rng(3)
    da, db = (m + m.T for m in rng.normal(size=(2, mol.nao, mol.nao)))
    dt = da + db
    gamma_uhf = 0.5 * numpy.einsum("ab,cd->abcd", dt, dt) - 0.5 * (
        numpy.einsum("ac,bd->abcd", da, da) + numpy.einsum("ac,bd->abcd", db, db)
    )
    full = eri_engine(mol.basis, mol.coords, "cotangent", G=gamma_uhf)
    blocks = eri_engine(mol.basis, mol.coords, "cotangent", density=(dt, [(da, 0.5), (db, 0.5)]))
    assert numpy.abs(full - blocks).max() < 1e-10 * numpy.abs(full).max()


def test_sp_shells_share_their_exponent_group():
    from wengert_dft.integrals._pairs import group_pair_classes

    mol = Molecule("C 0 0 0; H 0 0 1.1", "6-31g", spin=1)  # C: 1s, 2sp, 3sp; H: 1s, 2s
    rows = sorted(len(pc.comp_a) for pc in group_pair_classes(mol.basis) if pc.la == pc.lb)
    assert rows == [1, 4]  # (s|s) groups and (sp|sp) groups, no separate p
    diag = sum(int(pc.diag.sum()) for pc in group_pair_classes(mol.basis))
    assert diag == 5  # groups: C 1s, C 2sp, C 3sp, H 1s, H 2s


def test_eri_memory_guard(monkeypatch):
    import wengert_dft.integrals.two_electron as te

    monkeypatch.setattr(te, "MAX_ERI_BYTES", 1000)
    mol = Molecule("H 0 0 0; H 0 0 0.74", "6-31g")
    with pytest.raises(MemoryError, match="MAX_ERI_BYTES"):
        te.eri(mol.basis, mol.coords)
