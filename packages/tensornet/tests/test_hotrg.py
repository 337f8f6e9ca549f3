"""HOTRG: ln Z at T_c and the derivatives u, c against Onsager; derivative modes agree."""

import math

import numpy
import pytest
import scipy.integrate

import wengert
from wengert.testing import check_grads
from wengert_tensornet import hotrg, ising_tensor, onsager


def onsager_ln_z_at_tc_by_quadrature() -> float:
    """Onsager's ln Z per site at T_c, kappa = 1 (REFERENCES.md), by scipy's adaptive quad."""
    integral = scipy.integrate.quad(
        lambda p: math.log((1 + math.cos(p)) / 2), 0, math.pi / 2, epsabs=1e-14, epsrel=1e-14
    )[0]
    return math.log(2 * math.cosh(2 * onsager.BETA_C)) + integral / math.pi


def test_critical_point_chi16_32_steps_within_1e6():
    exact = onsager_ln_z_at_tc_by_quadrature()
    value = float(hotrg(ising_tensor(onsager.BETA_C), chi=16, steps=32))
    # measured 5.6e-7; chi=32 (5e-8 required, 3.1e-8 measured) runs in
    # benchmarks/tensornet_vs_torch.py --precision and the ising-trg demo
    assert abs(value - exact) / exact <= 1e-6


@pytest.mark.parametrize("temperature, chi", [(2.0, 24), (3.0, 18)])
def test_internal_energy_and_specific_heat_match_onsager(temperature, chi):
    # u and c from the derivatives of ln Z by nested forward mode (wengert.taylor); exact
    # values from Onsager's solution, itself differentiated by forward mode (checked against
    # the elliptic-integral formula in test_onsager.py). 2**12 sites: finite-size effects
    # are below the tolerances here. Measured (relative): T=2, chi=24: u 6.0e-8, c 2.4e-6;
    # T=3, chi=18: u 3.5e-8, c 3.9e-7 (chi=24: 8.4e-9, 9.1e-8; see the README).
    exact = onsager.thermodynamics(temperature)
    beta = 1 / temperature
    ln_z = lambda b: hotrg(ising_tensor(b), chi, 12, checkpoint=False)
    _, d1, d2 = wengert.taylor(ln_z, beta, 2)
    u, c = -float(d1), beta**2 * float(d2)
    assert abs(u - exact["u"]) / abs(exact["u"]) <= 1e-7
    assert abs(c - exact["c"]) / exact["c"] <= 1e-5


def test_forward_over_reverse_equals_reverse_over_reverse_and_taylor():
    f = lambda b: hotrg(ising_tensor(b, 0.05), 8, 8)
    beta = 1 / 2.5
    fwd_rev = float(wengert.hessian(f)(beta))
    rev_rev = float(wengert.grad(wengert.grad(f))(beta))
    fwd_fwd = float(wengert.taylor(f, beta, 2)[2])
    assert rev_rev == pytest.approx(fwd_rev, rel=1e-10)
    assert fwd_fwd == pytest.approx(fwd_rev, rel=1e-10)
    first_rev = float(wengert.grad(f)(beta))
    first_fwd = float(wengert.jvp(f, (beta,), (1.0,))[1])
    assert first_fwd == pytest.approx(first_rev, rel=1e-12)


def test_no_nan_or_inf_on_temperature_grid_including_tc():
    f = lambda b: hotrg(ising_tensor(b), 8, 12)
    for temperature in sorted([*numpy.linspace(1.0, 4.0, 7), onsager.T_C]):
        beta = 1 / temperature
        value, first = wengert.value_and_grad(f)(beta)
        second = wengert.hessian(f)(beta)
        assert numpy.isfinite([float(value), float(first), float(second)]).all(), temperature


def test_derivatives_with_respect_to_beta_and_field_match_finite_differences():
    check_grads(lambda b, h: hotrg(ising_tensor(b, h), 6, 6), (0.42, 0.1), order=2)


def test_derivatives_with_respect_to_a_general_tensor_match_finite_differences():
    rng = numpy.random.default_rng(1)
    t = rng.uniform(0.5, 1.5, size=(3, 2, 3, 2))
    check_grads(lambda t: hotrg(t, 4, 4), (t,), order=1)


def test_bad_arguments_raise():
    t = ising_tensor(0.4)
    with pytest.raises(ValueError, match="chi"):
        hotrg(t, 0, 4)
    with pytest.raises(ValueError, match="steps"):
        hotrg(t, 4, -1)
    with pytest.raises(ValueError, match="tensor"):
        hotrg(numpy.ones((2, 2, 2)), 4, 4)
    with pytest.raises(ValueError, match="tensor"):
        hotrg(numpy.ones((2, 3, 3, 2)), 4, 4)


def test_hotrg_second_derivative_on_a_temperature_grid_raises_no_gauge_error():
    # regression: eigh's default degeneracy threshold lumped the tiny eigenvalues that the
    # truncation cuts between, so T = 2.4 at chi = 16 raised GaugeError
    from wengert_tensornet.demos.ising_trg import point

    result = point(2.4, chi=16, steps=24)
    assert numpy.isfinite(result["c"])
    assert abs(result["u"] - result["u_exact"]) < 1e-5 * abs(result["u_exact"])


def test_coarse_contraction_rules_match_finite_differences():
    # the hand-written first-order pullback of the chi^7 contraction (and, at second order,
    # the reference rule it hands over to) against finite differences
    from wengert_tensornet.hotrg import _coarse

    rng = numpy.random.default_rng(0)
    u, t = rng.standard_normal((3, 3, 4)), rng.standard_normal((2, 3, 2, 3))
    weights = rng.standard_normal((4, 2, 2, 4))
    f = lambda u, t: wengert.numpy.sum(weights * _coarse(u, t) ** 2)
    check_grads(f, (u, t), modes=("rev", "fwd"), order=2)
