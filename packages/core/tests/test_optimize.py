"""wengert.optimize.minimize over pytrees."""

import numpy
import pytest

import wengert.numpy as np
from wengert.optimize import minimize


def rosenbrock(p):
    return (1 - p["x"]) ** 2 + 100 * (p["y"] - p["x"] ** 2) ** 2


@pytest.mark.parametrize("method", ["L-BFGS-B", "BFGS", "CG"])
def test_scipy_methods_find_the_rosenbrock_minimum(method):
    res = minimize(rosenbrock, {"x": -1.2, "y": 1.0}, method=method, progress=False,
                   options={"gtol": 1e-10})
    assert res.x["x"] == pytest.approx(1.0, abs=1e-5)
    assert res.x["y"] == pytest.approx(1.0, abs=1e-5)
    assert len(res.history) == res.nit


def test_adam_minimizes_a_quadratic_over_a_pytree():
    target = (numpy.array([1.0, -2.0]), 3.0)
    loss = lambda p: np.sum((p[0] - target[0]) ** 2) + (p[1] - target[1]) ** 2  # noqa: E731
    res = minimize(loss, (numpy.zeros(2), 0.0), method="adam", learning_rate=0.1, maxiter=2000,
                   tol=1e-8, progress=False)
    numpy.testing.assert_allclose(res.x[0], target[0], atol=1e-6)
    assert res.x[1] == pytest.approx(3.0, abs=1e-6)
    assert res.success


def test_callback_sees_the_pytree_and_can_stop():
    seen = []

    def callback(x, value):
        seen.append((x["x"], value))
        return len(seen) >= 3

    minimize(rosenbrock, {"x": -1.2, "y": 1.0}, callback=callback, progress=False)
    assert len(seen) == 3


def test_extra_args_are_passed_through():
    res = minimize(lambda x, c: np.sum((x - c) ** 2), numpy.zeros(3), args=(numpy.ones(3),),
                   progress=False)
    numpy.testing.assert_allclose(res.x, numpy.ones(3), atol=1e-8)


@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_bad_method_and_nan_objective_raise_clearly():
    with pytest.raises(ValueError, match="method"):
        minimize(rosenbrock, {"x": 0.0, "y": 0.0}, method="newton")
    with pytest.raises(FloatingPointError, match="nan"):
        minimize(lambda x: np.sum(np.log(x - 10.0)), numpy.ones(2), progress=False)


def test_external_value_and_grad_is_used_for_a_data_set_loss():
    from wengert import parallel

    data = [(float(i), 2.0 * i + 1.0) for i in range(8)]

    def item_loss(p, item):
        x, y = item
        return (p["a"] * x + p["b"] - y) ** 2

    calls = []

    def summed(p):
        calls.append(1)
        return parallel.value_and_grad_sum(item_loss, p, data, executor="serial", progress=False)

    res = minimize(None, {"a": 0.0, "b": 0.0}, value_and_grad=summed, progress=False,
                   options={"gtol": 1e-12})
    assert res.x["a"] == pytest.approx(2.0, abs=1e-6) and res.x["b"] == pytest.approx(1.0, abs=1e-6)
    assert calls
    with pytest.raises(TypeError, match="value_and_grad"):
        minimize(None, {"a": 0.0})
