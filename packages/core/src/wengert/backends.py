"""Array backends: which library holds an array, and how to move arrays between them.

``numpy`` is built in. A plugin adds another (CuPy, say) through the
``wengert_register_backends`` hook. A backend names its array types as strings
(``"cupy.ndarray"``), so that recognising an array never imports the library behind it.

>>> import numpy, wengert
>>> wengert.backend_of(numpy.ones(3)).name
'numpy'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy

__all__ = ["Backend", "NUMPY", "backend_of", "asarray", "to_numpy"]


def _qualified_name(t: type) -> str:
    return f"{t.__module__}.{t.__qualname__}"


@dataclass
class Backend:
    """An array library that primitives can run on.

    :param name: the name users pass as ``backend=`` (``"numpy"``, ``"cupy"``).
    :param array_types: fully qualified names of the library's array types, e.g.
        ``("cupy.ndarray",)``; :func:`backend_of` matches ``type(x)`` against them.
    :param asarray: ``fn(x) -> array`` moving a numpy array (or anything array-like) here.
    :param to_numpy: ``fn(x) -> numpy.ndarray`` moving an array of this backend to the host.
    :param check_available: ``fn() -> (ok, reason)``; called lazily, once, to say whether
        the backend can be used on this machine and if not, why not.
    :param setup: ``fn()`` run once before first use (register autograd VSpaces, ...).
    """

    name: str
    array_types: tuple[str, ...]
    asarray: Callable[[Any], Any]
    to_numpy: Callable[[Any], Any]
    check_available: Callable[[], tuple[bool, str]] = lambda: (True, "")
    setup: Callable[[], None] | None = None
    _status: tuple[bool, str] | None = field(default=None, repr=False)

    @property
    def available(self) -> bool:
        return self.status()[0]

    def status(self) -> tuple[bool, str]:
        """``(available, reason)``, computed once; ``reason`` explains a ``False``."""
        if self._status is None:
            try:
                ok, reason = self.check_available()
            except Exception as exc:  # a probe that crashes means unavailable, with why
                ok, reason = False, f"{type(exc).__name__}: {exc}"
            if ok and self.setup is not None:
                try:
                    self.setup()
                except Exception as exc:
                    ok, reason = False, f"setup failed: {type(exc).__name__}: {exc}"
            self._status = (bool(ok), reason)
        return self._status

    def require(self) -> Backend:
        ok, reason = self.status()
        if not ok:
            raise RuntimeError(f"backend {self.name!r} is unavailable: {reason}")
        return self

    def __str__(self) -> str:
        return self.name


NUMPY = Backend(
    name="numpy",
    array_types=(_qualified_name(numpy.ndarray),),
    asarray=numpy.asarray,
    to_numpy=numpy.asarray,
)

# qualified type name -> Backend; filled by the registry, read by dispatch and backend_of
_BACKEND_OF_TYPENAME: dict[str, Backend] = {NUMPY.array_types[0]: NUMPY}
# type -> Backend or None (not an array of any backend); a cache over the dict above
_BACKEND_OF_TYPE: dict[type, Backend | None] = {numpy.ndarray: NUMPY}


def _register_backend(backend: Backend) -> None:
    for name in backend.array_types:
        _BACKEND_OF_TYPENAME[name] = backend
    _BACKEND_OF_TYPE.clear()
    _BACKEND_OF_TYPE[numpy.ndarray] = NUMPY


def _reset_backends() -> None:
    """Forget every backend but numpy (at the start of a discovery)."""
    _BACKEND_OF_TYPENAME.clear()
    _BACKEND_OF_TYPENAME[NUMPY.array_types[0]] = NUMPY
    _BACKEND_OF_TYPE.clear()
    _BACKEND_OF_TYPE[numpy.ndarray] = NUMPY


def _unregister_backend(backend: Backend) -> None:
    for name in backend.array_types:
        if _BACKEND_OF_TYPENAME.get(name) is backend:
            del _BACKEND_OF_TYPENAME[name]
    _BACKEND_OF_TYPE.clear()
    _BACKEND_OF_TYPE[numpy.ndarray] = NUMPY


def _lookup_type(t: type) -> Backend | None:
    try:
        return _BACKEND_OF_TYPE[t]
    except KeyError:
        found = _BACKEND_OF_TYPENAME.get(_qualified_name(t))
        _BACKEND_OF_TYPE[t] = found
        return found


def _resolve_new_type(t: type) -> Backend | None:
    """The backend of a type autograd has not seen: discover plugins (once) and set the
    backend up (``check_available`` then ``setup``, once), so that its VSpace and Box exist."""
    from wengert.registry import registry

    registry()  # the plugins' type names are known after discovery only
    found = _lookup_type(t)
    if found is not None and found is not NUMPY:
        found.status()
    return found


class _ResolvingTypeMap(dict):
    """autograd's ``type -> Box`` and ``type -> VSpace`` tables; a type that belongs to a
    plugin backend is resolved on first sight (no cost on hits: a dict subclass)."""

    __slots__ = ()

    def __missing__(self, t):
        if isinstance(t, type):
            backend = _resolve_new_type(t)
            if backend is not None and backend is not NUMPY and dict.__contains__(self, t):
                return dict.__getitem__(self, t)
        raise KeyError(t)


def _install_autograd_hook() -> None:
    """Let autograd meet plugin arrays before anything else did (``grad(f)(cupy_x)``)."""
    import autograd.tracer as tracer
    from autograd.core import VSpace

    if type(VSpace.mappings) is not _ResolvingTypeMap:
        VSpace.mappings = _ResolvingTypeMap(VSpace.mappings)
    if type(tracer.Box.type_mappings) is not _ResolvingTypeMap:
        tracer.Box.type_mappings = _ResolvingTypeMap(tracer.Box.type_mappings)
        tracer.box_type_mappings = tracer.Box.type_mappings


def _get_backend(name: str) -> Backend:
    from wengert.registry import registry

    backends = registry().backends
    if name not in backends:
        raise ValueError(f"backend must be one of {sorted(backends)}, got {name!r}")
    return backends[name]


def backend_of(x: Any) -> Backend:
    """The backend holding array ``x`` (traced values are looked through).

    Python scalars and numpy scalars belong to ``numpy``. Raises ``TypeError`` for
    objects that are no array of any registered backend.
    """
    from autograd.tracer import getval

    from wengert.registry import registry

    registry()  # backends of plugins are known only after discovery
    x = getval(x)
    found = _lookup_type(type(x))
    if found is not None:
        return found
    if isinstance(x, (int, float, complex, numpy.generic)):
        return NUMPY
    raise TypeError(f"backend_of: {type(x).__name__} is not an array of any registered backend")


def asarray(x: Any, backend: str = "numpy") -> Any:
    """Move ``x`` (an array of any backend, or array-like) to ``backend``."""
    target = _get_backend(backend).require()
    source = _lookup_type(type(x))
    if source is target:
        return x
    if source is not None and source is not NUMPY:
        x = source.to_numpy(x)
    return target.asarray(x)


def to_numpy(x: Any) -> numpy.ndarray:
    """Move array ``x`` of any backend to a numpy array on the host."""
    source = backend_of(x)
    return numpy.asarray(x) if source is NUMPY else source.to_numpy(x)
