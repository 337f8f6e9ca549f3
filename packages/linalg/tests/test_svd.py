"""svd: truncated (12x9, k=4), complex gauge, full_matrices, degenerate and rank-deficient
inputs, second and third derivatives through truncations at exactly zero singular values.
References: central finite differences of the same loss (wengert.testing)."""

import sys

import numpy
import pytest

import wengert
import wengert.numpy as np
import wengert_linalg as la
from wengert.testing import check_grads

svd_module = sys.modules["wengert_linalg.svd"]  # the package exports the function `svd`
with_singular_values = svd_module._with_singular_values


def ct(x):
    return np.conj(np.transpose(x))


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
        return (
            np.dot(u[:, 1:3], vh[1:3]),
            np.dot(u[:, 1:3], np.transpose(u[:, 1:3])),
            np.dot(np.transpose(vh[1:3]), vh[1:3]),
            u[:, 0] * s[0] * vh[0, 0],
            s[1] + s[2],
            s[3] ** 2,
        )

    check_grads(loss, (a,), order=1)
    check_grads(lambda a: np.sum(la.svd(a)[1][1:3]), (a,), order=2)

    def projectors(a):  # projectors of the multiplet and of 0 + multiplet, the other triplet
        u, s, vh = la.svd(a)
        return (
            np.dot(u[:, 1:3], np.transpose(u[:, 1:3])),
            np.dot(np.transpose(vh[:3]), vh[:3]),
            np.dot(u[:, :1] * s[:1], vh[:1]),
        )

    check_grads(projectors, (a,), order=2)
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

    check_grads(probes, (a,), order=2)
    check_grads(lambda a: la.lowrank(a, 2), (a,), order=2)  # range reconstruction, 2nd order


def test_bad_k_and_full_matrices_combination():
    a = numpy.ones((3, 2))
    with pytest.raises(ValueError, match="k must be"):
        la.svd(a, k=3)
    with pytest.raises(ValueError, match="full_matrices"):
        la.svd(a, k=1, full_matrices=True)


# Second derivatives through a truncation whose discarded singular values hold exact zeros
# (zero multiplets, a single zero of a tall/wide matrix whose vectors mix with the complement)
# or a nonzero multiplet: the rules couple the kept triplets to the discarded space through
# (I - U_G U_G^H) A, never through the discarded vectors (which there are not functions of A).
TRUNCATIONS = [  # (m, n), singular values, k, complex
    ((4, 4), [3.0, 1.5, 0.0, 0.0], 1, False),  # rank-2 4x4, k=1: the reported 27% case
    ((6, 4), [2.5, 1.2, 0.0, 0.0], 2, True),
    ((4, 7), [2.5, 1.2, 0.6, 0.0], 2, True),
    ((5, 4), [3.0, 1.5, 0.7, 0.0], 2, False),
    ((6, 6), [2.0, 1.2, 0.8, 0.8, 0.0, 0.0], 2, False),
    ((3, 6), [2.0, 1.1, 0.0], 1, False),
]


def truncated_losses(m, n, k, complex_, rng, slicing):
    def c(*shape):
        noise = rng.standard_normal(shape)
        return noise + 1j * rng.standard_normal(shape) if complex_ else noise

    w, x, y, p, q = c(m, n), c(n, m), c(n, m), c(m, m), c(n, n)

    def losses(a):
        if slicing:  # as tensornet's TRG does: one full svd, sliced
            u, s, vh = la.svd(a)
            u, s, vh = u[:, :k], s[:k], vh[:k]
        else:
            u, s, vh = la.svd(a, k)
        recon = np.dot(u * s, vh)
        left, right = u * np.sqrt(s), np.sqrt(s)[:, None] * vh  # TRG's split factors
        r1, r2 = np.dot(np.dot(right, x), left), np.dot(np.dot(right, y), left)
        network = np.trace(np.dot(r1, r2)) + np.trace(r1) ** 2  # gauge-invariant contraction
        return (
            np.real(np.sum(w * recon)),
            np.real(np.sum(w * recon * np.conj(recon))),
            np.real(network),
            np.sum(s**2),
            np.real(np.sum(p * np.dot(u, ct(u)))),
            np.real(np.sum(q * np.dot(ct(vh), vh))),
        )

    return losses


@pytest.mark.parametrize("slicing", [False, True], ids=["svd-k", "sliced"])
@pytest.mark.parametrize(
    "case",
    TRUNCATIONS,
    ids=lambda c: f"{c[0][0]}x{c[0][1]}-{c[1]}-k{c[2]}" + ("-complex" if c[3] else ""),
)
def test_second_derivatives_through_truncation_at_zero_singular_values(case, slicing):
    (m, n), s, k, complex_ = case
    rng = numpy.random.default_rng(12)
    a = with_singular_values(rng, m, n, s, complex_)
    check_grads(truncated_losses(m, n, k, complex_, rng, slicing), (a,), order=2)


def test_second_derivative_of_the_reported_rank2_case_against_hessian_by_differences():
    # u1 s1 v1^T of a rank-2 4x4 matrix contracted with w: the full Hessian (forward over
    # reverse and reverse over reverse) against central differences of the gradient
    rng = numpy.random.default_rng(13)
    a = with_singular_values(rng, 4, 4, [3.0, 1.5, 0.0, 0.0])
    w = rng.standard_normal((4, 4))

    def loss(a):
        u, s, vh = la.svd(a, 1)
        return np.sum(w * np.dot(u * s, vh))

    grad = wengert.grad(loss)
    basis = numpy.eye(16).reshape(16, 4, 4)
    fwd = numpy.array([wengert.jvp(grad, (a,), (e,))[1].ravel() for e in basis])
    rev = numpy.array([wengert.vjp(grad, a)[1](e)[0].ravel() for e in basis])
    h = 1e-3
    fd = numpy.array(
        [
            (
                (
                    8 * (grad(a + h * e) - grad(a - h * e))
                    - (grad(a + 2 * h * e) - grad(a - 2 * h * e))
                )
                / (12 * h)
            ).ravel()
            for e in basis
        ]
    )
    scale = numpy.abs(fd).max()
    assert numpy.abs(fwd - fd).max() < 1e-8 * scale
    assert numpy.abs(rev - fd).max() < 1e-8 * scale
    assert numpy.abs(fwd - rev).max() < 1e-12 * scale


def test_third_derivatives_through_truncation_at_zero_singular_values():
    rng = numpy.random.default_rng(14)
    a = with_singular_values(rng, 6, 4, [2.5, 1.2, 0.0, 0.0], True)
    w = rng.standard_normal((6, 4))

    def loss(a):
        u, s, vh = la.svd(a, 2)
        recon = np.dot(u * s, vh)
        return np.real(np.sum(w * recon * np.conj(recon)))

    check_grads(loss, (a,), order=3)


def test_forward_rule_of_square_svd_is_exact_next_to_a_tiny_singular_value():
    # (I - U U^H) dA V / s vanishes for square U; computing it amplified its rounding by
    # 1/s_min = 1e9 (forward-over-reverse was off by 4e-7, TRG's last step by 2e-8)
    rng = numpy.random.default_rng(11)
    a = with_singular_values(rng, 6, 6, [3.0, 2.0, 1.2, 0.5, 1e-3, 1e-9])
    w = rng.standard_normal((6, 6))

    def loss(a):
        u, s, vh = la.svd(a)
        left, right = u[:, :2] * np.sqrt(s[:2]), np.sqrt(s[:2])[:, None] * vh[:2]
        return np.sum(w * np.dot(left, right)) + np.sum(np.dot(right, np.dot(w.T, left)) ** 2)

    check_grads(loss, (a,), order=2)


@pytest.mark.parametrize("complex_", [False, True])
def test_complement_solve_is_exact_to_third_order_on_a_degenerate_spectrum(complex_):
    # [[sig_i, -A], [-A^H, sig_i]]^-1 [r_i; t_i] with A's spectrum (1, 1, 0.5, 0, 0), the
    # constant spectrum recomputed at every finite-difference point
    rng = numpy.random.default_rng(15)
    ad = with_singular_values(rng, 6, 5, [1.0, 1.0, 0.5, 0.0, 0.0], complex_)

    def c(*shape):
        noise = rng.standard_normal(shape)
        return noise + 1j * rng.standard_normal(shape) if complex_ else noise

    r, t, sig = c(6, 2), c(5, 2), numpy.array([2.5, 1.6])

    def solve(ad, sig, r, t):
        u, s, vh = numpy.linalg.svd(svd_module.getval(ad), full_matrices=False)
        spec = (u, s, vh.conj().T, numpy.asarray(svd_module.getval(sig)))
        return svd_module._complement_solve(ad, np.diag(sig), r, t, spec=spec)

    x, y = solve(ad, sig, r, t)
    assert numpy.allclose(sig * x - ad @ y, r) and numpy.allclose(sig * y - ad.conj().T @ x, t)
    check_grads(solve, (ad, sig, r, t), order=3)
