"""numpy kernels: a few BLAS-sized calls per fused operation, never a call per amplitude.

States are ``(B, 2**n)`` complex128, C-contiguous. A layer's Kronecker group of ``g``
qubits starting at qubit ``lo`` is axis ``d = 2**g`` of the view ``(B * pre, d, 2**lo)``.
Reduced matrices ``R[a, b] = sum_rest phi[..a..] conj(lam[..b..])`` (summed over the batch)
turn into gradients as ``2 Re tr(G R) = 2 Re <lam|G|phi>``.
"""

from __future__ import annotations

import numpy

_TRACE: dict = {}


def layer_apply(X, op, binding, adjoint):
    """Apply a layer (``adjoint``: its inverse) to ``X`` (B, N); returns the new state."""
    shape = X.shape
    for (lo, g), K in zip(binding.program.groups, binding.layer_krons(op.layer, adjoint)):
        if K is None:
            continue
        M = K.T if adjoint else K  # the krons of an adjoint are conjugated, so M = K^dagger
        d, post = 2**g, 2**lo
        if post == 1:
            X = X.reshape(-1, d) @ M.T
        else:
            X = numpy.matmul(M, X.reshape(-1, d, post))
    return X.reshape(shape)


def layer_reduce(Phi, Lam, op, binding, R):
    """Add each layer qubit's 2x2 reduced matrix to ``R[op.start:op.stop]``."""
    p = binding.program
    Rq = numpy.empty((p.n, 2, 2), complex)
    for (lo, g), on in zip(p.groups, p.group_active[op.layer]):
        if not on:
            continue
        d, post = 2**g, 2**lo
        if post == 1:
            M = Phi.reshape(-1, d).T @ Lam.reshape(-1, d).conj()
        else:
            A, B = Phi.reshape(-1, d, post), Lam.reshape(-1, d, post)
            if A.shape[0] == 1:
                M = A[0] @ B[0].conj().T
            else:
                M = numpy.tensordot(A, B.conj(), axes=([0, 2], [0, 2]))
        index, ones = _trace_index(g)
        Rq[lo: lo + g] = (M.ravel()[index] @ ones).reshape(g, 2, 2)
    R[op.start: op.stop] += Rq[op.qubits]


def layer_local(X, op, A):
    """``sum_k (A_k)_{q_k} X``: the layer's 2x2s ``A`` (one per slot) summed, not multiplied."""
    out = numpy.zeros_like(X)
    for a, q in zip(A, op.qubits):
        post = 1 << int(q)
        out.reshape(-1, 2, post)[...] += numpy.matmul(a, X.reshape(-1, 2, post))
    return out


def perm_apply(X, op, adjoint):
    """``out[:, i] = phase[i] X[:, perm[i]]`` (or the inverse)."""
    perm, phase = (op.inv_perm, op.inv_phase) if adjoint else (op.perm, op.phase)
    out = numpy.take(X, perm, axis=1)
    if phase is not None:
        out *= phase
    return out


def gate_apply(X, op, matrix, n, outside="keep"):
    """``matrix`` (``2**k x 2**k``) on ``op.targets`` where the controls hold.

    Outside the controlled subspace the state is kept (``"keep"``, a unitary gate) or set
    to zero (``"zero"``, for generators ``U^dagger dU``, which vanish there).
    """
    k = len(op.targets)
    S, idx, axes = _view(X, op, n)
    sub = S[idx] if op.ctrls else S
    res = numpy.tensordot(matrix.reshape((2,) * (2 * k)), sub, axes=(list(range(k, 2 * k)), axes))
    res = numpy.moveaxis(res, list(range(k)), axes)
    if not op.ctrls:
        return numpy.ascontiguousarray(res).reshape(X.shape)
    out = X.copy() if outside == "keep" else numpy.zeros_like(X)
    out.reshape(S.shape)[idx] = res
    return out


def gate_reduce(Phi, Lam, op, n):
    """Reduced matrix of a gate's targets (``2**k x 2**k``) in its controlled subspace."""
    k = len(op.targets)
    S1, idx, axes = _view(Phi, op, n)
    S2 = Lam.reshape(S1.shape)
    sub1, sub2 = (S1[idx], S2[idx]) if op.ctrls else (S1, S2)
    others = [a for a in range(sub1.ndim) if a not in axes]
    R = numpy.tensordot(sub1, sub2.conj(), axes=(others, others))
    order = sorted(axes)
    perm = [order.index(a) for a in axes]
    return R.transpose(perm + [k + i for i in perm]).reshape(2**k, 2**k)


def _view(X, op, n):
    """``X`` as ``(B, 2, ..., 2)`` (qubit q on axis n - q), the control index, target axes."""
    S = X.reshape((X.shape[0],) + (2,) * n)
    idx = [slice(None)] * (n + 1)
    for c, v in zip(op.ctrls, op.vals):
        idx[n - c] = v
    removed = [n - c for c in op.ctrls]
    axes = [(n - t) - sum(r < n - t for r in removed) for t in reversed(op.targets)]
    return S, tuple(idx), axes


def _trace_index(g):
    """Flat indices into a ``d x d`` matrix (``d = 2**g``) whose sums are each bit's 2x2 block,
    shape ``(g * 4, d / 2)``: row ``(i, a, b)`` lists the entries with bit ``i`` of the row
    index ``a``, of the column index ``b``, and equal other bits; and a ones vector."""
    if g not in _TRACE:
        d = 2**g
        rest = numpy.arange(d // 2)
        idx = numpy.empty((g, 2, 2, d // 2), dtype=numpy.int64)
        for i in range(g):
            low, high = rest & ((1 << i) - 1), (rest >> i) << (i + 1)
            for a in range(2):
                for b in range(2):
                    idx[i, a, b] = (high | (a << i) | low) * d + (high | (b << i) | low)
        _TRACE[g] = (idx.reshape(4 * g, d // 2), numpy.ones(d // 2, complex))
    return _TRACE[g]
