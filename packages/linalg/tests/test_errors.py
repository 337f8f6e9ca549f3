"""Bad inputs raise ValueError/TypeError naming the argument and what was expected."""

import numpy
import pytest

import wengert.numpy as np
import wengert_linalg as la


@pytest.mark.parametrize("fun", [la.eigh, la.cholesky, la.expm, la.inv, la.det, la.eig,
                                 lambda a: la.eigh_function(a, np.exp)])
def test_non_square_is_rejected_naming_a(fun):
    with pytest.raises(ValueError, match="a must be square"):
        fun(numpy.ones((2, 3)))


@pytest.mark.parametrize("fun", [la.eigh, la.svd, la.qr, la.expm, la.pinv])
def test_nan_is_rejected(fun):
    a = numpy.eye(3)
    a[0, 1] = numpy.nan
    with pytest.raises(ValueError, match="a contains NaN"):
        fun(a)


def test_non_hermitian_is_rejected_with_the_size_of_the_asymmetry():
    with pytest.raises(ValueError, match="a must be symmetric"):
        la.eigh(numpy.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="a must be Hermitian"):
        la.eigh(numpy.array([[1.0, 1j], [1j, 1.0]]))


def test_wrong_rank_and_types():
    with pytest.raises(ValueError, match="2D matrix"):
        la.svd(numpy.ones(3))
    with pytest.raises(TypeError, match="float or complex"):
        la.qr(numpy.array([["a"]]))
    with pytest.raises(TypeError, match="f must be a callable"):
        la.eigh_function(numpy.eye(2), "exp")
    with pytest.raises(ValueError, match="positive definite"):
        la.cholesky(numpy.diag([1.0, -1.0]))
    with pytest.raises(ValueError, match="singular"):
        la.solve(numpy.zeros((2, 2)), numpy.ones(2))
    with pytest.raises(ValueError, match="b must have shape"):
        la.solve(numpy.eye(2), numpy.ones(3))
