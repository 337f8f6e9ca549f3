"""Second derivatives: forward-over-adjoint HVPs, Hessians, JVPs, the quantum geometric tensor."""

import numpy
import pytest
from conftest import fd_derivative

import wengert
import wengert.numpy as np
import wengert_quantum as wq


def _setup(seed=3, evolution=True):
    c = wq.random_circuit(3, 1, seed=seed, evolution=evolution)
    h = wq.heisenberg(3) + wq.pauli_sum({"Y0 Z2": 0.7, "X1": -0.4})
    return c, h, c.parameters()


def test_hessian_matches_finite_differences_of_the_adjoint_gradient():
    c, h, p = _setup()
    f = lambda p: wq.expect(h, c, p)
    hess = wengert.hessian(f)(p)  # forward over reverse: one HVP sweep per column
    grad = wengert.grad(f)
    fd = numpy.array([fd_derivative(grad, p, e) for e in numpy.eye(p.size)]).T
    assert numpy.abs(hess - fd).max() < 1e-9
    assert numpy.abs(hess - hess.T).max() < 1e-12
    assert numpy.abs(hess - wengert.jacobian(grad)(p)).max() < 1e-12  # reverse over reverse


def test_hvp_with_batched_states_and_state_direction():
    c, h, p = _setup(seed=5)
    states = wq.rand_state(3, nbatch=2, seed=2)
    f = lambda p, s: np.sum(wq.expect(h, c, p, s) * numpy.array([1.0, -2.0]))
    v = numpy.random.default_rng(1).normal(size=p.size)
    hv = wengert.hvp(f, 0)(p, states, v)
    assert numpy.abs(hv - fd_derivative(lambda q: wengert.grad(f)(q, states), p, v)).max() < 1e-9
    # mixed derivative d/dstate of dE/dparams, along a state direction
    ds = wq.rand_state(3, nbatch=2, seed=3)
    _, mixed = wengert.jvp(lambda s: wengert.grad(f)(p, s), (states,), (ds,))
    fd = fd_derivative(lambda s: wengert.grad(f)(p, s), states, ds)
    assert numpy.abs(mixed - fd).max() < 1e-9


def test_jvp_and_its_derivatives():
    c, h, p = _setup(seed=6)
    v = numpy.random.default_rng(2).normal(size=p.size)
    f = lambda p: wq.expect(h, c, p)
    value, tangent = wengert.jvp(f, (p,), (v,))
    assert abs(tangent - wengert.grad(f)(p) @ v) < 1e-12
    second = lambda q: wengert.jvp(f, (q,), (v,))[1]  # forward over forward
    _, curvature = wengert.jvp(second, (p,), (v,))
    assert abs(curvature - v @ wengert.hessian(f)(p) @ v) < 1e-10
    assert numpy.abs(wengert.grad(second)(p) - wengert.hessian(f)(p) @ v).max() < 1e-10


def test_fubini_study_metric_matches_state_derivatives():
    c, _, p = _setup(seed=1)
    psi = wq.apply(c, p)
    dpsi = numpy.array([wengert.jvp(lambda q: wq.apply(c, q), (p,), (e,))[1]
                        for e in numpy.eye(p.size)])
    overlaps = dpsi.conj() @ psi
    expected = (dpsi.conj() @ dpsi.T - numpy.outer(overlaps, overlaps.conj())).real
    metric = wq.fubini_study(c, p)
    assert numpy.abs(metric - expected).max() < 1e-10
    assert numpy.linalg.eigvalsh(metric).min() > -1e-10


def test_natural_gradient_solves_the_damped_metric_system():
    c, h, p = _setup(seed=2)
    step = wq.natural_gradient(h, c, p, damping=1e-3)
    metric = wq.fubini_study(c, p)
    grad = wengert.grad(lambda q: wq.expect(h, c, q))(p)
    assert numpy.allclose((metric + 1e-3 * numpy.eye(p.size)) @ step, grad, atol=1e-10)


def test_parameter_shift_gradient_is_first_order_only():
    c, h, p = _setup(evolution=False)
    f = lambda q: wq.expect(h, c, q, gradient="parameter-shift")
    with pytest.raises(NotImplementedError, match="parameter_shift"):
        wengert.hessian(f)(p)


def test_second_order_inside_fused_rotor_chains(kernel):
    # Rz Rx Rz on each qubit fuse into one 2x2 per qubit: the chain terms dC and [A, C]
    c, h = wq.variational_circuit(3, 2), wq.heisenberg(3)
    p = numpy.random.default_rng(4).uniform(0, 2 * numpy.pi, c.nparameters)
    states = wq.rand_state(3, nbatch=2, seed=5)
    f = lambda p: np.sum(wq.expect(h, c, p, states) * numpy.array([0.7, 1.3]))
    grad = wengert.grad(f)
    fd = numpy.array([fd_derivative(grad, p, e) for e in numpy.eye(p.size)]).T
    hess = wengert.hessian(f)(p)
    assert numpy.abs(hess - fd).max() < 1e-9
    v = numpy.random.default_rng(5).normal(size=p.size)
    second = lambda q: wengert.jvp(f, (q,), (v,))[1]
    assert abs(wengert.jvp(second, (p,), (v,))[1] - v @ hess @ v) < 1e-10
