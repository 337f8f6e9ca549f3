"""Plugin discovery: hooks, isolation of broken plugins, environment switches."""

import inspect
import pathlib

import numpy
import pytest

import wengert
from wengert import hookspecs
from wengert.registry import HOOKS

GOOD = """
import numpy
import wengert

square = wengert.primitive("{domain}.square")(lambda x: x * x)
square.defvjp(lambda ans, x: lambda g: 2 * x * g)
square.defjvp(lambda g, ans, x: 2 * x * g)
square.examples(lambda rng: [(rng.standard_normal(3),)])


class FakeArray(numpy.ndarray):
    pass


@wengert.hookimpl
def wengert_register_backends(registry):
    registry.add_backend(wengert.Backend(
        name="{domain}-backend", array_types=(FakeArray.__module__ + ".FakeArray",),
        asarray=lambda x: numpy.asarray(x).view(FakeArray), to_numpy=numpy.asarray))


@wengert.hookimpl
def wengert_register_primitives(registry):
    registry.add_primitive(square)


@wengert.hookimpl
def wengert_register_implementations(registry):
    registry.add_implementation("{domain}.square", "{domain}-backend",
                                lambda x: (numpy.asarray(x) ** 2).view(FakeArray))
    registry.add_implementation("nowhere.missing", "{domain}-backend", lambda x: x)


@wengert.hookimpl
def wengert_register_demos(registry):
    registry.add_demo(wengert.Demo("{domain}-demo", lambda ctx: {{"answer": 42}}, "a demo"))


@wengert.hookimpl
def wengert_register_executors(registry):
    from wengert.parallel import SerialExecutor

    registry.add_executor("{domain}_inline", lambda **options: SerialExecutor())
"""


def test_every_hook_is_documented_with_params_and_tested_here():
    source = pathlib.Path(__file__).read_text()
    specs = [n for n, f in inspect.getmembers(hookspecs, inspect.isfunction)
             if n.startswith("wengert_")]
    assert sorted(specs) == sorted(HOOKS)
    for name in specs:
        doc = getattr(hookspecs, name).__doc__ or ""
        assert ":param registry:" in doc, f"{name} lacks a :param: docstring"
        assert f"def {name}(registry)" in GOOD and name in source


def test_builtin_plugin_registers_numpy_backend_and_core_demo():
    reg = wengert.registry()
    assert reg.plugins["builtin"].status == "ok"
    assert reg.backends["numpy"] is wengert.backends.NUMPY
    assert "brachistochrone" in reg.demos


def test_a_plugin_contributes_through_all_four_hooks(make_plugin):
    make_plugin("good", GOOD.format(domain="good"))
    reg = wengert.registry(reload=True)
    assert reg.plugins["good"].status == "ok", reg.plugins["good"].error
    assert reg.plugins["good"].distribution == "fake-good"
    square = reg.primitives["good.square"]
    assert square.backends == ("good-backend", "numpy")
    fake = wengert.asarray(numpy.arange(3.0), backend="good-backend")
    assert wengert.backend_of(fake).name == "good-backend"
    out = square(fake)  # dispatched to the backend's implementation
    assert type(out).__name__ == "FakeArray"
    numpy.testing.assert_array_equal(wengert.to_numpy(out), [0.0, 1.0, 4.0])
    assert wengert.run_demo("good-demo", out=make_plugin.root / "o", progress=False)["answer"] == 42
    from wengert import parallel

    assert parallel.map(abs, [-1, 2], executor="good_inline", progress=False) == [1, 2]


def test_a_plugin_that_fails_to_import_is_reported_and_isolated(make_plugin):
    make_plugin("good", GOOD.format(domain="good"))
    make_plugin("broken", "raise ImportError('needs libfoo')")
    reg = wengert.registry(reload=True)
    assert reg.plugins["broken"].status == "error"
    assert "needs libfoo" in reg.plugins["broken"].error
    assert "good.square" in reg.primitives


def test_a_hook_that_raises_rolls_back_what_the_plugin_registered(make_plugin):
    source = GOOD.format(domain="half") + (
        "\n@wengert.hookimpl\ndef wengert_register_demos(registry):\n"
        "    raise RuntimeError('boom')\n"
    )
    make_plugin("half", source)
    reg = wengert.registry(reload=True)
    assert "wengert_register_demos: RuntimeError: boom" in reg.plugins["half"].error
    assert "half.square" not in reg.primitives and "half-backend" not in reg.backends


def test_two_plugins_registering_one_name_is_a_clear_error(make_plugin):
    make_plugin("first", GOOD.format(domain="same"), module="fake_first")
    make_plugin("second", GOOD.format(domain="same"), module="fake_second")
    reg = wengert.registry(reload=True)
    assert reg.plugins["first"].status == "ok"
    assert "already registered by plugin 'first'" in reg.plugins["second"].error


def test_a_typo_in_a_hook_name_fails_loudly(make_plugin):
    make_plugin("typo", "import wengert\n@wengert.hookimpl\n"
                        "def wengert_register_primitive(registry):\n    pass\n")
    reg = wengert.registry(reload=True)
    assert reg.plugins["typo"].status == "error"
    assert "unknown hook" in reg.plugins["typo"].error


def test_a_plugin_for_another_plugin_api_version_is_refused(make_plugin):
    make_plugin("future", "wengert_plugin_api = 2\n")
    reg = wengert.registry(reload=True)
    assert "plugin API v2" in reg.plugins["future"].error


def test_environment_switches_disable_autoload_and_block_plugins(make_plugin, monkeypatch):
    make_plugin("good", GOOD.format(domain="good"))
    monkeypatch.setenv("WENGERT_BLOCK_PLUGINS", "good, other")
    reg = wengert.registry(reload=True)
    assert reg.plugins["good"].status == "blocked" and "good.square" not in reg.primitives
    monkeypatch.delenv("WENGERT_BLOCK_PLUGINS")
    monkeypatch.setenv("WENGERT_DISABLE_PLUGIN_AUTOLOAD", "1")
    reg = wengert.registry(reload=True)
    assert list(reg.plugins) == ["builtin"]


def test_registry_is_discovered_once_and_cached():
    assert wengert.registry() is wengert.registry()


def test_backend_helpers_reject_unknown_things():
    with pytest.raises(ValueError, match="backend must be one of"):
        wengert.asarray(numpy.ones(2), backend="tpu")
    with pytest.raises(TypeError, match="not an array"):
        wengert.backend_of("a string")
    assert wengert.backend_of(3.0).name == "numpy"


def test_unavailable_backend_explains_why():
    backend = wengert.Backend("ghost", ("ghost.Array",), asarray=None, to_numpy=None,
                              check_available=lambda: (False, "no ghost device"))
    assert backend.status() == (False, "no ghost device")
    with pytest.raises(RuntimeError, match="no ghost device"):
        backend.require()


def test_check_fails_on_a_broken_plugin_only_when_the_pattern_selects_it(make_plugin, capsys):
    from wengert.cli import _plugin_selected, main

    make_plugin("good", GOOD.format(domain="good"))
    make_plugin("broken", "raise ImportError('needs libfoo')")
    wengert.registry(reload=True)
    assert main(["check", "good", "--backend", "numpy"]) == 0
    out = capsys.readouterr().out
    assert "WARN  plugin broken" in out and "needs libfoo" in out and "1 passed, 0 failed" in out
    assert main(["check", "broken"]) == 1  # reported before "selects no registered primitive"
    assert "FAIL  plugin broken" in capsys.readouterr().out
    assert _plugin_selected("broken", None) and _plugin_selected("broken", "bro*.x")
    assert not _plugin_selected("broken", "good.square")
