"""Site tensors: exactness on small tori (against enumeration) and symmetry."""

import itertools

import numpy
import pytest

import wengert
from wengert_tensornet import hotrg, ising_tensor, site_tensor


def test_ising_tensor_is_symmetric_under_all_leg_permutations():
    t = numpy.asarray(ising_tensor(0.4, h=0.3))
    for perm in itertools.permutations(range(4)):
        numpy.testing.assert_allclose(numpy.transpose(t, perm), t, rtol=0, atol=1e-15)


@pytest.mark.parametrize("beta, h", [(0.3, 0.0), (0.6, 0.25)])
def test_ising_tensor_gives_exact_z_on_a_4x4_torus(beta, h, brute_force):
    # 4 HOTRG steps without truncation contract a 4x4 torus exactly
    value = float(hotrg(ising_tensor(beta, h), chi=256, steps=4))
    assert value == pytest.approx(brute_force(beta, h, 4, 4), rel=1e-13)


def test_site_tensor_of_ising_weights_matches_ising_tensor_network(brute_force):
    beta, h = 0.45, 0.1
    q = numpy.exp(beta * numpy.array([[1.0, -1.0], [-1.0, 1.0]]))
    t = site_tensor(q, numpy.exp(beta * h * numpy.array([1.0, -1.0])))
    assert float(hotrg(t, chi=64, steps=2)) == pytest.approx(brute_force(beta, h, 2, 2),
                                                            rel=1e-13)


def test_site_tensor_potts_is_differentiable_through_degenerate_weights():
    # 3-state Potts: Q = exp(beta * eye(3)) has a doubly degenerate eigenvalue
    def ln_z(beta):
        q = wengert.numpy.exp(beta * numpy.eye(3))
        return hotrg(site_tensor(q), chi=9, steps=4)

    g = float(wengert.grad(ln_z)(0.7))
    fd = (float(ln_z(0.7 + 1e-5)) - float(ln_z(0.7 - 1e-5))) / 2e-5
    assert g == pytest.approx(fd, rel=1e-7)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="beta"):
        ising_tensor(0.0)
    with pytest.raises(ValueError, match="beta"):
        ising_tensor(numpy.ones(2))
    with pytest.raises(ValueError, match="bond_weight"):
        site_tensor(numpy.ones((2, 3)))
    with pytest.raises(ValueError, match="symmetric"):
        site_tensor(numpy.array([[1.0, 2.0], [0.5, 1.0]]))
    with pytest.raises(ValueError, match="site_weight"):
        site_tensor(numpy.eye(2), numpy.ones(3))
