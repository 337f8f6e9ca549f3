"""svd: truncated (12x9, k=4), complex gauge, full_matrices, degenerate and rank-deficient
inputs. References: central finite differences of the same loss (wengert.testing)."""

import numpy
import pytest

import wengert
import wengert.numpy as np
import wengert_linalg as la
from wengert.testing import check_grads


def test_truncated_12x9_k4_matches_finite_differences_to_1e8():
    rng = numpy.random.default_rng(3)
    a = rng.standard_normal((12, 9))
    c = rng.standard_normal((12, 9))

    def loss(a):
        u, s, vh = la.svd(a, k=4)
        return np.sum(c * np.dot(u * np.sin(s), vh)) + np.sum(np.dot(u, np.transpose(u)) ** 2 * 0.3)

    check_grads(loss, (a,), order=2, rtol=1e-8)


def test_truncated_backward_needs_the_discarded_coupling():
    # the kept-triplets-only formula (I - U_k U_k^T) G S^-1 V^T misses the 1/(s_j^2 - s_i^2)
    # coupling to discarded j; here it is visibly off, while la.svd is exact (test above)
    rng = numpy.random.default_rng(3)
    a = rng.standard_normal((12, 9))
    c = rng.standard_normal((12, 4))
    loss = lambda a: np.sum(c * la.svd(a, k=4)[0])  # noqa: E731  (sign-fixed by LAPACK)
    g = wengert.grad(loss)(a)
    u, s, vh = numpy.linalg.svd(a, full_matrices=False)
    uk, sk, vk = u[:, :4], s[:4], vh[:4].T
    m = uk.T @ c
    f = 1.0 / (sk[None, :] ** 2 - sk[:, None] ** 2 + numpy.eye(4)) * (1 - numpy.eye(4))
    kept_only = uk @ ((f * (m - m.T)) * sk) @ vk.T + (c - uk @ m) / sk @ vk.T
    rel = numpy.linalg.norm(kept_only - g) / numpy.linalg.norm(g)
    assert rel > 0.01


@pytest.mark.parametrize("shape", [(5, 3), (3, 5)])
def test_complex_gauge_invariant_losses_match_finite_differences(shape):
    rng = numpy.random.default_rng(1)
    a = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)

    def loss(a):
        u, s, vh = la.svd(a)
        return np.abs(u) ** 2, np.abs(vh) ** 2, s, np.dot(u * s, vh)

    check_grads(loss, (a,), order=2)


def test_phase_dependent_complex_loss_is_reported():
    rng = numpy.random.default_rng(2)
    a = rng.standard_normal((4, 3)) + 1j * rng.standard_normal((4, 3))
    with pytest.raises(la.GaugeError, match="phase"):
        wengert.grad(lambda a: np.real(np.sum(la.svd(a)[0])))(a)


def test_full_matrices_complement_projector_and_basis_dependence():
    rng = numpy.random.default_rng(4)
    a = rng.standard_normal((6, 3))
    def perp(a):
        up = la.svd(a, full_matrices=True)[0][:, 3:]
        return np.dot(up, np.transpose(up))

    check_grads(perp, (a,), order=2)
    with pytest.raises(la.GaugeError):  # one vector of the 3-dim complement: arbitrary
        wengert.grad(lambda a: np.sum(la.svd(a, full_matrices=True)[0][:, 4] * numpy.arange(6)))(a)


def test_z2_degenerate_singular_values_give_finite_exact_gradients():
    # exactly degenerate singular values (as the Z2 symmetry gives in TRG at criticality)
    q1 = numpy.linalg.qr(numpy.random.default_rng(5).standard_normal((4, 4)))[0]
    q2 = numpy.linalg.qr(numpy.random.default_rng(6).standard_normal((4, 4)))[0]
    a = q1 @ numpy.diag([2.0, 1.0, 1.0, 0.5]) @ q2.T

    def loss(a):  # polar factor and projectors of the multiplet, other triplets, its sum
        u, s, vh = la.svd(a)
        return (np.dot(u[:, 1:3], vh[1:3]), np.dot(u[:, 1:3], np.transpose(u[:, 1:3])),
                np.dot(np.transpose(vh[1:3]), vh[1:3]), u[:, 0] * s[0] * vh[0, 0],
                s[1] + s[2], s[3] ** 2)

    check_grads(loss, (a,), order=1)
    check_grads(lambda a: np.sum(la.svd(a)[1][1:3]), (a,), order=2)
    # reconstructions U f(S) V^T weight each vector of the multiplet by its own value: the
    # exact rule needs the 0/0 limit no cotangent carries; use lowrank (Daleckii-Krein)
    check_grads(lambda a: la.lowrank(a, 3), (a,), order=2)


def test_rank_deficient_smooth_probes():
    rng = numpy.random.default_rng(7)
    a = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 4))  # rank 2

    def probes(a):
        u, s, vh = la.svd(a)
        ur = u[:, :2]
        return s[:2] ** 2, np.dot(ur, np.transpose(ur)), np.dot(ur * s[:2], vh[:2])

    check_grads(probes, (a,), order=1)
    check_grads(lambda a: la.lowrank(a, 2), (a,), order=2)  # range reconstruction, 2nd order


def test_bad_k_and_full_matrices_combination():
    a = numpy.ones((3, 2))
    with pytest.raises(ValueError, match="k must be"):
        la.svd(a, k=3)
    with pytest.raises(ValueError, match="full_matrices"):
        la.svd(a, k=1, full_matrices=True)
