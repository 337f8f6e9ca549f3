"""Device-correctness machinery, exercised on the CPU test double of CuPy.

What these tests show: with this plugin's VSpace, Box and replacement rules, gradients,
JVPs and higher derivatives of wengert.numpy code fed device arrays are device arrays,
equal to numpy's, with no host transfer; autograd's original rules would have created
host arrays; on numpy inputs the replacements change nothing. What they do not show:
anything about CuPy's numerics or speed (tests/test_gpu.py, on a GPU).
"""

import numpy
import pytest

import wengert
import wengert.numpy as np
from wengert_cupy import _rules, count_transfers
from wengert_cupy.testing.cases import CASES, make_input

IDS = [c.name for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_value_gradient_and_jvp_match_numpy_on_the_device_without_transfers(fake, case):
    backend, fc = fake
    a = make_input(case)
    direction = numpy.random.default_rng(1).standard_normal(a.shape)
    f_host, f_dev = case.make(numpy), case.make(fc)
    x, v = wengert.asarray(a, backend.name), wengert.asarray(direction, backend.name)
    with count_transfers(fc) as moved:
        value, grad = wengert.value_and_grad(f_dev)(x)
    assert (moved.to_host, moved.to_device) == (0, 0)
    assert type(grad) is fc.ndarray
    expected_value, expected_grad = wengert.value_and_grad(f_host)(a)
    numpy.testing.assert_allclose(wengert.to_numpy(value), expected_value, rtol=1e-12)
    numpy.testing.assert_allclose(wengert.to_numpy(grad), expected_grad, rtol=1e-12, atol=1e-14)
    if case.jvp_blocked:
        return
    with count_transfers(fc) as moved:
        _, tangent = wengert.jvp(f_dev, (x,), (v,))
    assert moved.total == 0 and type(tangent) is fc.ndarray
    _, expected_tangent = wengert.jvp(f_host, (a,), (direction,))
    numpy.testing.assert_allclose(wengert.to_numpy(tangent), expected_tangent, rtol=1e-12,
                                  atol=1e-14)


BLOCKED = [c for c in CASES if c.jvp_blocked]


@pytest.mark.parametrize("case", BLOCKED, ids=[c.name for c in BLOCKED])
def test_forward_mode_of_core_linalg_rules_on_the_device(fake, case):
    # the core's numpy.linalg JVPs build their identities with the input's array type
    backend, fc = fake
    x = wengert.asarray(make_input(case), backend.name)
    _, tangent = wengert.jvp(case.make(fc), (x,), (x,))
    for leaf in wengert.tree_leaves(tangent):
        assert wengert.backend_of(leaf).name == backend.name


# the replacements that matter on CuPy: autograd's originals create host data arrays there
# (the tensordot adjoints' originals only pass host *index* arrays as axes, which CuPy
# accepts; they are replaced for uniformity, so they are not listed)
NEEDED = [c for c in CASES if set(c.rules) - {"protocol", "forward:tensordot_adjoint_0",
                                              "forward:tensordot_adjoint_1"}]


@pytest.mark.parametrize("case", NEEDED, ids=[c.name for c in NEEDED])
def test_autograd_originals_create_host_arrays_on_the_device(fake, case):
    backend, fc = fake
    x = wengert.asarray(make_input(case), backend.name)
    f = case.make(fc)
    _rules.uninstall()
    try:
        with pytest.raises(TypeError, match="Implicit conversion|Unsupported type|view|"
                           "returned NotImplemented"):
            wengert.grad(f)(x)
            if "jvp:where" in case.rules:  # the VJP alone does not reach the replaced JVP
                wengert.jvp(f, (x,), (x,))
    finally:
        _rules.install()
    assert wengert.backend_of(wengert.grad(f)(x)).name == backend.name


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_replacements_leave_numpy_results_bit_identical(fake, case):
    a = make_input(case)
    f = case.make(numpy)
    with_replacements = (wengert.grad(f)(a), wengert.jvp(f, (a,), (a,))[1])
    _rules.uninstall()
    try:
        originals = (wengert.grad(f)(a), wengert.jvp(f, (a,), (a,))[1])
    finally:
        _rules.install()
    for got, expected in zip(with_replacements, originals):
        assert numpy.array_equal(got, expected)


def test_install_is_idempotent_and_lists_every_replacement():
    assert _rules.install() == _rules.install() == _rules.REPLACED
    assert _rules.installed()


def _f(x):
    return np.sum(np.sin(x) * np.exp(x)) + np.sum(x[:2] * x[1:3])


OPERATORS = {
    "jvp": lambda x: wengert.jvp(_f, (x,), (x,))[1],
    "vjp": lambda x: wengert.vjp(_f, x)[1](wengert.stop_gradient(_f(x)))[0],
    "hvp": lambda x: wengert.hvp(_f)(x, x),
    "jacobian": lambda x: wengert.jacobian(lambda y: np.sin(y) * y[0])(x),
    "taylor": lambda x: wengert.taylor(lambda t: np.exp(np.sin(t)), x[0], 3)[3],
    "checkpoint": lambda x: wengert.grad(lambda y: np.sum(wengert.checkpoint(np.tanh)(y)))(x),
    "grad-of-grad": lambda x: wengert.grad(lambda y: np.sum(wengert.grad(_f)(y) ** 2))(x),
    "has-aux": lambda x: wengert.value_and_grad(lambda y: (_f(y), y[0]), has_aux=True)(x)[1],
}


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_operators_keep_results_on_the_device(fake, name):
    backend, fc = fake
    a = numpy.linspace(0.1, 0.9, 5)
    x = wengert.asarray(a, backend.name)
    with count_transfers(fc) as moved:
        got = OPERATORS[name](x)
    assert moved.total == 0
    assert wengert.backend_of(got).name == backend.name
    numpy.testing.assert_allclose(wengert.to_numpy(got), OPERATORS[name](a), rtol=1e-12)


def test_hessian_on_the_device(fake):
    backend, fc = fake
    x = wengert.asarray(numpy.linspace(0.1, 0.9, 5), backend.name)
    assert wengert.backend_of(wengert.hessian(_f)(x)).name == backend.name
