"""CTMRG: exact classical free energy, fixed-point vs unrolled gradients, errors."""

import numpy
import pytest

import wengert
import wengert.numpy as np
from wengert.testing import check_grads
from wengert_tensornet import (
    ctmrg,
    ctmrg_ln_z,
    ctmrg_step,
    double_layer,
    energy,
    heisenberg,
    ising_tensor,
    onsager,
    random_tensor,
    symmetrize,
)


def _state(D=2, seed=0):
    a = symmetrize(random_tensor(2, D, seed))
    return a / numpy.linalg.norm(a)


def _energy(a, chi, gradient):
    t = double_layer(a)
    t = t / np.sqrt(np.sum(t * t))
    return energy(a, ctmrg(t, chi, gradient=gradient), heisenberg())


def test_converged_environment_is_a_fixed_point_of_the_gauge_fixed_step():
    a = _state()
    t = double_layer(a) / numpy.linalg.norm(double_layer(a))
    env = ctmrg(t, 16)
    again = ctmrg_step(env, t, env.chi)
    assert numpy.linalg.norm(again.corner - env.corner) < 1e-12
    assert numpy.linalg.norm(again.edge - env.edge) < 1e-10


def test_fixed_point_and_unrolled_gradients_agree_on_the_same_state():
    a = _state()
    g_fixed = wengert.grad(_energy)(a, 16, "fixed_point")
    g_unrolled = wengert.grad(_energy)(a, 16, "unrolled")
    scale = numpy.max(numpy.abs(g_fixed))
    assert numpy.max(numpy.abs(g_fixed - g_unrolled)) <= 1e-7 * scale  # measured 2e-13


def test_fixed_point_gradient_matches_finite_differences():
    # the directions of check_grads break the symmetry: symmetrize inside
    f = lambda a: _energy(symmetrize(a) / np.sqrt(np.sum(symmetrize(a) ** 2)), 8, "fixed_point")
    check_grads(f, (_state(seed=3),), modes=("rev", "fwd"), order=1, rtol=1e-6)


def test_classical_ising_free_energy_and_energy_from_ctmrg_match_onsager():
    # reference: Onsager (onsager.thermodynamics); the Ising corner spectrum has exact
    # multiplets, so the derivative is the unrolled one (see the next test)
    temperature = 3.0
    f = lambda b: ctmrg_ln_z(ising_tensor(b), ctmrg(ising_tensor(b), 24, gradient="unrolled"))
    value, first = wengert.value_and_grad(f)(1 / temperature)
    exact = onsager.thermodynamics(temperature)
    assert float(value) == pytest.approx(exact["ln_z"], rel=1e-13)
    assert -float(first) == pytest.approx(exact["u"], rel=1e-12)


def test_fixed_point_gradient_refuses_a_degenerate_corner_spectrum():
    f = lambda b: ctmrg_ln_z(ising_tensor(b), ctmrg(ising_tensor(b), 24))
    with pytest.raises(wengert.ConvergenceError, match="fixed point"):
        wengert.grad(f)(1 / 3.0)


def test_bad_arguments_raise():
    t = double_layer(_state())
    with pytest.raises(ValueError, match="C4v"):
        ctmrg(numpy.random.default_rng(0).uniform(size=(4, 4, 4, 4)), 8)
    with pytest.raises(ValueError, match="shape"):
        ctmrg(numpy.ones((2, 2, 2)), 8)
    with pytest.raises(ValueError, match="gradient"):
        ctmrg(t, 8, gradient="adjoint")
    with pytest.raises(ValueError, match="chi"):
        ctmrg(t, 0)
    with pytest.raises(wengert.ConvergenceError, match="not converged"):
        ctmrg(t, 8, max_steps=1)
    with pytest.warns(RuntimeWarning, match="not converged"):
        ctmrg(t, 8, max_steps=1, raise_on_failure=False)


def test_fused_step_pullback_matches_the_traced_step_and_finite_differences():
    # the one-primitive step of the fixed-point gradient (hand-written pullback: contractions,
    # eigenvector rule on the kept columns, signs, normalizations) at a converged environment,
    # against the same step traced operation by operation (wengert_linalg.eigh) and against
    # finite differences (measured 3e-6 relative: the FD error of the small eigenvalue gaps)
    from wengert.operators import vjp
    from wengert_tensornet.ctmrg import _flat_step, _step_parts

    a = _state()
    t = double_layer(a) / numpy.linalg.norm(double_layer(a))
    env = ctmrg(t, 8)
    k = env.chi
    x = numpy.concatenate([env.corner, env.edge.ravel()])

    def traced(x, t):
        parts = _step_parts(x[:k], np.reshape(x[k:], (k, t.shape[0], k)), t, 8)
        return np.concatenate([parts["corner"], np.ravel(parts["edge"])])

    g = numpy.random.default_rng(1).standard_normal(x.size)
    fused = vjp(lambda x, t: _flat_step(x, t, 8, k), x, t)[1](g)
    reference = vjp(traced, x, t)[1](g)
    for mine, theirs in zip(fused, reference):
        assert numpy.max(numpy.abs(mine - theirs)) <= 1e-12 * numpy.max(numpy.abs(theirs))
    f = lambda x, t: np.sum(g * _flat_step(x, t, 8, k))
    check_grads(f, (x, t), modes=("rev",), order=1, rtol=1e-5)


def test_second_derivative_through_the_fixed_point_matches_the_unrolled_one():
    # the fused step's rule falls back to the traced step when it is differentiated again,
    # so the implicit gradient can itself be differentiated (reverse and forward over reverse)
    a = _state()
    d = symmetrize(numpy.random.default_rng(2).standard_normal(a.shape))

    def e(s, gradient):
        b = a + s * d
        return _energy(b / np.sqrt(np.sum(b * b)), 8, gradient)

    unrolled = wengert.grad(wengert.grad(e))(0.0, "unrolled")
    for second in (wengert.grad(wengert.grad(e)), wengert.hessian(e)):
        value = second(0.0, "fixed_point")
        assert value == pytest.approx(unrolled, rel=1e-7)  # measured 2e-9


@pytest.mark.parametrize("shapes, axes", [
    (((6, 5, 4), (5, 4, 2)), ([1, 2], [0, 1])),  # tall result: computed transposed
    (((2, 5, 4), (4, 5, 7, 3)), ([1, 2], [1, 0])),  # wide result: as is
    (((3, 4), (4,)), ([1], [0])),
])
def test_wide_tensordot_is_numpy_tensordot(shapes, axes):
    from wengert_tensornet._common import wide_tensordot

    rng = numpy.random.default_rng(0)
    a, b = (rng.standard_normal(s) for s in shapes)
    numpy.testing.assert_allclose(wide_tensordot(a, b, axes), numpy.tensordot(a, b, axes),
                                  rtol=1e-13, atol=1e-13)
