"""One-electron integrals and their coordinate derivatives (McMurchie-Davidson).

Families (matrices over the basis, Eh/Bohr units):

* ``"ovlp"``  S_ab = <a|b>, shape (nao, nao);
* ``"kin"``   T_ab = <a|-1/2 nabla^2|b> (Helgaker 9.3.40-style 1D kinetic factors);
* ``"dip"``   r_ab = <a|r|b> with the origin at (0, 0, 0), shape (3, nao, nao);
* ``"nuc"``   V^C_ab = -<a|1/|r - R_C||b>, one matrix per nucleus (unit charge), shape
  (natm, nao, nao) (Helgaker 9.9.32); the nuclear attraction is sum_C Z_C V^C.

Every function here is plain numpy (the forward functions of the primitives in
:mod:`wengert_dft.integrals.primitives`). ``one_electron(family, basis, coords, op, ...)``
evaluates one of five operations on the map R -> M(R) (R the (natm, 3) coordinates):

* ``"value"``      M(R);
* ``"tangent"``    sum_k V_k dM/dR_k (same shape as M);
* ``"cotangent"``  [<G, dM/dR_k>]_k, shape (natm, 3);
* ``"second"``     [sum_l <G, d2M/dR_k dR_l> V_l]_k, shape (natm, 3);
* ``"bitangent"``  sum_kl V_k W_l d2M/dR_k dR_l (same shape as M).

Derivatives with respect to the Gaussians' centres raise and lower their angular momentum
(:func:`wengert_dft.integrals._hermite.derive`); for ``nuc`` the derivative with respect
to the nucleus follows from translational invariance, d/dR_C = -(d/dA + d/dB).
"""

from __future__ import annotations

from itertools import combinations_with_replacement

import numpy

from wengert_dft.integrals._hermite import (
    cart_pairs,
    derive,
    e3,
    hermite_1d,
    hermite_index,
    hermite_r,
)
from wengert_dft.integrals._pairs import from_cart, pair_classes, to_cart

__all__ = ["one_electron", "FAMILIES"]

FAMILIES = ("ovlp", "kin", "dip", "nuc")
_ORDER = {"value": 0, "tangent": 1, "cotangent": 1, "second": 2, "bitangent": 2}


def _specs(order: int) -> list[tuple]:
    """Raw derivative specs: tuples of k = 3*slot + direction (slot 0: bra, 1: ket)."""
    if order == 0:
        return [()]
    if order == 1:
        return [(k,) for k in range(6)]
    return list(combinations_with_replacement(range(6), 2))


def _counts(spec) -> tuple[list[int], list[int]]:
    n_a, n_b = [0, 0, 0], [0, 0, 0]
    for k in spec:
        (n_a if k < 3 else n_b)[k % 3] += 1
    return n_a, n_b


def _blocks(family: str, pc, coords, order: int) -> dict:
    """Raw derivative blocks {spec: array (n, *lead, ncart_a*ncart_b)}, coefficients in."""
    la, lb, a, b = pc.la, pc.lb, pc.a, pc.b
    p = a + b
    A, B = coords[pc.atom_a], coords[pc.atom_b]
    extra_j = 2 if family == "kin" else 0
    tabs = [hermite_1d(la + order, lb + order + extra_j, a, b, A[:, d], B[:, d]) for d in range(3)]
    if family == "nuc":
        return _nuc_blocks(pc, coords, order, tabs)
    norm = numpy.sqrt(numpy.pi / p)[:, None, None]
    s1 = [t[..., 0] * norm for t in tabs]
    if family == "kin":
        j = numpy.arange(lb + order + 1, dtype=float)
        bb = b[:, None, None]
        k1 = []
        for s in s1:
            low = numpy.concatenate([numpy.zeros(s.shape[:2] + (2,)), s[:, :, :-4]], axis=2)
            k1.append(
                -0.5
                * (
                    j * (j - 1) * low
                    - 2 * bb * (2 * j + 1) * s[:, :, :-2]
                    + 4 * bb**2 * s[:, :, 2:]
                )
            )
        s1 = [s[:, :, :-2] for s in s1]
    elif family == "dip":
        P = (a[:, None] * A + b[:, None] * B) / p[:, None]
        m1 = [(t[..., 1] + P[:, d, None, None] * t[..., 0]) * norm for d, t in enumerate(tabs)]
    ia, ib = cart_pairs(la, lb)
    coef = pc.coef[:, None]

    def part(table, d, n_a, n_b):
        t = derive(derive(table, a, 1, n_a[d]), b, 2, n_b[d])
        return t[:, ia[:, d], ib[:, d]]

    out = {}
    for spec in _specs(order):
        n_a, n_b = _counts(spec)
        sx = [part(s1[d], d, n_a, n_b) for d in range(3)]
        if family == "ovlp":
            blk = sx[0] * sx[1] * sx[2]
        elif family == "kin":
            kx = [part(k1[d], d, n_a, n_b) for d in range(3)]
            blk = kx[0] * sx[1] * sx[2] + sx[0] * kx[1] * sx[2] + sx[0] * sx[1] * kx[2]
        else:
            mx = [part(m1[d], d, n_a, n_b) for d in range(3)]
            blk = numpy.stack(
                [mx[0] * sx[1] * sx[2], sx[0] * mx[1] * sx[2], sx[0] * sx[1] * mx[2]], axis=1
            )
            blk = blk * coef[:, None]
            out[spec] = blk
            continue
        out[spec] = blk * coef
    return out


def _nuc_blocks(pc, coords, order, tabs) -> dict:
    la, lb, a, b = pc.la, pc.lb, pc.a, pc.b
    p = a + b
    A, B = coords[pc.atom_a], coords[pc.atom_b]
    P = (a[:, None] * A + b[:, None] * B) / p[:, None]
    natm = len(coords)
    L = la + lb + order
    pc_xyz = (P[:, None, :] - coords[None, :, :]).reshape(-1, 3)
    r = hermite_r(L, numpy.repeat(p, natm), pc_xyz).reshape(len(p), natm, -1)
    pref = (-2 * numpy.pi / p * pc.coef)[:, None, None]
    out = {}
    for spec in _specs(order):
        n_a, n_b = _counts(spec)
        tables = [derive(derive(tabs[d], a, 1, n_a[d]), b, 2, n_b[d]) for d in range(3)]
        lspec = la + lb + len(spec)
        e = e3(tables, la, lb, lspec)  # (n, comp, nH)
        nh = len(hermite_index(lspec))
        out[spec] = pref * numpy.einsum("nch,nCh->nCc", e, r[:, :, :nh])
    return out


def _weights(pc, v, family: str, natm: int) -> list:
    """Per-term weights of the six raw derivatives for a tangent ``v`` (natm, 3)."""
    w = [v[pc.atom_a, d] for d in range(3)] + [v[pc.atom_b, d] for d in range(3)]
    if family == "nuc":  # d/dR_C = -(d/dA + d/dB)
        return [wk[:, None] - v[None, :, k % 3] for k, wk in enumerate(w)]
    return w


def _expand(w, blk):
    """Broadcast a weight (n,) or (n, natm) against a block (n, *lead, comp)."""
    return numpy.reshape(w, numpy.shape(w) + (1,) * (blk.ndim - numpy.ndim(w)))


def _scatter(pc, blk, out):
    """Add primitive blocks (n, *lead, ncart_a*ncart_b) into out (*lead, nao, nao)."""
    na, nb = pc.ao_a.shape[1], pc.ao_b.shape[1]
    nsp = len(pc.count)
    summed = numpy.add.reduceat(blk, pc.start, axis=0) if len(blk) else blk
    summed = summed.reshape(nsp, *blk.shape[1:-1], na, nb)
    lead = blk.ndim - 2
    summed = numpy.moveaxis(summed, 0, lead)  # (*lead, nsp, na, nb)
    rows = pc.ao_a[:, :, None]
    cols = pc.ao_b[:, None, :]
    out[..., rows, cols] += summed
    off = ~pc.diag
    out[..., pc.ao_b[off][:, :, None], pc.ao_a[off][:, None, :]] += summed[..., off, :, :].swapaxes(
        -1, -2
    )


def one_electron(family: str, basis, coords, op: str = "value", *, G=None, V=None, W=None):
    """Evaluate ``op`` (see the module docstring) for integral ``family`` at ``coords``."""
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    coords = numpy.asarray(coords, dtype=float)
    natm = len(coords)
    order = _ORDER[op]
    lead = {"ovlp": (), "kin": (), "dip": (3,), "nuc": (natm,)}[family]
    if op in ("cotangent", "second"):
        G = to_cart(basis, numpy.asarray(G, dtype=float))
        Gs = G + numpy.swapaxes(G, -1, -2)
        grad = numpy.zeros((natm, 3))
    else:
        out = numpy.zeros(lead + (basis.nao_cart, basis.nao_cart))
    for pc in pair_classes(basis):
        blocks = _blocks(family, pc, coords, order)
        if op == "value":
            _scatter(pc, blocks[()], out)
            continue
        if op in ("tangent", "bitangent"):
            wv = _weights(pc, V, family, natm)
            if op == "tangent":
                blk = sum(_expand(wv[k], blocks[(k,)]) * blocks[(k,)] for k in range(6))
            else:
                ww = _weights(pc, W, family, natm)
                blk = 0.0
                for k, m in blocks:
                    w = wv[k] * ww[m] + (wv[m] * ww[k] if k != m else 0.0)
                    blk = blk + _expand(w, blocks[(k, m)]) * blocks[(k, m)]
            _scatter(pc, blk, out)
            continue
        # cotangent / second: contract with the symmetrized cotangent per primitive pair
        rows, cols = pc.ao_a[pc.sp][:, :, None], pc.ao_b[pc.sp][:, None, :]
        g = Gs[..., rows, cols]  # (*lead, n, na, nb)
        g = numpy.moveaxis(g, len(lead), 0).reshape(len(pc.a), *lead, -1)
        g = g * numpy.where(pc.diag[pc.sp], 0.5, 1.0).reshape((-1,) + (1,) * (g.ndim - 1))
        if op == "cotangent":
            vals = [numpy.sum(g * blocks[(k,)], axis=-1) for k in range(6)]
        else:
            wv = _weights(pc, V, family, natm)
            vals = []
            for k in range(6):
                acc = 0.0
                for m in range(6):
                    b_km = blocks[(min(k, m), max(k, m))]
                    acc = acc + _expand(wv[m], b_km) * b_km
                vals.append(numpy.sum(g * acc, axis=-1))
        for k, val in enumerate(vals):
            atoms = pc.atom_a if k < 3 else pc.atom_b
            if family == "nuc":  # val (n, natm): to the Gaussian's atom and -(.) to C
                grad[:, k % 3] += numpy.bincount(atoms, val.sum(1), minlength=natm)
                grad[:, k % 3] -= val.sum(0)
            else:
                if val.ndim > 1:
                    val = val.sum(1)
                grad[:, k % 3] += numpy.bincount(atoms, val, minlength=natm)
    if op in ("cotangent", "second"):
        return grad
    return from_cart(basis, out)
