"""Time evolution exp(-i t H): matrix, and derivatives in t and in H's coefficients."""

import numpy
import pytest
import scipy.linalg
from conftest import fd_derivative, fd_gradient

import wengert
import wengert_quantum as wq

H2 = wq.pauli_sum({"X0 X1": 1.0, "Z0": 0.4, "Y1": -0.7, "Z0 Z1": 0.2})


def test_matrix_is_the_exponential():
    u = wq.time_evolution(H2, 0.83).mat()
    assert numpy.abs(u - scipy.linalg.expm(-0.83j * H2.dense())).max() < 1e-13
    assert numpy.abs(wq.dagger(wq.time_evolution(H2, 0.83)).mat() - u.conj().T).max() < 1e-13


def _circuit(coefficients, hamiltonian=H2):
    evolve = wq.time_evolution(hamiltonian, 0.6, coefficients=coefficients)
    c = wq.chain(
        wq.put(3, 0, wq.Ry(0.4)), wq.put(3, 1, wq.Rx(1.1)), wq.cnot(3, 2, 0),
        wq.put(3, (0, 1), evolve), wq.control(3, 2, (1, 0), wq.dagger(evolve)),
        wq.put(3, 2, wq.H), wq.put(3, (2, 1), evolve))
    return c.dispatch(numpy.random.default_rng(4).uniform(-1.5, 1.5, c.nparameters))


@pytest.mark.parametrize("coefficients", [False, True])
def test_gradients_in_time_and_coefficients_match_finite_differences(kernel, coefficients):
    c, h = _circuit(coefficients), wq.heisenberg(3)
    assert c.nparameters == 2 + (5 if coefficients else 1)
    f = lambda p: wq.expect(h, c, p)
    p = c.parameters()
    assert numpy.abs(wengert.grad(f)(p) - fd_gradient(f, p)).max() < 1e-10
    v = numpy.random.default_rng(0).normal(size=p.size)
    assert abs(wengert.jvp(f, (p,), (v,))[1] - fd_derivative(f, p, v)) < 1e-10


def test_degenerate_spectrum_derivative_is_exact():
    # Z0 + Z1 has eigenvalues -2, 0, 0, 2: the divided differences must stay finite
    h = wq.pauli_sum({"Z0": 1.0, "Z1": 1.0, "X0 X1": 0.0})
    c = wq.chain(wq.put(2, 0, wq.Ry(0.7)), wq.put(2, 1, wq.Rx(0.3)),
                 wq.time_evolution(h, 0.9, coefficients=True))
    f = lambda p: wq.expect(wq.pauli_sum({"X0 X1": 1.0, "Y1": 0.5}), c, p)
    p = c.parameters()
    assert numpy.abs(wengert.grad(f)(p) - fd_gradient(f, p)).max() < 1e-10


def test_second_order_in_time_works_and_in_coefficients_raises():
    c, h = _circuit(False), wq.heisenberg(3)
    f = lambda p: wq.expect(h, c, p)
    p = c.parameters()
    grad = wengert.grad(f)
    fd = numpy.array([fd_derivative(grad, p, e) for e in numpy.eye(p.size)]).T
    assert numpy.abs(wengert.hessian(f)(p) - fd).max() < 1e-9
    c2 = _circuit(True)
    with pytest.raises(NotImplementedError, match="trainable coefficients"):
        wengert.hessian(lambda p: wq.expect(h, c2, p))(c2.parameters())


def test_bad_input():
    with pytest.raises(TypeError, match="PauliSum"):
        wq.time_evolution(numpy.eye(2), 1.0)
    with pytest.raises(ValueError, match="hamiltonian.n must be <= 12"):
        wq.time_evolution(wq.heisenberg(13), 1.0)
