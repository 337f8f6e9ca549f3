"""Shared helpers: an independent dense simulator, high-order finite differences, kernels."""

import numpy
import pytest

from wengert_quantum import use_kernel
from wengert_quantum.gates import ConstantGate
from wengert_quantum.kernels import numba_available

KERNELS = ["numpy", pytest.param("numba", marks=pytest.mark.skipif(
    not numba_available(), reason="numba not installed (the 'fast' extra)"))]


@pytest.fixture(params=KERNELS)
def kernel(request):
    """Run the test once per simulation kernel."""
    with use_kernel(request.param):
        yield request.param


class _Collector:
    def __init__(self):
        self.gates = []

    def add(self, gate, targets, ctrls, vals, dag):
        self.gates.append((gate, targets, ctrls, vals, dag))


def gate_matrix_full(gate, targets, ctrls, vals, dag, n):
    """The 2**n matrix of one elementary gate, column by column from its definition."""
    local = gate.matrix if isinstance(gate, ConstantGate) else gate.matrix(
        numpy.array(gate.values), 1)
    if dag:
        local = local.conj().T
    full = numpy.zeros((2**n, 2**n), complex)
    for col in range(2**n):
        if any((col >> c) & 1 != v for c, v in zip(ctrls, vals)):
            full[col, col] = 1.0
            continue
        loc = sum(((col >> t) & 1) << i for i, t in enumerate(targets))
        rest = col & ~sum(1 << t for t in targets)
        for out in range(2 ** len(targets)):
            row = rest | sum(((out >> i) & 1) << t for i, t in enumerate(targets))
            full[row, col] += local[out, loc]
    return full


def dense_circuit(block, n):
    """Product of the full matrices of ``block``'s gates: a simulator independent of the
    lowering, fusion and kernels (it shares only the flattening of the tree)."""
    collector = _Collector()
    block._emit(tuple(range(n)), (), (), False, collector)
    matrix = numpy.eye(2**n, dtype=complex)
    for gate in collector.gates:
        matrix = gate_matrix_full(*gate, n) @ matrix
    return matrix


def fd_derivative(f, x, direction, h=0.01):
    """8th-order central difference of ``f`` along ``direction`` (truncation ~h^8 f^(9)/630,
    about 1e-13 here, rounding ~1e-14): accurate enough to check gradients to 1e-10."""
    coefficients = ((1, 4 / 5), (2, -1 / 5), (3, 4 / 105), (4, -1 / 280))
    total = 0.0
    for k, c in coefficients:
        total = total + c * (f(x + k * h * direction) - f(x - k * h * direction))
    return total / h


def fd_gradient(f, x, h=0.01):
    """Full gradient by :func:`fd_derivative` along each coordinate."""
    return numpy.array([fd_derivative(f, x, e, h) for e in numpy.eye(len(x))]).T
