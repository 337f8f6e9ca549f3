"""Molecules: atoms, nuclear charges, coordinates (Bohr inside), electron count and spin.

>>> from wengert_dft import Molecule
>>> mol = Molecule("O 0 0 0; H 0 -0.757 0.587; H 0 0.757 0.587", "sto-3g")
>>> mol.natm, mol.nelectron, mol.nao
(3, 10, 7)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy

from wengert_dft.basis import Basis

__all__ = ["Molecule", "BOHR", "ELEMENTS"]

#: Bohr radius in Ångström (PySCF's ``pyscf.lib.param.BOHR``, CODATA 2010).
BOHR = 0.52917721092

#: Element symbols by atomic number (index 0 is a ghost placeholder).
ELEMENTS = (
    "X",
    "H",
    "He",
    "Li",
    "Be",
    "B",
    "C",
    "N",
    "O",
    "F",
    "Ne",
    "Na",
    "Mg",
    "Al",
    "Si",
    "P",
    "S",
    "Cl",
    "Ar",
)
_Z = {sym.upper(): z for z, sym in enumerate(ELEMENTS)}


def _parse_atoms(atoms) -> tuple[list[str], numpy.ndarray]:
    if isinstance(atoms, str):
        entries = [e.split() for e in atoms.replace("\n", ";").split(";") if e.strip()]
        symbols, xyz = [], []
        for entry in entries:
            if len(entry) != 4:
                raise ValueError(
                    f"atoms: each entry must be 'Symbol x y z', got {' '.join(entry)!r}"
                )
            symbols.append(entry[0])
            xyz.append([float(v) for v in entry[1:]])
    elif isinstance(atoms, Sequence):
        symbols, xyz = [], []
        for entry in atoms:
            if len(entry) != 2 or numpy.shape(entry[1]) != (3,):
                raise ValueError(f"atoms: each entry must be (symbol, (x, y, z)), got {entry!r}")
            symbols.append(str(entry[0]))
            xyz.append([float(v) for v in entry[1]])
    else:
        raise TypeError(f"atoms must be a string or a list of (symbol, xyz), got {type(atoms)}")
    if not symbols:
        raise ValueError("atoms: the molecule has no atoms")
    normalized = []
    for sym in symbols:
        key = sym.strip().upper()
        if key not in _Z or key == "X":
            raise ValueError(f"atoms: unknown element {sym!r} (supported: H-Ar)")
        normalized.append(ELEMENTS[_Z[key]])
    return normalized, numpy.array(xyz, dtype=float)


class Molecule:
    """A molecule in a Gaussian basis.

    :param atoms: a PySCF-style string ``"O 0 0 0; H 0 0.757 0.587; ..."`` or a list of
        ``(symbol, (x, y, z))``.
    :param basis: ``"sto-3g"``, ``"6-31g"``, ``"6-31g*"`` or ``"cc-pvdz"`` (Basis Set
        Exchange data shipped with the package), case-insensitive.
    :param unit: ``"angstrom"`` (default) or ``"bohr"``: the unit of the coordinates in
        ``atoms``. 1 Å = 1/0.52917721092 Bohr (PySCF's constant).
    :param charge: total charge (int).
    :param spin: 2S = N_alpha - N_beta (int, PySCF's convention).
    :param cart: ``None`` (default: Cartesian d functions for 6-31G*, which is how the set
        was defined, spherical for cc-pVDZ, as PySCF and the Basis Set Exchange declare
        them), or ``True``/``False`` to force Cartesian (6 d) or spherical (5 d) functions.

    Attributes: ``symbols``, ``charges`` (nuclear charges Z, float, shape (natm,)),
    ``coords`` (Bohr, shape (natm, 3)), ``nelectron``, ``nalpha``, ``nbeta``, ``nao``,
    ``basis`` (:class:`wengert_dft.basis.Basis`).
    """

    def __init__(
        self,
        atoms,
        basis: str = "sto-3g",
        unit: str = "angstrom",
        charge: int = 0,
        spin: int = 0,
        cart: bool | None = None,
    ):
        self.symbols, xyz = _parse_atoms(atoms)
        if not isinstance(unit, str) or unit.lower() not in ("angstrom", "bohr", "a", "b"):
            raise ValueError(f"unit must be 'angstrom' or 'bohr', got {unit!r}")
        self.unit = "bohr" if unit.lower() in ("bohr", "b") else "angstrom"
        self.coords = xyz if self.unit == "bohr" else xyz / BOHR
        if int(charge) != charge or int(spin) != spin:
            raise TypeError(f"charge and spin must be integers, got {charge!r}, {spin!r}")
        self.charge, self.spin = int(charge), int(spin)
        self.charges = numpy.array([float(_Z[s.upper()]) for s in self.symbols])
        self.nelectron = int(self.charges.sum()) - self.charge
        if self.nelectron < 1:
            raise ValueError(f"charge: {self.charge} leaves {self.nelectron} electrons")
        if self.spin < 0 or (self.nelectron - self.spin) % 2 or self.spin > self.nelectron:
            raise ValueError(
                f"spin: 2S = {self.spin} is impossible with {self.nelectron} electrons "
                "(need 0 <= 2S <= N and N - 2S even)"
            )
        self.nalpha = (self.nelectron + self.spin) // 2
        self.nbeta = (self.nelectron - self.spin) // 2
        self.basis = Basis(self.symbols, basis, cart=cart)
        self.nao = self.basis.nao
        if self.nalpha > self.nao:
            raise ValueError(f"basis: {self.nao} functions cannot hold {self.nalpha} electrons")

    @property
    def natm(self) -> int:
        return len(self.symbols)

    def nuclear_repulsion(self) -> float:
        """E_nuc = sum_{A<B} Z_A Z_B / |R_A - R_B| in Eh."""
        diff = self.coords[:, None] - self.coords[None]
        dist = numpy.sqrt((diff**2).sum(-1)) + numpy.eye(self.natm)
        return float(
            0.5 * (numpy.outer(self.charges, self.charges) / dist).sum()
            - 0.5 * (self.charges**2).sum()
        )

    def with_coords(self, coords) -> Molecule:
        """A copy at new coordinates (Bohr, shape (natm, 3)), same basis and charge."""
        coords = numpy.asarray(coords, dtype=float)
        if coords.shape != (self.natm, 3):
            raise ValueError(f"coords must have shape ({self.natm}, 3), got {coords.shape}")
        return Molecule(
            list(zip(self.symbols, coords)),
            self.basis.name,
            unit="bohr",
            charge=self.charge,
            spin=self.spin,
            cart=self.basis.cart,
        )

    def to_pyscf(self):
        """The same molecule as a ``pyscf.gto.Mole`` with identical basis data (needs pyscf)."""
        from pyscf import gto

        return gto.M(
            atom=[(s, tuple(c)) for s, c in zip(self.symbols, self.coords)],
            unit="Bohr",
            basis=self.basis.pyscf_basis(),
            charge=self.charge,
            spin=self.spin,
            cart=self.basis.cart,
        )

    def __repr__(self) -> str:
        formula = "".join(self.symbols)
        return (
            f"Molecule({formula}, basis={self.basis.name!r}, charge={self.charge}, "
            f"spin={self.spin}, nao={self.nao})"
        )
