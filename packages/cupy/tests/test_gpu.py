"""The GPU path, on a real CUDA device (skipped, with the probe's reason, elsewhere).

Run on a GPU machine by ``packages/cupy/gpu/run_gpu_checks.sh``. Float64 results are
compared with the numpy backend's at 1e-10 relative (the issue's criterion), every result
must be a CuPy array, and every transfer between host and device is counted.
"""

import os
import subprocess
import sys

import numpy
import pytest

import wengert
import wengert_cupy
from wengert_cupy import _probe, count_transfers
from wengert_cupy.implementations import implementations
from wengert_cupy.testing import HostConversionError, check_against_numpy, fakecupy
from wengert_cupy.testing.cases import CASES, make_input

_OK, _REASON = _probe.probe()
pytestmark = pytest.mark.skipif(not _OK, reason=_REASON)

RTOL = 1e-10


@pytest.fixture(scope="module")
def cp():
    import cupy

    wengert_cupy.enable()
    return cupy


def test_the_backend_is_available_and_named_by_wengert_plugins(cp):
    assert wengert.registry().backends["cupy"].status()[0]
    out = subprocess.run([sys.executable, "-m", "wengert.cli", "plugins"], capture_output=True,
                         text=True, timeout=300, env=dict(os.environ)).stdout
    assert "  cupy: available" in out, out


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_gradients_of_wengert_numpy_code_match_numpy_on_the_gpu(cp, case):
    a = make_input(case)
    x = cp.asarray(a)
    f_dev, f_host = case.make(cp), case.make(numpy)
    with count_transfers(cp) as moved:
        value, grad = wengert.value_and_grad(f_dev)(x)
    assert moved.total == 0, moved
    assert isinstance(grad, cp.ndarray) and isinstance(value, cp.ndarray)
    expected_value, expected_grad = wengert.value_and_grad(f_host)(a)
    numpy.testing.assert_allclose(cp.asnumpy(value), expected_value, rtol=RTOL)
    numpy.testing.assert_allclose(cp.asnumpy(grad), expected_grad, rtol=RTOL,
                                  atol=RTOL * numpy.abs(expected_grad).max())


@pytest.mark.parametrize("case", [c for c in CASES if not c.jvp_blocked],
                         ids=[c.name for c in CASES if not c.jvp_blocked])
def test_forward_mode_matches_numpy_on_the_gpu(cp, case):
    a = make_input(case)
    v = numpy.random.default_rng(1).standard_normal(a.shape)
    f_dev, f_host = case.make(cp), case.make(numpy)
    with count_transfers(cp) as moved:
        _, tangent = wengert.jvp(f_dev, (cp.asarray(a),), (cp.asarray(v),))
    assert moved.to_host == 0 and isinstance(tangent, cp.ndarray)
    expected = wengert.jvp(f_host, (a,), (v,))[1]
    numpy.testing.assert_allclose(cp.asnumpy(tangent), expected, rtol=RTOL,
                                  atol=RTOL * abs(float(expected)))


def _f(x):
    import wengert.numpy as np

    return np.sum(np.sin(x) * np.exp(x)) + np.sum(x[:2] * x[1:3])


def test_higher_order_operators_on_the_gpu(cp):
    import wengert.numpy as np

    a = numpy.linspace(0.1, 0.9, 5)
    x = cp.asarray(a)
    ops = {
        "hvp": lambda x: wengert.hvp(_f)(x, x),
        "jacobian": lambda x: wengert.jacobian(lambda y: np.sin(y) * y[0])(x),
        "grad-of-grad": lambda x: wengert.grad(lambda y: np.sum(wengert.grad(_f)(y) ** 2))(x),
        "taylor": lambda x: wengert.taylor(lambda t: np.exp(np.sin(t)), x[0], 3)[3],
    }
    for name, op in ops.items():
        with count_transfers(cp) as moved:
            got = op(x)
        assert moved.total == 0, (name, moved)
        assert isinstance(got, cp.ndarray), name
        numpy.testing.assert_allclose(cp.asnumpy(got), op(a), rtol=RTOL, err_msg=name)


def _primitive_cases():
    registry = wengert.registry()
    params = []
    for name in sorted(implementations(fakecupy)):
        prim = registry.primitives.get(name)
        for example in prim.make_examples(numpy.random.default_rng(0)) if prim else []:
            params.append(pytest.param(name, example, id=f"{name}-{example.name}"))
    return params or [pytest.param(None, None, marks=pytest.mark.skip(
        reason="no package whose primitives this plugin implements is installed"))]


@pytest.mark.parametrize("name, example", _primitive_cases())
def test_primitives_outputs_and_derivatives_match_the_numpy_backend(cp, name, example):
    prim = wengert.registry().primitives[name]
    args = tuple(cp.asarray(a) if isinstance(a, numpy.ndarray) else a for a in example.args)
    with count_transfers(cp) as moved:
        prim(*args, **example.kwargs)
    assert moved.to_device == 0 and moved.to_host <= 2, moved
    try:
        check_against_numpy(prim, example, "cupy", rtol=RTOL)
    except HostConversionError as exc:
        pytest.xfail(f"wengert-{name.split('.')[0]}'s rules are not device-ready: {exc}")


def test_grad_of_a_fresh_cupy_array_without_enable(cp):
    code = ("import cupy, wengert, wengert.numpy as np\n"
            "g = wengert.grad(lambda x: np.sum(x ** 2))(cupy.ones(3))\n"
            "assert isinstance(g, cupy.ndarray)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
