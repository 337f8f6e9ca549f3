"""solve_ivp against scipy.integrate.solve_ivp (SciPy 1.17) on the same problems."""

import numpy
import pytest
import scipy.integrate

from wengert_ode import solve_ivp


def lotka(t, y, a, b, c, d):
    return [a * y[0] - b * y[0] * y[1], -c * y[1] + d * y[0] * y[1]]


ARGS = (1.5, 1.0, 3.0, 1.0)


@pytest.mark.parametrize("method", ["RK45", "RK23", "DOP853"])
def test_same_answer_as_scipy_at_its_tolerances(method):
    t_eval = numpy.linspace(0, 10, 11)
    ours = solve_ivp(lotka, (0, 10), [1.0, 1.0], method=method, t_eval=t_eval, args=ARGS,
                     rtol=1e-8, atol=1e-10)
    ref = scipy.integrate.solve_ivp(lotka, (0, 10), [1.0, 1.0], method=method, t_eval=t_eval,
                                    args=ARGS, rtol=1e-8, atol=1e-10)
    assert ours.success and ours.status == 0 and ours.y.shape == ref.y.shape == (2, 11)
    numpy.testing.assert_allclose(ours.y, ref.y, rtol=1e-5)
    numpy.testing.assert_array_equal(ours.t, t_eval)
    assert abs(ours.nfev - ref.nfev) < 0.5 * ref.nfev  # a PI controller, not SciPy's I


@pytest.mark.parametrize("method", ["RK45", "RK23", "DOP853"])
@pytest.mark.parametrize("rtol", [1e-3, 1e-6, 1e-9])
def test_first_step_is_scipys_initial_step(method, rtol):
    # Hairer's starting step with the exponent 1 / (error order + 1), as SciPy (and
    # dopri5.f, dop853.f, torchdiffeq) use it; both first steps are accepted here
    ours = solve_ivp(lotka, (0, 10), [1.0, 1.0], method=method, args=ARGS, rtol=rtol,
                     atol=rtol * 1e-2)
    ref = scipy.integrate.solve_ivp(lotka, (0, 10), [1.0, 1.0], method=method, args=ARGS,
                                    rtol=rtol, atol=rtol * 1e-2)
    assert ours.t[1] == pytest.approx(ref.t[1], rel=1e-12)


def test_default_output_is_every_accepted_step_and_dense_output_interpolates():
    ours = solve_ivp(lotka, (0, 5), [1.0, 1.0], args=ARGS, dense_output=True, rtol=1e-9,
                     atol=1e-11)
    assert ours.t[0] == 0 and ours.t[-1] == 5 and numpy.all(numpy.diff(ours.t) > 0)
    ref = scipy.integrate.solve_ivp(lotka, (0, 5), [1.0, 1.0], args=ARGS, rtol=1e-11,
                                    atol=1e-12, dense_output=True)
    s = numpy.linspace(0, 5, 37)
    numpy.testing.assert_allclose(ours.sol(s), ref.sol(s), rtol=1e-6)


def test_terminal_and_directional_events_like_scipy():
    def prey_peak(t, y, *args):  # x' = 0, falling: the prey maximum
        return lotka(t, y, *args)[0]

    def prey_low(t, y, *args):
        return y[0] - 0.97

    prey_peak.direction = -1
    prey_low.terminal = True
    kwargs = dict(args=ARGS, events=[prey_peak, prey_low], rtol=1e-10, atol=1e-12)
    ours = solve_ivp(lotka, (0, 20), [1.0, 1.0], **kwargs)
    ref = scipy.integrate.solve_ivp(lotka, (0, 20), [1.0, 1.0], **kwargs)
    assert ours.status == ref.status == 1
    for got, want in zip(ours.t_events, ref.t_events):
        numpy.testing.assert_allclose(got, want, rtol=1e-7)
    numpy.testing.assert_allclose(ours.t[-1], ref.t[-1], rtol=1e-7)
    numpy.testing.assert_allclose(ours.y_events[1], ref.y_events[1], rtol=1e-6)


def test_backward_integration_and_method_validation():
    ours = solve_ivp(lambda t, y: -y, (1.0, 0.0), [1.0], rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(ours.y[0, -1], numpy.e, rtol=1e-8)
    with pytest.raises(ValueError, match="method"):
        solve_ivp(lambda t, y: -y, (0, 1), [1.0], method="LSODA")
