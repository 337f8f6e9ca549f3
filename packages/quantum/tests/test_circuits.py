"""variational_circuit has Yao's layout; random_circuit covers every block kind."""

import numpy
import pytest

import wengert_quantum as wq
from wengert_quantum.blocks import Control, Dagger, Kron, Repeat
from wengert_quantum.evolution import TimeEvolution


def _rot(axis, t):
    pauli = {"x": [[0, 1], [1, 0]], "z": [[1, 0], [0, -1]]}[axis]
    return numpy.cos(t / 2) * numpy.eye(2) - 1j * numpy.sin(t / 2) * numpy.array(pauli)


def _layer(mats):
    out = numpy.ones((1, 1))
    for m in reversed(mats):  # qubit 0 least significant
        out = numpy.kron(out, m)
    return out


def _cnot(n, c, t):
    matrix = numpy.zeros((2**n, 2**n))
    for i in range(2**n):
        matrix[i ^ (((i >> c) & 1) << t), i] = 1.0
    return matrix


@pytest.mark.parametrize("n, depth", [(3, 1), (3, 2), (4, 3)])
def test_variational_circuit_is_yaos_layout(n, depth):
    c = wq.variational_circuit(n, depth)
    assert c.nparameters == n * (3 * depth + 1)
    p = numpy.random.default_rng(1).uniform(0, 2 * numpy.pi, c.nparameters)
    ring = numpy.eye(2**n)
    for i in range(n):
        ring = _cnot(n, i, (i + 1) % n) @ ring
    it = iter(p)
    # rotor sets: (Rx, Rz) first, (Rz, Rx, Rz) in between, (Rz, Rx) last; applied left to right
    sets = [("x", "z")] + [("z", "x", "z")] * (depth - 1) + [("z", "x")]
    expected = numpy.eye(2**n)
    for k, axes in enumerate(sets):
        if k:
            expected = ring @ expected
        mats = []
        for _ in range(n):
            u = numpy.eye(2)
            for axis in axes:
                u = _rot(axis, next(it)) @ u
            mats.append(u)
        expected = _layer(mats) @ expected
    assert numpy.abs(c.mat(p) - expected).max() < 1e-13


def test_variational_circuit_bad_input():
    with pytest.raises(ValueError, match="depth must be a positive int"):
        wq.variational_circuit(4, 0)
    with pytest.raises(ValueError, match="n must be an int >= 2"):
        wq.variational_circuit(1, 2)


def test_random_circuit_uses_every_block_kind():
    c = wq.random_circuit(3, 1, seed=0)
    kinds, names = set(), set()

    def walk(block):
        kinds.add(type(block))
        names.add(getattr(block, "name", ""))
        for child in getattr(block, "blocks", ()) or [p.block for p in getattr(
                block, "placements", ())]:
            walk(child)
        if hasattr(block, "block"):
            walk(block.block)

    walk(c)
    assert {Control, Dagger, Kron, Repeat, TimeEvolution} <= kinds
    assert {"Rx", "Ry", "Rz", "shift", "phase", "matblock", "H", "rot(XX)"} <= names
    shared = [g for g in c._unique_gates() if sum(x is g for x in _all_gates(c)) > 1]
    assert shared  # the repeat and the reused rotation


def _all_gates(block):
    out = []
    block._collect(out)
    return out
