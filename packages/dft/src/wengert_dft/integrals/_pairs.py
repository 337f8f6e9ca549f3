"""Shell pairs grouped by angular class, with their primitive pairs (static basis data)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy

__all__ = ["PairClass", "pair_classes", "to_cart", "from_cart"]


@dataclass
class PairClass:
    """Shell pairs (i >= j) whose shells have angular momenta (la, lb).

    Shell-pair arrays (nsp,): ``shell_a``, ``shell_b``, ``diag`` (i == j), ``start`` and
    ``count`` of their primitive pairs; ``ao_a`` (nsp, ncart_a), ``ao_b`` (nsp, ncart_b)
    Cartesian AO indices. Primitive-pair arrays (n,): exponents ``a``, ``b``, coefficient
    product ``coef``, atoms ``atom_a``, ``atom_b`` and ``sp`` (the shell pair, contiguous).
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
        start, count = [], []
        for n, (i, j) in enumerate(pairs):
            si, sj = shells[i], shells[j]
            aa, bb = numpy.meshgrid(si.exps, sj.exps, indexing="ij")
            ca, cb = numpy.meshgrid(si.coefs, sj.coefs, indexing="ij")
            start.append(sum(len(c) for c in cols["a"]))
            count.append(aa.size)
            cols["a"].append(aa.ravel())
            cols["b"].append(bb.ravel())
            cols["coef"].append((ca * cb).ravel())
            cols["atom_a"].append(numpy.full(aa.size, si.atom))
            cols["atom_b"].append(numpy.full(aa.size, sj.atom))
            cols["sp"].append(numpy.full(aa.size, n))
        off = basis.shell_offsets
        classes.append(PairClass(
            la, lb,
            shell_a=numpy.array([i for i, _ in pairs]),
            shell_b=numpy.array([j for _, j in pairs]),
            diag=numpy.array([i == j for i, j in pairs]),
            start=numpy.array(start), count=numpy.array(count),
            ao_a=numpy.array([off[i] + numpy.arange(shells[i].ncart) for i, _ in pairs]),
            ao_b=numpy.array([off[j] + numpy.arange(shells[j].ncart) for _, j in pairs]),
            **{k: numpy.concatenate(v) for k, v in cols.items()},
        ))
    basis._pair_classes = classes
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
