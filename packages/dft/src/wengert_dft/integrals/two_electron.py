"""Electron repulsion integrals (ab|cd) and their coordinate derivatives.

McMurchie-Davidson (Helgaker 9.9.33): with Hermite coefficients E^{ab} of the bra pair
and E^{cd} of the ket pair,

    (ab|cd) = 2 pi^{5/2} / (p q sqrt(p+q)) sum_{tuv} E^{ab}_{tuv}
              sum_{t'u'v'} (-1)^{t'+u'+v'} E^{cd}_{t'u'v'} R_{t+t',u+u',v+v'}(alpha, P - Q),

vectorized over all primitive quartets of one class of exponent-group pairs (shells of an
atom with the same exponents, e.g. the s and p of an sp shell, share their Hermite
integrals; :func:`~wengert_dft.integrals._pairs.group_pair_classes`) in chunks that bound
memory, computed for the unique group quartets (i >= j, k >= l, ij >= kl) and spread over
the eight permutations. ``eri(basis, coords, op, ...)`` evaluates the same five operations as
:func:`wengert_dft.integrals.one_electron.one_electron` (value, tangent, cotangent,
second, bitangent). Coordinate derivatives act on the Hermite coefficients only, through
the raised/lowered Gaussians of :func:`~wengert_dft.integrals._hermite.derive`, and are
contracted with the incoming cotangent chunk by chunk: no derivative tensor is stored.
For the ``cotangent`` operation G E is formed once per shell quartet and primitive pair
of the other side, the per-quartet intermediates Z = G E R are summed over the quartets
that share a primitive pair, so each pair's derivative coefficients are contracted once,
whatever the number of quartets it enters; G may be given as density matrices
(``density=``) so that the energy gradient never builds a (nao)^4 tensor.

The full (nao, nao, nao, nao) tensor is built in core; :data:`MAX_ERI_BYTES` bounds it
(a ``MemoryError`` naming the size is raised above it).
"""

from __future__ import annotations

from itertools import combinations_with_replacement

import numpy

from wengert_dft.integrals._hermite import (
    derive,
    e3,
    hermite_1d,
    hermite_index,
    hermite_r,
    rmat_index,
)
from wengert_dft.integrals._pairs import group_pair_classes

__all__ = ["eri", "MAX_ERI_BYTES", "PAIR_SCREENING"]

#: Largest four-index tensor built in core (bytes); raise it if the machine has the memory.
MAX_ERI_BYTES = 4 * 2**30
_CHUNK_DOUBLES = 4_000_000  # bounds the per-chunk intermediates (~32 MB each)
#: Primitive pairs whose Gaussian-product magnitude |c_a c_b| exp(-mu R_AB^2) (pi/p)^{3/2}
#: is below this are skipped (their integrals are below it times O(1) factors).
PAIR_SCREENING = 1e-15
_ORDER = {"value": 0, "tangent": 1, "cotangent": 1, "second": 2, "bitangent": 2}


def _pair_tables(pc, coords, order: int) -> dict:
    """Per primitive pair: exponent sum ``p``, centre ``P`` and the Hermite coefficients
    ``E[spec]`` (n, ncart_a*ncart_b, nH(la+lb+len(spec))), contraction coefficients in;
    spec a tuple of raw derivatives k = 3*slot + direction (slot 0: first centre)."""
    la, lb, a, b = pc.la, pc.lb, pc.a, pc.b
    A, B = coords[pc.atom_a], coords[pc.atom_b]
    p = a + b
    tabs = [hermite_1d(la + order, lb + order, a, b, A[:, d], B[:, d]) for d in range(3)]
    specs = [()]
    if order >= 1:
        specs += [(k,) for k in range(6)]
    if order >= 2:
        specs += list(combinations_with_replacement(range(6), 2))
    E = {}
    for spec in specs:
        n_a, n_b = [0, 0, 0], [0, 0, 0]
        for k in spec:
            (n_a if k < 3 else n_b)[k % 3] += 1
        tables = [derive(derive(tabs[d], a, 1, n_a[d]), b, 2, n_b[d]) for d in range(3)]
        E[spec] = (
            e3(tables, la, lb, la + lb + len(spec), (pc.comp_a, pc.comp_b)) * pc.coef[:, :, None]
        )
    mu_r2 = a * b / p * numpy.sum((A - B) ** 2, axis=1)
    bound = numpy.abs(pc.coef).max(axis=1) * numpy.exp(-mu_r2) * (numpy.pi / p) ** 1.5
    kept = numpy.nonzero(bound >= PAIR_SCREENING)[0]  # still grouped by shell pair
    count = numpy.bincount(pc.sp[kept], minlength=len(pc.count))
    return {
        "p": p,
        "P": (a[:, None] * A + b[:, None] * B) / p[:, None],
        "E": E,
        "Es": E[()] * _hermite_sign(la + lb),
        "lab": la + lb,
        "atoms": (pc.atom_a, pc.atom_b),
        "kept": kept,
        "count": count,
        "start": numpy.cumsum(count) - count,
    }


def _hermite_sign(L):
    """(-1)^(t+u+v) over :func:`hermite_index` (L): the sign of a ket's Hermite index."""
    return (-1.0) ** hermite_index(L).sum(1)


def _directional(t, v):
    """sum_k v[atom_k, dir_k] E[(k,)]: the pair's Hermite coefficients along tangent v."""
    atoms = t["atoms"]
    return sum(v[atoms[k // 3], k % 3][:, None, None] * t["E"][(k,)] for k in range(6))


def _bidirectional(t, v, w):
    atoms = t["atoms"]
    out = 0.0
    for k in range(6):
        vk = v[atoms[k // 3], k % 3]
        wk = w[atoms[k // 3], k % 3]
        for m in range(k, 6):
            vm = v[atoms[m // 3], m % 3]
            wm = w[atoms[m // 3], m % 3]
            c = vk * wm + (vm * wk if m != k else 0.0)
            out = out + c[:, None, None] * t["E"][(k, m)]
    return out


def _derivative_of_directional(t, v, k):
    """d/dx_k of the directional coefficients: sum_m v_m E[(k, m)]."""
    atoms = t["atoms"]
    return sum(
        v[atoms[m // 3], m % 3][:, None, None] * t["E"][(min(k, m), max(k, m))] for m in range(6)
    )


def _quartets(t1, t2, same: bool):
    """Shell-pair quartets (s1 in class 1, s2 in class 2), s1 >= s2 within one class, that
    keep at least one primitive quartet after screening."""
    n1, n2 = len(t1["count"]), len(t2["count"])
    if same:
        s1, s2 = numpy.tril_indices(n1)
    else:
        s1, s2 = numpy.repeat(numpy.arange(n1), n2), numpy.tile(numpy.arange(n2), n1)
    live = (t1["count"][s1] > 0) & (t2["count"][s2] > 0)
    return s1[live], s2[live]


def _chunks(t1, t2, s1, s2, width: int):
    nprim = t1["count"][s1] * t2["count"][s2]
    budget = max(1, _CHUNK_DOUBLES // max(width, 1))
    bounds = numpy.searchsorted(numpy.cumsum(nprim), numpy.arange(budget, nprim.sum(), budget))
    edges = numpy.unique(numpy.concatenate([[0], bounds, [len(s1)]]))
    for lo, hi in zip(edges[:-1], edges[1:]):
        if hi > lo:
            yield s1[lo:hi], s2[lo:hi], nprim[lo:hi]


def _expand(t1, t2, s1, s2, nprim):
    """Primitive quartets of shell quartets: bra pair, ket pair and owning quartet index."""
    qid = numpy.repeat(numpy.arange(len(s1)), nprim)
    local = numpy.arange(nprim.sum()) - numpy.repeat(numpy.cumsum(nprim) - nprim, nprim)
    c2 = t2["count"][s2][qid]
    return (
        t1["kept"][t1["start"][s1][qid] + local // c2],
        t2["kept"][t2["start"][s2][qid] + local % c2],
        qid,
    )


def _half_contract(gs, t, q, other_count, side):
    """Per shell quartet s and primitive pair j of ``t`` (the ket side for ``side`` 1, the
    bra side for 0): gs[s] @ E[j]; and, for each primitive quartet of :func:`_expand`'s
    order (bra-major), the row of the result it uses."""
    count = t["count"][q]
    first = numpy.cumsum(count) - count
    owner = numpy.repeat(numpy.arange(len(q)), count)
    local = numpy.arange(count.sum()) - first[owner]
    e = t["Es" if side == 1 else "E"]  # the ket's Hermite sign (-1)^|h2| in its table
    if side == 0:
        e = e[()]
    out = numpy.matmul(gs[owner], e[t["kept"][t["start"][q][owner] + local]])
    nprim = count * other_count
    qid = numpy.repeat(numpy.arange(len(q)), nprim)
    within = numpy.arange(nprim.sum()) - numpy.repeat(numpy.cumsum(nprim) - nprim, nprim)
    pos = within % count[qid] if side == 1 else within // other_count[qid]
    return out, first[qid] + pos


def _degeneracy(pc1, pc2, s1, s2, same):
    deg = numpy.where(pc1.diag[s1], 1.0, 2.0) * numpy.where(pc2.diag[s2], 1.0, 2.0)
    return deg * numpy.where(same & (s1 == s2), 1.0, 2.0)


def _ao_index(pc1, pc2, s1, s2):
    a, b = pc1.ao_a[s1], pc1.ao_b[s1]
    c, d = pc2.ao_a[s2], pc2.ao_b[s2]
    return (
        a[:, :, None, None, None],
        b[:, None, :, None, None],
        c[:, None, None, :, None],
        d[:, None, None, None, :],
    )


def _scatter(out, idx, block):
    a, b, c, d = idx
    for p, q, r, s in ((a, b, c, d), (b, a, c, d), (a, b, d, c), (b, a, d, c)):
        out[p, q, r, s] = block
        out[r, s, p, q] = block


def _bucket(index, n):
    """Sparse (n, len(index)) matrix summing rows that share ``index``."""
    import scipy.sparse

    return scipy.sparse.csr_matrix(
        (numpy.ones(len(index)), (index, numpy.arange(len(index)))), shape=(n, len(index))
    )


def _symmetrize(g):
    g = 0.5 * (g + g.transpose(1, 0, 2, 3))
    g = 0.5 * (g + g.transpose(0, 1, 3, 2))
    return 0.5 * (g + g.transpose(2, 3, 0, 1))


def _transform(t, c):
    """Apply c (n_in, n_out) to every index of a 4-index tensor."""
    for _ in range(4):
        t = numpy.tensordot(t, c, axes=([0], [0]))
    return t


class _Chunk:
    """The primitive quartets of one chunk: pair indices and Hermite integrals R (with the
    prefactor 2 pi^{5/2} / (p q sqrt(p+q)) in), up to order l1 + l2 + order."""

    def __init__(self, t1, t2, ip, iq, order):
        p, q = t1["p"][ip], t2["p"][iq]
        pref = 2 * numpy.pi**2.5 / (p * q * numpy.sqrt(p + q))
        self.l1, self.l2, self.L = t1["lab"], t2["lab"], t1["lab"] + t2["lab"] + order
        self.r = hermite_r(self.L, p * q / (p + q), t1["P"][ip] - t2["P"][iq]) * pref[:, None]

    def rmat(self, d1, d2, signed=True):
        """R[q, h1, h2] = (-1)^|h2| R_{h1+h2} for h1 in H(l1+d1), h2 in H(l2+d2) (without
        the sign for ``signed=False``: the caller applies it to the smaller operand)."""
        idx, sign = rmat_index(self.l1 + d1, self.l2 + d2, self.L)
        flat = numpy.take(self.r, idx.ravel(), axis=1)  # faster than r[:, idx]
        flat = flat.reshape(len(self.r), *idx.shape)
        return flat * sign if signed else flat

    def two(self, x, d1, d2, y):
        """sum_h1h2 x[q, ab, h1] R[q, h1, h2] y[q, cd, h2] -> (q, ab, cd)."""
        return numpy.matmul(numpy.matmul(x, self.rmat(d1, d2)), y.transpose(0, 2, 1))


def _values(op, t1, t2, ip, iq, chunk):
    """Primitive-quartet blocks (q, ab, cd) of the value, tangent or bitangent."""
    if op == "value":  # the ket's Hermite sign (-1)^|h2| is in its signed table
        r = chunk.rmat(0, 0, signed=False)
        return numpy.matmul(numpy.matmul(t1["E"][()][ip], r), t2["Es"][iq].transpose(0, 2, 1))
    e1, e2 = t1["E"][()][ip], t2["E"][()][iq]
    if op == "tangent":
        return chunk.two(t1["Ev"][ip], 1, 0, e2) + chunk.two(e1, 0, 1, t2["Ev"][iq])
    return (
        chunk.two(t1["Evw"][ip], 2, 0, e2)
        + chunk.two(t1["Ev"][ip], 1, 1, t2["Ew"][iq])
        + chunk.two(t1["Ew"][ip], 1, 1, t2["Ev"][iq])
        + chunk.two(e1, 0, 2, t2["Evw"][iq])
    )


def _second(t1, t2, ip, iq, chunk, g, v, grad):
    """Add [sum G d/dx_k (D_v (ab|cd))]_k for the raw derivatives k of all four centres."""
    natm = len(grad)
    atoms = (t1["atoms"][0][ip], t1["atoms"][1][ip], t2["atoms"][0][iq], t2["atoms"][1][iq])
    gt = g.transpose(0, 2, 1)
    z1 = numpy.matmul(numpy.matmul(g, t2["E"][()][iq]), chunk.rmat(2, 0).transpose(0, 2, 1))
    z2 = numpy.matmul(numpy.matmul(g, t2["Ev"][iq]), chunk.rmat(1, 1).transpose(0, 2, 1))
    y1 = numpy.matmul(numpy.matmul(gt, t1["E"][()][ip]), chunk.rmat(0, 2))
    y2 = numpy.matmul(numpy.matmul(gt, t1["Ev"][ip]), chunk.rmat(1, 1))
    for k in range(6):
        dv1 = _derivative_of_directional(t1, v, k)[ip]
        dv2 = _derivative_of_directional(t2, v, k)[iq]
        v_bra = numpy.einsum("qch,qch->q", dv1, z1) + numpy.einsum(
            "qch,qch->q", t1["E"][(k,)][ip], z2
        )
        v_ket = numpy.einsum("qch,qch->q", dv2, y1) + numpy.einsum(
            "qch,qch->q", t2["E"][(k,)][iq], y2
        )
        grad[:, k % 3] += numpy.bincount(atoms[k // 3], v_bra, minlength=natm)
        grad[:, k % 3] += numpy.bincount(atoms[2 + k // 3], v_ket, minlength=natm)


def _density_blocks(density, idx):
    """Blocks Gamma[a, b, c, d] of the two-particle density of a single determinant,
    Gamma = 1/2 Dj_ab Dj_cd - sum_k w_k/2 (Dk_ac Dk_bd + Dk_ad Dk_bc) (8-fold symmetric)."""
    dj, exchange = density
    a, b, c, d = idx
    out = 0.5 * dj[a, b] * dj[c, d]
    for dk, w in exchange:
        out = out - 0.5 * w * (dk[a, c] * dk[b, d] + dk[a, d] * dk[b, c])
    return out


def eri(basis, coords, op: str = "value", *, G=None, V=None, W=None, density=None):
    """ERIs in chemists' notation (ab|cd), shape (nao,)*4, or ``op`` on them (see module).

    For ``op="cotangent"``, ``density=(Dj, [(Dk, w_k), ...])`` (matrices over the basis'
    functions) replaces ``G`` by the two-particle density of a single determinant,
    G = 1/2 Dj_ab Dj_cd - sum_k w_k/2 (Dk_ac Dk_bd + Dk_ad Dk_bc) (RHF: Dj = D, one
    exchange term (D, 1/4); UHF: Dj = Da + Db, (Da, 1/2), (Db, 1/2)): the energy gradient
    without the (nao)^4 tensor, its blocks built per shell quartet."""
    coords = numpy.asarray(coords, dtype=float)
    natm = len(coords)
    order = _ORDER[op]
    n = basis.nao_cart
    if op in ("value", "tangent", "bitangent"):
        if 8 * n**4 > MAX_ERI_BYTES:
            raise MemoryError(
                f"eri: the in-core (nao)^4 tensor needs {8 * n**4 / 2**30:.1f} GiB (nao={n}), "
                f"above wengert_dft.integrals.two_electron.MAX_ERI_BYTES"
            )
        out = numpy.zeros((n, n, n, n))
    else:
        if density is not None:
            if op != "cotangent":
                raise ValueError(f"eri: density is only used with op='cotangent', got {op!r}")
            cart = (lambda m: m) if basis.c2s is None else (lambda m: basis.c2s @ m @ basis.c2s.T)
            density = (
                cart(numpy.asarray(density[0], dtype=float)),
                [(cart(numpy.asarray(dk, dtype=float)), w) for dk, w in density[1]],
            )
        else:
            G = numpy.asarray(G, dtype=float)
            if basis.c2s is not None:
                G = _transform(G, basis.c2s.T)
            G = _symmetrize(G)
        grad = numpy.zeros((natm, 3))
    classes = group_pair_classes(basis)
    tables = [_pair_tables(pc, coords, order) for pc in classes]
    # cotangent: Z = G E R summed over the quartets of each primitive pair (bra and ket
    # roles alike), contracted with the pair's derivative coefficients once, at the end
    # (bra-role and ket-role sums kept apart: the ket's Hermite sign is applied at the end)
    acc = [
        numpy.zeros((len(t["p"]), t["E"][(0,)][0].size) if op == "cotangent" else 0) for t in tables
    ]
    acc_ket = [numpy.zeros_like(z) for z in acc]
    if op in ("tangent", "bitangent", "second"):
        for t in tables:
            t["Ev"] = _directional(t, V)
            if op == "bitangent":
                t["Ew"] = _directional(t, W)
                t["Evw"] = _bidirectional(t, V, W)
    for c1, (pc1, t1) in enumerate(zip(classes, tables)):
        for c2 in range(c1 + 1):
            pc2, t2 = classes[c2], tables[c2]
            s1, s2 = _quartets(t1, t2, c1 == c2)
            nab, ncd = t1["E"][()].shape[1], t2["E"][()].shape[1]
            width = len(hermite_index(t1["lab"] + order)) * len(
                hermite_index(t2["lab"] + order)
            ) + 4 * nab * ncd * (1 + order)
            for q1, q2, nprim in _chunks(t1, t2, s1, s2, width):
                ip, iq, qid = _expand(t1, t2, q1, q2, nprim)
                chunk = _Chunk(t1, t2, ip, iq, order)
                idx = _ao_index(pc1, pc2, q1, q2)
                if op in ("value", "tangent", "bitangent"):
                    starts = numpy.concatenate([[0], numpy.cumsum(nprim)[:-1]])
                    x = numpy.add.reduceat(_values(op, t1, t2, ip, iq, chunk), starts, axis=0)
                    shape = (
                        len(q1),
                        pc1.ao_a.shape[1],
                        pc1.ao_b.shape[1],
                        pc2.ao_a.shape[1],
                        pc2.ao_b.shape[1],
                    )
                    _scatter(out, idx, x.reshape(shape))
                    continue
                deg = _degeneracy(pc1, pc2, q1, q2, c1 == c2)
                block = G[idx] if density is None else _density_blocks(density, idx)
                gs = (block * deg[:, None, None, None, None]).reshape(len(q1), nab, ncd)
                if op == "second":
                    _second(t1, t2, ip, iq, chunk, gs[qid], V, grad)
                    continue
                # G E of the ket (bra) side depends on the shell quartet and the ket (bra)
                # primitive pair only: form it once per such pair, then gather per quartet
                ge, ge_at = _half_contract(gs, t2, q2, t1["count"][q1], 1)
                eg, eg_at = _half_contract(gs.transpose(0, 2, 1), t1, q1, t2["count"][q2], 0)
                zb = numpy.matmul(ge[ge_at], chunk.rmat(1, 0, signed=False).transpose(0, 2, 1))
                zk = numpy.matmul(eg[eg_at], chunk.rmat(0, 1, signed=False))
                acc[c1] += _bucket(ip, len(pc1.a)) @ zb.reshape(len(ip), -1)
                acc_ket[c2] += _bucket(iq, len(pc2.a)) @ zk.reshape(len(iq), -1)
    if op == "cotangent":
        for t, z, zk in zip(tables, acc, acc_ket):
            shape = t["E"][(0,)].shape
            z = z.reshape(shape) + zk.reshape(shape) * _hermite_sign(t["lab"] + 1)
            for k in range(6):
                val = numpy.einsum("pch,pch->p", t["E"][(k,)], z)
                grad[:, k % 3] += numpy.bincount(t["atoms"][k // 3], val, minlength=natm)
    if op in ("cotangent", "second"):
        return grad
    if basis.c2s is not None:
        out = _transform(out, basis.c2s)
    return out
