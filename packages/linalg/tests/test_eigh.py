"""eigh: degenerate and complex gradients through gauge-invariant losses, gauge errors,
broadening bias. Reference values: central finite differences of the same loss
(fourth-order stencil in wengert.testing), or closed forms stated inline."""

import numpy
import pytest

import wengert
import wengert.numpy as np
import wengert_linalg as la
from wengert.testing import check_grads


def with_spectrum(w, complex_=False, seed=0):
    rng = numpy.random.default_rng(seed)
    x = rng.standard_normal((len(w), len(w)))
    if complex_:
        x = x + 1j * rng.standard_normal(x.shape)
    q = numpy.linalg.qr(x)[0]
    a = (q * numpy.asarray(w)) @ q.conj().T
    return (a + a.conj().T) / 2


HERMITIAN = {0: "hermitian"}


@pytest.mark.parametrize("complex_", [False, True])
def test_projector_onto_degenerate_group_matches_finite_differences(complex_):
    a = with_spectrum([-1.0, 0.5, 0.5, 0.5, 2.0], complex_)

    def projector(a):  # onto the exactly threefold eigenvalue 0.5
        _, v = la.eigh(a)
        g = v[:, 1:4]
        return np.real(np.dot(g, np.conj(np.transpose(g))))

    check_grads(projector, (a,), order=2, tangents=HERMITIAN)


@pytest.mark.parametrize("complex_", [False, True])
def test_projectors_are_exact_to_second_order_next_to_a_degenerate_group(complex_):
    # projectors of a single eigenvalue, of a pair and of a triple, with a multiplet in the
    # complement: the rules, differentiated, couple each group to the rest through
    # Q_G H Q_G (individual vectors of the multiplet were 24% off at second order)
    a = with_spectrum([-1.0, -1.0, 0.2, 0.7, 0.7, 0.7, 1.9], complex_, seed=3)
    w = numpy.random.default_rng(4).standard_normal(a.shape)

    def projectors(a):
        _, v = la.eigh(a)
        return tuple(
            np.real(np.sum(w * np.dot(v[:, i:j], np.conj(np.transpose(v[:, i:j])))))
            for i, j in ((0, 2), (2, 3), (3, 6), (6, 7))
        )

    check_grads(projectors, (a,), order=2, tangents=HERMITIAN)


def test_third_derivative_of_a_degenerate_projector_converges_to_finite_differences():
    # directional d^3/dt^3 by reverse^3 against differences of the exact second derivative
    # (check_grads' fixed step is too coarse at third order next to a degeneracy)
    a = with_spectrum([-1.0, 0.5, 0.5, 2.0], seed=5)
    rng = numpy.random.default_rng(6)
    w, d = rng.standard_normal(a.shape), rng.standard_normal(a.shape)
    d = d + d.T

    def loss(t):
        v = la.eigh(a + t * d)[1][:, 1:3]
        return np.sum(w * np.dot(v, np.transpose(v)))

    d2 = wengert.grad(wengert.grad(loss))
    d3 = wengert.grad(d2)(0.0)
    h = 3e-4
    fd = (8 * (d2(h) - d2(-h)) - (d2(2 * h) - d2(-2 * h))) / (12 * h)
    assert abs(fd - d3) < 1e-9 * abs(d3)


def test_functions_of_group_sums_are_exact_to_second_order_at_degeneracy():
    a = with_spectrum([0.3, 0.3, 1.2, 1.2, 1.2])

    def loss(a):
        w, _ = la.eigh(a)
        return np.sum(w[:2]) ** 2 + np.exp(np.sum(w[2:]))

    check_grads(loss, (a,), order=2, tangents=HERMITIAN)
    # sum(exp(w)) = tr exp(A) is exact to first order through eigh, to second through
    # eigh_function (its Hessian needs f'' on the degenerate block, see module docs)
    check_grads(lambda a: np.sum(np.exp(la.eigh(a)[0])), (a,), order=1, tangents=HERMITIAN)
    check_grads(lambda a: np.trace(la.eigh_function(a, np.exp)), (a,), order=2, tangents=HERMITIAN)


def test_matrix_function_through_eigh_is_exact_when_f_is_flat_on_the_degenerate_group():
    a = with_spectrum([-1.0, 1.0, 1.0, 3.0])
    f = lambda w: (w - 1.0) ** 2  # noqa: E731  f'(1) = 0 on the degenerate pair

    def loss(a):
        w, v = la.eigh(a)
        return np.dot(v * f(w), np.transpose(v))

    check_grads(loss, (a,), order=1, tangents=HERMITIAN)


def test_eigh_function_is_exact_where_first_order_eigenvector_cotangents_are_not():
    # V exp(W) V^T with f' != 0 on an exact degeneracy: the limit f'(w) (V^T G V)_ij of
    # F_ij * bracket_ij is 0/0, so eigh's own rule drops it; Daleckii-Krein keeps it.
    a = with_spectrum([0.2, 0.2, 0.9])

    def via_eigh(a):
        w, v = la.eigh(a)
        return np.sum(np.dot(v * np.exp(w), np.transpose(v))[0, :2])

    through_eigh = wengert.grad(via_eigh)
    exact = wengert.grad(lambda a: np.sum(la.eigh_function(a, np.exp)[0, :2]))
    g_exact = exact(a)
    assert numpy.all(numpy.isfinite(through_eigh(a)))
    check_grads(lambda a: la.eigh_function(a, np.exp), (a,), order=2, tangents=HERMITIAN)
    # d exp(A)/dA at A = a: the matrix exponential's Frechet adjoint (scipy reference)
    import scipy.linalg

    g = numpy.zeros((3, 3))
    g[0, :2] = 1.0
    reference = scipy.linalg.expm_frechet(a, g, compute_expm=False)
    numpy.testing.assert_allclose(g_exact, (reference + reference.T) / 2, atol=1e-12)


def test_never_nan_on_exact_degeneracy_and_agrees_with_numpy():
    a = numpy.diag([1.0, 1.0, 1.0, 2.0])
    w, v = la.eigh(a)
    numpy.testing.assert_allclose(w, numpy.linalg.eigh(a)[0])
    g = wengert.grad(lambda a: np.sum(la.eigh(a)[1][:, :3] ** 2 * numpy.arange(4)[:, None]))(a)
    assert numpy.all(numpy.isfinite(g))


def test_complex_phase_dependent_loss_raises_gauge_error():
    a = with_spectrum([-1.0, 0.4, 1.3], complex_=True)
    with pytest.raises(la.GaugeError, match="gauge"):
        wengert.grad(lambda a: np.real(np.sum(la.eigh(a)[1][:, 0])))(a)
    # |v|^2 is phase invariant: no error, and it matches finite differences
    check_grads(lambda a: np.abs(la.eigh(a)[1][:, 0]) ** 2, (a,), order=1, tangents=HERMITIAN)


def test_gauge_policy_can_warn_instead():
    a = with_spectrum([-1.0, 0.4, 1.3], complex_=True)
    previous = la.set_gauge_check("warn")
    try:
        with pytest.warns(la.GaugeWarning):
            wengert.grad(lambda a: np.real(np.sum(la.eigh(a)[1][:, 0])))(a)
    finally:
        la.set_gauge_check(previous)


def test_lorentzian_broadening_bias_is_about_eps_over_gap_squared():
    gap = 0.1
    a = with_spectrum([0.0, gap, 2.0])
    loss = lambda a, eps: np.sum(la.eigh(a, broadening=eps)[1][:, 0] ** 2 * numpy.arange(3))  # noqa: E731
    exact = wengert.grad(lambda a: loss(a, 0.0))(a)
    eps = 1e-6
    biased = wengert.grad(lambda a: loss(a, eps))(a)
    rel = numpy.max(numpy.abs(biased - exact)) / numpy.max(numpy.abs(exact))
    assert 0.2 * eps / gap**2 < rel < 5 * eps / gap**2


def test_higher_order_matches_closed_form_for_a_2x2():
    # w_max of [[1, t], [t, -1]] is sqrt(1 + t^2): second derivative 1/(1+t^2)^1.5
    t = 0.7
    sz, sx = numpy.diag([1.0, -1.0]), numpy.array([[0.0, 1.0], [1.0, 0.0]])
    f = lambda t: la.eigh(sz + t * sx)[0][1]  # noqa: E731
    assert abs(wengert.grad(wengert.grad(f))(t) - (1 + t * t) ** -1.5) < 1e-12
