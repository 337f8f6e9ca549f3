"""Pauli sums and the model Hamiltonians, against matrices built independently with numpy.kron."""

import numpy
import pytest

import wengert_quantum as wq

PAULI = {"X": numpy.array([[0, 1], [1, 0]], complex), "Y": numpy.array([[0, -1j], [1j, 0]]),
         "Z": numpy.diag([1.0, -1.0]).astype(complex)}


def kron_word(n, word):
    """numpy.kron over qubits n-1..0 of {qubit: letter} (qubit 0 = least significant bit)."""
    out = numpy.ones((1, 1))
    for q in reversed(range(n)):
        out = numpy.kron(out, PAULI[word[q]] if q in word else numpy.eye(2))
    return out


def test_pauli_sum_matrix_matches_kron_products():
    h = wq.pauli_sum({"X0 Y2": 0.5, "Z1": -1.25, "Y0 Y1 Z3": 2.0, "": 0.75}, n=4)
    expected = (0.5 * kron_word(4, {0: "X", 2: "Y"}) - 1.25 * kron_word(4, {1: "Z"})
                + 2.0 * kron_word(4, {0: "Y", 1: "Y", 3: "Z"}) + 0.75 * numpy.eye(16))
    assert numpy.abs(h.dense() - expected).max() < 1e-15
    psi = wq.rand_state(4, nbatch=3, seed=0)
    assert numpy.abs(h.apply(psi) - psi @ expected.T).max() < 1e-14


def test_heisenberg_is_yaos_ring():
    n = 5
    expected = sum(kron_word(n, {i: a, (i + 1) % n: a}) for i in range(n) for a in "XYZ")
    assert numpy.abs(wq.heisenberg(n).dense() - expected).max() < 1e-15
    open_chain = sum(kron_word(n, {i: a, i + 1: a}) for i in range(n - 1) for a in "XYZ")
    assert numpy.abs(wq.heisenberg(n, periodic=False).dense() - open_chain).max() < 1e-15


@pytest.mark.parametrize("n, energy", [
    (4, -8.0),  # 4-site ring: E0 = -2 J in spin-1/2 units (S = sigma/2), times 4
    (6, -4 - 2 * numpy.sqrt(13)),  # 6-site ring: -(2 + sqrt 13)/2 = -2.8027756 J, times 4
])
def test_heisenberg_ground_energies(n, energy):
    # exact diagonalization of the numpy.kron-built matrix is the reference
    dense = sum(kron_word(n, {i: a, (i + 1) % n: a}) for i in range(n) for a in "XYZ")
    assert abs(numpy.linalg.eigvalsh(dense)[0] - energy) < 1e-10
    assert abs(wq.heisenberg(n).ground_energy() - energy) < 1e-10


@pytest.mark.parametrize("n, h", [(6, 0.5), (8, 1.0), (7, 1.7)])
def test_tfim_ground_energy_matches_free_fermions(n, h):
    # E0 = -sum_k sqrt(1 + h^2 - 2 h cos((2k - 1) pi / n)), k = 1..n (even-parity sector;
    # REFERENCES.md, Pfeuty 1970), exact for periodic chains with h > 0
    k = numpy.arange(1, n + 1)
    exact = -numpy.sum(numpy.sqrt(1 + h**2 - 2 * h * numpy.cos((2 * k - 1) * numpy.pi / n)))
    assert abs(wq.tfim(n, h).ground_energy() - exact) < 1e-10


def test_algebra_merges_terms():
    a = wq.pauli_sum({"Z0 Z1": 1.0, "X0": 2.0})
    b = wq.pauli_sum({"X0": -2.0, "Y1": 1.0})
    total = a + b
    assert dict((w, c) for c, w in total.terms) == {
        ((0, "Z"), (1, "Z")): 1.0, ((0, "X"),): 0.0, ((1, "Y"),): 1.0}
    assert numpy.allclose((2 * a - a).dense(), a.dense())
    assert sum([a, a]).n == 2
    assert numpy.allclose(a.with_coefficients([3.0, 4.0]).coefficients, [3.0, 4.0])
    assert "PauliSum(n=2" in repr(a)


def test_resized_acts_on_a_larger_register():
    h = wq.pauli_sum({"Z0": 1.0})
    assert numpy.allclose(h.resized(2).dense(), numpy.diag([1, -1, 1, -1]))


@pytest.mark.parametrize("make, error, message", [
    (lambda: wq.pauli_sum({"X0 X0": 1.0}), ValueError, "distinct qubits"),
    (lambda: wq.pauli_sum({"Q1": 1.0}), ValueError, "letters must be X, Y, Z"),
    (lambda: wq.pauli_sum({"X": 1.0}), ValueError, "tokens like 'X0 Z3'"),
    (lambda: wq.pauli_sum({"X0": 1j}), TypeError, "real number"),
    (lambda: wq.pauli_sum({"X3": 1.0}, n=2), ValueError, "n must be an int >= 4"),
    (lambda: wq.heisenberg(1), ValueError, "n must be an int >= 2"),
    (lambda: wq.tfim(4, 1j), TypeError, "h must be a real number"),
])
def test_bad_input(make, error, message):
    with pytest.raises(error, match=message):
        make()
