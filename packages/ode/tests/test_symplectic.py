"""Velocity Verlet: order, energy, and the reversible (O(1)-memory) gradient's error."""

import numpy
import pytest

import wengert
import wengert.numpy as np
from wengert_ode import verlet


def spring(q, t, k):
    return -k * q


def forced_pendulum(q, t, a):
    """q'' = -sin q + a cos t: chaotic for a = 1.5 (gradients reach ~3e9 by t = 120)."""
    return -np.sin(q) + a * np.cos(t)


def test_verlet_is_second_order_and_conserves_energy():
    # harmonic oscillator q'' = -q, exact q = cos t
    t = numpy.array([0.0, 3.0])
    errors = [abs(verlet(spring, numpy.ones(1), numpy.zeros(1), t, 1.0, dt0=dt)[0][-1, 0]
                  - numpy.cos(3.0)) for dt in (0.02, 0.01)]
    assert numpy.log2(errors[0] / errors[1]) == pytest.approx(2.0, abs=0.05)
    qs, vs = verlet(spring, numpy.ones(1), numpy.zeros(1), numpy.linspace(0, 600, 7), 1.0,
                    dt0=0.05)
    energy = 0.5 * (qs**2 + vs**2)
    assert numpy.max(numpy.abs(energy - 0.5)) < 1e-3  # bounded, no drift after ~100 periods


def _relative_gap(t_end):
    t = numpy.array([0.0, t_end])
    grads = []
    for gradient in ("reversible", "backprop"):
        loss = lambda q0, a, g=gradient: np.sum(verlet(forced_pendulum, q0, numpy.zeros(1), t,
                                                       a, dt0=0.05, gradient=g)[0][-1])
        g = wengert.grad(loss, (0, 1))(numpy.array([0.2]), 1.5)
        grads.append(numpy.concatenate([numpy.ravel(x) for x in g]))
    return numpy.linalg.norm(grads[0] - grads[1]) / numpy.linalg.norm(grads[1])


def test_reversible_gradient_matches_backprop_until_chaos_amplifies_rounding():
    # Running Verlet backward reconstructs the states only up to rounding, amplified by the
    # dynamics. Forced pendulum, dt = 0.05, measured relative gap to backprop:
    # T = 20: 8e-15; T = 60: 1e-9 (gradient ~1e5); T = 120: 2e-5 (gradient ~3e9).
    short, long = _relative_gap(20.0), _relative_gap(60.0)
    assert short < 1e-11
    assert long > 100 * short


def test_reversible_gradient_is_exact_on_a_regular_orbit():
    t = numpy.linspace(0.0, 20.0, 5)
    loss = lambda k, g: np.sum(verlet(spring, numpy.array([1.0, 0.5]), numpy.zeros(2), t, k,
                                      dt0=0.01, gradient=g)[0] ** 2)
    rev = wengert.grad(loss)(1.3, "reversible")
    ref = wengert.grad(loss)(1.3, "backprop")
    numpy.testing.assert_allclose(rev, ref, rtol=1e-11)


def test_verlet_validates_its_arguments():
    with pytest.raises(ValueError, match="gradient"):
        verlet(spring, numpy.ones(1), numpy.zeros(1), numpy.array([0.0, 1.0]), 1.0,
               gradient="adjoint")
    with pytest.raises(ValueError, match="strictly increasing"):
        verlet(spring, numpy.ones(1), numpy.zeros(1), numpy.array([1.0, 0.0]), 1.0)
