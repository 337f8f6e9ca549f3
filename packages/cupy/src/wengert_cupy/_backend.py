"""The ``cupy`` :class:`wengert.Backend`, and the setup shared with the CPU test double.

Nothing here imports CuPy at import time: the backend names its array type as the
string ``"cupy.ndarray"``, its ``asarray``/``to_numpy`` import CuPy when first called
(only ever with CuPy arrays or to create them), and :func:`setup_device` runs from
``Backend.setup``, once, after the probe found a working device.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from wengert import Backend
from wengert_cupy import _rules
from wengert_cupy._autograd import register_array_type
from wengert_cupy._probe import probe

__all__ = ["BACKEND", "LazyModule", "setup_device", "cupy_module"]


class LazyModule:
    """A module imported on first attribute access (``LazyModule("cupy").ndarray``)."""

    def __init__(self, name: str):
        self.__name__ = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        if self._module is None:
            self._module = importlib.import_module(self.__name__)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported"
        return f"<lazy module {self.__name__!r} ({state})>"


#: CuPy, imported on first use (which happens only once a CuPy array exists).
cupy_module = LazyModule("cupy")


def setup_device(array_type: type, xp) -> None:
    """Register ``array_type``'s VSpace and Box with autograd and install the
    device-correct rules (idempotent)."""
    register_array_type(array_type, xp)
    _rules.install()


def _setup_cupy() -> None:
    import cupy

    setup_device(cupy.ndarray, cupy)


def _to_device(x):
    return cupy_module.asarray(x)


def _to_host(x):
    return cupy_module.asnumpy(x)


BACKEND = Backend(
    name="cupy",
    array_types=("cupy.ndarray",),
    asarray=_to_device,
    to_numpy=_to_host,
    check_available=probe,
    setup=_setup_cupy,
)
