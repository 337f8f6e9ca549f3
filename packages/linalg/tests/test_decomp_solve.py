"""qr/lq/cholesky and the linear-system primitives: values against numpy; derivatives are
in the conformance suite, composites (lq, lstsq) are checked here."""

import numpy
import pytest

import wengert_linalg as la
from wengert.testing import check_grads


@pytest.mark.parametrize("shape", [(5, 3), (3, 3), (3, 5)])
def test_qr_and_lq_reconstruct(shape):
    a = numpy.random.default_rng(0).standard_normal(shape)
    q, r = la.qr(a)
    numpy.testing.assert_allclose(q @ r, a, atol=1e-13)
    l_, q2 = la.lq(a)
    numpy.testing.assert_allclose(l_ @ q2, a, atol=1e-13)
    assert numpy.allclose(numpy.triu(l_, 1), 0)
    check_grads(lambda a: la.lq(a), (a,), order=2)


def test_cholesky_and_solvers_against_numpy():
    rng = numpy.random.default_rng(1)
    x = rng.standard_normal((4, 4))
    a = x @ x.T + numpy.eye(4)
    b = rng.standard_normal(4)
    numpy.testing.assert_allclose(la.cholesky(a), numpy.linalg.cholesky(a), atol=1e-13)
    numpy.testing.assert_allclose(la.solve(a, b), numpy.linalg.solve(a, b), atol=1e-13)
    numpy.testing.assert_allclose(la.inv(a), numpy.linalg.inv(a), atol=1e-13)
    numpy.testing.assert_allclose(la.det(a), numpy.linalg.det(a), rtol=1e-13)
    assert la.slogdet(a)[1] == pytest.approx(numpy.linalg.slogdet(a)[1], rel=1e-13)
    tall = rng.standard_normal((6, 3))
    rhs = rng.standard_normal(6)
    numpy.testing.assert_allclose(la.lstsq(tall, rhs), numpy.linalg.lstsq(tall, rhs)[0],
                                  atol=1e-12)
    check_grads(la.lstsq, (tall, rhs), order=2)


def test_det_gradient_at_a_singular_matrix_is_the_adjugate():
    a = numpy.array([[1.0, 2.0], [2.0, 4.0]])  # singular; adj(A)^T = [[4, -2], [-2, 1]]
    import wengert

    numpy.testing.assert_allclose(wengert.grad(la.det)(a), [[4.0, -2.0], [-2.0, 1.0]],
                                  atol=1e-12)
