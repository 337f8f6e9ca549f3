"""``linalg.eig``: eigendecomposition of a general (non-Hermitian) square matrix.

``eig(a) -> (w, v)`` as ``numpy.linalg.eig`` (complex ``w`` in LAPACK's order, unit-norm
columns ``v``). Rules (autograd's convention; ``F_ij = 1/(w_j - w_i)``, zero inside groups
closer than ``degeneracy_rtol * max|w|``)::

    JVP:  P = V^-1 dA V,  dw = diag(P),  dV = V (F o P)
    VJP:  A_bar = V^-T [diag(w_bar) + F o (V^T v_bar)] V^T     (real part for real A)

Gauge caveats: each eigenvector is defined only up to a complex factor (numpy picks unit
norm and an arbitrary phase), and the rules use the gauge ``diag(V^-1 dV) = 0``, which does
not keep the norm. So only losses invariant under ``V -> V D`` (``D`` any invertible
diagonal) are differentiated: eigenvalues, and ``V f(W) V^-1`` (matrix functions, spectral
projectors). A loss with ``diag(V^T v_bar) != 0`` (e.g. through ``|v|`` of the normalized
vectors) raises :class:`GaugeError`. Defective or degenerate eigenvalues are not
differentiable; near-degenerate pairs get ``F = 0`` like :func:`eigh`. The eigenvalue order
is LAPACK's, not sorted: use symmetric functions of ``w`` where the order may change.
"""

from __future__ import annotations

import numpy
from autograd.tracer import getval

import wengert
import wengert.numpy as np
from wengert_linalg._common import (
    DEGENERACY_RTOL,
    as_matrix,
    inverse_gaps,
    is_zero,
    report_gauge,
)

__all__ = ["eig", "eig_probe"]


def _eig_value(a, degeneracy_rtol=DEGENERACY_RTOL):
    value = as_matrix(a, "a", "eig", square=True)
    w, v = numpy.linalg.eig(value)
    return w.astype(complex), v.astype(complex)


eig = wengert.primitive("linalg.eig")(_eig_value)
eig.__doc__ = """Eigenvalues and right eigenvectors of a general square matrix (complex output).

See the module docstring for the gauge caveats: differentiate eigenvalues and
``V f(W) V^-1``-type functions only.
"""


def _labels(w, rtol):
    wv = numpy.asarray(getval(w))
    scale = float(numpy.max(numpy.abs(wv))) if wv.size else 0.0
    # group by distance in the complex plane (chained)
    n = wv.shape[0]
    labels = numpy.arange(n)
    close = numpy.abs(wv[:, None] - wv[None, :]) <= rtol * max(scale, 1e-300)
    for i in range(n):
        for j in range(i + 1, n):
            if close[i, j]:
                labels[labels == labels[j]] = labels[i]
    return numpy.unique(labels, return_inverse=True)[1]


def _eig_vjp(ans, a, degeneracy_rtol=DEGENERACY_RTOL):
    w, v = ans
    labels = _labels(w, degeneracy_rtol)
    real_input = not numpy.iscomplexobj(getval(a))

    def vjp(g):
        gw, gv = g
        vinv_t = np.transpose(np.linalg.inv(v))
        inner = np.diag(gw) + 0.0j
        if not is_zero(gv):
            x = np.dot(np.transpose(v), gv)
            xv = numpy.asarray(getval(x))
            report_gauge("linalg.eig", float(numpy.max(numpy.abs(numpy.diag(xv)))),
                         float(numpy.max(numpy.abs(xv))), "eigenvectors (scale and phase)")
            inner = inner + inverse_gaps(w, labels) * x
        abar = np.dot(np.dot(vinv_t, inner), np.transpose(v))
        return np.real(abar) if real_input else abar

    return vjp


def _eig_jvp(g, ans, a, degeneracy_rtol=DEGENERACY_RTOL):
    w, v = ans
    labels = _labels(w, degeneracy_rtol)
    p = np.dot(np.linalg.inv(v), np.dot(g, v))
    return np.diag(p), np.dot(v, inverse_gaps(w, labels) * p)


eig.defvjp(_eig_vjp)
eig.defjvp(_eig_jvp)


def eig_probe(out, a, *rest):
    """Order- and gauge-invariant views of ``eig``'s output: ``V diag(f(w)) V^-1`` for
    ``f = sin`` and ``f = w**2`` (matrix functions of ``a``)."""
    w, v = out
    vinv = np.linalg.inv(v)
    return np.dot(v * np.sin(w), vinv), np.dot(v * (w * w), vinv)


@eig.examples
def _eig_examples(rng):
    return [
        wengert.Example((rng.standard_normal((4, 4)),), name="real"),
        wengert.Example((rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3)),),
                        name="complex"),
    ]


eig.probe = eig_probe
