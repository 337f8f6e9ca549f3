"""Terminal events with differentiable event times (projectile hitting the ground)."""

import numpy
import pytest

import wengert
import wengert.numpy as np
from wengert_ode import EventNotFoundError, odeint_event


def fall(y, t, g):
    """Height and velocity under gravity g."""
    return np.stack([y[1], -g + 0.0 * y[0]])


def ground(y, t, g):
    return y[0]


def exact_landing(h0, v0, g):
    """Positive root of h0 + v0 t - g t^2 / 2 = 0."""
    return (v0 + numpy.sqrt(v0**2 + 2 * g * h0)) / g


H0, V0, G = 2.0, 3.0, 9.8


@pytest.mark.parametrize("gradient", ["checkpoint", "backprop", "adjoint"])
def test_event_time_and_its_gradient_match_the_closed_form(gradient):
    land = lambda h0, v0, g: odeint_event(fall, np.stack([h0, v0]), 0.0, ground, g,
                                          t_max=10.0, direction=-1, rtol=1e-10, atol=1e-12,
                                          gradient=gradient)[0]
    numpy.testing.assert_allclose(land(H0, V0, G), exact_landing(H0, V0, G), rtol=1e-10)
    grads = wengert.grad(land, (0, 1, 2))(H0, V0, G)
    eps = 1e-6
    for i, got in enumerate(grads):
        args = numpy.array([H0, V0, G])
        step = numpy.eye(3)[i] * eps
        fd = (exact_landing(*(args + step)) - exact_landing(*(args - step))) / (2 * eps)
        numpy.testing.assert_allclose(got, fd, rtol=1e-6)


def test_state_at_the_event_is_differentiable_in_forward_mode():
    # landing speed v* = v0 - g t*: d v*/d h0 = -g d t*/d h0 = -g / sqrt(v0^2 + 2 g h0)
    speed = lambda h0: odeint_event(fall, np.stack([h0, V0]), 0.0, ground, G, t_max=10.0,
                                    rtol=1e-10, atol=1e-12)[1][1]
    _, tangent = wengert.jvp(speed, (H0,), (1.0,))
    numpy.testing.assert_allclose(tangent, -G / numpy.sqrt(V0**2 + 2 * G * H0), rtol=1e-7)


def test_missing_event_raises():
    with pytest.raises(EventNotFoundError, match="did not cross zero"):
        odeint_event(fall, numpy.array([H0, V0]), 0.0, ground, G, t_max=0.1)
