"""wengert-linalg: differentiable linear algebra that stays right on degenerate, complex and
truncated inputs.

Every decomposition is one primitive (one autograd node) with hand-written VJP and JVP
rules that are themselves differentiable, checked against finite differences by
``wengert check linalg``. Complex gradients follow autograd's/JAX's convention
(``grad = dL/dx - i dL/dy``).

>>> import numpy, wengert, wengert.numpy as np, wengert_linalg as la
>>> a = numpy.diag([1.0, 1.0, 3.0])                   # exactly degenerate
>>> w, v = la.eigh(a)
>>> p = lambda a: np.sum(la.eigh(a)[1][:, :2] ** 2 * numpy.arange(3)[:, None])
>>> bool(numpy.all(numpy.isfinite(wengert.grad(p)(a))))   # no NaN at the degeneracy
True
"""

from wengert_linalg._common import GaugeError, GaugeWarning, set_gauge_check
from wengert_linalg.decomp import cholesky, lq, qr
from wengert_linalg.eig import eig
from wengert_linalg.eigh import eigh
from wengert_linalg.eigsh import eigsh
from wengert_linalg.matfunc import (
    eigh_frechet,
    eigh_function,
    expm,
    expm_frechet,
    logm,
    lowrank,
    sqrtm,
)
from wengert_linalg.solve import det, inv, lstsq, pinv, slogdet, solve
from wengert_linalg.svd import svd
from wengert_linalg.tfim import TFIM, dense_tfim, tfim_ground_energy

try:
    from importlib import metadata as _metadata

    __version__ = _metadata.version("wengert-linalg")
except Exception:  # running from a source tree
    __version__ = "0+unknown"

#: The registered primitives (``linalg.<name>``), in the order ``wengert primitives`` lists.
PRIMITIVES = (eigh, svd, qr, cholesky, solve, inv, det, slogdet, pinv, eig, eigsh,
              eigh_function, eigh_frechet, expm, expm_frechet)

__all__ = [
    "eigh", "svd", "qr", "lq", "cholesky", "solve", "inv", "det", "slogdet", "pinv", "lstsq",
    "eig", "eigsh", "eigh_function", "eigh_frechet", "expm", "expm_frechet", "sqrtm", "logm",
    "lowrank", "TFIM", "dense_tfim", "tfim_ground_energy", "GaugeError", "GaugeWarning",
    "set_gauge_check", "PRIMITIVES",
]
