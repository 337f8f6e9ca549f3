"""Registration through the ``wengert`` entry point: backend, implementations, rediscovery."""

import numpy
import pytest

import wengert
from wengert_cupy import BACKEND
from wengert_cupy.implementations import implementations
from wengert_cupy.testing import fakecupy


def test_the_backend_is_registered_by_the_cupy_plugin():
    registry = wengert.registry()
    assert registry.plugins["cupy"].status == "ok", registry.plugins["cupy"].error
    assert registry.plugins["cupy"].distribution == "wengert-cupy"
    backend = registry.backends["cupy"]
    assert backend is BACKEND
    assert backend.array_types == ("cupy.ndarray",)


def test_unavailable_backend_refuses_arrays_with_its_reason(gpu_status):
    ok, reason = gpu_status
    if ok:
        pytest.skip("a usable GPU is present: the unavailable path cannot run")
    with pytest.raises(RuntimeError, match="backend 'cupy' is unavailable: ") as info:
        wengert.asarray(numpy.ones(3), "cupy")
    assert reason in str(info.value)


def test_implementations_are_added_to_installed_primitives():
    registry = wengert.registry()
    names = set(implementations(fakecupy))
    installed = names & set(registry.primitives)
    if not installed:
        pytest.skip("no package whose primitives this plugin implements is installed")
    for name in installed:
        assert "cupy" in registry.primitives[name].backends, name


def test_the_table_names_only_namespaced_primitives():
    for name in implementations(fakecupy):
        domain, _, rest = name.partition(".")
        assert domain in ("linalg", "ode") and rest, name


def test_rediscovery_keeps_the_plugin_and_its_implementations():
    before = {n: p.backends for n, p in wengert.registry().primitives.items()}
    registry = wengert.registry(reload=True)
    registry = wengert.registry(reload=True)
    assert registry.plugins["cupy"].status == "ok", registry.plugins["cupy"].error
    assert {n: p.backends for n, p in registry.primitives.items()} == before
