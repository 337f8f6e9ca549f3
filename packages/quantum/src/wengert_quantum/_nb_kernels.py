"""numba kernels (the ``fast`` extra): the same operations as :mod:`._np_kernels`, compiled.

Each state of the batch is swept through all the qubits of a layer while it sits in the L1
cache. Only layers and permutations are compiled; other gates use the numpy kernels.
"""

from __future__ import annotations

import numba
import numpy

from wengert_quantum import _np_kernels

_JIT = dict(nogil=True, cache=True, fastmath=True)


@numba.njit(**_JIT)
def _layer(X, qubits, mats):
    nb, dim = X.shape
    for b in range(nb):
        for k in range(qubits.shape[0]):
            s = 1 << qubits[k]
            m00, m01, m10, m11 = mats[k, 0, 0], mats[k, 0, 1], mats[k, 1, 0], mats[k, 1, 1]
            for base in range(0, dim, 2 * s):
                for i in range(base, base + s):
                    a, c = X[b, i], X[b, i + s]
                    X[b, i] = m00 * a + m01 * c
                    X[b, i + s] = m10 * a + m11 * c


@numba.njit(**_JIT)
def _reduce(Phi, Lam, qubits, R):
    nb, dim = Phi.shape
    for k in range(qubits.shape[0]):
        s = 1 << qubits[k]
        r00 = r01 = r10 = r11 = 0j
        for b in range(nb):
            for base in range(0, dim, 2 * s):
                for i in range(base, base + s):
                    p0, p1 = Phi[b, i], Phi[b, i + s]
                    l0, l1 = Lam[b, i].conjugate(), Lam[b, i + s].conjugate()
                    r00 += p0 * l0
                    r01 += p0 * l1
                    r10 += p1 * l0
                    r11 += p1 * l1
        R[k, 0, 0] += r00
        R[k, 0, 1] += r01
        R[k, 1, 0] += r10
        R[k, 1, 1] += r11


@numba.njit(**_JIT)
def _local(X, qubits, mats, out):
    nb, dim = X.shape
    for b in range(nb):
        for k in range(qubits.shape[0]):
            s = 1 << qubits[k]
            m00, m01, m10, m11 = mats[k, 0, 0], mats[k, 0, 1], mats[k, 1, 0], mats[k, 1, 1]
            for base in range(0, dim, 2 * s):
                for i in range(base, base + s):
                    a, c = X[b, i], X[b, i + s]
                    out[b, i] += m00 * a + m01 * c
                    out[b, i + s] += m10 * a + m11 * c


@numba.njit(**_JIT)
def _permute(X, perm, phase, with_phase):
    nb, dim = X.shape
    out = numpy.empty_like(X)
    for b in range(nb):
        for i in range(dim):
            out[b, i] = X[b, perm[i]]
        if with_phase:
            for i in range(dim):
                out[b, i] *= phase[i]
    return out


_NO_PHASE = numpy.ones(1, complex)


def layer_apply(X, op, binding, adjoint):
    mats = binding.U_dag if adjoint else binding.U
    _layer(X, op.qubits, mats[op.start: op.stop])
    return X


def layer_reduce(Phi, Lam, op, binding, R):
    _reduce(Phi, Lam, op.qubits, R[op.start: op.stop])


def layer_local(X, op, A):
    out = numpy.zeros_like(X)
    _local(X, op.qubits, numpy.ascontiguousarray(A), out)
    return out


def perm_apply(X, op, adjoint):
    perm, phase = (op.inv_perm, op.inv_phase) if adjoint else (op.perm, op.phase)
    return _permute(X, perm, _NO_PHASE if phase is None else phase, phase is not None)


gate_apply = _np_kernels.gate_apply
gate_reduce = _np_kernels.gate_reduce
