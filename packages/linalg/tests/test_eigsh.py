"""eigsh: the N = 16 transverse-field Ising chain against the exact free-fermion result,
matrix-free, to second order; dense and matrix-free eigenvector losses vs finite
differences."""

import numpy
import pytest

import wengert
import wengert.numpy as np
import wengert_linalg as la
from wengert.testing import check_grads


class CountingTFIM(la.TFIM):
    """The matrix-free operator, asserting it only ever sees vectors (never a matrix)."""

    def __call__(self, v, coupling, field):
        assert numpy.shape(v) == (self.n,)
        return super().__call__(v, coupling, field)


def test_tfim_16_energy_and_two_derivatives_match_free_fermions_to_1e9():
    # exact: E0 = -sum_n sqrt(1 + g^2 - 2 g cos((2n-1) pi / N)) (Pfeuty 1970; REFERENCES.md),
    # differentiated with wengert on the closed form
    sites, g = 16, 0.8
    op = CountingTFIM(sites)
    e0 = lambda g: la.eigsh(op, 1.0, g, n=op.n)[0][0]  # noqa: E731
    exact = lambda g: la.tfim_ground_energy(sites, g)  # noqa: E731
    d1, d2 = wengert.grad(e0), wengert.grad(wengert.grad(e0))
    assert abs(e0(g) - exact(g)) < 1e-9
    assert abs(d1(g) - wengert.grad(exact)(g)) < 1e-9
    assert abs(d2(g) - wengert.grad(wengert.grad(exact))(g)) < 1e-9
    # forward-over-reverse gives the same curvature
    assert abs(wengert.hessian(e0)(g) - wengert.grad(wengert.grad(exact))(g)) < 1e-9


def test_matrix_free_eigenvector_loss_matches_finite_differences():
    op = la.TFIM(6)
    target = numpy.random.default_rng(0).standard_normal(op.n)

    def overlap(params):
        _, v = la.eigsh(op, params[:6], params[6:], n=op.n)
        return np.sum(target * v[:, 0]) ** 2

    x = numpy.random.default_rng(1).uniform(0.6, 1.4, 12)
    check_grads(overlap, (x,), order=2, rtol=1e-7)


def test_dense_eigsh_agrees_with_eigh_values_and_gradients():
    rng = numpy.random.default_rng(2)
    x = rng.standard_normal((7, 7))
    a = x + x.T
    w_ref, v_ref = numpy.linalg.eigh(a)
    w, v = la.eigsh(a, k=3)
    numpy.testing.assert_allclose(w, w_ref[:3], atol=1e-12)
    loss_s = lambda a: np.sum(np.abs(la.eigsh(a, k=2)[1]) ** 2 * numpy.arange(7)[:, None])  # noqa: E731
    loss_h = lambda a: np.sum(np.abs(la.eigh(a)[1][:, :2]) ** 2 * numpy.arange(7)[:, None])  # noqa: E731
    numpy.testing.assert_allclose(wengert.grad(loss_s)(a), wengert.grad(loss_h)(a), atol=1e-10)
    w_top, _ = la.eigsh(a, k=2, which="LA")
    numpy.testing.assert_allclose(w_top, w_ref[-2:], atol=1e-12)


def test_sparse_operator_forward():
    import scipy.sparse

    n = 50
    lap = scipy.sparse.diags([-numpy.ones(n - 1), 2 * numpy.ones(n), -numpy.ones(n - 1)],
                             [-1, 0, 1], format="csr")
    w, _ = la.eigsh(lap, k=2)
    exact = 2 - 2 * numpy.cos(numpy.arange(1, 3) * numpy.pi / (n + 1))  # Dirichlet chain
    numpy.testing.assert_allclose(w, exact, atol=1e-10)


def test_eigsh_input_errors():
    with pytest.raises(ValueError, match="n .*required"):
        la.eigsh(la.TFIM(4), 1.0, 1.0)
    with pytest.raises(ValueError, match="op must be symmetric"):
        la.eigsh(numpy.arange(9.0).reshape(3, 3))
    with pytest.raises(ValueError, match="which"):
        la.eigsh(numpy.eye(3), which="LM")
    with pytest.raises(TypeError, match="op must be"):
        la.eigsh("H", n=3)
