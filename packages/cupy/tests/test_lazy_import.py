"""Importing the plugin, discovering it and listing plugins never import CuPy.

Each check runs in a fresh interpreter so that ``sys.modules`` starts clean. A poisoned
``cupy`` package (its import raises) is put on the path, so that an import would also
show up as an error, not only in ``sys.modules``.
"""

import os
import subprocess
import sys
import textwrap

import pytest

from wengert_cupy import _probe


def _run(code, tmp_path, *, poison=True):
    env = dict(os.environ)
    env.pop(_probe.DISABLE_ENV, None)
    if poison:
        pkg = tmp_path / "cupy"
        pkg.mkdir(exist_ok=True)
        (pkg / "__init__.py").write_text('raise RuntimeError("cupy was imported")\n')
        env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def no_driver():
    ok, why = _probe.driver_probe()
    if ok:
        pytest.skip(f"a CUDA driver is present here ({why}): the no-driver path cannot run")


def test_importing_the_package_does_not_import_cupy(tmp_path):
    out = _run("""
        import sys, wengert_cupy, wengert_cupy.testing, wengert_cupy._plugin
        print("cupy" in sys.modules)
    """, tmp_path)
    assert out.strip() == "False"


def test_discovery_does_not_import_cupy(tmp_path):
    out = _run("""
        import sys, wengert
        registry = wengert.registry()
        print(registry.plugins["cupy"].status, "cupy" in registry.backends, "cupy" in sys.modules)
    """, tmp_path)
    assert out.split() == ["ok", "True", "False"]


def test_wengert_plugins_explains_why_cupy_is_unavailable(tmp_path, no_driver):
    out = _run("""
        import sys
        from wengert.cli import main
        main(["plugins"])
        print("cupy imported:", "cupy" in sys.modules)
    """, tmp_path)
    assert "  cupy: unavailable (no CUDA device: " in out, out
    assert out.strip().endswith("cupy imported: False")


def test_wengert_plugins_without_cupy_names_the_extra(tmp_path):
    out = _run("""
        import importlib.util, sys
        real = importlib.util.find_spec
        importlib.util.find_spec = lambda name, *a: None if name == "cupy" else real(name, *a)
        from wengert.cli import main
        main(["plugins"])
    """, tmp_path, poison=False)
    assert ("  cupy: unavailable (cupy is not installed (pip install 'wengert-cupy[cuda13]' "
            "or 'wengert-cupy[cuda12]'))") in out
