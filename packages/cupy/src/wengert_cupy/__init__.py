"""wengert-cupy: the CuPy GPU backend for wengert.

The same differentiable code runs on the GPU when its inputs are CuPy arrays (on a
machine with a CUDA device)::

    import numpy, wengert, wengert.numpy as np, wengert_cupy

    wengert_cupy.enable()                 # probe the device, register with autograd
    x = wengert.asarray(numpy.linspace(0, 1, 10**6), "cupy")
    g = wengert.grad(lambda x: np.sum(np.sin(x) ** 2))(x)     # a cupy.ndarray

Importing this package never imports CuPy; :func:`available` says whether the backend can
be used here and, if not, why not.
"""

from importlib import metadata as _metadata

from wengert_cupy._backend import BACKEND
from wengert_cupy._probe import probe
from wengert_cupy.transfers import count_transfers

try:
    __version__ = _metadata.version("wengert-cupy")
except _metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = ["BACKEND", "available", "enable", "probe", "count_transfers", "__version__"]


def available() -> tuple[bool, str]:
    """``(ok, reason)``: whether the ``cupy`` backend works here (probed once, lazily)."""
    return BACKEND.status()


def enable():
    """Discover plugins and set the ``cupy`` backend up; returns the backend.

    Raises ``RuntimeError`` with the reason when no usable device is found. Creating
    inputs with ``wengert.asarray(x, "cupy")`` does the same implicitly.
    """
    import wengert

    return wengert.registry().backends[BACKEND.name].require()
