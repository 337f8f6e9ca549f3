"""Integral values from libcint through PySCF (optional provider, extra ``[pyscf]``).

The PySCF ``Mole`` is built from the package's own basis data (:meth:`Basis.pyscf_basis`),
so functions, order and normalization coincide with the numpy engine (agreement 1e-12 in
the tests). Only values come from here; derivative rules stay those of the primitives.
"""

from __future__ import annotations

import numpy

__all__ = ["register", "values"]


def _mole(basis, coords):
    from pyscf import gto

    mol = getattr(basis, "_pyscf_mole", None)
    if mol is None or mol.natm != len(coords):
        symbols = basis.symbols
        mol = gto.M(
            atom=[(s, tuple(c)) for s, c in zip(symbols, coords)],
            unit="Bohr",
            basis=basis.pyscf_basis(),
            cart=basis.cart,
            spin=None,
            verbose=0,
        )
        basis._pyscf_mole = mol
    else:
        mol.set_geom_(coords, unit="Bohr", symmetry=False)
    return mol


def values(family: str, basis, coords):
    """The integrals of ``family`` at ``coords`` (Bohr) from libcint."""
    mol = _mole(basis, coords)
    if family == "ovlp":
        return mol.intor("int1e_ovlp")
    if family == "kin":
        return mol.intor("int1e_kin")
    if family == "dip":
        with mol.with_common_orig((0.0, 0.0, 0.0)):
            return mol.intor("int1e_r")
    if family == "nuc":
        out = []
        for c in coords:
            with mol.with_rinv_origin(c):
                out.append(-mol.intor("int1e_rinv"))
        return numpy.array(out)
    from pyscf import ao2mo

    # the unique (8-fold symmetric) integrals, unpacked: 3.5x faster than aosym="s1"
    return ao2mo.restore(1, mol.intor("int2e", aosym="s8"), mol.nao)


def register() -> None:
    """Make ``"pyscf"`` selectable with :func:`set_integral_provider` (needs pyscf)."""
    import pyscf  # noqa: F401  (ImportError says what is missing)

    from wengert_dft.integrals.primitives import register_provider

    register_provider("pyscf", values)
