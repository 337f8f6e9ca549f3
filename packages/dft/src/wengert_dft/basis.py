"""Gaussian basis sets: shells, normalization, Cartesian and spherical functions.

The basis data (STO-3G, 6-31G, 6-31G*, cc-pVDZ for H-Ar) are shipped as JSON files in
``wengert_dft/data``, generated from the Basis Set Exchange (``basis_set_exchange`` 0.12,
``bse.get_basis(name)``); each file names its source. General contractions are split into
one shell per contraction column and Pople sp shells into an s and a p shell, and an atom's
shells are ordered by angular momentum (as PySCF does); primitives with a zero coefficient
are dropped.

Conventions (those of PySCF/libcint, so that matrices compare element by element):

* a Cartesian function is ``N x^i y^j z^k exp(-a r^2)`` with the *radial* normalization of
  its shell: the contracted radial part ``sum_k c_k r^l exp(-a_k r^2)`` is normalized, and
  s and p functions carry the factor of the real spherical harmonic (``1/sqrt(4 pi)``,
  ``sqrt(3/(4 pi))``), so s and p functions are normalized while Cartesian d functions are
  not (``xy`` is, ``xx`` has norm sqrt(3)); order xx, xy, xz, yy, yz, zz.
* spherical d functions are the real solid harmonics in PySCF's order
  (xy, yz, z^2, xz, x^2-y^2), normalized; p functions are (x, y, z) in both cases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from math import factorial, gamma, pi, sqrt

import numpy

__all__ = ["Basis", "Shell", "BASIS_SETS", "cart_components"]

#: Basis set names accepted by :class:`Basis` -> data file.
BASIS_SETS = {
    "sto-3g": "sto-3g",
    "6-31g": "6-31g",
    "6-31g*": "6-31gs",
    "6-31gs": "6-31gs",
    "6-31g(d)": "6-31gs",
    "cc-pvdz": "cc-pvdz",
}
_DEFAULT_CART = {"6-31gs": True}
_SPHERICAL_FACTOR = {0: 1.0 / sqrt(4 * pi), 1: sqrt(3.0 / (4 * pi))}


@cache
def cart_components(ell: int) -> numpy.ndarray:
    """Exponents (i, j, k) of the Cartesian functions of angular momentum ``ell``, shape
    (ncart, 3), in PySCF's order (xx, xy, xz, yy, yz, zz for d)."""
    return numpy.array(
        [(ell - a, a - b, b) for a in range(ell + 1) for b in range(a + 1)], dtype=int
    )


@cache
def _cart2sph(ell: int) -> numpy.ndarray:
    """(ncart, nsph) map from Cartesian to real spherical functions (PySCF's order)."""
    if ell < 2:
        return numpy.eye(2 * ell + 1)
    if ell != 2:
        raise NotImplementedError("spherical functions are implemented up to d (l = 2)")
    c1, c2, c3 = sqrt(15 / (4 * pi)), sqrt(5 / (16 * pi)), sqrt(15 / (16 * pi))
    # rows: xx, xy, xz, yy, yz, zz; columns: xy, yz, z^2, xz, x^2 - y^2
    return numpy.array(
        [
            [0, 0, -c2, 0, c3],
            [c1, 0, 0, 0, 0],
            [0, 0, 0, c1, 0],
            [0, 0, -c2, 0, -c3],
            [0, c1, 0, 0, 0],
            [0, 0, 2 * c2, 0, 0],
        ]
    )


def _gaussian_int(n: int, alpha):
    """int_0^inf r^n exp(-alpha r^2) dr."""
    return gamma((n + 1) / 2) / (2 * alpha ** ((n + 1) / 2))


@dataclass(frozen=True)
class Shell:
    """One contracted shell: ``atom`` index, angular momentum ``ell``, ``exps`` (nprim,) and
    ``coefs`` (nprim,), the latter including every normalization factor of the
    Cartesian functions (see the module docstring); ``raw`` the coefficients as in the file.
    """

    atom: int
    ell: int
    exps: numpy.ndarray
    coefs: numpy.ndarray
    raw: numpy.ndarray

    @property
    def ncart(self) -> int:
        return (self.ell + 1) * (self.ell + 2) // 2


def _normalized(ell: int, exps: numpy.ndarray, raw: numpy.ndarray) -> numpy.ndarray:
    """Contraction coefficients of normalized radial functions times the angular factor."""
    prim_norm = numpy.sqrt(
        2 ** (2 * ell + 3)
        * factorial(ell + 1)
        * (2 * exps) ** (ell + 1.5)
        / (factorial(2 * ell + 2) * sqrt(pi))
    )
    cs = raw * prim_norm
    overlap = _gaussian_int(2 * ell + 2, exps[:, None] + exps[None, :])
    cs = cs / numpy.sqrt(cs @ overlap @ cs)
    return cs * _SPHERICAL_FACTOR.get(ell, 1.0)


@cache
def _load(filename: str) -> dict:
    text = resources.files("wengert_dft").joinpath("data", f"{filename}.json").read_text()
    return json.loads(text)


class Basis:
    """The shells of a molecule's basis set (static data; coordinates live elsewhere).

    :param symbols: element symbols, one per atom.
    :param name: basis set name (see :data:`BASIS_SETS`).
    :param cart: Cartesian (True) or spherical (False) d functions; ``None`` takes the
        set's own convention (Cartesian for 6-31G*, spherical for cc-pVDZ).

    ``shells`` lists :class:`Shell` s atom by atom; ``nao_cart`` counts Cartesian
    functions, ``nao`` the functions actually used; ``c2s`` is the (nao_cart, nao)
    Cartesian-to-spherical map or ``None`` when it is the identity (no d shells, or
    Cartesian functions); ``ao_atom`` (nao_cart,) the atom of each Cartesian function.
    """

    def __init__(self, symbols, name: str, cart: bool | None = None):
        if not isinstance(name, str) or name.lower().replace(" ", "") not in BASIS_SETS:
            raise ValueError(f"basis must be one of {sorted(BASIS_SETS)}, got {name!r}")
        filename = BASIS_SETS[name.lower().replace(" ", "")]
        data = _load(filename)
        self.name = name.lower()
        self.symbols = tuple(symbols)
        self.source = data["source"]
        self.cart = bool(_DEFAULT_CART.get(filename, False) if cart is None else cart)
        self._raw = {}
        shells = []
        for atom, sym in enumerate(symbols):
            if sym not in data["elements"]:
                raise ValueError(f"basis {name!r} has no functions for element {sym!r}")
            entries = []
            # shells sorted by angular momentum within an atom (stable), as PySCF orders them
            for ell, exps, coefs in sorted(data["elements"][sym], key=lambda shell: shell[0]):
                exps, raw = numpy.array(exps), numpy.array(coefs)
                keep = raw != 0.0
                exps, raw = exps[keep], raw[keep]
                entries.append((ell, exps, raw))
                shells.append(Shell(atom, ell, exps, _normalized(ell, exps, raw), raw))
            self._raw[sym] = entries
        self.shells = tuple(shells)
        self.lmax = max(s.ell for s in shells)
        ncart = [s.ncart for s in shells]
        self.shell_offsets = numpy.concatenate([[0], numpy.cumsum(ncart)]).astype(int)
        self.nao_cart = int(self.shell_offsets[-1])
        self.ao_atom = numpy.repeat([s.atom for s in shells], ncart)
        if self.cart or self.lmax < 2:
            self.c2s = None
            self.nao = self.nao_cart
        else:
            blocks = [_cart2sph(s.ell) for s in shells]
            rows = sum(b.shape[0] for b in blocks)
            cols = sum(b.shape[1] for b in blocks)
            c2s = numpy.zeros((rows, cols))
            r = c = 0
            for b in blocks:
                c2s[r : r + b.shape[0], c : c + b.shape[1]] = b
                r, c = r + b.shape[0], c + b.shape[1]
            self.c2s = c2s
            self.nao = cols

    def pyscf_basis(self) -> dict:
        """The basis in PySCF's format ``{symbol: [[l, (exp, coef), ...], ...]}``."""
        return {
            sym: [
                [ell] + [(float(e), float(c)) for e, c in zip(exps, raw)]
                for ell, exps, raw in entries
            ]
            for sym, entries in self._raw.items()
        }

    def __repr__(self) -> str:
        kind = "cartesian" if self.cart else "spherical"
        return f"Basis({self.name!r}, {len(self.shells)} shells, nao={self.nao}, {kind})"
