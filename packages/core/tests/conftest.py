"""Fixtures: throwaway plugin distributions installed onto sys.path for one test."""

import importlib
import sys
import textwrap

import pytest

import wengert


class PluginFactory:
    """Writes ``<module>.py`` plus a ``.dist-info`` with a ``wengert`` entry point."""

    def __init__(self, root):
        self.root = root
        self.modules = []

    def __call__(self, name, source, *, module=None, entry_point=True):
        module = module or f"fake_{name.replace('-', '_')}"
        (self.root / f"{module}.py").write_text(textwrap.dedent(source))
        dist = self.root / f"fake_{name.replace('-', '_')}-0.1.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: fake-{name}\nVersion: 0.1\n")
        if entry_point:
            (dist / "entry_points.txt").write_text(f"[wengert]\n{name} = {module}\n")
        self.modules.append(module)
        return self.root


@pytest.fixture
def make_plugin(tmp_path, monkeypatch):
    """Call ``make_plugin(name, source)``; the registry is rediscovered on exit."""
    factory = PluginFactory(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield factory
    for module in factory.modules:
        sys.modules.pop(module, None)
    monkeypatch.undo()
    importlib.invalidate_caches()
    wengert.registry(reload=True)
