"""The integral primitives: one per family, plus its tangent and cotangent maps.

For each family F (``ovlp``, ``kin``, ``dip``, ``nuc``, ``eri``) three primitives over
``(basis, coords)`` (basis static, coords in Bohr, shape (natm, 3)):

* ``dft.F(basis, coords) -> M``                     forward: an engine call;
* ``dft.F_tangent(basis, coords, v) -> dM[v]``      its JVP; linear in v;
* ``dft.F_cotangent(basis, coords, g) -> (natm, 3)`` its VJP; linear in g.

The rules close on themselves: the VJP of ``F`` is ``F_cotangent`` and its JVP is
``F_tangent``; the derivatives of those two call the engine's second-derivative
contractions, so every energy built from the integrals is differentiable twice (forces,
Hessians, polarizabilities, IR intensities) in forward and reverse mode, while no tape
ever holds the integral engine's elementwise work: memory is that of the matrices.
``nuc`` returns one matrix per nucleus (unit charge) so nuclear charges enter linearly
outside, ``V = sum_C Z_C V^C``, and are differentiable for free.

Which engine runs the *values* is the integral provider: ``"numpy"`` (this package's
McMurchie-Davidson code, always available) or ``"pyscf"`` (libcint through PySCF, when
installed; see :func:`set_integral_provider`). Derivative contractions always use the
numpy engine, so the derivative rules are the same whichever provider computes values.
"""

from __future__ import annotations

import numpy

import wengert
from wengert_dft.integrals.one_electron import one_electron
from wengert_dft.integrals.two_electron import eri as _eri_engine

__all__ = [
    "overlap",
    "kinetic",
    "nuclear",
    "dipole_integrals",
    "eri",
    "PRIMITIVES",
    "set_integral_provider",
    "integral_provider",
]

_PROVIDERS: dict = {"numpy": None}
_STATE = {"provider": "numpy"}


def register_provider(name: str, values) -> None:
    """Make ``values(family, basis, coords) -> array`` selectable as provider ``name``."""
    _PROVIDERS[name] = values


def integral_provider() -> str:
    """The name of the provider that computes integral values now."""
    return _STATE["provider"]


def set_integral_provider(name: str) -> str:
    """Select the engine for integral values: ``"numpy"`` or ``"pyscf"`` (libcint).

    Returns the previous provider's name. ``"pyscf"`` is available when PySCF is
    installed (``pip install 'wengert-dft[pyscf]'``); the plugin registers it through
    ``wengert_register_implementations``.
    """
    if name not in _PROVIDERS:
        if name == "pyscf":
            from wengert_dft.integrals import pyscf_provider

            pyscf_provider.register()
        else:
            raise ValueError(f"provider must be one of {sorted(_PROVIDERS)}, got {name!r}")
    previous = _STATE["provider"]
    _STATE["provider"] = name
    return previous


def _engine(family: str, basis, coords, op: str, **kw):
    if family == "eri":
        return _eri_engine(basis, coords, op, **kw)
    return one_electron(family, basis, coords, op, **kw)


def _make(family: str, doc: str):
    def value(basis, coords):
        values = _PROVIDERS.get(_STATE["provider"])
        if values is not None:
            return values(family, basis, numpy.asarray(coords, dtype=float))
        return _engine(family, basis, coords, "value")

    value.__doc__ = doc

    def tangent(basis, coords, v):
        """sum_k v_k dM/dR_k (the JVP of the integrals along coordinate tangent v)."""
        return _engine(family, basis, coords, "tangent", V=v)

    def cotangent(basis, coords, g):
        """[<g, dM/dR_k>]_k, shape (natm, 3) (the VJP of the integrals)."""
        return _engine(family, basis, coords, "cotangent", G=g)

    def second(basis, coords, g, v):
        return _engine(family, basis, coords, "second", G=g, V=v)

    def bitangent(basis, coords, v, w):
        return _engine(family, basis, coords, "bitangent", V=v, W=w)

    p_value = wengert.primitive(f"dft.{family}", tangents=("none", "real"))(value)
    p_tangent = wengert.primitive(
        f"dft.{family}_tangent", max_order=1, tangents=("none", "real", "real")
    )(tangent)
    p_cotangent = wengert.primitive(
        f"dft.{family}_cotangent", max_order=1, tangents=("none", "real", "real")
    )(cotangent)
    p_value.defvjp(None, lambda ans, b, c: lambda g: p_cotangent(b, c, g))
    p_value.defjvp(None, lambda g, ans, b, c: p_tangent(b, c, g))
    p_tangent.defvjp(
        None,
        lambda ans, b, c, v: lambda g: second(b, c, g, v),
        lambda ans, b, c, v: lambda g: p_cotangent(b, c, g),
    )
    p_tangent.defjvp(
        None,
        lambda g, ans, b, c, v: bitangent(b, c, v, g),
        lambda g, ans, b, c, v: p_tangent(b, c, g),
    )
    p_cotangent.defvjp(
        None,
        lambda ans, b, c, g: lambda cbar: second(b, c, g, cbar),
        lambda ans, b, c, g: lambda cbar: p_tangent(b, c, cbar),
    )
    p_cotangent.defjvp(
        None,
        lambda cdot, ans, b, c, g: second(b, c, g, cdot),
        lambda gdot, ans, b, c, g: p_cotangent(b, c, gdot),
    )
    for prim in (p_value, p_tangent, p_cotangent):
        prim.examples(_examples(prim, family))
    return p_value, p_tangent, p_cotangent


def _examples(prim, family):
    def examples(rng):
        from wengert_dft.molecule import Molecule

        rows = []
        for atoms, basis in (
            ("H 0 0 0; H 0.1 0.05 0.74", "sto-3g"),
            ("Li 0 0 0; H 0.05 0 1.6", "sto-3g"),
        ):
            if family == "eri" and atoms.startswith("Li") and prim.max_order == 1:
                continue  # keep the conformance run fast
            mol = Molecule(atoms, basis)
            coords = mol.coords + 0.05 * rng.normal(size=mol.coords.shape)
            args = [mol.basis, coords]
            if prim.name.endswith("_tangent"):
                args.append(rng.normal(size=coords.shape))
            elif prim.name.endswith("_cotangent"):
                shape = numpy.shape(_engine(family, mol.basis, coords, "value"))
                args.append(rng.normal(size=shape))
            rows.append(wengert.Example(tuple(args), name=f"{atoms.split()[0]}-{basis}"))
        return rows

    return examples


overlap, overlap_tangent, overlap_cotangent = _make(
    "ovlp", "Overlap matrix S_ab = <a|b>, shape (nao, nao)."
)
kinetic, kinetic_tangent, kinetic_cotangent = _make(
    "kin", "Kinetic energy matrix T_ab = <a|-nabla^2/2|b>, shape (nao, nao), Eh."
)
nuclear, nuclear_tangent, nuclear_cotangent = _make(
    "nuc", "Nuclear attraction per nucleus V^C_ab = -<a|1/|r-R_C||b>, shape (natm, nao, nao)."
)
dipole_integrals, dipole_tangent, dipole_cotangent = _make(
    "dip", "Position integrals <a|r|b> (origin 0, Bohr), shape (3, nao, nao)."
)
eri, eri_tangent, eri_cotangent = _make(
    "eri", "Electron repulsion integrals (ab|cd), chemists' notation, shape (nao,)*4, Eh."
)

#: Every primitive of the package, for the plugin's registration hook.
PRIMITIVES = (
    overlap,
    overlap_tangent,
    overlap_cotangent,
    kinetic,
    kinetic_tangent,
    kinetic_cotangent,
    nuclear,
    nuclear_tangent,
    nuclear_cotangent,
    dipole_integrals,
    dipole_tangent,
    dipole_cotangent,
    eri,
    eri_tangent,
    eri_cotangent,
)
