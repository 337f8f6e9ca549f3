"""expm, eigh_function, sqrtm, logm, lowrank: values against scipy and derivatives against
finite differences, including exact degeneracy."""

import numpy
import pytest
import scipy.linalg

import wengert
import wengert.numpy as np
import wengert_linalg as la
from wengert.testing import check_grads


def test_expm_matches_scipy_and_its_gradient_is_the_frechet_adjoint():
    rng = numpy.random.default_rng(0)
    a = 0.5 * rng.standard_normal((4, 4))
    numpy.testing.assert_allclose(la.expm(a), scipy.linalg.expm(a), rtol=1e-13)
    c = rng.standard_normal((4, 4))
    g = wengert.grad(lambda a: np.sum(c * la.expm(a)))(a)
    numpy.testing.assert_allclose(g, scipy.linalg.expm_frechet(a.T, c, compute_expm=False),
                                  atol=1e-12)
    check_grads(la.expm, (a,), order=3)  # block-matrix rules: every order is exact


def test_sqrtm_logm_values_and_degenerate_derivatives():
    q = numpy.linalg.qr(numpy.random.default_rng(1).standard_normal((4, 4)))[0]
    a = (q * numpy.array([0.5, 0.5, 2.0, 3.0])) @ q.T
    s = la.sqrtm(a)
    numpy.testing.assert_allclose(s @ s, a, atol=1e-13)
    numpy.testing.assert_allclose(la.expm(la.logm(a)), a, atol=1e-12)
    check_grads(la.sqrtm, (a,), order=2, tangents={0: "symmetric"})
    check_grads(la.logm, (a,), order=2, tangents={0: "symmetric"})
    with pytest.raises(ValueError, match="not finite"):
        la.sqrtm(numpy.diag([1.0, -1.0]))


def test_complex_valued_function_of_a_hermitian_matrix():
    # time evolution exp(-i t H) of a Hermitian H equals expm(-i t H)
    rng = numpy.random.default_rng(2)
    x = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
    h = x + x.conj().T
    u = la.eigh_function(h, lambda w: np.exp(-0.3j * w))
    numpy.testing.assert_allclose(u, scipy.linalg.expm(-0.3j * h), atol=1e-13)
    check_grads(lambda h: la.eigh_function(h, lambda w: np.exp(-0.3j * w)), (h,), order=2,
                tangents={0: "hermitian"})


def test_lowrank_equals_truncated_svd_reconstruction():
    rng = numpy.random.default_rng(3)
    a = rng.standard_normal((7, 5))
    u, s, vh = numpy.linalg.svd(a, full_matrices=False)
    numpy.testing.assert_allclose(la.lowrank(a, 2), (u[:, :2] * s[:2]) @ vh[:2], atol=1e-12)
    numpy.testing.assert_allclose(la.lowrank(a.T, 2), ((u[:, :2] * s[:2]) @ vh[:2]).T,
                                  atol=1e-12)
    check_grads(lambda a: la.lowrank(a, 2), (a,), order=2)
    with pytest.raises(ValueError, match="splits a degenerate multiplet"):
        la.lowrank(numpy.eye(3), 1)
