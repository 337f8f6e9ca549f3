"""Gradients of every mode against independent references (the issue's acceptance tests)."""

import numpy
import pytest
import scipy.integrate
import scipy.linalg

import wengert
import wengert.numpy as np
from wengert_ode import GRADIENTS, OdeSolverError, odeint

# Lotka–Volterra x' = a x - b x y, y' = -c y + d x y written as y * (C p + (T p) y):
# five tape nodes per call, so tracing it (backprop, default VJPs) stays cheap.
_LV_C = numpy.array([[1.0, 0, 0, 0], [0, 0, -1.0, 0]])
_LV_T = numpy.zeros((2, 2, 4))
_LV_T[0, 1, 1], _LV_T[1, 0, 3] = -1.0, 1.0
LV_P = numpy.array([1.5, 1.0, 3.0, 1.0])
LV_Y0 = numpy.array([1.0, 1.0])


def lotka_volterra(y, t, p):
    return y * (np.dot(_LV_C, p) + np.dot(np.dot(_LV_T, p), y))


def lv_vjp(y, t, p):
    """Hand-written (f, pullback) of lotka_volterra, as odeint's f_vjp expects."""
    x, z = y
    a, b, c, d = p
    out = numpy.array([a * x - b * x * z, -c * z + d * x * z])

    def pullback(g):
        y_bar = numpy.array([g[0] * (a - b * z) + g[1] * d * z,
                             -g[0] * b * x + g[1] * (-c + d * x)])
        return y_bar, 0.0, numpy.array([g[0] * x, -g[0] * x * z, -g[1] * z, g[1] * x * z])

    return out, pullback


def lv_jvp(primals, tangents):
    """Hand-written (f, tangent) of lotka_volterra, as odeint's f_jvp expects."""
    (x, z), _, (a, b, c, d) = primals
    (dx, dz), _, (da, db, dc, dd) = tangents
    out = numpy.array([a * x - b * x * z, -c * z + d * x * z])
    return out, numpy.array([da * x + a * dx - db * x * z - b * (dx * z + x * dz),
                             -dc * z - c * dz + dd * x * z + d * (dx * z + x * dz)])


def lv_sensitivities_scipy(t1, tol=1e-12):
    """y(t1) and dy(t1)/dp from the forward sensitivity equations S' = J S + df/dp,
    integrated by SciPy's DOP853 at rtol = atol = 1e-12 (independent of wengert-ode)."""
    a, b, c, d = LV_P

    def rhs(t, z):
        x, y = z[:2]
        s = z[2:].reshape(2, 4)
        jac = numpy.array([[a - b * y, -b * x], [d * y, -c + d * x]])
        f_p = numpy.array([[x, -x * y, 0, 0], [0, 0, -y, x * y]])
        return numpy.concatenate([[a * x - b * x * y, -c * y + d * x * y],
                                  (jac @ s + f_p).ravel()])

    z0 = numpy.concatenate([LV_Y0, numpy.zeros(8)])
    sol = scipy.integrate.solve_ivp(rhs, (0.0, t1), z0, method="DOP853", rtol=tol, atol=tol)
    return sol.y[:2, -1], sol.y[2:, -1].reshape(2, 4)


@pytest.fixture(scope="module")
def lv_reference():
    return lv_sensitivities_scipy(10.0)


@pytest.mark.parametrize("gradient", GRADIENTS)
def test_lotka_volterra_gradient_of_every_mode_matches_forward_sensitivities(gradient,
                                                                              lv_reference):
    # issue acceptance: rtol = atol = 1e-10, agreement 1e-6 relative with the sensitivity
    # equations at 1e-12
    # (hand-written VJP of f for speed; the traced default is checked by the conformance
    # suite and the other tests)
    y_ref, jac_ref = lv_reference
    t = numpy.array([0.0, 10.0])
    final = lambda p: odeint(lotka_volterra, LV_Y0, t, p, rtol=1e-10, atol=1e-10,
                             gradient=gradient, f_vjp=lv_vjp)[-1]
    numpy.testing.assert_allclose(final(LV_P), y_ref, rtol=1e-8)
    jac = wengert.jacobian(final)(LV_P)
    error = numpy.abs(jac - jac_ref).max() / numpy.abs(jac_ref).max()
    assert error < 1e-6, f"{gradient}: relative error {error:.2e}"


def test_lotka_volterra_forward_mode_matches_forward_sensitivities(lv_reference):
    _, jac_ref = lv_reference
    t = numpy.array([0.0, 10.0])
    final = lambda p: odeint(lotka_volterra, LV_Y0, t, p, rtol=1e-10, atol=1e-10,
                             f_jvp=lv_jvp)[-1]
    columns = [wengert.jvp(final, (LV_P,), (e,))[1] for e in numpy.eye(4)]
    error = numpy.abs(numpy.stack(columns, axis=1) - jac_ref).max() / numpy.abs(jac_ref).max()
    assert error < 1e-6


# Lorenz-63 as A(p) y + y_0 (S y): seven tape nodes per call.
_LZ_T = numpy.zeros((3, 3, 3))
_LZ_T[0, 0, 0], _LZ_T[0, 1, 0], _LZ_T[1, 0, 1], _LZ_T[2, 2, 2] = -1.0, 1.0, 1.0, -1.0
_LZ_A0 = numpy.zeros((3, 3))
_LZ_A0[1, 1] = -1.0
_LZ_S = numpy.array([[0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]])
LZ_P = numpy.array([10.0, 28.0, 8.0 / 3.0])


def lorenz(y, t, p):
    return np.dot(np.dot(_LZ_T, p) + _LZ_A0, y) + y[0] * np.dot(_LZ_S, y)


def test_lorenz_checkpoint_matches_backprop_while_backsolve_adjoint_is_wrong():
    # Lorenz-63 (sigma, rho, beta) = (10, 28, 8/3) from (1, 1, 1) to T = 10, dopri5 at the
    # default tolerances (rtol 1e-6, atol 1e-9; 344 steps).
    # * checkpoint and backprop differentiate the same discrete solution: agreement to 1e-8
    #   (the criterion; measured 8.2e-15);
    # * interpolating (continuous adjoint, forward dense output): measured 1.6e-5, the
    #   gradient's sensitivity to the tolerance;
    # * adjoint (continuous backsolve): the backward integration of the dissipative Lorenz
    #   flow expands volumes like exp(13.7 t), the state leaves the attractor (|y| ~ 4e4 by
    #   t = 7.5) and the solver gives up: OdeSolverError after max_steps. There is no
    #   gradient to compare; this test states that it fails.
    t = numpy.array([0.0, 10.0])

    def grad(gradient):
        loss = lambda p: np.sum(odeint(lorenz, numpy.ones(3), t, p, gradient=gradient,
                                       max_steps=600)[-1])
        return wengert.grad(loss)(LZ_P)

    ref = grad("backprop")
    rel = lambda g: float(numpy.linalg.norm(g - ref) / numpy.linalg.norm(ref))
    assert rel(grad("checkpoint")) < 1e-8
    assert rel(grad("interpolating")) < 1e-3
    with pytest.raises(OdeSolverError, match="max_steps"):
        grad("adjoint")


def test_stiff_linear_backsolve_adjoint_fails_where_checkpoint_is_exact():
    # y' = k A y, A = [[-1, 1], [0, -50]], k = 1: eigenvalues {-1, -50} on [0, 5]
    # (REFERENCES.md). d sum(y(T)) / dk needs y(t) along the way; the backsolve adjoint
    # recomputes it backward, where the fast mode grows like exp(50 t) from rounding.
    # Exact: 1^T L(AT, AT) y0 with L the Frechet derivative of expm
    # (scipy.linalg.expm_frechet). dopri5 at 1e-10.
    a = numpy.array([[-1.0, 1.0], [0.0, -50.0]])
    y0, t_end = numpy.array([1.0, 2.0]), 5.0
    exact = numpy.ones(2) @ scipy.linalg.expm_frechet(a * t_end, a * t_end,
                                                      compute_expm=False) @ y0
    matrix = lambda k: k * a

    def grad(gradient):
        loss = lambda k: np.sum(odeint(lambda y, t, k: np.dot(matrix(k), y), y0,
                                       numpy.array([0.0, t_end]), k, rtol=1e-10, atol=1e-10,
                                       gradient=gradient, max_steps=1000)[-1])
        return float(wengert.grad(loss)(1.0))

    assert abs(grad("checkpoint") - exact) < 1e-5 * abs(exact)
    assert abs(grad("interpolating") - exact) < 1e-5 * abs(exact)
    # the backward state explodes (measured |y| ~ 3e16 by t = 3.8) and the solve gives up
    with pytest.raises(OdeSolverError, match="max_steps"):
        grad("adjoint")


def test_time_gradients_match_the_vector_field():
    # d y(t_j)/d t_j = f(y(t_j)) for an interior (dense) and the final output time,
    # and d y(t_j)/d t_0 = -Phi f(y0) (for the linear system below, -expm(A t) A y0).
    a = numpy.array([[0.0, 1.0], [-4.0, -0.3]])
    y0 = numpy.array([1.0, 0.0])
    f = lambda y, t: np.dot(a, y)
    times = numpy.array([0.2, 1.1, 2.0])
    for gradient in GRADIENTS:
        jac = wengert.jacobian(lambda t, g=gradient: odeint(f, y0, t, rtol=1e-11, atol=1e-11,
                                                            gradient=g))(times)
        for j in (1, 2):
            y_j = scipy.linalg.expm(a * (times[j] - times[0])) @ y0
            numpy.testing.assert_allclose(jac[j, :, j], a @ y_j, rtol=1e-7, atol=1e-9)
            numpy.testing.assert_allclose(
                jac[j, :, 0], -scipy.linalg.expm(a * (times[j] - times[0])) @ a @ y0,
                rtol=1e-7, atol=1e-9)


def test_backprop_gives_second_derivatives():
    # d^2/dk^2 of y(1) for y' = -k y, y(0) = 1: y = exp(-k), second derivative exp(-k).
    final = lambda k: odeint(lambda y, t, k: -k * y, numpy.ones(1), numpy.array([0.0, 1.0]),
                             k, rtol=1e-12, atol=1e-12, gradient="backprop")[-1, 0]
    second = wengert.grad(wengert.grad(final))(0.7)
    numpy.testing.assert_allclose(second, numpy.exp(-0.7), rtol=1e-8)


def test_checkpoint_and_backprop_agree_for_every_method():
    # the same discrete solution differentiated two ways: agreement to rounding
    y0 = numpy.array([0.3, -0.2])
    t = numpy.array([0.0, 0.7, 1.5])
    f = lambda y, t, p: np.tanh(np.dot(numpy.array([[0.2, -1.0], [1.0, -0.1]]), y) * p[0]
                                + p[1] * np.sin(t))
    p = numpy.array([1.3, 0.4])
    def loss(p, y0, method, gradient):
        dt0 = 0.1 if method in ("euler", "rk4") else None
        ys = odeint(f, y0, t, p, method=method, dt0=dt0, rtol=1e-7, atol=1e-7,
                    gradient=gradient)
        return np.sum(ys**2)

    for method in ("euler", "rk4", "bosh3", "dopri5", "tsit5", "dop853", "sdirk4"):
        grads = [wengert.grad(loss, (0, 1))(p, y0, method, g) for g in ("checkpoint", "backprop")]
        for a, b in zip(*grads):
            numpy.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13, err_msg=method)


def test_continuous_adjoints_run_with_the_implicit_method():
    # sdirk4 solves the reversed-time adjoint systems too (Newton with a block-diagonal
    # Jacobian); on a mildly stiff problem they agree with the discrete adjoint to ~tol
    a = numpy.array([[-1.0, 1.0], [0.0, -20.0]])
    t = numpy.array([0.0, 0.2, 0.4])

    def grad(gradient):
        loss = lambda k: np.sum(odeint(lambda y, t, k: k * np.dot(a, y), numpy.ones(2), t, k,
                                       method="sdirk4", rtol=1e-7, atol=1e-7,
                                       gradient=gradient) ** 2)
        return float(wengert.grad(loss)(1.0))

    ref = grad("checkpoint")
    for gradient in ("interpolating", "adjoint"):
        assert abs(grad(gradient) - ref) < 1e-5 * abs(ref)
