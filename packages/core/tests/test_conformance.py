"""The conformance suite must pass correct rules and fail wrong ones, loudly."""

import os
import subprocess
import sys

import numpy
import pytest

import wengert
import wengert.numpy as np
from wengert.testing import GradientCheckError, check_grads, check_primitive

pytest_plugins = ["pytester"]

PLUGIN = """
import numpy
import wengert
import wengert.numpy as np

cube = wengert.primitive("{domain}.cube")(lambda x: x**3)
cube.defvjp(lambda ans, x: lambda g: {vjp})
cube.defjvp(lambda g, ans, x: {jvp})
cube.examples(lambda rng: [(rng.uniform(0.5, 1.5, 4),)])


@wengert.hookimpl
def wengert_register_primitives(registry):
    registry.add_primitive(cube)
"""


def _cube(domain, vjp="3 * x**2 * g", jvp="3 * x**2 * g"):
    return PLUGIN.format(domain=domain, vjp=vjp, jvp=jvp)


def _wengert_check(root, *args):
    path = os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.run([sys.executable, "-m", "wengert.cli", "check", *args],
                          capture_output=True, text=True, env=env, timeout=300)


def test_cli_check_passes_correct_rules_and_exits_1_on_a_wrong_vjp(make_plugin):
    root = make_plugin("good", _cube("good"))
    ok = _wengert_check(root, "good")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1 passed, 0 failed" in ok.stdout
    make_plugin("bad", _cube("bad", vjp="3.01 * x**2 * g"))
    bad = _wengert_check(root)
    assert bad.returncode == 1
    assert "FAIL  bad.cube-numpy-0" in bad.stdout and "reverse mode (VJP)" in bad.stdout


def test_cli_check_rejects_an_empty_selection(make_plugin):
    result = _wengert_check(make_plugin("good", _cube("good")), "nothing.*")
    assert result.returncode == 1 and "selects no registered primitive" in result.stderr


def _prim(make_plugin, domain, **rules):
    make_plugin(domain, _cube(domain, **rules))
    return wengert.registry(reload=True).primitives[f"{domain}.cube"]


def test_wrong_jvp_fails(make_plugin):
    with pytest.raises(GradientCheckError, match="forward mode"):
        check_primitive(_prim(make_plugin, "badjvp", jvp="2 * x**2 * g"))


def test_rules_that_are_not_differentiable_fail_at_second_order(make_plugin):
    prim = _prim(make_plugin, "flat", vjp="3 * numpy.asarray(x)**2 * g",
                 jvp="3 * numpy.asarray(x)**2 * g")
    with pytest.raises(GradientCheckError, match="order 2"):
        check_primitive(prim)


def test_vjp_of_the_wrong_shape_fails(make_plugin):
    with pytest.raises(GradientCheckError, match="shape"):
        check_primitive(_prim(make_plugin, "shape", vjp="np.sum(3 * x**2 * g)"))


def test_missing_jvp_must_raise_naming_the_primitive():
    only_vjp = wengert.primitive("test.only_vjp")(lambda x: x**3)
    only_vjp.defvjp(lambda ans, x: lambda g: 3 * x**2 * g)
    only_vjp.examples(lambda rng: [(rng.standard_normal(3),)])
    assert check_primitive(only_vjp) == 1
    with pytest.raises(NotImplementedError, match="test.only_vjp"):
        wengert.jvp(only_vjp, (numpy.ones(2),), (numpy.ones(2),))


def test_mutating_an_input_fails():
    def scale_in_place(x):
        x *= 2.0
        return x

    prim = wengert.primitive("test.mutates")(scale_in_place)
    prim.defvjp(lambda ans, x: lambda g: 2 * g)
    prim.defjvp(lambda g, ans, x: 2 * g)
    prim.examples(lambda rng: [(rng.standard_normal(3),)])
    with pytest.raises(GradientCheckError, match="mutated"):
        check_primitive(prim)


def test_a_primitive_without_examples_fails_conformance():
    prim = wengert.primitive("test.no_examples")(lambda x: x)
    prim.defvjp(lambda ans, x: lambda g: g)
    with pytest.raises(GradientCheckError, match="no examples"):
        check_primitive(prim)


def test_probe_checks_gauge_dependent_outputs_through_invariants():
    prim = wengert.primitive(
        "test.eigh", tangents=("symmetric",),
        probe=lambda out, a: (out[0], out[1] @ np.diag(out[0] ** 2) @ out[1].T),
    )(numpy.linalg.eigh)
    prim.defvjp(lambda ans, a: lambda g: _eigh_vjp(ans, g))
    prim.examples(lambda rng: [(_sym(rng, 4),)])
    assert check_primitive(prim) == 1


def _sym(rng, n):
    a = rng.standard_normal((n, n))
    return a + a.T


def _eigh_vjp(ans, g):
    w, v = ans
    gw, gv = g
    f = w[None, :] - w[:, None]
    f = np.where(f == 0, numpy.inf, f)
    inner = np.diag(gw) + (v.T @ gv) / f
    return v @ ((inner + inner.T) / 2) @ v.T


def test_check_grads_handles_complex_inputs_and_outputs():
    check_grads(lambda z, w: z**2 * np.conj(w) + np.exp(z), (numpy.array([0.3 + 0.2j, -1j]),
                numpy.array([1.0 - 0.5j, 2.0 + 0j])), order=2)


def test_check_grads_rejects_functions_without_float_inputs():
    with pytest.raises(ValueError, match="no float or complex argument"):
        check_grads(lambda n: n * 2, (3,))



def test_one_line_conformance_in_a_plugin_test_suite(pytester, make_plugin):
    root = make_plugin("lineplug", _cube("lineplug"))
    pytester.makepyfile(
        "from wengert.testing import conformance\ntest_conformance = conformance('lineplug')\n"
    )
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    try:
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    finally:
        monkeypatch.undo()
    result.assert_outcomes(passed=1)


def test_tuple_valued_primitive_passes_second_order_checks():
    # a traced tuple output is one autograd container box; its cotangent is a plain tuple
    pair = wengert.primitive("test.pair")(lambda x: (x**2, x**3))
    pair.defvjp(lambda ans, x: lambda g: 2 * x * g[0] + 3 * x**2 * g[1])
    pair.defjvp(lambda g, ans, x: (2 * x * g, 3 * x**2 * g))
    pair.examples(lambda rng: [(rng.uniform(0.5, 1.5, 3),)])
    assert check_primitive(pair) == 1
