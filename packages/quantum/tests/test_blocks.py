"""The block IR: conventions, composites, parameters, matrices, errors."""

import numpy
import pytest
from conftest import dense_circuit

import wengert_quantum as wq

X, Y, Z = (numpy.array(m, complex) for m in ([[0, 1], [1, 0]], [[0, -1j], [1j, 0]],
                                             [[1, 0], [0, -1]]))
I2 = numpy.eye(2)
P0, P1 = numpy.diag([1.0, 0.0]), numpy.diag([0.0, 1.0])


def on(n, ops):
    """numpy.kron over qubits n-1..0 (qubit 0 = least significant bit) of {qubit: 2x2}."""
    out = numpy.ones((1, 1))
    for q in reversed(range(n)):
        out = numpy.kron(out, ops.get(q, I2))
    return out


def test_qubit_zero_is_the_least_significant_bit():
    assert numpy.allclose(wq.put(3, 0, wq.X).mat() @ wq.zero_state(3), wq.product_state("001"))
    assert numpy.allclose(wq.put(3, 2, wq.X).mat(), on(3, {2: X}))


def test_bell_pair_and_cnot_orientation():
    bell = wq.chain(wq.put(2, 0, wq.H), wq.cnot(2, 0, 1))
    assert numpy.allclose(bell.mat()[:, 0], numpy.array([1, 0, 0, 1]) / numpy.sqrt(2))
    expected = on(2, {0: P0}) + on(2, {0: P1, 1: X})  # control 0, target 1
    assert numpy.allclose(wq.cnot(2, 0, 1).mat(), expected)
    assert numpy.allclose(wq.put(2, (0, 1), wq.CNOT).mat(), expected)
    assert numpy.allclose(wq.put(2, (1, 0), wq.CNOT).mat(), on(2, {1: P0}) + on(2, {1: P1, 0: X}))


def test_control_with_zero_control_and_two_targets():
    block = wq.control(3, 2, (0, 1), wq.kron(wq.X, wq.Z), ctrl_vals=(0,))
    expected = on(3, {2: P0, 0: X, 1: Z}) + on(3, {2: P1})
    assert numpy.allclose(block.mat(), expected)


def test_rotations_match_their_exponentials():
    t = 0.73
    for gate, pauli in ((wq.Rx, X), (wq.Ry, Y), (wq.Rz, Z)):
        assert numpy.allclose(gate(t).mat(), numpy.cos(t / 2) * I2 - 1j * numpy.sin(t / 2) * pauli)
    xx = numpy.kron(X, X)
    assert numpy.allclose(wq.rot(wq.kron(wq.X, wq.X), t).mat(),
                          numpy.cos(t / 2) * numpy.eye(4) - 1j * numpy.sin(t / 2) * xx)
    assert numpy.allclose(wq.shift(t).mat(), numpy.diag([1, numpy.exp(1j * t)]))
    assert numpy.allclose(wq.phase(t).mat(), numpy.exp(1j * t) * I2)


def test_chain_applies_its_first_block_first():
    a, b = wq.put(2, 0, wq.H), wq.put(2, 0, wq.S)
    assert numpy.allclose(wq.chain(a, b).mat(), b.mat() @ a.mat())


def test_kron_and_repeat_place_blocks_side_by_side():
    assert numpy.allclose(wq.kron(wq.X, wq.Y, wq.Z).mat(), on(3, {0: X, 1: Y, 2: Z}))
    assert numpy.allclose(wq.kron(4, ((3,), wq.X), ((1,), wq.Z)).mat(), on(4, {3: X, 1: Z}))
    r = wq.repeat(3, wq.H, (0, 2))
    h = wq.H.matrix
    assert numpy.allclose(r.mat(), on(3, {0: h, 2: h}))


def test_dagger_inverts_and_shares_parameters():
    c = wq.random_circuit(3, 1, seed=4)
    d = wq.dagger(c)
    assert d.nparameters == c.nparameters
    assert numpy.allclose(d.mat() @ c.mat(), numpy.eye(8), atol=1e-12)
    assert numpy.allclose(wq.chain(c, d).mat(), numpy.eye(8), atol=1e-12)
    assert wq.dagger(d) is c


def test_shared_gate_object_is_one_parameter():
    r = wq.Rx(0.3)
    c = wq.chain(wq.put(2, 0, r), wq.put(2, 1, r), wq.repeat(2, wq.Rz(0.1)))
    assert c.nparameters == 2
    wq.dispatch(c, [1.0, 2.0])
    assert r.values == (1.0,)
    assert numpy.allclose(c.parameters(), [1.0, 2.0])


def test_parameters_are_listed_in_tree_order():
    c = wq.chain(wq.put(2, 1, wq.Rz(1.0)), wq.dagger(wq.chain(wq.put(2, 0, wq.Rx(2.0)),
                                                              wq.put(2, 1, wq.Ry(3.0)))))
    assert c.parameters().tolist() == [1.0, 2.0, 3.0]


def test_engine_matches_independent_dense_product_on_random_circuits():
    for seed in range(3):
        c = wq.random_circuit(4, 2, seed=seed)
        assert numpy.abs(c.mat() - dense_circuit(c, 4)).max() < 1e-13


def test_mat_on_a_larger_register_is_identity_elsewhere():
    assert numpy.allclose(wq.put(1, 0, wq.X).mat(n=2), on(2, {0: X}))


def test_dispatch_random_is_seeded():
    a = wq.dispatch(wq.variational_circuit(3, 1), "random", seed=3).parameters()
    b = wq.dispatch(wq.variational_circuit(3, 1), "random", seed=3).parameters()
    assert numpy.array_equal(a, b) and a.min() >= 0 and a.max() < 2 * numpy.pi


@pytest.mark.parametrize("make, message", [
    (lambda: wq.put(2, (0, 1), wq.X), "acts on 1 qubits"),
    (lambda: wq.put(1, 3, wq.X), "n must be an int >= 4"),
    (lambda: wq.control(3, 0, 0, wq.X), "overlap"),
    (lambda: wq.control(3, 0, 1, wq.X, ctrl_vals=(2,)), "ctrl_vals"),
    (lambda: wq.matblock(numpy.ones((2, 2))), "not unitary"),
    (lambda: wq.matblock(numpy.eye(3)), "2\\*\\*k x 2\\*\\*k"),
    (lambda: wq.rot(numpy.diag([1.0, 2.0])), "square to the identity"),
    (lambda: wq.kron(3, ((0,), wq.X), ((0,), wq.Y)), "overlap"),
    (lambda: wq.dispatch(wq.Rx(), [1.0, 2.0]), "params must have shape"),
    (lambda: wq.dispatch(wq.Rx(), "ones"), "params must be an array"),
])
def test_bad_input_raises_value_error_naming_it(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_type_errors():
    with pytest.raises(TypeError, match="block must be a Block"):
        wq.put(2, 0, "X")
    with pytest.raises(TypeError, match="theta must be a real number"):
        wq.Rx(1j)
    with pytest.raises(TypeError, match="params must be a real float array"):
        wq.dispatch(wq.Rx(), numpy.array([1j]))


def test_repr_shows_structure():
    text = repr(wq.variational_circuit(2, 1))
    assert "chain(n=2)" in text and "Rx(0)" in text
