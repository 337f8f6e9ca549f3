"""First derivatives: reversible adjoint vs parameter shift vs finite differences, to 1e-10.

Random circuits (``random_circuit``) hold every gate kind: constant gates, all rotations,
shift and phase, controlled rotations (with a 0-control), multi-qubit rotations, Toffoli,
kron, repeat (a shared parameter), a dagger of a parametric block, a rotation object used
twice, and a time evolution. Finite differences are 8th-order central (error ~1e-13).
"""

import numpy
import pytest
from conftest import dense_circuit, fd_derivative, fd_gradient

import wengert
import wengert.numpy as np
import wengert_quantum as wq

TOL = 1e-10


def _hamiltonian(n):
    return wq.heisenberg(n) + wq.pauli_sum({"Y0 Z2": 0.7, "X1": -0.4, "Z0 X1 Y3": 0.3}, n)


@pytest.mark.parametrize("seed", [0, 1])
def test_adjoint_matches_finite_differences_every_gate(kernel, seed):
    c, h = wq.random_circuit(4, 2, seed=seed), _hamiltonian(4)
    p = c.parameters()
    f = lambda p: wq.expect(h, c, p)
    grad = wengert.grad(f)(p)
    assert numpy.abs(grad - fd_gradient(f, p)).max() < TOL


@pytest.mark.parametrize("seed", [0, 1])
def test_adjoint_matches_parameter_shift_and_finite_differences(kernel, seed):
    c, h = wq.random_circuit(4, 2, seed=seed, evolution=False), _hamiltonian(4)
    p = c.parameters()
    adjoint = wengert.grad(lambda p: wq.expect(h, c, p))(p)
    shift = wengert.grad(lambda p: wq.expect(h, c, p, gradient="parameter-shift"))(p)
    assert numpy.abs(adjoint - shift).max() < 1e-12
    assert numpy.abs(adjoint - fd_gradient(lambda p: wq.expect(h, c, p), p)).max() < TOL


@pytest.mark.parametrize("evolution", [True, False])
def test_batched_states_gradients_match_per_state_shift_and_fd(kernel, evolution):
    c = wq.random_circuit(3, 2, seed=7, evolution=evolution)
    h = wq.heisenberg(3) + wq.pauli_sum({"Y0 Z2": 0.7, "X1": -0.4})
    p, states = c.parameters(), wq.rand_state(3, nbatch=4, seed=1)
    weights = numpy.array([1.0, -0.5, 2.0, 0.3])
    f = lambda p: np.sum(weights * wq.expect(h, c, p, states))
    grad = wengert.grad(f)(p)
    single = sum(w * wengert.grad(wq.expect, argnum=2)(h, c, p, s)
                 for w, s in zip(weights, states))
    assert numpy.abs(grad - single).max() < 1e-12
    assert numpy.abs(grad - fd_gradient(f, p)).max() < TOL
    if not evolution:
        shift = wengert.grad(lambda p: np.sum(
            weights * wq.expect(h, c, p, states, gradient="parameter-shift")))(p)
        assert numpy.abs(grad - shift).max() < 1e-12


def test_expectation_value_matches_dense_simulation():
    c, h = wq.random_circuit(4, 2, seed=3), _hamiltonian(4)
    psi = dense_circuit(c, 4)[:, 0]
    assert abs(wq.expect(h, c, c.parameters()) - (psi.conj() @ h.dense() @ psi).real) < 1e-13


def test_state_gradient_follows_autograds_convention(kernel):
    # E = psi0^dagger M psi0 with M = U^dagger H U: dE/dpsi0 = 2 conj(M psi0) (d/dx - i d/dy)
    c, h = wq.random_circuit(3, 1, seed=2), wq.heisenberg(3)
    p, psi0 = c.parameters(), wq.rand_state(3, seed=5)
    grad = wengert.grad(lambda s: wq.expect(h, c, p, s))(psi0)
    U = dense_circuit(c, 3)
    assert numpy.abs(grad - 2 * numpy.conj(U.conj().T @ h.dense() @ U @ psi0)).max() < 1e-12
    d = wq.rand_state(3, seed=6)
    fd = fd_derivative(lambda s: wq.expect(h, c, p, s), psi0, d)
    assert abs(numpy.real(numpy.sum(grad * d)) - fd) < TOL


def test_fidelity_gradient(kernel):
    c = wq.random_circuit(3, 2, seed=8, evolution=False)
    p, target, psi0 = c.parameters(), wq.rand_state(3, seed=1), wq.rand_state(3, seed=2)
    f = lambda p: wq.fidelity(c, p, target, psi0)
    overlap = target.conj() @ dense_circuit(c, 3) @ psi0
    assert abs(f(p) - abs(overlap) ** 2) < 1e-13
    grad = wengert.grad(f)(p)
    assert numpy.abs(grad - fd_gradient(f, p)).max() < TOL
    shift = wengert.grad(lambda p: wq.fidelity(c, p, target, psi0, gradient="parameter-shift"))
    assert numpy.abs(grad - shift(p)).max() < 1e-12


def test_apply_vjp_and_jvp(kernel):
    c = wq.random_circuit(3, 1, seed=9)
    p, psi0 = c.parameters(), wq.rand_state(3, seed=3)
    w = wq.rand_state(3, seed=4)
    loss = lambda p, s: np.real(np.sum(w.conj() * wq.apply(c, p, s))) ** 2
    gp, gs = wengert.grad(loss, argnum=(0, 1))(p, psi0)
    d = numpy.random.default_rng(0).normal(size=p.size)
    assert abs(gp @ d - fd_derivative(lambda q: loss(q, psi0), p, d)) < TOL
    ds = wq.rand_state(3, seed=7)
    assert abs(numpy.real(numpy.sum(gs * ds)) - fd_derivative(lambda s: loss(p, s), psi0, ds)) < TOL
    _, dpsi = wengert.jvp(lambda q: wq.apply(c, q, psi0), (p,), (d,))
    assert numpy.abs(dpsi - fd_derivative(lambda q: wq.apply(c, q, psi0), p, d)).max() < TOL


def test_variational_circuit_gradient_matches_parameter_shift(kernel):
    c, h = wq.variational_circuit(5, 3), wq.heisenberg(5)
    p = numpy.random.default_rng(0).uniform(0, 2 * numpy.pi, c.nparameters)
    adjoint = wengert.grad(lambda p: wq.expect(h, c, p))(p)
    shift = wengert.grad(lambda p: wq.expect(h, c, p, gradient="parameter-shift"))(p)
    assert numpy.abs(adjoint - shift).max() < 1e-12


def test_time_evolution_has_no_shift_rule():
    h = wq.pauli_sum({"X0 X1": 1.0, "Z0": 0.5})
    c = wq.chain(wq.put(2, (0, 1), wq.time_evolution(h, 0.3)))
    with pytest.raises(ValueError, match="no shift rule for time_evolution"):
        wengert.grad(lambda p: wq.expect(h, c, p, gradient="parameter-shift"))(c.parameters())


def test_bad_arguments_raise():
    c, h = wq.variational_circuit(3, 1), wq.heisenberg(3)
    with pytest.raises(ValueError, match="params must have shape"):
        wq.expect(h, c, numpy.zeros(3))
    with pytest.raises(ValueError, match="gradient must be one of"):
        wq.expect(h, c, c.parameters(), gradient="backprop")
    with pytest.raises(ValueError, match="hamiltonian acts on 4 qubits"):
        wq.expect(wq.heisenberg(4), c, c.parameters(), wq.zero_state(3))
    with pytest.raises(ValueError, match="state must have shape"):
        wq.expect(h, c, c.parameters(), numpy.ones(6))
    with pytest.raises(TypeError, match="circuit must be a Block"):
        wq.expect(h, "circuit", c.parameters())
    with pytest.raises(TypeError, match="hamiltonian must be a PauliSum"):
        wq.expect(numpy.eye(8), c, c.parameters())
