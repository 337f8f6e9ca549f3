"""Registers: plain arrays, qubit 0 the least significant bit."""

import numpy
import pytest

import wengert_quantum as wq


def test_zero_and_product_states():
    assert wq.zero_state(2).tolist() == [1, 0, 0, 0]
    assert wq.zero_state(2, nbatch=3).shape == (3, 4)
    assert numpy.argmax(abs(wq.product_state("011"))) == 3  # written q2 q1 q0, as Yao's bit"011"
    assert numpy.argmax(abs(wq.product_state(5, n=3))) == 5
    plus = numpy.array([1, 1]) / numpy.sqrt(2)
    psi = wq.product_state([plus, [1, 0]])  # qubit 0 in |+>, qubit 1 in |0>
    assert numpy.allclose(psi, numpy.kron([1, 0], plus))


def test_rand_state_is_normalized_and_seeded():
    psi = wq.rand_state(4, nbatch=5, seed=3)
    assert numpy.allclose(numpy.linalg.norm(psi, axis=1), 1.0)
    assert numpy.array_equal(psi, wq.rand_state(4, nbatch=5, seed=3))


def test_nqubits_of():
    assert wq.nqubits_of(numpy.zeros(8)) == 3 and wq.nqubits_of(numpy.zeros((2, 16))) == 4
    with pytest.raises(ValueError, match="state must have shape"):
        wq.nqubits_of(numpy.zeros(6))


@pytest.mark.parametrize("make, message", [
    (lambda: wq.zero_state(0), "n must be an int"),
    (lambda: wq.product_state("012"), "bit string"),
    (lambda: wq.product_state(8, n=3), "basis index"),
    (lambda: wq.product_state([[1, 0, 0]]), "shape \\(2,\\)"),
    (lambda: wq.rand_state(2, nbatch=0), "nbatch"),
])
def test_bad_input(make, message):
    with pytest.raises(ValueError, match=message):
        make()
