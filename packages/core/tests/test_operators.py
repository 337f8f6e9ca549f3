"""Differential operators: values against closed forms, modes against each other."""

import math

import autograd
import numpy
import pytest

import wengert
import wengert.numpy as np
from wengert.testing import check_grads


def test_grad_matches_closed_form_and_accepts_argnum_tuples():
    f = lambda x, y: np.sum(np.sin(x) * y**2)  # noqa: E731
    x, y = numpy.linspace(0, 1, 4), numpy.linspace(1, 2, 4)
    gx, gy = wengert.grad(f, (0, 1))(x, y)
    numpy.testing.assert_allclose(gx, numpy.cos(x) * y**2, rtol=1e-15)
    numpy.testing.assert_allclose(gy, 2 * numpy.sin(x) * y, rtol=1e-15)


def test_grad_of_pytree_argument_has_its_structure():
    params = {"w": numpy.ones(3), "b": (2.0, numpy.zeros(2))}
    loss = lambda p: np.sum(p["w"] ** 2) * p["b"][0] + np.sum(p["b"][1])  # noqa: E731
    g = wengert.grad(loss)(params)
    numpy.testing.assert_allclose(g["w"], 4 * numpy.ones(3))
    assert g["b"][0] == 3.0
    numpy.testing.assert_allclose(g["b"][1], numpy.ones(2))


def test_value_and_grad_has_aux_returns_undifferentiated_aux():
    def loss(x):
        y = np.sin(x)
        return np.sum(y**2), {"y": y}

    (value, aux), g = wengert.value_and_grad(loss, has_aux=True)(numpy.array([0.3, 0.4]))
    assert value == pytest.approx(numpy.sum(numpy.sin([0.3, 0.4]) ** 2))
    assert type(aux["y"]) is numpy.ndarray
    numpy.testing.assert_allclose(g, 2 * numpy.sin([0.3, 0.4]) * numpy.cos([0.3, 0.4]))
    g2, aux2 = wengert.grad(loss, has_aux=True)(numpy.array([0.3, 0.4]))
    numpy.testing.assert_allclose(g2, g)
    numpy.testing.assert_allclose(aux2["y"], aux["y"])


def test_has_aux_inside_outer_derivative_keeps_the_outer_trace():
    def inner(x):
        return x**3, x**2

    def outer(x):
        (_, aux), g = wengert.value_and_grad(inner, has_aux=True)(x)
        return g + aux  # 3x^2 + x^2, derivative 8x

    assert wengert.grad(outer)(1.5) == pytest.approx(12.0)


def test_jacobian_and_hessian_match_autograd():
    f = lambda x: np.tanh(np.outer(x, x)).sum(axis=0) * x  # noqa: E731
    x = numpy.array([0.1, -0.4, 0.7])
    numpy.testing.assert_allclose(wengert.jacobian(f)(x), autograd.jacobian(f)(x), rtol=1e-14)
    s = lambda x: np.sum(f(x) ** 2)  # noqa: E731
    numpy.testing.assert_allclose(wengert.hessian(s)(x), autograd.hessian(s)(x), rtol=1e-12)


def test_hessian_of_matrix_argument_has_doubled_shape():
    h = wengert.hessian(lambda a: np.sum(a**3))(numpy.arange(6.0).reshape(2, 3))
    assert h.shape == (2, 3, 2, 3)
    assert h[1, 2, 1, 2] == pytest.approx(30.0)


def test_jvp_with_several_pytree_arguments():
    f = lambda a, p: {"u": a * p["s"], "v": np.sum(a) + p["t"]}  # noqa: E731
    a = numpy.array([1.0, 2.0])
    p = {"s": 3.0, "t": 0.5}
    out, tangent = wengert.jvp(f, (a, p), (numpy.array([1.0, 0.0]), {"s": 1.0, "t": 2.0}))
    numpy.testing.assert_allclose(out["u"], [3.0, 6.0])
    numpy.testing.assert_allclose(tangent["u"], [1 * 3 + 1 * 1, 0 * 3 + 2 * 1])
    assert tangent["v"] == pytest.approx(1.0 + 2.0)


def test_jvp_rejects_mismatched_tangents():
    with pytest.raises(ValueError, match="tangent"):
        wengert.jvp(np.sin, (numpy.ones(3),), (numpy.ones(2),))
    with pytest.raises(ValueError, match="structure"):
        wengert.jvp(lambda x, y: x * y, (1.0, 2.0), (1.0,))


def test_vjp_with_multiple_outputs_and_inputs():
    f = lambda x, y: (x * y, np.sum(x))  # noqa: E731
    x, y = numpy.array([1.0, 2.0]), 3.0
    out, pullback = wengert.vjp(f, x, y)
    gx, gy = pullback((numpy.array([1.0, 1.0]), 2.0))
    numpy.testing.assert_allclose(gx, [3.0 + 2.0, 3.0 + 2.0])
    assert gy == pytest.approx(3.0)
    gx0, gy0 = pullback((numpy.zeros(2), 1.0))  # the pullback can be called again
    numpy.testing.assert_allclose(gx0, [1.0, 1.0])
    assert gy0 == 0.0


def test_vjp_of_output_independent_of_input_gives_zeros():
    _, pullback = wengert.vjp(lambda x, y: y * 2.0, numpy.ones(2), 1.0)
    gx, gy = pullback(1.0)
    numpy.testing.assert_array_equal(gx, numpy.zeros(2))
    assert gy == 2.0


def test_hvp_equals_hessian_times_vector():
    f = lambda x: np.sum(np.exp(x) * np.roll(x, 1)) + np.linalg.norm(x) ** 3  # noqa: E731
    x, v = numpy.array([0.2, -0.1, 0.5]), numpy.array([1.0, 2.0, -1.0])
    numpy.testing.assert_allclose(wengert.hvp(f)(x, v), autograd.hessian(f)(x) @ v, rtol=1e-12)


def test_taylor_of_exp_sin_matches_analytic_derivatives():
    # y = exp(sin x) solves y' = cos(x) y, so by Leibniz
    # y^(n+1) = sum_k C(n, k) cos^(k)(x) y^(n-k), with cos^(k) cycling cos, -sin, -cos, sin.
    x = 0.3
    s, c = numpy.sin(x), numpy.cos(x)
    cos_derivs = [c, -s, -c, s, c, -s]
    exact = [numpy.exp(s)]
    for n in range(6):
        exact.append(sum(math.comb(n, k) * cos_derivs[k] * exact[n - k] for k in range(n + 1)))
    got = wengert.taylor(lambda x: np.exp(np.sin(x)), x, 6)
    numpy.testing.assert_allclose(got, exact, rtol=1e-12, atol=1e-10)
    assert got[2] == pytest.approx((c**2 - s) * numpy.exp(s), rel=1e-14)  # written out


def test_taylor_rejects_bad_order_and_non_scalar_functions():
    with pytest.raises(ValueError, match="order"):
        wengert.taylor(np.sin, 0.1, -1)
    with pytest.raises(TypeError, match="scalar"):
        wengert.taylor(lambda x: np.stack([x, x]), 0.1, 1)


def test_checkpoint_gives_the_same_derivatives_in_every_mode():
    block = lambda x, w: np.tanh(w * x) + x  # noqa: E731
    plain = lambda x: np.sum(block(block(x, 0.7), 1.3) ** 2)  # noqa: E731
    ck = wengert.checkpoint(block)
    remat = lambda x: np.sum(ck(ck(x, 0.7), 1.3) ** 2)  # noqa: E731
    x = numpy.array([0.3, -0.2, 0.9])
    numpy.testing.assert_allclose(wengert.grad(remat)(x), wengert.grad(plain)(x), rtol=1e-14)
    numpy.testing.assert_allclose(wengert.hessian(remat)(x), wengert.hessian(plain)(x), rtol=1e-12)
    check_grads(remat, (x,), order=2)


def test_stop_gradient_cuts_derivatives_of_every_leaf():
    f = lambda x: x * wengert.stop_gradient(x) + wengert.stop_gradient({"a": x})["a"]  # noqa: E731
    assert wengert.grad(f)(3.0) == 3.0


def test_custom_vjp_rule_is_used_and_differentiable():
    @wengert.custom_vjp
    def scaled_sin(x, k):
        return np.sin(x) * k

    def fwd(x, k):
        return scaled_sin.fun(x, k), (np.cos(x), x, k)

    def bwd(res, g):
        cos_x, x, k = res
        return (g * cos_x * k, np.sum(g * np.sin(x)))

    scaled_sin.defvjp(fwd, bwd)
    x = numpy.array([0.1, 0.7])
    loss = lambda x, k: np.sum(scaled_sin(x, k) ** 2)  # noqa: E731
    check_grads(loss, (x, 1.7), order=2)


def test_custom_vjp_replaces_the_derivative():
    @wengert.custom_vjp
    def clip_gradient(x):
        return x

    clip_gradient.defvjp(lambda x: (x, None), lambda res, g: (np.clip(g, -1.0, 1.0),))
    g = wengert.grad(lambda x: np.sum(5.0 * clip_gradient(x)))(numpy.ones(2))
    numpy.testing.assert_array_equal(g, [1.0, 1.0])
    assert clip_gradient(2.0) == 2.0  # untraced calls run the function itself


def test_custom_vjp_keeps_no_residuals_after_forward_mode_calls():
    """Forward mode differentiates ``fun``; the residuals ``fwd`` stashed for a backward pass
    that never comes must not accumulate (they did: 8 MB per ``jvp`` call here)."""
    import tracemalloc

    @wengert.custom_vjp
    def f(x):
        return np.sin(x)

    f.defvjp(lambda x: (np.sin(x), numpy.ones(10**6)), lambda res, g: (g * res[:1],))
    x, t = numpy.ones(3), numpy.ones(3)
    wengert.jvp(f, (x,), (t,))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(5):
            numpy.testing.assert_allclose(wengert.jvp(f, (x,), (t,))[1], numpy.cos(x))
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 10**6  # one stashed residual is 8e6 bytes


def test_custom_jvp_rule_gives_forward_and_transposed_reverse_mode():
    @wengert.custom_jvp
    def softplus(x):
        return np.log1p(np.exp(x))

    softplus.defjvp(lambda primals, tangents: (softplus.fun(*primals),
                                               tangents[0] / (1 + np.exp(-primals[0]))))
    x = numpy.array([-1.0, 0.5, 2.0])
    check_grads(lambda x: softplus(x), (x,), order=2)
    numpy.testing.assert_allclose(wengert.grad(lambda x: np.sum(softplus(x)))(x),
                                  1 / (1 + numpy.exp(-x)), rtol=1e-14)


def test_hessian_with_argnum_tuple_gives_all_blocks():
    f = lambda x, y: np.sum(x**2 * y) + np.sum(np.sin(y))  # noqa: E731
    x, y = numpy.array([1.0, 2.0]), numpy.array([0.5, -0.3])
    (hxx, hxy), (hyx, hyy) = wengert.hessian(f, (0, 1))(x, y)
    numpy.testing.assert_allclose(hxx, numpy.diag(2 * y))
    numpy.testing.assert_allclose(hxy, numpy.diag(2 * x))
    numpy.testing.assert_allclose(hyx, numpy.diag(2 * x))
    numpy.testing.assert_allclose(hyy, numpy.diag(-numpy.sin(y)))
    with pytest.raises(TypeError, match="argnum"):
        wengert.hessian(f, "x")


def test_checkpoint_with_tuple_output_under_forward_over_reverse():
    pair = wengert.checkpoint(lambda x: (x * 2.0, np.sin(x)))
    loss = lambda x: np.sum(pair(x)[0] * pair(x)[1])  # noqa: E731
    x = numpy.array([0.3, 0.5])
    expected = numpy.diag(4 * numpy.cos(x) - 2 * x * numpy.sin(x))  # d2/dx2 of 2 x sin x
    numpy.testing.assert_allclose(wengert.hessian(loss)(x), expected, rtol=1e-13)
    check_grads(loss, (x,), order=2)
