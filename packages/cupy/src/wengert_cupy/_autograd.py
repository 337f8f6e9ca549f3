"""A device array type's own VSpace and Box, registered with autograd.

autograd knows only numpy types: its ``ArrayVSpace`` starts with ``numpy.asarray(value)``
(an implicit device-to-host copy, which CuPy refuses) and builds every zero, one and basis
vector with ``numpy.zeros``. :func:`register_array_type` registers, for a device array
type and its module ``xp``:

* a VSpace whose ``zeros``, ``ones``, ``standard_basis`` and ``randn`` create arrays with
  ``xp`` (on the device) and whose metadata comes from ``value.shape``/``value.dtype``;
* a Box (a subclass of autograd's ``ArrayBox``, so every operator and method of a traced
  numpy array works) whose ``shape``/``dtype``/... read the device array directly.

``wengert.numpy`` functions then reach the device module through NumPy's protocols
(``__array_ufunc__``/``__array_function__``) with no per-call wrapper.
"""

from __future__ import annotations

from types import ModuleType

import numpy
from autograd.core import VSpace
from autograd.numpy.numpy_boxes import ArrayBox
from autograd.numpy.numpy_vspaces import ArrayVSpace

from wengert_cupy._xp import register_namespace

__all__ = ["register_array_type", "registered_types"]

_REGISTERED: dict[type, tuple[type, type, type]] = {}


def registered_types() -> dict[type, tuple[type, type, type]]:
    """array type -> (real VSpace, complex VSpace, Box) registered so far."""
    return dict(_REGISTERED)


class _DeviceVSpace(ArrayVSpace):
    xp: ModuleType = numpy  # set per registered type

    def __init__(self, value):
        self.shape = tuple(value.shape)
        self.dtype = numpy.dtype(value.dtype)

    @property
    def size(self):
        return int(numpy.prod(self.shape, dtype=numpy.int64))

    def zeros(self):
        return self.xp.zeros(self.shape, dtype=self.dtype)

    def ones(self):
        return self.xp.ones(self.shape, dtype=self.dtype)

    def standard_basis(self):
        for idx in numpy.ndindex(*self.shape):
            vect = self.xp.zeros(self.shape, dtype=self.dtype)
            vect[idx] = 1
            yield vect

    def randn(self):
        return self.xp.random.standard_normal(self.shape).astype(self.dtype)

    def _inner_prod(self, x, y):
        return self.xp.dot(self.xp.ravel(x), self.xp.ravel(y))


class _DeviceComplexVSpace(_DeviceVSpace):
    iscomplex = True

    @property
    def size(self):
        return 2 * int(numpy.prod(self.shape, dtype=numpy.int64))

    def ones(self):
        return self.xp.ones(self.shape, dtype=self.dtype) * (1.0 + 1.0j)

    def standard_basis(self):
        for idx in numpy.ndindex(*self.shape):
            for v in (1.0, 1.0j):
                vect = self.xp.zeros(self.shape, dtype=self.dtype)
                vect[idx] = v
                yield vect

    def randn(self):
        real = self.xp.random.standard_normal(self.shape)
        imag = self.xp.random.standard_normal(self.shape)
        return (real + 1j * imag).astype(self.dtype)

    def _inner_prod(self, x, y):
        return self.xp.real(self.xp.dot(self.xp.conj(self.xp.ravel(x)), self.xp.ravel(y)))

    def _covector(self, x):
        return self.xp.conj(x)


class _DeviceArrayBox(ArrayBox):
    __slots__ = []
    shape = property(lambda self: tuple(self._value.shape))
    ndim = property(lambda self: self._value.ndim)
    size = property(lambda self: self._value.size)
    dtype = property(lambda self: self._value.dtype)


def register_array_type(array_type: type, xp: ModuleType) -> tuple[type, type, type]:
    """Register ``array_type`` (created by module ``xp``) with autograd; idempotent.

    Returns the (real VSpace, complex VSpace, Box) classes.
    """
    if array_type in _REGISTERED:
        return _REGISTERED[array_type]
    label = array_type.__module__.split(".")[0].capitalize()
    real = type(f"{label}ArrayVSpace", (_DeviceVSpace,), {"xp": xp})
    complex_ = type(f"{label}ComplexArrayVSpace", (_DeviceComplexVSpace,), {"xp": xp})
    box = type(f"{label}ArrayBox", (_DeviceArrayBox,), {"__slots__": []})

    def make_vspace(value):
        return complex_(value) if numpy.dtype(value.dtype).kind == "c" else real(value)

    VSpace.register(array_type, make_vspace)
    box.register(array_type)
    register_namespace(array_type, xp)
    _REGISTERED[array_type] = (real, complex_, box)
    return _REGISTERED[array_type]
