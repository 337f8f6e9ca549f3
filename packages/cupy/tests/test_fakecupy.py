"""The test double behaves like CuPy on the points the device machinery relies on.

(It is a stand-in for tests of host-array creation and transfers, not a GPU simulator.)
"""

import numpy
import pytest

from wengert_cupy import count_transfers
from wengert_cupy.testing import fakecupy as fc


@pytest.fixture
def x():
    return fc.asarray(numpy.arange(6.0).reshape(2, 3))


def test_implicit_conversion_to_numpy_is_refused(x):
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        numpy.asarray(x)
    with pytest.raises(TypeError, match="Implicit conversion"):
        numpy.array([x, x])


def test_host_arrays_are_refused_by_device_functions_and_operators(x):
    with pytest.raises(TypeError, match="Unsupported type <class 'numpy.ndarray'>"):
        x + numpy.ones(3)
    with pytest.raises(TypeError, match="Unsupported type"):
        numpy.ones(3) * x
    with pytest.raises(TypeError, match="Unsupported type"):
        fc.where(x > 0, x, numpy.zeros((2, 3)))


def test_numpy_functions_dispatch_to_the_device_and_reductions_stay_arrays(x):
    assert type(numpy.sin(x)) is fc.ndarray
    assert type(numpy.sum(x)) is fc.ndarray and numpy.sum(x).ndim == 0
    assert type(numpy.linalg.eigh(x @ x.T)[1]) is fc.ndarray
    assert numpy.shape(x) == (2, 3) and numpy.ndim(x) == 2
    assert numpy.result_type(x, 1j) == numpy.complex128
    assert type(2.0 * x) is fc.ndarray and type(x @ x.T) is fc.ndarray


def test_transfers_are_counted(x):
    with count_transfers(fc) as t:
        y = numpy.exp(x) * 2.0 + x[0]
    assert (t.to_host, t.to_device) == (0, 0)
    with count_transfers(fc) as t:
        float(y[0, 0])
        bool(y[0, 0] > 0)
        y.get()
        repr(y)
    assert (t.to_host, t.to_device) == (4, 0)
    with count_transfers(fc) as t:
        fc.asarray(numpy.ones(2))
        y[numpy.array([0, 1])]
        y[y > 1.0]  # output size depends on data: a device synchronization
    assert (t.to_host, t.to_device) == (1, 2)


def test_views_into_host_arrays_are_refused(x):
    with pytest.raises(TypeError, match="cannot become a host array"):
        x.view(numpy.ndarray)
