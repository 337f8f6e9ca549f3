"""Orders of the methods, of their dense outputs, and accuracy of the adaptive solves."""

import numpy
import pytest

import wengert.numpy as np
from wengert_ode import METHODS, OdeSolverError, odeint
from wengert_ode.field import Problem, TreeSpec
from wengert_ode.steps import RawRHS, combine, dense, extra_stages, stages

# y' = cos(t) y has the exact solution y = exp(sin t) (non-autonomous, nonlinear in t)
EXACT = lambda t: numpy.exp(numpy.sin(t))


def f_cos(y, t):
    return np.cos(t) * y


def _one_step(method, h, t0=0.3):
    tab = METHODS[method]
    problem = Problem(f_cos, TreeSpec(numpy.ones(1), "y0"), TreeSpec((), "params"))
    rhs = RawRHS(problem.field(numpy.zeros(0)), 1e-12, 1e-12)
    y = numpy.array([EXACT(t0)])
    ks = stages(tab, rhs, y, t0, h)
    step_error = abs(combine(y, h, tab.b, ks)[0] - EXACT(t0 + h))
    ks_all = extra_stages(tab, rhs, y, t0, h, ks)
    dense_error = abs(dense(tab, y, h, ks_all, 0.5)[0] - EXACT(t0 + 0.5 * h))
    return step_error, dense_error


# (method, order of the step, order of the dense output, step size)
ORDERS = [("euler", 1, 1, 0.02), ("rk4", 4, 3, 0.1), ("bosh3", 3, 3, 0.1),
          ("dopri5", 5, 4, 0.1), ("tsit5", 5, 4, 0.1), ("dop853", 8, 7, 0.25),
          ("sdirk4", 4, 3, 0.1)]


@pytest.mark.parametrize("method, order, dense_order, h", ORDERS)
def test_local_error_of_step_and_dense_output_has_the_stated_order(method, order,
                                                                   dense_order, h):
    # local errors scale as h^(p+1): halving h divides them by 2^(p+1)
    e1, d1 = _one_step(method, h)
    e2, d2 = _one_step(method, h / 2)
    assert numpy.log2(e1 / e2) == pytest.approx(order + 1, abs=0.35)
    assert numpy.log2(d1 / d2) == pytest.approx(dense_order + 1, abs=0.35)


@pytest.mark.parametrize("method, order", [("euler", 1), ("rk4", 4)])
def test_fixed_step_global_error_converges_at_the_method_order(method, order):
    t = numpy.array([0.0, 2.0])
    errors = [abs(odeint(f_cos, numpy.ones(1), t, method=method, dt0=dt)[-1, 0] - EXACT(2.0))
              for dt in (0.1, 0.05)]
    assert numpy.log2(errors[0] / errors[1]) == pytest.approx(order, abs=0.15)


@pytest.mark.parametrize("method", ["bosh3", "dopri5", "tsit5", "dop853", "sdirk4"])
def test_adaptive_solution_and_dense_outputs_meet_the_tolerance(method):
    t = numpy.linspace(0.0, 10.0, 23)
    ys, stats = odeint(f_cos, numpy.ones(1), t, method=method, rtol=1e-8, atol=1e-10,
                       return_stats=True)
    numpy.testing.assert_allclose(ys[:, 0], EXACT(t), rtol=1e-6)
    assert stats.n_accepted > 0 and stats.nfev > stats.n_accepted


def test_tighter_tolerance_takes_more_steps_and_is_more_accurate():
    t = numpy.array([0.0, 10.0])
    rows = [odeint(f_cos, numpy.ones(1), t, rtol=tol, atol=tol, return_stats=True)
            for tol in (1e-5, 1e-9)]
    errors = [abs(ys[-1, 0] - EXACT(10.0)) for ys, _ in rows]
    assert errors[1] < errors[0] / 100
    assert rows[1][1].n_accepted > rows[0][1].n_accepted


def test_stiff_linear_system_needs_few_implicit_steps():
    # y' = A y, eigenvalues -1 and -1000; exact solution by diagonalization
    a = numpy.array([[-1.0, 0.0], [999.0, -1000.0]])
    y0 = numpy.array([1.0, 0.0])
    t = numpy.array([0.0, 1.0, 10.0])
    vals, vecs = numpy.linalg.eig(a)
    exact = numpy.stack([vecs @ (numpy.exp(vals * s) * numpy.linalg.solve(vecs, y0))
                         for s in t])
    f = lambda y, t: np.dot(a, y)
    ys, implicit = odeint(f, y0, t, method="sdirk4", rtol=1e-6, atol=1e-9, return_stats=True)
    numpy.testing.assert_allclose(ys, exact, rtol=1e-4, atol=1e-8)
    _, explicit = odeint(f, y0, t, method="dopri5", rtol=1e-6, atol=1e-9, return_stats=True)
    assert implicit.n_accepted < 300 and explicit.n_accepted > 2000
    assert implicit.njev == implicit.n_accepted and implicit.nlu >= implicit.njev


def test_robertson_matches_scipy_radau():
    # Robertson's stiff chemical kinetics (Hairer & Wanner II, Sec. IV.1) to t = 40;
    # reference: SciPy 1.17 Radau at rtol 1e-10, atol 1e-14
    import scipy.integrate

    def rober(y, t, k):
        return np.stack([-k[0] * y[0] + k[2] * y[1] * y[2],
                         k[0] * y[0] - k[2] * y[1] * y[2] - k[1] * y[1] ** 2,
                         k[1] * y[1] ** 2])

    k = numpy.array([0.04, 3e7, 1e4])
    y0 = numpy.array([1.0, 0.0, 0.0])
    ref = scipy.integrate.solve_ivp(lambda t, y: rober(y, t, k), (0, 40), y0, method="Radau",
                                    rtol=1e-10, atol=1e-14).y[:, -1]
    ys, stats = odeint(rober, y0, numpy.array([0.0, 40.0]), k, method="sdirk4", rtol=1e-6,
                       atol=1e-10, return_stats=True)
    numpy.testing.assert_allclose(ys[-1], ref, rtol=1e-4, atol=1e-10)
    assert stats.njev == stats.n_accepted  # one Jacobian per step


def test_max_steps_and_underflow_raise_with_the_solver_state():
    t = numpy.array([0.0, 10.0])
    with pytest.raises(OdeSolverError, match="max_steps=5") as info:
        odeint(f_cos, numpy.ones(1), t, max_steps=5)
    assert 0.0 < info.value.t < 10.0 and info.value.y.shape == (1,)
    singular = lambda y, t: 1.0 / (0.5 - t) + 0.0 * y  # y = -log(0.5 - t): no way past 0.5
    with pytest.raises(OdeSolverError, match="underflow") as info:
        odeint(singular, numpy.zeros(1), numpy.array([0.0, 1.0]))
    assert 0.5 - 1e-12 < info.value.t < 0.5
    overflow = lambda y, t: 1e300 * y**2  # the second rk4 stage overflows to inf
    with pytest.raises(OdeSolverError, match="non-finite"):
        odeint(overflow, numpy.ones(1), numpy.array([0.0, 2.0]), method="rk4", dt0=0.5)
