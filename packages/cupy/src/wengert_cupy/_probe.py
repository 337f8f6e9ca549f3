"""Is CuPy usable here, and if not, why not — answered without importing CuPy when it is not.

The probe runs in order, stopping at the first failure:

1. ``cupy`` must be installed (``importlib.util.find_spec``; nothing is imported);
2. the CUDA driver must load and report a device (``libcuda`` through ``ctypes``:
   ``cuInit`` and ``cuDeviceGetCount``; CuPy is still not imported, so a CPU-only
   machine with the wheel installed never pays for, or breaks on, ``import cupy``);
3. ``import cupy`` must succeed and the CUDA runtime must count a device;
4. a tiny kernel must run (this catches a missing NVRTC or a driver too old for the
   wheel's CUDA version).

Reasons read ``cupy is not installed (...)``, ``no CUDA device: <why>`` or
``cupy cannot run a kernel: <why>``.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys

__all__ = ["probe", "driver_probe", "INSTALL_HINT"]

INSTALL_HINT = "pip install 'wengert-cupy[cuda13]' or 'wengert-cupy[cuda12]'"

#: Set to a non-empty value other than 0 to report the backend unavailable (tests, CI).
DISABLE_ENV = "WENGERT_CUPY_DISABLE"


def _driver_names() -> tuple[str, ...]:
    if sys.platform.startswith("win"):
        return ("nvcuda.dll",)
    if sys.platform == "darwin":
        return ()
    return ("libcuda.so.1", "libcuda.so")


def _error_name(lib, code: int) -> str:
    name = ctypes.c_char_p()
    try:
        if lib.cuGetErrorName(code, ctypes.byref(name)) == 0 and name.value:
            return f"{name.value.decode()} ({code})"
    except Exception:  # an old driver without cuGetErrorName: the number will do
        pass
    return f"error {code}"


def driver_probe() -> tuple[bool, str]:
    """``(ok, reason)`` from the CUDA driver alone (``ctypes``, no CuPy import)."""
    names = _driver_names()
    if not names:
        return False, f"CUDA is not supported on {sys.platform}"
    errors = []
    for libname in names:
        try:
            lib = ctypes.CDLL(libname)
            break
        except OSError as exc:
            errors.append(str(exc))
    else:
        return False, f"CUDA driver not found ({errors[0]})"
    code = lib.cuInit(0)
    if code != 0:
        return False, f"cuInit failed: {_error_name(lib, code)}"
    count = ctypes.c_int(0)
    code = lib.cuDeviceGetCount(ctypes.byref(count))
    if code != 0:
        return False, f"cuDeviceGetCount failed: {_error_name(lib, code)}"
    if count.value < 1:
        return False, "the CUDA driver reports 0 devices"
    return True, f"{count.value} device(s)"


def _import_cupy():
    import cupy

    return cupy


def probe() -> tuple[bool, str]:
    """``(available, reason)`` for the ``cupy`` backend; see the module docstring.

    Never raises. On success ``reason`` names the device and versions.
    """
    if os.environ.get(DISABLE_ENV, "").strip() not in ("", "0"):
        return False, f"disabled by {DISABLE_ENV}"
    try:
        spec = importlib.util.find_spec("cupy")
    except (ImportError, ValueError) as exc:
        spec, why = None, f": {exc}"
    else:
        why = ""
    if spec is None:
        return False, f"cupy is not installed ({INSTALL_HINT}){why}"
    ok, why = driver_probe()
    if not ok:
        return False, f"no CUDA device: {why}"
    try:
        cupy = _import_cupy()
    except Exception as exc:
        return False, f"cupy failed to import: {type(exc).__name__}: {exc}"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        return False, f"no CUDA device: {type(exc).__name__}: {exc}"
    if count < 1:
        return False, "no CUDA device: the CUDA runtime reports 0 devices"
    try:
        x = cupy.arange(4, dtype=cupy.float64)
        value = float((x * x).sum())
    except Exception as exc:
        return False, f"cupy cannot run a kernel: {type(exc).__name__}: {exc}"
    if value != 14.0:
        return False, f"cupy cannot run a kernel: sum of squares of 0..3 gave {value}, not 14"
    return True, describe_device(cupy)


def describe_device(cupy) -> str:
    """``"<device name>, CUDA runtime X.Y, driver X.Y, cupy V"`` (best effort)."""
    parts = []
    try:
        props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
        name = props.get("name", b"?")
        parts.append(name.decode() if isinstance(name, bytes) else str(name))
    except Exception:
        parts.append("unknown device")
    for label, getter in (("CUDA runtime", "runtimeGetVersion"), ("driver", "driverGetVersion")):
        try:
            v = getattr(cupy.cuda.runtime, getter)()
            parts.append(f"{label} {v // 1000}.{(v % 1000) // 10}")
        except Exception:
            pass
    parts.append(f"cupy {getattr(cupy, '__version__', '?')}")
    return ", ".join(parts)
