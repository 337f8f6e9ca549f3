"""Testing helpers: the CPU test double of CuPy, and derivative comparisons with numpy.

* :mod:`wengert_cupy.testing.fakecupy`: a host-memory stand-in for CuPy that refuses
  implicit host conversions and counts transfers (machinery tests, not GPU validation);
* :func:`use_fake_backend`: registers it as a wengert backend (``"fakecupy"``) with this
  plugin's implementations, for the duration of a ``with`` block;
* :func:`check_against_numpy`: output and derivatives (VJP, JVP, second order) of a
  primitive on a device backend against the numpy backend's, to a relative tolerance.
"""

from __future__ import annotations

import contextlib

from wengert_cupy.testing.derivatives import (
    DerivativeMismatch,
    HostConversionError,
    check_against_numpy,
)

__all__ = [
    "FAKE_BACKEND_NAME",
    "fake_backend",
    "use_fake_backend",
    "check_against_numpy",
    "DerivativeMismatch",
    "HostConversionError",
]

FAKE_BACKEND_NAME = "fakecupy"


def fake_backend(name: str = FAKE_BACKEND_NAME):
    """A :class:`wengert.Backend` for :mod:`~wengert_cupy.testing.fakecupy` arrays."""
    import wengert
    from wengert_cupy._backend import setup_device
    from wengert_cupy.testing import fakecupy

    return wengert.Backend(
        name=name,
        array_types=(f"{fakecupy.ndarray.__module__}.ndarray",),
        asarray=fakecupy.asarray,
        to_numpy=fakecupy.asnumpy,
        check_available=lambda: (True, "CPU test double of CuPy"),
        setup=lambda: setup_device(fakecupy.ndarray, fakecupy),
    )


@contextlib.contextmanager
def use_fake_backend(name: str = FAKE_BACKEND_NAME):
    """Register the test double as backend ``name`` with this plugin's implementations
    of every installed primitive; the registry is rediscovered on exit."""
    import wengert
    from wengert_cupy.implementations import implementations
    from wengert_cupy.testing import fakecupy

    registry = wengert.registry()
    backend = fake_backend(name)
    registry.add_backend(backend)
    implemented = []
    for prim_name, fn in implementations(fakecupy).items():
        prim = registry.primitives.get(prim_name)
        if prim is not None:
            prim.implement(name, fn)
            implemented.append(prim)
    try:
        yield backend.require()
    finally:
        for prim in implemented:
            prim._remove_implementation(name)
        wengert.registry(reload=True)
