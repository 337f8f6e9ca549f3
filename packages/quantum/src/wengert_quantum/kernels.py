"""Which compiled kernels the simulator uses: ``"numpy"`` (always there) or ``"numba"``.

The default ``"auto"`` picks numba when it is importable (``pip install
wengert-quantum[fast]``) and numpy otherwise; the environment variable
``WENGERT_QUANTUM_KERNEL`` sets the initial choice. Both compute the same numbers (to
rounding); the choice only changes speed. The primitives are the same objects either way.

>>> import wengert_quantum as wq
>>> wq.set_kernel("numpy"); wq.get_kernel()
'numpy'
>>> wq.set_kernel("auto")
"""

from __future__ import annotations

import os
from contextlib import contextmanager

__all__ = ["set_kernel", "get_kernel", "use_kernel", "numba_available"]

_CHOICES = ("auto", "numpy", "numba")
_choice = os.environ.get("WENGERT_QUANTUM_KERNEL", "auto")


def numba_available() -> bool:
    """Whether numba imports here."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def set_kernel(name: str) -> None:
    """Select ``"numpy"``, ``"numba"`` or ``"auto"`` for all later simulations."""
    global _choice
    if name not in _CHOICES:
        raise ValueError(f"kernel must be one of {_CHOICES}, got {name!r}")
    if name == "numba" and not numba_available():
        raise ImportError("kernel 'numba' needs numba: pip install 'wengert-quantum[fast]'")
    _choice = name


def get_kernel() -> str:
    """The kernel in use now (``"auto"`` resolved)."""
    if _choice not in _CHOICES:
        raise ValueError(f"WENGERT_QUANTUM_KERNEL must be one of {_CHOICES}, got {_choice!r}")
    if _choice == "auto":
        return "numba" if numba_available() else "numpy"
    return _choice


@contextmanager
def use_kernel(name: str):
    """Context manager: ``with use_kernel("numpy"): ...``."""
    before = _choice
    set_kernel(name)
    try:
        yield
    finally:
        set_kernel(before)


def module():
    """The kernel module in use (``_np_kernels`` or ``_nb_kernels``)."""
    if get_kernel() == "numba":
        from wengert_quantum import _nb_kernels

        return _nb_kernels
    from wengert_quantum import _np_kernels

    return _np_kernels
