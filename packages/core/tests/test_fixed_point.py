"""fixed_point: implicit derivatives against unrolled iterations and finite differences."""

import tracemalloc

import numpy
import pytest

import wengert
import wengert.numpy as np
from wengert.testing import check_grads

RNG = numpy.random.default_rng(7)
A = RNG.standard_normal((4, 4))
A = 0.4 * A / numpy.linalg.norm(A, 2)  # a contraction: spectral norm 0.4


def contraction(x, theta, b):
    """x = tanh(A x * theta) + b, a contraction for |theta| <= 1."""
    return np.tanh(np.dot(A, x) * theta) + b


def solve_implicit(theta, b):
    return wengert.fixed_point(contraction, numpy.zeros(4), theta, b, tol=1e-13)


def solve_unrolled(theta, b, n=120):
    x = numpy.zeros(4)
    for _ in range(n):
        x = contraction(x, theta, b)
    return x


def loss(solver):
    return lambda theta, b: np.sum(np.sin(solver(theta, b)) * np.arange(1.0, 5.0))


THETA, B = 0.8, numpy.array([0.3, -0.5, 0.2, 0.1])


@pytest.mark.parametrize("argnum", [0, 1])
def test_reverse_gradient_matches_unrolled(argnum):
    g_imp = wengert.grad(loss(solve_implicit), argnum)(THETA, B)
    g_unr = wengert.grad(loss(solve_unrolled), argnum)(THETA, B)
    numpy.testing.assert_allclose(g_imp, g_unr, rtol=1e-8, atol=1e-12)


def test_second_derivatives_match_unrolled_in_all_mode_combinations():
    f_imp, f_unr = loss(solve_implicit), loss(solve_unrolled)
    rev_rev = wengert.grad(wengert.grad(f_imp))(THETA, B)
    fwd_rev = wengert.jvp(lambda t: wengert.grad(f_imp)(t, B), (THETA,), (1.0,))[1]
    fwd_fwd = wengert.jvp(lambda t: wengert.jvp(lambda s: f_imp(s, B), (t,), (1.0,))[1],
                          (THETA,), (1.0,))[1]
    exact = wengert.grad(wengert.grad(f_unr))(THETA, B)
    for value in (rev_rev, fwd_rev, fwd_fwd):
        assert value == pytest.approx(exact, rel=1e-8)
    h_imp = wengert.hessian(lambda b: f_imp(THETA, b))(B)
    h_unr = wengert.hessian(lambda b: f_unr(THETA, b))(B)
    numpy.testing.assert_allclose(h_imp, h_unr, rtol=1e-8, atol=1e-11)


def test_forward_mode_matches_unrolled():
    v = numpy.array([1.0, 0.0, -1.0, 0.5])
    t_imp = wengert.jvp(solve_implicit, (THETA, B), (0.3, v))[1]
    t_unr = wengert.jvp(solve_unrolled, (THETA, B), (0.3, v))[1]
    numpy.testing.assert_allclose(t_imp, t_unr, rtol=1e-8, atol=1e-12)


def expanding(x, p):
    """x = -1.6 x + p - 0.1 x^3: the fixed point has |f'| > 1, plain iteration diverges."""
    return -1.6 * x + p - 0.1 * x**3


def test_non_contractive_map_needs_anderson_and_matches_finite_differences():
    p = numpy.array([0.4, -0.2, 0.9])
    with pytest.raises(wengert.ConvergenceError, match="residual"):
        wengert.fixed_point(expanding, numpy.zeros(3), p, maxiter=200)
    solve = lambda p: wengert.fixed_point(expanding, numpy.zeros(3), p, solver="anderson")  # noqa
    x = solve(p)
    numpy.testing.assert_allclose(expanding(x, p), x, atol=1e-9)
    check_grads(lambda p: solve(p) ** 2, (p,), order=2, rtol=1e-6)


def test_pytree_state_and_parameters():
    def f(state, params):
        return {"u": 0.5 * np.tanh(state["u"]) + params[0], "v": 0.3 * state["v"] + params[1]}

    solve = lambda a, b: wengert.fixed_point(f, {"u": 0.0, "v": 0.0}, (a, b))  # noqa: E731
    g = wengert.grad(lambda a, b: solve(a, b)["u"] + 2 * solve(a, b)["v"], (0, 1))(0.2, 0.7)
    assert g[1] == pytest.approx(2 / 0.7, rel=1e-9)  # v* = b / 0.7
    u = solve(0.2, 0.7)["u"]
    assert g[0] == pytest.approx(1 / (1 - 0.5 * (1 - numpy.tanh(u) ** 2)), rel=1e-9)


def test_custom_solver_callable_is_used():
    calls = []

    def newton_like(g, x0, tol, maxiter):
        calls.append(1)
        x = x0
        for _ in range(maxiter):
            x_new = g(x)
            if numpy.linalg.norm(x_new - x) < tol:
                return x_new
            x = x_new
        raise AssertionError("no convergence")

    x = wengert.fixed_point(contraction, numpy.zeros(4), THETA, B, solver=newton_like)
    assert calls and numpy.allclose(contraction(x, THETA, B), x)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="solver"):
        wengert.fixed_point(contraction, numpy.zeros(4), THETA, B, solver="magic")
    with pytest.raises(ValueError, match="tol"):
        wengert.fixed_point(contraction, numpy.zeros(4), THETA, B, tol=0.0)


def _peak_memory_of_gradient(rate):
    """Peak traced memory of a gradient through a fixed point needing ~log(tol)/log(rate) steps."""
    n = 20000
    b = numpy.linspace(0, 1, n)
    f = lambda x, b: rate * np.sin(x) + b  # noqa: E731
    g = wengert.grad(lambda b: np.sum(wengert.fixed_point(f, numpy.zeros(n), b, tol=1e-12)))
    tracemalloc.start()
    g(b)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_does_not_grow_with_the_number_of_iterations():
    few = _peak_memory_of_gradient(0.1)  # ~12 iterations
    many = _peak_memory_of_gradient(0.9)  # ~260 iterations
    assert many < 1.5 * few  # an unrolled tape would be ~20x larger
