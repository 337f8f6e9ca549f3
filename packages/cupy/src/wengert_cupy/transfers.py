"""Counting host<->device transfers, to show that results stay on the device.

``with count_transfers() as t: ...`` then ``t.to_host``, ``t.to_device``. On CuPy it
intercepts, for the duration of the block, every Python-level way a CuPy array reaches
the host (``get``, ``cupy.asnumpy``, ``item``, ``tolist``, ``float``/``int``/
``complex``/``bool``, ``repr``/``str``/``format``) and every way host data reaches the
device (``cupy.asarray``/``cupy.array`` of non-CuPy data, ``set``). Copies made inside
CuPy's compiled code without passing through these (none in the operations wengert
uses) are not seen. With the CPU test double the double counts for itself.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

__all__ = ["Transfers", "count_transfers"]


@dataclass
class Transfers:
    """Transfers seen inside a :func:`count_transfers` block."""

    to_host: int = 0
    to_device: int = 0

    @property
    def total(self) -> int:
        return self.to_host + self.to_device


_TO_HOST_METHODS = ("get", "item", "tolist", "__float__", "__int__", "__complex__",
                    "__bool__", "__repr__", "__str__", "__format__")
_local = threading.local()


@contextlib.contextmanager
def count_transfers(xp=None):
    """Count transfers of arrays of module ``xp`` (default: CuPy) inside the block."""
    if xp is None:
        import cupy as xp
    from wengert_cupy.testing import fakecupy

    if xp is fakecupy:
        before = dict(fakecupy.TRANSFERS)
        seen = Transfers()
        try:
            yield seen
        finally:
            seen.to_host = fakecupy.TRANSFERS["to_host"] - before["to_host"]
            seen.to_device = fakecupy.TRANSFERS["to_device"] - before["to_device"]
        return
    seen = Transfers()
    with _patched_cupy(xp, seen):
        yield seen


def _counting(original, seen: Transfers, direction: str, test=None):
    def counted(*args, **kwargs):
        depth = getattr(_local, "depth", 0)
        if depth == 0 and (test is None or test(*args, **kwargs)):
            setattr(seen, direction, getattr(seen, direction) + 1)
        _local.depth = depth + 1
        try:
            return original(*args, **kwargs)
        finally:
            _local.depth = depth

    return counted


@contextlib.contextmanager
def _patched_cupy(cupy, seen: Transfers):
    array_type = cupy.ndarray
    patched_methods = {}
    for name in _TO_HOST_METHODS + ("set",):
        original = getattr(array_type, name)
        direction = "to_device" if name == "set" else "to_host"
        patched_methods[name] = name in vars(array_type), original
        setattr(array_type, name, _counting(original, seen, direction))
    is_host = lambda a, *args, **kwargs: not isinstance(a, array_type)  # noqa: E731
    patched_functions = {
        "asnumpy": _counting(cupy.asnumpy, seen, "to_host"),
        "asarray": _counting(cupy.asarray, seen, "to_device", is_host),
        "array": _counting(cupy.array, seen, "to_device", is_host),
    }
    originals = {name: getattr(cupy, name) for name in patched_functions}
    try:
        for name, fn in patched_functions.items():
            setattr(cupy, name, fn)
        yield seen
    finally:
        for name, fn in originals.items():
            setattr(cupy, name, fn)
        for name, (own, original) in patched_methods.items():
            if own:
                setattr(array_type, name, original)
            else:
                delattr(array_type, name)
