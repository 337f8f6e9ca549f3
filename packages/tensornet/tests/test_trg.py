"""Levin-Nave TRG: exact on small tori, accurate at T_c, differentiable through the SVD."""

import numpy
import pytest

import wengert
from wengert.testing import check_grads
from wengert_tensornet import ising_tensor, onsager, trg


@pytest.mark.parametrize("steps, rows, cols", [(2, 2, 2), (4, 4, 4)])
def test_exact_on_small_torus_without_truncation(steps, rows, cols, brute_force):
    value = float(trg(ising_tensor(0.4, 0.2), chi=256, steps=steps))
    assert value == pytest.approx(brute_force(0.4, 0.2, rows, cols), rel=1e-13)


def test_critical_point_accuracy():
    # TRG is less accurate than HOTRG at equal chi (measured: chi=8 6.9e-5, chi=16 4.6e-6)
    value = float(trg(ising_tensor(onsager.BETA_C), 8, 32))
    assert abs(value - onsager.LN_Z_C) / onsager.LN_Z_C < 1e-4


def test_derivatives_finite_on_temperature_grid_including_tc():
    f = lambda b: trg(ising_tensor(b), 6, 10)
    for temperature in (1.0, 2.0, onsager.T_C, 3.0, 4.0):
        beta = 1 / temperature
        values = [f(beta), wengert.grad(f)(beta), wengert.hessian(f)(beta)]
        assert numpy.isfinite([float(v) for v in values]).all(), temperature


def test_internal_energy_close_to_onsager():
    temperature = 3.0
    u = -float(wengert.grad(lambda b: trg(ising_tensor(b), 10, 20))(1 / temperature))
    assert u == pytest.approx(onsager.thermodynamics(temperature)["u"], rel=1e-4)  # 3.1e-5


def test_derivatives_match_finite_differences_through_truncation():
    check_grads(lambda b, h: trg(ising_tensor(b, h), 5, 6), (0.42, 0.1), order=1)


def test_second_derivatives_match_finite_differences_through_truncation():
    check_grads(lambda b, h: trg(ising_tensor(b, h), 5, 6), (0.42, 0.1), order=2)
