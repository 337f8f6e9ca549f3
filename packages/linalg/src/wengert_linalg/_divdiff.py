"""Divided differences of a scalar function at eigenvalues, accurate at (near) coincidence.

``f[x, y] = (f(x) - f(y)) / (x - y)`` and ``f[x, y, z]`` are the kernels of the
Daleckii-Krein formulas for the first and second Frechet derivatives of a matrix function
``f(A) = V f(W) V^H`` (Bhatia, *Matrix Analysis*, ch. V.3; Higham, *Functions of Matrices*,
3.2). At coincident arguments they become ``f'(x)`` and ``f''(x)/2``, which is what makes the
rules exact at exact degeneracy. Near coincidence the quotients lose digits, so points
closer than a threshold use a Taylor expansion about one of them with derivatives
``f^(k)`` obtained by nested forward-mode AD of ``f`` (``f`` must be written with
:mod:`wengert.numpy`):

* ``f[x, y]`` with ``|x - y| <= 1e-3 s``: ``sum_{k<=5} f^(k+1)(x) h^k / (k+1)!``, truncation
  ~1e-20 relative, against ~2e-13 cancellation for the quotient just above.
* ``f[x, y, z]`` with all three within ``1e-2 s``: ``sum_{p<=4} f^(p+2)(x) h_p(u, v)/(p+2)!``
  (``h_p`` complete homogeneous polynomials of the offsets), truncation ~1e-14; otherwise the
  quotient over the most separated pair, error ~2e-11.

``s = max(|x|, |y|, 1e-3 max|w|)`` makes the thresholds relative (for ``log``/``sqrt``) while
staying away from zero (for ``exp``). Everything is written with differentiable operations.
"""

from __future__ import annotations

import math

import numpy
from autograd.tracer import getval

import wengert
import wengert.numpy as np

__all__ = ["derivatives", "first_divided_differences", "second_dd_contract"]

DELTA1 = 1e-3
DELTA2 = 1e-2


def derivatives(f, x, order: int) -> list:
    """``[f(x), f'(x), ..., f^(order)(x)]`` elementwise, by nested forward mode."""

    def level(k):
        if k == 0:
            return lambda y: np.reshape(f(y) + 0.0 * y, (1,) + np.shape(y))
        lower = level(k - 1)

        def stacked(y):
            values, tangents = wengert.jvp(lower, (y,), (numpy.ones(numpy.shape(getval(y))),))
            return np.concatenate([values, tangents[-1:]], axis=0)

        return stacked

    out = level(order)(x)
    return [out[i] for i in range(order + 1)]


def _scale(w):
    wv = numpy.asarray(getval(w)).real
    return 1e-3 * float(numpy.max(numpy.abs(wv))) if wv.size else 1.0


def _close_pairs(wv):
    floor = max(1e-3 * float(numpy.max(numpy.abs(wv))) if wv.size else 1.0, 1e-300)
    scale = numpy.maximum(numpy.maximum(numpy.abs(wv)[:, None], numpy.abs(wv)[None, :]), floor)
    return numpy.abs(wv[None, :] - wv[:, None]) <= DELTA1 * scale


def needed_order(w) -> int:
    """Highest derivative of ``f`` the divided differences at ``w`` need (2 or 6)."""
    wv = numpy.asarray(getval(w)).real
    close = _close_pairs(wv)
    numpy.fill_diagonal(close, False)
    # second differences switch to Taylor within DELTA2: use the larger window
    floor = max(1e-3 * float(numpy.max(numpy.abs(wv))) if wv.size else 1.0, 1e-300)
    scale = numpy.maximum(numpy.maximum(numpy.abs(wv)[:, None], numpy.abs(wv)[None, :]), floor)
    near = numpy.abs(wv[None, :] - wv[:, None]) <= DELTA2 * scale
    numpy.fill_diagonal(near, False)
    return 6 if (close.any() or near.any()) else 2


def first_divided_differences(w, f, derivs=None):
    """``(f(w), G1)`` with ``G1_ij = f[w_i, w_j]`` (``f'(w_i)`` on the diagonal).

    ``derivs`` may pass precomputed ``derivatives(f, w, 6)``.
    """
    wv = numpy.asarray(getval(w)).real
    n = wv.shape[0]
    close = _close_pairs(wv)
    clustered = bool((close & ~numpy.eye(n, dtype=bool)).any())
    if derivs is None:
        derivs = derivatives(f, w, 6 if clustered else 1)
    fw = derivs[0]
    h = w[None, :] - w[:, None]
    quotient = (fw[None, :] - fw[:, None]) / np.where(close, 1.0, h)
    if not clustered:
        return fw, np.where(numpy.eye(n, dtype=bool), derivs[1][:, None] + 0.0 * h, quotient)
    taylor = 0.0 * h
    power = 1.0 + 0.0 * h
    for k in range(len(derivs) - 1):
        taylor = taylor + derivs[k + 1][:, None] * power / math.factorial(k + 1)
        power = power * h
    g1 = np.where(close, taylor, quotient)
    return fw, 0.5 * (g1 + np.transpose(g1))


def second_dd_contract(w, derivs, g1, x, y, rows_per_chunk: int | None = None):
    """``Z_ij = sum_k f[w_i, w_k, w_j] x_ik y_kj`` (chunked over ``i``, memory O(chunk n^2))."""
    wv = numpy.asarray(getval(w)).real
    n = wv.shape[0]
    floor = max(_scale(w), 1e-300)
    if rows_per_chunk is None:
        rows_per_chunk = max(1, int(2_000_000 // max(n * n, 1)))
    out = []
    aw = numpy.abs(wv)
    for start in range(0, n, rows_per_chunk):
        rows = slice(start, min(n, start + rows_per_chunk))
        wi, wk, wj = wv[rows][:, None, None], wv[None, :, None], wv[None, None, :]
        d1, d2, d3 = numpy.abs(wi - wj), numpy.abs(wk - wj), numpy.abs(wi - wk)
        dmax = numpy.maximum(numpy.maximum(d1, d2), d3)
        scale = numpy.maximum(
            numpy.maximum(numpy.maximum(aw[rows][:, None, None], aw[None, :, None]),
                          aw[None, None, :]), floor)
        taylor_mask = dmax <= DELTA2 * scale
        use1 = (d1 >= d2) & (d1 >= d3) & ~taylor_mask
        use2 = (d2 > d1) & (d2 >= d3) & ~taylor_mask
        use3 = ~(use1 | use2 | taylor_mask)
        xi, xk, xj = w[rows][:, None, None], w[None, :, None], w[None, None, :]
        g_ik = g1[rows][:, :, None]
        g_ij = g1[rows][:, None, :]
        g_kj = g1[None, :, :]
        q1 = (g_ik - g_kj) / np.where(use1, xi - xj, 1.0)
        q2 = (g_ik - g_ij) / np.where(use2, xk - xj, 1.0)
        q3 = (g_ij - g_kj) / np.where(use3, xi - xk, 1.0)
        g2 = np.where(use1, q1, np.where(use2, q2, q3))
        if taylor_mask.any():
            u = xk - xi
            v = xj - xi
            h_prev = 1.0 + 0.0 * u * v  # h_0
            vpow = 1.0 + 0.0 * v
            taylor = derivs[2][rows][:, None, None] / 2.0 * h_prev
            for p in range(1, min(5, len(derivs) - 2)):
                vpow = vpow * v
                h_prev = u * h_prev + vpow  # h_p(u, v) = u h_{p-1} + v^p
                term = derivs[p + 2][rows][:, None, None] * h_prev
                taylor = taylor + term / math.factorial(p + 2)
            g2 = np.where(taylor_mask, taylor, g2)
        out.append(np.sum(g2 * x[rows][:, :, None] * y[None, :, :], axis=1))
    return np.concatenate(out, axis=0) if len(out) > 1 else out[0]
