"""Which array module a value lives in: ``numpy`` or a registered device module.

The device-correct derivative rules (:mod:`wengert_cupy._rules`) build their constants
(zeros, identity matrices, index arrays) with the module of their inputs, so that a rule
fed CuPy arrays creates CuPy arrays and a rule fed numpy arrays behaves exactly as
autograd's own. A device module is registered with its array type when a backend is set
up (CuPy, or the CPU test double :mod:`wengert_cupy.testing.fakecupy`).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy
from autograd.tracer import getval

__all__ = ["register_namespace", "namespace_of", "device_module", "is_device"]

# array type -> its module (cupy, or the test double); numpy arrays are absent
_MODULES: dict[type, ModuleType] = {}


def register_namespace(array_type: type, module: ModuleType) -> None:
    """Declare that arrays of ``array_type`` are created and combined by ``module``."""
    _MODULES[array_type] = module


def device_module(x: Any) -> ModuleType | None:
    """The device module holding ``x`` (boxes looked through), or ``None`` for host values."""
    return _MODULES.get(type(getval(x)))


def is_device(x: Any) -> bool:
    return type(getval(x)) in _MODULES


def namespace_of(*values: Any) -> ModuleType:
    """The module of the first device array among ``values`` (nested tuples and lists
    searched), else ``numpy``."""
    for value in values:
        value = getval(value)
        module = _MODULES.get(type(value))
        if module is not None:
            return module
        if type(value) in (tuple, list):
            found = namespace_of(*value)
            if found is not numpy:
                return found
    return numpy
