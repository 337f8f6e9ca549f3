"""A CPU stand-in for CuPy, for testing device-correctness machinery without a GPU.

This is a *test double*, not a simulator of GPU numerics: arrays live in host memory and
every operation is numpy's. What it reproduces are the CuPy behaviours that decide whether
differentiable code stays on the device:

* ``fakecupy.ndarray`` is not a ``numpy.ndarray``; ``numpy.asarray(x)`` raises
  ``TypeError`` ("Implicit conversion to a NumPy array is not allowed"), as CuPy does;
* functions of this module refuse host ``numpy.ndarray`` arguments with ``TypeError``
  (CuPy's "Unsupported type"), except the explicit converters ``asarray``/``array``;
* NumPy's protocols dispatch here as they do to CuPy: ``__array_ufunc__`` (``__call__``
  only; unknown operand types give ``NotImplemented``) and ``__array_function__`` (the
  function of the same name in the same submodule, ``NotImplemented`` when absent or when
  a foreign array type takes part), so ``numpy.sum(x)`` returns a ``fakecupy.ndarray``;
* reductions return 0-d arrays, never scalars;
* every host transfer is counted in :data:`TRANSFERS`: device to host (``get``,
  ``asnumpy``, ``item``, ``tolist``, ``float``/``int``/``complex``/``bool``, ``repr``,
  and the operations whose output size depends on the data, which make CuPy synchronize:
  boolean-mask indexing, ``nonzero``, ``unique``...) and host to device (``asarray`` of
  host data, host index arrays, assigning host arrays into device arrays).

Tests built on it show that a code path creates no host arrays and makes no transfers; they
do not show that it is correct or fast on a GPU. The GPU suite (``tests/test_gpu.py``)
does that on a real device.
"""

from __future__ import annotations

import builtins
import functools
import sys
import types

import numpy

__all__ = ["ndarray", "asarray", "asnumpy", "TRANSFERS", "reset_transfers"]

#: Counts of transfers: ``{"to_host": n, "to_device": n}``.
TRANSFERS = {"to_host": 0, "to_device": 0}


def reset_transfers() -> None:
    TRANSFERS["to_host"] = TRANSFERS["to_device"] = 0


def _count(direction: str) -> None:
    TRANSFERS[direction] += 1


_SCALARS = (bool, int, float, complex, numpy.generic)
_MESSAGE = ("Implicit conversion to a NumPy array is not allowed. "
            "Please use `.get()` to construct a NumPy array explicitly.")


def _reject_host(value):
    raise TypeError(f"Unsupported type {type(value)}")


def _unwrap(value):
    """Device arrays -> their numpy data; host ndarrays -> TypeError; containers recursed."""
    t = type(value)
    if t is ndarray:
        return value._a
    if t is numpy.ndarray:
        _reject_host(value)
    if t is tuple or t is list:
        return t(_unwrap(v) for v in value)
    return value


def _wrap(value):
    """numpy results -> device arrays (scalars become 0-d arrays, as CuPy returns)."""
    if isinstance(value, numpy.ndarray):
        return ndarray._of(value)
    if isinstance(value, (numpy.generic, bool)) and not isinstance(value, numpy.dtype):
        return ndarray._of(numpy.asarray(value))
    if type(value) is tuple or (isinstance(value, tuple) and hasattr(value, "_fields")):
        return tuple(_wrap(v) for v in value)
    if type(value) is list:
        return [_wrap(v) for v in value]
    return value


def _device_function(fn, *, name=None, metadata=False, syncs=False):
    """``fn`` (a numpy function) made a function of this module."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        args = _unwrap(args)
        kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
        if syncs:
            _count("to_host")
        out = fn(*args, **kwargs)
        return out if metadata else _wrap(out)

    call.__name__ = name or getattr(fn, "__name__", "function")
    return call


# ---------------------------------------------------------------- the array type


class ndarray:
    """A host array posing as a device array (see the module docstring)."""

    __slots__ = ("_a",)
    __array_priority__ = 100

    def __init__(self, shape, dtype=float):
        self._a = numpy.zeros(shape, dtype=dtype)

    @classmethod
    def _of(cls, a: numpy.ndarray) -> ndarray:
        out = cls.__new__(cls)
        out._a = a
        return out

    # metadata
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: ndarray._of(self._a.T))
    mT = property(lambda self: ndarray._of(numpy.swapaxes(self._a, -1, -2)))
    real = property(lambda self: ndarray._of(self._a.real))
    imag = property(lambda self: ndarray._of(self._a.imag))

    # explicit and implicit transfers
    def __array__(self, dtype=None, copy=None):
        raise TypeError(_MESSAGE)

    def get(self, stream=None, order="C", out=None):
        _count("to_host")
        return numpy.array(self._a, order=order)

    def item(self):
        _count("to_host")
        return self._a.item()

    def tolist(self):
        _count("to_host")
        return self._a.tolist()

    def __float__(self):
        _count("to_host")
        return float(self._a)

    def __int__(self):
        _count("to_host")
        return int(self._a)

    def __complex__(self):
        _count("to_host")
        return complex(self._a)

    def __bool__(self):
        _count("to_host")
        return bool(self._a)

    def __repr__(self):
        _count("to_host")
        return repr(self._a).replace("array", "fakecupy.array", 1)

    __str__ = __repr__

    def __format__(self, spec):
        _count("to_host")
        return format(self._a, spec)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self._a.shape[0]))

    def __hash__(self):
        return id(self)

    # indexing
    def __getitem__(self, idx):
        return _wrap(self._a[_index(idx)])

    def __setitem__(self, idx, value):
        if type(value) is numpy.ndarray:
            _count("to_device")
            raw = value
        else:
            raw = _unwrap(value)
        self._a[_index(idx)] = raw

    # methods: numpy's, on device data
    def view(self, dtype=None):
        if isinstance(dtype, type) and issubclass(dtype, numpy.ndarray):
            raise TypeError(f"view({dtype.__name__}): a device array cannot become a host "
                            "array by a view")
        return ndarray._of(self._a.view() if dtype is None else self._a.view(dtype))

    def astype(self, dtype, order="K", casting=None, subok=None, copy=True):
        return ndarray._of(self._a.astype(dtype, order=order, copy=copy))

    def copy(self, order="C"):
        return ndarray._of(self._a.copy(order=order))

    def reshape(self, *shape, order="C"):
        shape = shape[0] if len(shape) == 1 else shape
        return ndarray._of(self._a.reshape(_unwrap(shape), order=order))

    def __getattr__(self, name):
        if name.startswith("__") or not hasattr(numpy.ndarray, name):
            raise AttributeError(f"'fakecupy.ndarray' object has no attribute {name!r}")
        method = getattr(self._a, name)
        return _device_function(method, name=name, syncs=name in _SYNCING)

    # NumPy protocols, as CuPy implements them
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__":
            return NotImplemented
        for x in inputs + tuple(kwargs.get("out", ())):
            if not isinstance(x, (ndarray, numpy.ndarray) + _SCALARS):
                return NotImplemented
        fn = getattr(_THIS, ufunc.__name__, None)
        if fn is None:
            return NotImplemented
        if "out" in kwargs:
            kwargs["out"] = kwargs["out"][0]
        return fn(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        try:
            module = functools.reduce(getattr, func.__module__.split(".")[1:], _THIS)
            fn = getattr(module, func.__name__)
        except AttributeError:
            return NotImplemented
        if fn is func:
            return NotImplemented
        for t in types:
            if t not in (ndarray, numpy.ndarray):
                return NotImplemented
        return fn(*args, **kwargs)


def _index(idx):
    """An index for the numpy data: device arrays unwrapped, host arrays counted."""
    if isinstance(idx, tuple):
        return tuple(_index(i) for i in idx)
    if type(idx) is ndarray:
        if idx._a.dtype == bool:
            _count("to_host")  # the output size depends on the data: CuPy synchronizes
        return idx._a
    if type(idx) is numpy.ndarray or (type(idx) is list and idx and not isinstance(
            idx[0], slice)):
        _count("to_device")
        return numpy.asarray(idx)
    return idx


def _binary(ufunc, reflected=False):
    def op(self, other):
        if type(other) is ndarray:
            fn = getattr(_THIS, ufunc.__name__)
            return fn(other, self) if reflected else fn(self, other)
        y_ufunc = getattr(type(other), "__array_ufunc__", "absent")
        if y_ufunc is None:  # other opted out: let its reflected method run
            return NotImplemented
        if y_ufunc == "absent" and not isinstance(other, _SCALARS + (list, tuple)):
            return NotImplemented
        return ufunc(other, self) if reflected else ufunc(self, other)

    return op


for _name, _ufunc in [("add", numpy.add), ("sub", numpy.subtract), ("mul", numpy.multiply),
                      ("truediv", numpy.true_divide), ("floordiv", numpy.floor_divide),
                      ("mod", numpy.remainder), ("pow", numpy.power),
                      ("matmul", numpy.matmul), ("and", numpy.bitwise_and),
                      ("or", numpy.bitwise_or), ("xor", numpy.bitwise_xor)]:
    setattr(ndarray, f"__{_name}__", _binary(_ufunc))
    setattr(ndarray, f"__r{_name}__", _binary(_ufunc, reflected=True))
for _name, _ufunc in [("eq", numpy.equal), ("ne", numpy.not_equal), ("lt", numpy.less),
                      ("le", numpy.less_equal), ("gt", numpy.greater),
                      ("ge", numpy.greater_equal)]:
    setattr(ndarray, f"__{_name}__", _binary(_ufunc))
for _name, _ufunc in [("neg", numpy.negative), ("pos", numpy.positive), ("abs", numpy.abs),
                      ("invert", numpy.invert)]:
    setattr(ndarray, f"__{_name}__", lambda self, _u=_ufunc: getattr(_THIS, _u.__name__)(self))


def _inplace(ufunc):
    def op(self, other):
        if type(other) is numpy.ndarray:
            _reject_host(other)
        ufunc(self._a, _unwrap(other), out=self._a, casting="same_kind")
        return self

    return op


for _name, _ufunc in [("add", numpy.add), ("sub", numpy.subtract), ("mul", numpy.multiply),
                      ("truediv", numpy.true_divide)]:
    setattr(ndarray, f"__i{_name}__", _inplace(_ufunc))


# ---------------------------------------------------------------- the module's functions
# (numpy's names are copied into this module's namespace below, so builtins that numpy
# shadows -- any, all, sum, max, min, abs, round -- are written builtins.<name> here)


# numpy functions whose result is metadata, returned as is (CuPy's return the same)
_METADATA = {
    "shape", "ndim", "size", "iscomplexobj", "isrealobj", "isscalar", "can_cast",
    "promote_types", "min_scalar_type", "issubdtype", "common_type", "broadcast_shapes",
}
# numpy functions whose output size depends on the data: CuPy synchronizes
_SYNCING = {"nonzero", "argwhere", "flatnonzero", "unique", "compress", "extract"}


class _Ufunc:
    """A numpy ufunc as a function of this module, with ``at``/``reduce``/``outer``."""

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__
        self.nin, self.nout = ufunc.nin, ufunc.nout
        self._call = _device_function(ufunc)
        self.reduce = _device_function(ufunc.reduce, name="reduce")
        self.accumulate = _device_function(ufunc.accumulate, name="accumulate")
        self.outer = _device_function(ufunc.outer, name="outer")

    def __call__(self, *args, **kwargs):
        out = kwargs.pop("out", None)
        if out is not None:
            self._ufunc(*_unwrap(args), out=_unwrap(out), **kwargs)
            return out
        return self._call(*args, **kwargs)

    def at(self, a, indices, b=None):
        if type(a) is not ndarray:
            _reject_host(a)
        args = () if b is None else (_unwrap(b),)
        self._ufunc.at(a._a, _unwrap(indices), *args)


def asarray(a, dtype=None, order=None, *, blocking=False):
    """To the device: counts a host-to-device transfer unless ``a`` is already here."""
    if type(a) is ndarray:
        return a if dtype is None else a.astype(dtype, copy=False)
    _count("to_device")
    return ndarray._of(numpy.array(a, dtype=dtype, order=order or "K"))


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    if type(obj) is ndarray:
        return ndarray._of(numpy.array(obj._a, dtype=dtype, copy=copy, order=order,
                                       ndmin=ndmin))
    if isinstance(obj, (list, tuple)) and builtins.any(type(o) is ndarray for o in obj):
        stacked = _THIS.stack([asarray(o) for o in obj])
        return stacked if dtype is None else stacked.astype(dtype)
    _count("to_device")
    return ndarray._of(numpy.array(obj, dtype=dtype, order=order, ndmin=ndmin))


def asnumpy(a, stream=None, order="C", out=None, *, blocking=True):
    if type(a) is ndarray:
        return a.get(order=order)
    return numpy.asarray(a, order=order)


def result_type(*arrays_and_dtypes):
    return numpy.result_type(*[a.dtype if type(a) is ndarray else a
                               for a in arrays_and_dtypes])


def _build_namespace(target: dict, source: types.ModuleType, skip=()) -> None:
    for name in dir(source):
        if name.startswith("_") or name in target or name in skip:
            continue
        obj = getattr(source, name)
        if isinstance(obj, numpy.ufunc):
            target[name] = _Ufunc(obj)
        elif isinstance(obj, type) or isinstance(obj, types.ModuleType):
            if issubclass(obj, numpy.generic) if isinstance(obj, type) else False:
                target[name] = obj  # dtypes: float64, complex128, ...
        elif callable(obj):
            target[name] = _device_function(
                obj, name=name, metadata=name in _METADATA, syncs=name in _SYNCING
            )
        elif isinstance(obj, (int, float, complex)) or obj is None:
            target[name] = obj  # pi, e, inf, newaxis


_THIS = sys.modules[__name__]
_namespace = vars(_THIS)
_namespace["ascontiguousarray"] = asarray
_namespace["asanyarray"] = asarray
_namespace["dtype"] = numpy.dtype
_namespace["ndindex"] = numpy.ndindex
_namespace["finfo"] = numpy.finfo
_namespace["iinfo"] = numpy.iinfo
_namespace["newaxis"] = None
_build_namespace(_namespace, numpy, skip={"array", "asarray", "asanyarray", "result_type",
                                          "ascontiguousarray", "bool", "ndarray"})
_namespace["bool_"] = numpy.bool_
linalg = types.SimpleNamespace()
_build_namespace(vars(linalg), numpy.linalg)
fft = types.SimpleNamespace()
_build_namespace(vars(fft), numpy.fft)


class _Random(types.SimpleNamespace):
    """``fakecupy.random``: numpy's generators, arrays created on the "device"."""


random = _Random()
_build_namespace(vars(random), numpy.random, skip={"default_rng", "Generator"})


def _default_rng(seed=None):
    rng = numpy.random.default_rng(seed)
    return types.SimpleNamespace(**{
        name: _device_function(getattr(rng, name), name=name)
        for name in ("standard_normal", "random", "normal", "uniform", "integers")
    })


random.default_rng = _default_rng
del _name, _ufunc
