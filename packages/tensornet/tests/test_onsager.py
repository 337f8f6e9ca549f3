"""Onsager's exact solution, differentiated by forward mode, against independent formulas."""

import math

import numpy
import pytest
import scipy.integrate

import wengert
from wengert_tensornet import onsager


def test_ln_z_at_critical_point_matches_closed_form_and_quadrature():
    # closed form ln2/2 + 2G/pi (REFERENCES.md); independent adaptive quadrature (scipy quad)
    # of the same integral with kappa = 1
    integral = scipy.integrate.quad(lambda p: math.log((1 + math.cos(p)) / 2), 0, math.pi / 2,
                                    epsabs=1e-14, epsrel=1e-14, limit=200)[0]
    by_quad = math.log(2 * math.sqrt(2)) + integral / math.pi
    assert onsager.LN_Z_C == pytest.approx(by_quad, rel=1e-14)
    assert float(onsager.ln_z(onsager.BETA_C)) == pytest.approx(by_quad, rel=1e-14)


@pytest.mark.parametrize("temperature", [1.0, 2.0, 2.25, 2.3, 3.0, 4.0])
def test_ln_z_matches_adaptive_quadrature(temperature):
    k = 1 / temperature
    kappa = 2 * math.sinh(2 * k) / math.cosh(2 * k) ** 2
    integrand = lambda p: math.log((1 + math.sqrt(1 - kappa**2 * math.sin(p) ** 2)) / 2)
    integral = scipy.integrate.quad(integrand, 0, math.pi / 2, epsabs=1e-14, epsrel=1e-14,
                                    limit=200)[0]
    expected = math.log(2 * math.cosh(2 * k)) + integral / math.pi
    assert float(onsager.ln_z(k)) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("temperature", [1.0, 2.0, 2.2, 2.35, 3.0, 4.0])
def test_internal_energy_by_forward_mode_matches_elliptic_formula(temperature):
    u = onsager.thermodynamics(temperature)["u"]
    assert u == pytest.approx(onsager.internal_energy_elliptic(temperature), rel=1e-13)


def test_internal_energy_at_critical_point_is_minus_sqrt2():
    assert onsager.thermodynamics(onsager.T_C)["u"] == pytest.approx(-math.sqrt(2), rel=1e-15)
    assert float(wengert.grad(onsager.ln_z)(onsager.BETA_C)) == pytest.approx(math.sqrt(2))
    assert onsager.thermodynamics(onsager.T_C)["c"] == math.inf


@pytest.mark.parametrize("temperature", [1.5, 2.0, 3.0])
def test_specific_heat_is_derivative_of_elliptic_energy(temperature):
    # c = du/dT checked against a 4th-order central difference of the textbook u(T)
    h = 1e-3
    u = onsager.internal_energy_elliptic
    du = (8 * (u(temperature + h) - u(temperature - h)) - (u(temperature + 2 * h)
          - u(temperature - 2 * h))) / (12 * h)
    assert onsager.thermodynamics(temperature)["c"] == pytest.approx(du, rel=1e-9)


def test_reverse_mode_agrees_with_taylor():
    beta = 0.41
    f0, f1, f2 = wengert.taylor(onsager.ln_z, beta, 2)
    assert float(wengert.grad(onsager.ln_z)(beta)) == pytest.approx(float(f1), rel=1e-13)
    second = float(wengert.grad(wengert.grad(onsager.ln_z))(beta))
    assert second == pytest.approx(float(f2), rel=1e-12)


def test_bad_temperature_raises():
    with pytest.raises(ValueError, match="beta"):
        onsager.ln_z(-1.0)
    with pytest.raises(ValueError, match="temperature"):
        onsager.thermodynamics(0.0)
    assert numpy.isfinite(onsager.T_C)
