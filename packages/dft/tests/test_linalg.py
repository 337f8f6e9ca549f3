"""The package's eigendecomposition: gradients of gauge-invariant losses, also degenerate."""

import numpy
import pytest

import wengert
import wengert.numpy as np
from wengert.testing import check_grads
from wengert_dft import _linalg


def _projector_loss(a):
    w, v = _linalg.eigh(a)
    p = np.dot(v[:, :2], v[:, :2].T)
    return np.sum(np.sin(p)) + np.sum(w**2)


def test_eigh_gradients_match_finite_differences():
    a = numpy.random.default_rng(0).normal(size=(5, 5))
    check_grads(_projector_loss, (a + a.T,), order=2)


def test_projector_gradient_at_exact_degeneracy():
    q = numpy.linalg.qr(numpy.random.default_rng(1).normal(size=(5, 5)))[0]
    a = q @ numpy.diag([1.0, 1.0, 2.0, 3.0, 3.0]) @ q.T  # occupied pair and virtual pair
    weights = numpy.arange(25.0).reshape(5, 5)

    def loss(a):
        occ = _linalg.eigh(a)[1][:, :2]
        return np.sum(np.dot(occ, occ.T) * weights)

    g = wengert.grad(loss)(a)
    h = 1e-6
    d = numpy.random.default_rng(2).normal(size=(5, 5))
    d = d + d.T
    fd = (loss(a + h * d) - loss(a - h * d)) / (2 * h)
    assert numpy.isfinite(g).all()
    assert abs(numpy.sum(g * d) - fd) < 1e-6


def test_backend_is_reported():
    assert _linalg.BACKEND in ("fallback", "wengert_linalg")
    with pytest.raises(ValueError):
        _linalg.eigh(numpy.ones((2, 3)))
