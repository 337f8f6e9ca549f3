"""Shell pairs grouped by angular class, with their primitive pairs (static basis data).

:func:`pair_classes` pairs the basis' shells (one-electron integrals). For the ERIs,
:func:`group_pair_classes` first merges the shells of one atom that share their exponents
(the s and p halves of a Pople sp shell, the columns of a general contraction) into one
*exponent group* whose functions are rows with their own contraction coefficients: the
Hermite Coulomb integrals of a primitive quartet are then computed once for all the
functions that share it (for benzene/6-31G, 2.7x fewer primitive quartets).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy

__all__ = ["PairClass", "pair_classes", "group_pair_classes", "to_cart", "from_cart"]


@dataclass
class PairClass:
    """Shell pairs (i >= j) whose shells have angular momenta (la, lb).

    Shell-pair arrays (nsp,): ``shell_a``, ``shell_b``, ``diag`` (i == j), ``start`` and
    ``count`` of their primitive pairs; ``ao_a`` (nsp, ncart_a), ``ao_b`` (nsp, ncart_b)
    Cartesian AO indices. Primitive-pair arrays (n,): exponents ``a``, ``b``, coefficient
    product ``coef``, atoms ``atom_a``, ``atom_b`` and ``sp`` (the shell pair, contiguous).

    For exponent groups (:func:`group_pair_classes`) ``la``, ``lb`` are the groups' highest
    angular momenta, ``comp_a`` (ncart_a, 3), ``comp_b`` the Cartesian exponents of their
    rows, and ``coef`` (n, ncart_a * ncart_b) the per-row coefficient products; for plain
    shells ``comp_a``/``comp_b`` are ``None`` and ``coef`` has shape (n,).
    """

    la: int
    lb: int
    shell_a: numpy.ndarray
    shell_b: numpy.ndarray
    diag: numpy.ndarray
    start: numpy.ndarray
    count: numpy.ndarray
    ao_a: numpy.ndarray
    ao_b: numpy.ndarray
    a: numpy.ndarray
    b: numpy.ndarray
    coef: numpy.ndarray
    atom_a: numpy.ndarray
    atom_b: numpy.ndarray
    sp: numpy.ndarray
    comp_a: numpy.ndarray | None = None
    comp_b: numpy.ndarray | None = None


def pair_classes(basis) -> list[PairClass]:
    """The basis' shell pairs i >= j by class (cached on the basis object)."""
    cached = getattr(basis, "_pair_classes", None)
    if cached is not None:
        return cached
    shells = basis.shells
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for i, si in enumerate(shells):
        for j in range(i + 1):
            groups.setdefault((si.ell, shells[j].ell), []).append((i, j))
    classes = []
    for (la, lb), pairs in sorted(groups.items()):
        cols = {k: [] for k in ("a", "b", "coef", "atom_a", "atom_b", "sp")}
        start, count, total = [], [], 0
        for n, (i, j) in enumerate(pairs):
            si, sj = shells[i], shells[j]
            aa, bb = numpy.meshgrid(si.exps, sj.exps, indexing="ij")
            ca, cb = numpy.meshgrid(si.coefs, sj.coefs, indexing="ij")
            start.append(total)
            count.append(aa.size)
            total += aa.size
            cols["a"].append(aa.ravel())
            cols["b"].append(bb.ravel())
            cols["coef"].append((ca * cb).ravel())
            cols["atom_a"].append(numpy.full(aa.size, si.atom))
            cols["atom_b"].append(numpy.full(aa.size, sj.atom))
            cols["sp"].append(numpy.full(aa.size, n))
        off = basis.shell_offsets
        classes.append(
            PairClass(
                la,
                lb,
                shell_a=numpy.array([i for i, _ in pairs]),
                shell_b=numpy.array([j for _, j in pairs]),
                diag=numpy.array([i == j for i, j in pairs]),
                start=numpy.array(start),
                count=numpy.array(count),
                ao_a=numpy.array([off[i] + numpy.arange(shells[i].ncart) for i, _ in pairs]),
                ao_b=numpy.array([off[j] + numpy.arange(shells[j].ncart) for _, j in pairs]),
                **{k: numpy.concatenate(v) for k, v in cols.items()},
            )
        )
    basis._pair_classes = classes
    return classes


@dataclass
class _Group:
    """Shells of one atom with the same exponents: rows (Cartesian functions) ``comp``
    (nrow, 3), their AO indices ``ao`` (nrow,) and coefficients ``coefs`` (nprim, nrow)."""

    atom: int
    exps: numpy.ndarray
    ells: tuple
    lmax: int
    comp: numpy.ndarray
    ao: numpy.ndarray
    coefs: numpy.ndarray


def _groups(basis) -> list[_Group]:
    from wengert_dft.basis import cart_components

    merged: dict = {}
    for i, sh in enumerate(basis.shells):
        merged.setdefault((sh.atom, sh.exps.tobytes()), []).append(i)
    off = basis.shell_offsets
    out = []
    for members in merged.values():
        shells = [basis.shells[i] for i in members]
        comp = numpy.concatenate([cart_components(sh.ell) for sh in shells])
        ao = numpy.concatenate([off[i] + numpy.arange(sh.ncart) for i, sh in zip(members, shells)])
        coefs = numpy.concatenate(
            [numpy.repeat(sh.coefs[:, None], sh.ncart, axis=1) for sh in shells], axis=1
        )
        out.append(
            _Group(
                shells[0].atom,
                shells[0].exps,
                tuple(sh.ell for sh in shells),
                max(sh.ell for sh in shells),
                comp,
                ao,
                coefs,
            )
        )
    return out


def group_pair_classes(basis) -> list[PairClass]:
    """Pairs i >= j of exponent groups (see the module docstring), by the pair of their
    row layouts (cached on the basis object). ``shell_a``/``shell_b`` index groups."""
    cached = getattr(basis, "_group_pair_classes", None)
    if cached is not None:
        return cached
    groups = _groups(basis)
    by_layout: dict = {}
    for i, gi in enumerate(groups):
        for j in range(i + 1):
            by_layout.setdefault((gi.ells, groups[j].ells), []).append((i, j))
    classes = []
    for (_, _), pairs in sorted(by_layout.items()):
        cols = {k: [] for k in ("a", "b", "coef", "atom_a", "atom_b", "sp")}
        start, count, total = [], [], 0
        for n, (i, j) in enumerate(pairs):
            gi, gj = groups[i], groups[j]
            aa, bb = numpy.meshgrid(gi.exps, gj.exps, indexing="ij")
            coef = gi.coefs[:, None, :, None] * gj.coefs[None, :, None, :]
            start.append(total)
            count.append(aa.size)
            total += aa.size
            cols["a"].append(aa.ravel())
            cols["b"].append(bb.ravel())
            cols["coef"].append(coef.reshape(aa.size, -1))
            cols["atom_a"].append(numpy.full(aa.size, gi.atom))
            cols["atom_b"].append(numpy.full(aa.size, gj.atom))
            cols["sp"].append(numpy.full(aa.size, n))
        g0, h0 = groups[pairs[0][0]], groups[pairs[0][1]]
        classes.append(
            PairClass(
                g0.lmax,
                h0.lmax,
                shell_a=numpy.array([i for i, _ in pairs]),
                shell_b=numpy.array([j for _, j in pairs]),
                diag=numpy.array([i == j for i, j in pairs]),
                start=numpy.array(start),
                count=numpy.array(count),
                ao_a=numpy.array([groups[i].ao for i, _ in pairs]),
                ao_b=numpy.array([groups[j].ao for _, j in pairs]),
                comp_a=g0.comp,
                comp_b=h0.comp,
                **{k: numpy.concatenate(v) for k, v in cols.items()},
            )
        )
    basis._group_pair_classes = classes
    return classes


def to_cart(basis, g):
    """Cotangent in the working basis -> Cartesian basis on the last two axes."""
    if basis.c2s is None:
        return g
    return basis.c2s @ g @ basis.c2s.T


def from_cart(basis, m):
    """Matrix over Cartesian functions -> working basis (spherical if requested)."""
    if basis.c2s is None:
        return m
    return basis.c2s.T @ m @ basis.c2s
