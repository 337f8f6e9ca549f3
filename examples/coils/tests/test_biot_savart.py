"""The Biot-Savart primitive: exact loop field, Maxwell's equations, derivatives, memory."""

import tracemalloc

import numpy
import pytest
import scipy.special

import wengert
import wengert.numpy as np
from wengert.testing import check_grads
from wengert_coils import MU0, FourierCurve, biot_savart, spectral_derivative_matrix
from wengert_coils import field as bs_module


def loop_points(radius, nquad, rotation=None, shift=0.0):
    t = 2 * numpy.pi * numpy.arange(nquad) / nquad
    loop = radius * numpy.stack([numpy.cos(t), numpy.sin(t), numpy.zeros(nquad)], axis=1)
    return (loop if rotation is None else loop @ rotation.T) + shift


def loop_field_exact(radius, current, rho, z):
    """(B_rho, B_z) of a circular loop in the plane z = 0, centred on the axis.

    The closed form with complete elliptic integrals (Jackson, Classical Electrodynamics,
    3rd ed., sec. 5.5; Simpson et al., NASA/TM-2013-217919, eqs. 3-4) with parameter
    m = k^2 = 4 a rho / ((a + rho)^2 + z^2) (scipy's ellipk/ellipe convention).
    """
    alpha2 = (radius - rho) ** 2 + z**2
    beta2 = (radius + rho) ** 2 + z**2
    m = 4 * radius * rho / beta2
    k, e = scipy.special.ellipk(m), scipy.special.ellipe(m)
    c = MU0 * current / (2 * numpy.pi * numpy.sqrt(beta2))
    b_z = c * (k + (radius**2 - rho**2 - z**2) / alpha2 * e)
    with numpy.errstate(invalid="ignore", divide="ignore"):
        b_rho = numpy.where(
            rho > 0, c * z / rho * (-k + (radius**2 + rho**2 + z**2) / alpha2 * e), 0.0
        )
    return b_rho, b_z


def random_rotation(rng):
    q, r = numpy.linalg.qr(rng.normal(size=(3, 3)))
    q = q * numpy.sign(numpy.diag(r))
    return q * numpy.linalg.det(q)


@pytest.mark.parametrize("transformed", [False, True], ids=["standard", "rotated-shifted"])
def test_circular_loop_matches_elliptic_integral_formula(transformed):
    radius, current = 0.7, 1234.5
    rng = numpy.random.default_rng(1)
    rot = random_rotation(rng) if transformed else numpy.eye(3)
    shift = numpy.array([0.3, -1.2, 0.8]) if transformed else numpy.zeros(3)
    rho, z, phi = numpy.meshgrid(
        [0.0, 0.15, 0.35, 1.1, 1.6], [-0.9, -0.3, 0.0, 0.25, 1.4], [0.4, 2.9]
    )
    rho, z, phi = rho.ravel(), z.ravel(), phi.ravel()
    far = numpy.hypot(rho - radius, z) >= 0.25  # a reasonable distance from the wire
    rho, z, phi = rho[far], z[far], phi[far]
    assert (rho == 0).sum() >= 6 and (rho > 0).sum() >= 20  # on and off axis
    local = numpy.stack([rho * numpy.cos(phi), rho * numpy.sin(phi), z], axis=1)
    b_rho, b_z = loop_field_exact(radius, current, rho, z)
    exact = numpy.stack([b_rho * numpy.cos(phi), b_rho * numpy.sin(phi), b_z], axis=1)
    got = biot_savart(loop_points(radius, 128, rot, shift), current, local @ rot.T + shift)
    err = numpy.linalg.norm(got - exact @ rot.T, axis=1) / numpy.linalg.norm(exact, axis=1)
    assert err.max() < 1e-10


def test_loop_centre_and_axis_values():
    # B_z(0, 0, z) = mu0 I a^2 / (2 (a^2 + z^2)^(3/2)) (the on-axis formula)
    a, current, z = 0.4, 50.0, numpy.array([0.0, 0.3, -2.0])
    pts = numpy.stack([0 * z, 0 * z, z], axis=1)
    got = biot_savart(loop_points(a, 64), current, pts)
    numpy.testing.assert_allclose(
        got[:, 2], MU0 * current * a**2 / (2 * (a**2 + z**2) ** 1.5), rtol=1e-13
    )
    numpy.testing.assert_allclose(got[:, :2], 0.0, atol=1e-20)


def wobbly_coil(nquad=96, seed=3):
    """A smooth non-planar closed curve of Fourier order 3 around the z axis (m)."""
    rng = numpy.random.default_rng(seed)
    curve = FourierCurve(3, nquad)
    coef = numpy.zeros((3, curve.ncoef))
    coef[0, 1], coef[1, 4] = 1.0, 1.0  # x = cos t, y = sin t: the unit circle in z = 0
    coef += rng.normal(scale=0.08, size=coef.shape)
    return curve.points(coef)


def test_divergence_and_curl_vanish():
    r = wobbly_coil()
    jac = wengert.jacobian(lambda x: biot_savart(r, 3.0, x))
    for x in ([0.1, 0.2, 0.3], [1.4, -0.3, 0.5], [0.0, 0.0, -1.0], [2.5, 1.0, 0.2]):
        j = jac(numpy.array(x))  # j[a, b] = dB_a / dx_b
        scale = numpy.linalg.norm(j)
        assert abs(numpy.trace(j)) < 1e-12 * scale  # div B = 0
        assert numpy.linalg.norm(j - j.T) < 1e-12 * scale  # curl B = 0 away from the current


def circulation(r, current, center, e1, e2, radius, n=256):
    """Trapezoidal ``oint B . dl`` around the circle ``center + radius (cos s e1 + sin s e2)``."""
    s = 2 * numpy.pi * numpy.arange(n) / n
    path = center + radius * (numpy.cos(s)[:, None] * e1 + numpy.sin(s)[:, None] * e2)
    dl = radius * (-numpy.sin(s)[:, None] * e1 + numpy.cos(s)[:, None] * e2) * (2 * numpy.pi / n)
    return float(numpy.sum(biot_savart(r, current, path) * dl))


def test_circulation_is_mu0_current_around_the_wire_and_zero_otherwise():
    r, current = wobbly_coil(), 7.0
    d = spectral_derivative_matrix(len(r)) @ r
    j = 17
    tangent = d[j] / numpy.linalg.norm(d[j])
    e1 = numpy.cross(tangent, [0.0, 0.0, 1.0])
    e1 /= numpy.linalg.norm(e1)
    e2 = numpy.cross(tangent, e1)  # (e1, e2, tangent) right-handed: the loop links the wire
    linked = circulation(r, current, r[j], e1, e2, 0.25)
    assert abs(linked - MU0 * current) < 1e-10 * MU0 * current  # Ampere's law
    unlinked = circulation(r, current, r[j] + 0.9 * e1, e1, e2, 0.25)
    assert abs(unlinked) < 1e-10 * MU0 * current


def random_coils(rng, ncoils=3, nquad=24):
    curve = FourierCurve(2, nquad)
    coef = numpy.zeros((ncoils, 3, curve.ncoef))
    for k in range(ncoils):
        phi = 2 * numpy.pi * k / ncoils
        coef[k] = curve.circle((numpy.cos(phi), numpy.sin(phi), 0.0), 0.4, phi)
    coef += rng.normal(scale=0.03, size=coef.shape)
    return curve.points(coef)


def test_gradients_in_all_arguments_match_finite_differences_several_coils():
    rng = numpy.random.default_rng(5)
    r = random_coils(rng)
    current = numpy.array([1.2, -0.4, 0.9])
    x = rng.normal(scale=0.1, size=(5, 3)) + numpy.array([1.0, 0.0, 0.0])
    f = lambda r, current, x: np.sum(np.sin(biot_savart(r, current, x) / MU0))
    check_grads(f, (r, current, x), modes=("fwd", "rev"), order=2)


def test_joint_pullback_equals_separate_pullbacks():
    # the cotangents of all arguments are computed in one pass; check against one at a time
    rng = numpy.random.default_rng(6)
    r, current = random_coils(rng), numpy.array([1.0, 2.0, -0.5])
    x = rng.normal(scale=0.2, size=(7, 3))
    f = lambda r, current, x: np.sum(biot_savart(r, current, x) ** 2)
    joint = wengert.grad(f, (0, 1, 2))(r, current, x)
    for i in range(3):
        numpy.testing.assert_allclose(
            joint[i], wengert.grad(f, i)(r, current, x), rtol=1e-13, atol=0
        )


def test_blocking_does_not_change_results(monkeypatch):
    rng = numpy.random.default_rng(7)
    r, current = random_coils(rng), numpy.array([1.0, 2.0, -0.5])
    x = rng.normal(scale=0.2, size=(50, 3))
    f = lambda r, x: np.sum(biot_savart(r, current, x) ** 3)
    ref = biot_savart(r, current, x), wengert.grad(f, (0, 1))(r, x)
    monkeypatch.setattr(bs_module, "BLOCK", 100)  # 1 row per block
    got = biot_savart(r, current, x), wengert.grad(f, (0, 1))(r, x)
    numpy.testing.assert_allclose(got[0], ref[0], rtol=1e-12)
    for a, b in zip(got[1], ref[1]):
        numpy.testing.assert_allclose(a, b, rtol=1e-12)


def test_backward_pass_never_holds_a_quadrature_by_points_array():
    nquad, m = 128, 40000
    r = loop_points(1.0, nquad)
    rng = numpy.random.default_rng(8)
    x = rng.normal(scale=0.3, size=(m, 3)) + numpy.array([0.0, 0.0, 0.5])
    loss = wengert.value_and_grad(lambda r: np.sum(biot_savart(r, 1.0, x) ** 2))
    loss(r)
    tracemalloc.start()
    loss(r)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    full = nquad * m * 8  # one (nquad x m) float64 array: 41 MB
    assert peak < full / 4, f"peak {peak / 1e6:.1f} MB"


def test_spectral_derivative_matrix_is_exact_for_trigonometric_polynomials():
    for n in (7, 8):
        t = 2 * numpy.pi * numpy.arange(n) / n
        f = 0.3 + numpy.cos(t) - 2 * numpy.sin(3 * t)
        df = -numpy.sin(t) - 6 * numpy.cos(3 * t)
        numpy.testing.assert_allclose(spectral_derivative_matrix(n) @ f, df, atol=1e-13)


@pytest.mark.parametrize(
    "args, match",
    [
        ((numpy.zeros((8, 2)), 1.0, numpy.zeros((1, 3))), "curve_points"),
        ((numpy.zeros((2, 8, 3)), 1.0, numpy.zeros((1, 3))), "current"),
        ((numpy.zeros((8, 3)), numpy.ones(2), numpy.zeros((1, 3))), "current"),
        ((numpy.zeros((8, 3)), 1.0, numpy.zeros((4, 2))), "points"),
    ],
)
def test_bad_shapes_raise_naming_the_argument(args, match):
    with pytest.raises(ValueError, match=match):
        biot_savart(*args)


def test_complex_input_is_refused():
    with pytest.raises(TypeError, match="points"):
        biot_savart(loop_points(1.0, 8), 1.0, numpy.zeros((1, 3), dtype=complex))
