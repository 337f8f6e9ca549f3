"""Device implementations of wengert-linalg's primitives, written against an array module.

``implementations(xp)`` returns ``{primitive name: forward function}`` for ``xp`` (CuPy,
or the CPU test double). Each forward mirrors the numpy implementation of
:mod:`wengert_linalg`: same arguments, same conventions (ascending eigenvalues,
``(u, s, vh)``, the Hermitian part of the input), same ``ValueError`` on bad input.

The input checks (finiteness, hermiticity) are reductions on the device: each forward
collects them as device scalars and fetches them in *one* transfer of a few numbers
(``expm`` reads its 1-norm in that transfer too). CuPy's factorizations do not raise on a
singular or indefinite matrix unless asked to (``cupyx.errstate(linalg="raise")``, which
fetches cuSOLVER's status, one more scalar); ``cholesky``, ``solve`` and ``inv`` ask, and
turn the error into numpy-backend's ``ValueError``. The results stay on the device.

Derivative rules are the primitives' own (written in :mod:`wengert.numpy`); only the
forward passes are here.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from types import ModuleType

import numpy

__all__ = ["implementations", "HERMITIAN_RTOL"]

#: As ``wengert_linalg._common.HERMITIAN_RTOL``: ``max|A - A^H| <= rtol max|A|``.
HERMITIAN_RTOL = 1e-8


class _Checks:
    """Device scalars to fetch in one transfer, each with the error it raises if true."""

    def __init__(self, xp, fname: str):
        self.xp, self.fname = xp, fname
        self._items: list = []  # (device scalar, test(value, values) -> message or None)

    def add(self, scalar, test) -> int:
        self._items.append((scalar, test))
        return len(self._items) - 1

    def matrix(self, a, name, *, square=False, hermitian=False, finite=True):
        """Shape/dtype checks now, finiteness/hermiticity queued; returns ``a`` (float)."""
        xp, fname = self.xp, self.fname
        if not isinstance(a, xp.ndarray):
            raise TypeError(
                f"{fname}: {name} is a {type(a).__module__}.{type(a).__name__}, but another "
                "argument is on the device; move every array with wengert.asarray(x, backend)"
            )
        if a.ndim != 2:
            raise ValueError(f"{fname}: {name} must be a 2D matrix, got shape {a.shape}")
        if a.dtype.kind not in "fc":
            if a.dtype.kind not in "iub":
                raise TypeError(f"{fname}: {name} must be a float or complex array, got {a.dtype}")
            a = a.astype(numpy.float64)
        if square and a.shape[0] != a.shape[1]:
            raise ValueError(f"{fname}: {name} must be square, got shape {a.shape}")
        if a.size == 0:
            return a
        if finite:
            self.add(xp.logical_not(xp.all(xp.isfinite(a))),
                     lambda v, _: f"{fname}: {name} contains NaN or inf" if v else None)
        if hermitian:
            scale = self.add(xp.max(xp.abs(a)), lambda v, _: None)
            kind = "Hermitian" if a.dtype.kind == "c" else "symmetric"

            def asymmetric(v, values, scale=scale):
                limit = HERMITIAN_RTOL * values[scale]
                if v > limit:
                    return (f"{fname}: {name} must be {kind}: max|{name} - {name}^H| = "
                            f"{v:.3e} exceeds {HERMITIAN_RTOL:g} x max|{name}| = {limit:.3e}")
                return None

            self.add(xp.max(xp.abs(a - a.conj().T)), asymmetric)
        return a

    def run(self) -> numpy.ndarray:
        """Fetch every queued scalar in one transfer; raise the first failed check."""
        if not self._items:
            return numpy.zeros(0)
        xp = self.xp
        scalars = [xp.asarray(s).real.astype(numpy.float64) for s, _ in self._items]
        values = xp.asnumpy(xp.stack(scalars))
        for value, (_, test) in zip(values, self._items):
            message = test(value, values)
            if message:
                raise ValueError(message)
        return values


@contextlib.contextmanager
def _raising(xp, message: str):
    """Make ``xp``'s factorizations raise on failure, as ``ValueError(message)``."""
    if getattr(xp, "__name__", "") == "cupy":
        import cupyx

        state = cupyx.errstate(linalg="raise")
    else:  # numpy-backed test double: LAPACK errors raise already
        state = contextlib.nullcontext()
    try:
        with state:
            yield
    except numpy.linalg.LinAlgError:
        raise ValueError(message) from None


# ---------------------------------------------------------------- expm (Higham 2005)

# Pade [13/13] coefficients b_0..b_13 and theta_13 (Higham 2005, SIAM J. Matrix Anal. Appl.
# 26, 1179, Table 2.3 and Algorithm 2.3; scipy's expm uses the same for large norms).
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
           1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
           33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _expm(xp, a, checks: _Checks):
    """Scaling and squaring with the [13/13] Pade approximant (Higham 2005, Alg. 2.3).

    The 1-norm, which picks the number of squarings ``s``, is fetched with ``checks``.
    """
    n = a.shape[0]
    if n == 0:
        checks.run()
        return a.copy()
    norm = checks.add(xp.max(xp.sum(xp.abs(a), axis=0)),
                      lambda v, _: None if math.isfinite(v) else
                      f"{checks.fname}: the input contains NaN or inf")
    norm1 = float(checks.run()[norm])
    s = max(0, int(math.ceil(math.log2(norm1 / _THETA13)))) if norm1 > _THETA13 else 0
    A = a / (2.0**s)
    eye = xp.eye(n, dtype=a.dtype)
    b = _PADE13
    A2 = A @ A
    A4 = A2 @ A2
    A6 = A4 @ A2
    U = A @ (A6 @ (b[13] * A6 + b[11] * A4 + b[9] * A2)
             + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * eye)
    V = (A6 @ (b[12] * A6 + b[10] * A4 + b[8] * A2)
         + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * eye)
    R = xp.linalg.solve(V - U, V + U)
    for _ in range(s):
        R = R @ R
    return R


# ---------------------------------------------------------------- the table


def implementations(xp: ModuleType) -> dict[str, Callable]:
    """``{"linalg.<name>": forward}`` for array module ``xp``."""

    def eigh(a, broadening=0.0, degeneracy_rtol=None):
        checks = _Checks(xp, "eigh")
        a = checks.matrix(a, "a", square=True, hermitian=True)
        if broadening < 0:
            raise ValueError(f"eigh: broadening must be >= 0, got {broadening!r}")
        checks.run()
        w, v = xp.linalg.eigh(0.5 * (a + a.conj().T))
        return w, v

    def svd(a, full_matrices=False, degeneracy_rtol=None):
        checks = _Checks(xp, "svd")
        a = checks.matrix(a, "a")
        checks.run()
        u, s, vh = xp.linalg.svd(a, full_matrices=bool(full_matrices))
        return u, s, vh

    def qr(a):
        checks = _Checks(xp, "qr")
        a = checks.matrix(a, "a")
        checks.run()
        q, r = xp.linalg.qr(a, mode="reduced")
        return q, r

    def cholesky(a):
        checks = _Checks(xp, "cholesky")
        a = checks.matrix(a, "a", square=True, hermitian=True)
        checks.run()
        with _raising(xp, "cholesky: a must be positive definite"):
            return xp.linalg.cholesky(0.5 * (a + a.conj().T))

    def solve(a, b):
        checks = _Checks(xp, "solve")
        a = checks.matrix(a, "a", square=True)
        if not isinstance(b, xp.ndarray):
            raise TypeError("solve: b must be on the device of a (wengert.asarray(b, backend))")
        if b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
            raise ValueError(f"solve: b must have shape ({a.shape[0]},) or ({a.shape[0]}, k), "
                             f"got {b.shape}")
        checks.run()
        with _raising(xp, "solve: a is singular"):
            return xp.linalg.solve(a, b)

    def inv(a):
        checks = _Checks(xp, "inv")
        a = checks.matrix(a, "a", square=True)
        checks.run()
        with _raising(xp, "inv: a is singular"):
            return xp.linalg.inv(a)

    def det(a):
        checks = _Checks(xp, "det")
        a = checks.matrix(a, "a", square=True)
        checks.run()
        return xp.linalg.det(a)

    def slogdet(a):
        checks = _Checks(xp, "slogdet")
        a = checks.matrix(a, "a", square=True)
        checks.run()
        sign, logabs = xp.linalg.slogdet(a)
        return sign, logabs

    def expm(a):
        checks = _Checks(xp, "expm")
        return _expm(xp, checks.matrix(a, "a", square=True, finite=False), checks)

    def expm_frechet(a, e):
        checks = _Checks(xp, "expm_frechet")
        a = checks.matrix(a, "a", square=True, finite=False)
        e = checks.matrix(e, "e", square=True, finite=False)
        if e.shape != a.shape:
            raise ValueError(f"expm_frechet: e must have the shape of a {a.shape}, got {e.shape}")
        n = a.shape[0]
        block = xp.zeros((2 * n, 2 * n), dtype=numpy.result_type(a.dtype, e.dtype))
        block[:n, :n] = a
        block[n:, n:] = a
        block[:n, n:] = e
        return _expm(xp, block, checks)[:n, n:].copy()

    table = {"eigh": eigh, "svd": svd, "qr": qr, "cholesky": cholesky, "solve": solve,
             "inv": inv, "det": det, "slogdet": slogdet, "expm": expm,
             "expm_frechet": expm_frechet}
    return {f"linalg.{name}": fn for name, fn in table.items()}
