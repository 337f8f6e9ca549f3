"""Device implementations of other packages' primitives, as ``{name: forward}`` tables.

Each submodule writes its forwards against an array module ``xp`` (CuPy on a GPU, the
test double :mod:`wengert_cupy.testing.fakecupy` on a CPU), so the same code is what the
GPU runs and what the CPU tests exercise. Names that no installed plugin registered are
skipped by the registry, so the table may name primitives of packages that are absent.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from wengert_cupy.implementations import linalg, ode

__all__ = ["implementations"]


def implementations(xp: ModuleType) -> dict[str, Callable]:
    """Every device forward this plugin provides, for array module ``xp``."""
    table: dict[str, Callable] = {}
    table.update(linalg.implementations(xp))
    table.update(ode.implementations(xp))
    return table
