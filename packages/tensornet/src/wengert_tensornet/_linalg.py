"""The few decompositions this package differentiates through, all from :mod:`wengert_linalg`.

Every ``eigh``/``svd``/``sqrtm`` call of the package goes through this module, and so does
the one truncation rule they share (:func:`kept`): keep at most ``chi`` values, drop those
below ``rtol`` of the largest (numerical zeros: their vectors are noise, and ``1/sqrt(s)``
or ``1/(s_i - s_j)`` among them would be inf/NaN), and never cut through a multiplet
(neighbours closer than ``multiplet_rtol`` of their size are kept or dropped together, so the
kept subspace, and everything computed from it, is a smooth function of the input).
"""

from __future__ import annotations

import contextlib

import numpy
from autograd.tracer import getval, isbox

import wengert_linalg

__all__ = ["eigh", "svd", "sqrtm", "kept", "gauge_check"]

#: Singular values (or eigenvalues) below this fraction of the largest are at the roundoff
#: of the decomposition and are dropped (REFERENCES.md: "drop S <= 1e-15 before sqrt(S)").
ZERO_RTOL = 1e-15
#: Neighbouring values closer than this fraction of themselves count as one multiplet.
MULTIPLET_RTOL = 1e-8
#: wengert_linalg.eigh's degeneracy threshold, relative to the largest eigenvalue. Its
#: default (1e-10) lumps every eigenvalue below 1e-10 of the largest into one "degenerate"
#: group, while :func:`kept` cuts between them by their own size: the loss then looks
#: gauge-dependent to eigh (GaugeError in HOTRG at T = 2.4, chi = 16). Exact multiplets
#: (Z2 pairs) are still grouped at this threshold.
DEGENERACY_RTOL = 1e-14


def eigh(a):
    """``(w, v)`` of a symmetric matrix (its symmetric part), ``w`` ascending.

    :func:`wengert_linalg.eigh` when ``a`` is traced; LAPACK directly otherwise (the
    untraced CTMRG iterations, where the primitive's checks would only cost time).
    """
    if isbox(a):
        return wengert_linalg.eigh(a, degeneracy_rtol=DEGENERACY_RTOL)
    return numpy.linalg.eigh(0.5 * (a + a.T))


@contextlib.contextmanager
def gauge_check(mode: str):
    """Within the block, :func:`wengert_linalg.set_gauge_check` is ``mode`` (then restored)."""
    previous = wengert_linalg.set_gauge_check(mode)
    try:
        yield
    finally:
        wengert_linalg.set_gauge_check(previous)


def svd(a):
    """Thin ``(u, s, vh)``, ``s`` descending (:func:`wengert_linalg.svd`).

    Truncate by slicing the result: the backward pass of the one SVD node then sees the
    discarded triplets (with zero cotangents) and keeps their coupling to the kept ones.
    """
    return wengert_linalg.svd(a)


def sqrtm(a):
    """Symmetric square root of a positive semidefinite matrix (:func:`wengert_linalg.sqrtm`)."""
    return wengert_linalg.sqrtm(a)


def kept(values, chi: int, rtol: float = ZERO_RTOL, multiplet_rtol: float = MULTIPLET_RTOL) -> int:
    """How many of ``values`` (non-negative, sorted descending) a truncation to ``chi`` keeps.

    At most ``chi``; none below ``rtol * values[0]``; and the cut moves down (never up, so
    the cost stays bounded by ``chi``) until it does not split a multiplet. Always >= 1.
    """
    s = numpy.asarray(getval(values), dtype=float)
    if s.size == 0 or not s[0] > 0:
        return 1
    k = int(min(chi, numpy.count_nonzero(s > rtol * s[0])))
    while 1 < k < s.size and s[k - 1] - s[k] <= multiplet_rtol * s[k - 1]:
        k -= 1
    return max(k, 1)
