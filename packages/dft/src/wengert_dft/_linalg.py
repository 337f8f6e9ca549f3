"""The one eigendecomposition of the package, ``eigh(a) -> (w, v)`` (ascending).

Two engines; ``WENGERT_DFT_EIGH`` (``"wengert_linalg"`` or ``"fallback"``, read at import)
overrides the default, which is :func:`wengert_linalg.eigh` when ``wengert-linalg`` is
importable (exact gradients of gauge-invariant losses even at exact degeneracy) and
otherwise the fallback: a small primitive with the textbook rules (Giles 2008),

    A_bar = V (diag w_bar + F o (V^T V_bar - V_bar^T V)/2) V^T,   F_ij = 1/(w_j - w_i),

where F_ij is set to zero for (numerically) degenerate pairs |w_i - w_j| <= 1e-10. That is
exact for losses invariant under rotations within degenerate subspaces - the SCF density
D = C_occ C_occ^T with the occupied-virtual gap open, the only use here - which autograd's
own eigh is not (it divides by zero at N2's degenerate pi orbitals).

Measured with wengert-linalg 0.1.0 (2026-11-26, after the core's fixed_point fix of the
same day, and at N2's ground state; see wengert_dft.scf's atomic guess): d2E/dZ2 of N2
(STO-3G, 6-31G) through the SCF agrees between the two engines to 2e-12, and
reverse-over-reverse and forward-over-reverse (:func:`wengert.hessian`) agree to 1e-11 with
either engine (0.07 s and 0.2 s for N2/6-31G); neither stalls.
"""

from __future__ import annotations

import os

import numpy

import wengert
import wengert.numpy as np

__all__ = ["eigh", "BACKEND"]

_DEGENERATE = 1e-10


def _gap_inverse(w):
    """F_ij = 1/(w_j - w_i) off the (numerically) degenerate pairs, else 0 (constant mask)."""
    wv = wengert.stop_gradient(w)
    mask = numpy.abs(wv[None, :] - wv[:, None]) > _DEGENERATE
    denom = w[None, :] - w[:, None] + numpy.where(mask, 0.0, 1.0)
    return np.where(mask, 1.0 / denom, 0.0)


@wengert.primitive("dft._eigh", tangents=("symmetric",))
def _eigh_fallback(a):
    """(w, v) of a real symmetric matrix, ascending (numpy's convention)."""
    return numpy.linalg.eigh(a)


def _eigh_vjp(ans, a):
    w, v = ans

    def pullback(g):
        w_bar, v_bar = g
        f = _gap_inverse(w)
        vtv = np.dot(v.T, v_bar)
        inner = np.diag(w_bar) + f * (vtv - vtv.T) / 2.0
        return np.dot(v, np.dot(inner, v.T))

    return pullback


def _eigh_jvp(g, ans, a):
    w, v = ans
    da = (g + g.T) / 2.0
    p = np.dot(v.T, np.dot(da, v))
    f = _gap_inverse(w)
    return np.diag(p), np.dot(v, f * p)


_eigh_fallback.defvjp(_eigh_vjp)
_eigh_fallback.defjvp(_eigh_jvp)


def _default() -> str:
    try:
        import wengert_linalg  # noqa: F401
    except ImportError:
        return "fallback"
    return "wengert_linalg"


BACKEND = os.environ.get("WENGERT_DFT_EIGH") or _default()
if BACKEND not in ("fallback", "wengert_linalg"):
    raise ValueError(f"WENGERT_DFT_EIGH must be 'fallback' or 'wengert_linalg', got {BACKEND!r}")
_eigh_linalg = None
if BACKEND == "wengert_linalg":
    from wengert_linalg import eigh as _eigh_linalg


def eigh(a):
    """Eigenvalues (ascending) and eigenvectors of a real symmetric matrix ``a`` (n, n).

    ``a`` is symmetrized first, (a + a^T)/2, so that rounding never trips a symmetry check.
    """
    a = (a + np.transpose(a)) / 2.0
    if _eigh_linalg is not None:
        return _eigh_linalg(a)
    return _eigh_fallback(a)
