"""Curves, symmetry, surfaces, objectives and their gradients."""

import numpy
import pytest

import wengert
from wengert.testing import check_grads
from wengert_coils import (
    MU0,
    CoilObjective,
    CoilSet,
    FourierCurve,
    Surface,
    biot_savart,
    coil_coil_penalty,
    coil_surface_penalty,
    line_elements,
    min_coil_distance,
    quadratic_flux,
)


def test_circle_length_and_curvature_are_exact():
    curve = FourierCurve(3, 24)
    coef = curve.circle((1.0, 2.0, -0.5), 0.3, 0.7)
    assert abs(curve.length(coef) - 2 * numpy.pi * 0.3) < 1e-14
    numpy.testing.assert_allclose(curve.curvature(coef), 1 / 0.3, rtol=1e-13)
    numpy.testing.assert_allclose(
        line_elements(curve.points(coef)).sum(), 2 * numpy.pi * 0.3, rtol=1e-14
    )
    numpy.testing.assert_allclose(curve.fit(curve.points(coef)), coef, atol=1e-14)


def test_fourier_curve_rejects_too_few_samples_and_bad_coefficients():
    with pytest.raises(ValueError, match="nquad"):
        FourierCurve(4, 8)
    with pytest.raises(ValueError, match="coefficients"):
        FourierCurve(2, 16).points(numpy.zeros((3, 4)))


def sample_points(rng, n=20):
    """Points around the major radius, off the symmetry planes."""
    phi = rng.uniform(0, 2 * numpy.pi, n)
    r = 1.0 + rng.uniform(-0.15, 0.15, n)
    return numpy.stack([r * numpy.cos(phi), r * numpy.sin(phi), rng.uniform(-0.15, 0.15, n)], 1)


def perturbed_set(rng, **kw):
    coils = CoilSet.circular(3, 1.0, 0.5, 1e5, order=3, nquad=32, **kw)
    coef = coils.coefficients + rng.normal(scale=0.03, size=coils.coefficients.shape)
    return coils.replace(coef, coils.currents * numpy.array([1.0, 0.8, 1.3]))


def test_field_period_symmetry():
    rng = numpy.random.default_rng(0)
    coils = perturbed_set(rng, nfp=3)
    assert coils.ncoils == 9
    x = sample_points(rng)
    c, s = numpy.cos(2 * numpy.pi / 3), numpy.sin(2 * numpy.pi / 3)
    rot = numpy.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    numpy.testing.assert_allclose(
        coils.field(x @ rot.T), coils.field(x) @ rot.T, rtol=1e-12, atol=1e-15
    )


def test_stellarator_symmetry_of_the_field_and_the_current_sign():
    # B(S x) = -S B(x) for S = diag(1, -1, -1): B_R odd, B_phi and B_Z even under
    # (phi, Z) -> (-phi, -Z); this needs the flipped copies' currents reversed
    rng = numpy.random.default_rng(1)
    coils = perturbed_set(rng, nfp=2, stellsym=True)
    assert coils.ncoils == 12
    assert list(coils.all_currents()[:6] / coils.all_currents()[6:12]) == [1.0] * 6
    flip = numpy.diag([1.0, -1.0, -1.0])
    x = sample_points(rng)
    numpy.testing.assert_allclose(
        coils.field(x @ flip), -coils.field(x) @ flip, rtol=1e-12, atol=1e-15
    )
    currents = numpy.asarray(coils.all_currents())
    assert (currents[3:6] < 0).all() and (currents[:3] > 0).all()


def test_toroidal_field_of_circular_coils_obeys_amperes_law():
    # oint B . dl on the circle R = 1, Z = 0 links every coil once: = -mu0 N I (orientation
    # of CoilSet.circular gives B_phi < 0)
    coils = CoilSet.circular(4, 1.0, 0.5, 2e4, order=2, nquad=64, nfp=2, stellsym=True)
    n = 256
    phi = 2 * numpy.pi * numpy.arange(n) / n
    path = numpy.stack([numpy.cos(phi), numpy.sin(phi), 0 * phi], 1)
    e_phi = numpy.stack([-numpy.sin(phi), numpy.cos(phi), 0 * phi], 1)
    b = coils.field(path)
    circ = float(numpy.sum(b * e_phi) * 2 * numpy.pi / n)
    assert abs(circ + MU0 * 16 * 2e4) < 1e-10 * MU0 * 16 * 2e4


def test_rotating_ellipse_volume_and_area_elements():
    # the cross-section at each phi is an ellipse with semi-axes a + b, a - b centred at R0,
    # so V = 2 pi R0 pi (a^2 - b^2) (Pappus); V = (1/3) int x . n dA (divergence theorem)
    r0, a, b = 1.0, 0.15, 0.05
    for grid in ({"range": "full torus", "nphi": 64}, {"range": "half period", "nphi": 16}):
        s = Surface.rotating_ellipse(r0, a, b, nfp=2, ntheta=32, **grid)
        volume = numpy.sum(s.points * s.normal) * s.dphi * s.dtheta / 3 / s.fraction
        assert abs(volume - 2 * numpy.pi * r0 * numpy.pi * (a**2 - b**2)) < 1e-13
        # outward normal: points away from the magnetic axis
        axis = numpy.stack([numpy.cos(s.phi), numpy.sin(s.phi), 0 * s.phi], 1)[:, None] * r0
        assert (numpy.sum((s.points - axis) * s.normal, -1) > 0).all()


def test_quadratic_flux_of_tangent_and_normal_fields():
    torus = Surface([[1.0], [0.3]], [[0.0], [0.3]], nphi=8, ntheta=12)  # axisymmetric
    phi = torus.phi[:, None] + 0 * torus.theta
    e_phi = numpy.stack([-numpy.sin(phi), numpy.cos(phi), 0 * phi], -1)
    assert quadratic_flux(2.0 * e_phi, torus) < 1e-30
    assert abs(quadratic_flux(3.0 * torus.unit_normal, torus) - 1.0) < 1e-14
    # unnormalized: int (B.n)^2 dA = 9 * area of the torus, 4 pi^2 R r
    flux = quadratic_flux(3.0 * torus.unit_normal, torus, normalized=False)
    assert abs(flux - 9 * 4 * numpy.pi**2 * 1.0 * 0.3) < 1e-12


def brute_force_coil_coil(points, dmin):
    dl = numpy.asarray(line_elements(points))
    total = 0.0
    for k in range(len(points)):
        for l_idx in range(k + 1, len(points)):
            d = numpy.linalg.norm(points[k][:, None] - points[l_idx][None], axis=-1)
            total += numpy.sum(numpy.maximum(dmin - d, 0) ** 2 * dl[k][:, None] * dl[l_idx][None])
    return total


def test_coil_coil_penalty_equals_all_pairs_sum():
    rng = numpy.random.default_rng(2)
    coils = perturbed_set(rng, nfp=1)
    points = numpy.asarray(coils.all_points())
    dmin = 1.0  # some pairs closer, most not
    value = coil_coil_penalty(points, dmin)
    assert value > 0
    assert abs(value - brute_force_coil_coil(points, dmin)) < 1e-13 * value
    assert coil_coil_penalty(points, 0.5 * min_coil_distance(points)) == 0.0


def small_problem(active_penalties):
    rng = numpy.random.default_rng(3)
    coils = CoilSet.circular(2, 1.0, 0.45, 1e5, order=2, nquad=24, nfp=2, stellsym=True)
    coils = coils.replace(
        coils.coefficients + rng.normal(scale=0.02, size=coils.coefficients.shape),
        numpy.array([1e5, 1.2e5]),
    )
    surface = Surface.rotating_ellipse(nphi=6, ntheta=8, range="half period")
    kw = {}
    if active_penalties:  # thresholds chosen so that every penalty is active
        kw = dict(
            length_weight=0.1,
            max_length=2.7,
            distance_weight=10.0,
            min_distance=0.5,
            surface_distance_weight=10.0,
            min_surface_distance=0.35,
            curvature_weight=0.01,
            max_curvature=2.0,
        )
    return CoilObjective(coils, surface, **kw)


def scaled(objective, scale=0.1):
    """``q -> objective(p0 + scale q)``: finite differences of ``check_grads`` (step 1e-3 at
    unit scale) then step 1e-4 in the coil coefficients (m), where the fourth-order stencil's
    truncation error is ~1e-11 relative; at step 1e-3 it is ~1e-7, the kernel varying on the
    scale of the coil-surface distance (0.25 m)."""
    p0 = objective.initial_params()
    q0 = {k: numpy.zeros_like(v) for k, v in p0.items()}
    return (lambda q: objective({k: p0[k] + scale * q[k] for k in p0})), q0


@pytest.mark.parametrize("active_penalties", [False, True], ids=["flux", "flux+penalties"])
def test_objective_gradient_matches_finite_differences(active_penalties):
    objective = small_problem(active_penalties)
    if active_penalties:
        terms = objective.terms(objective.initial_params())
        assert all(float(v) > 0 for v in terms.values()), terms
    fun, q0 = scaled(objective)
    check_grads(fun, (q0,), modes=("fwd", "rev"), order=1)  # rtol 1e-7


def test_objective_hessian_vector_product_matches_finite_differences():
    fun, q0 = scaled(small_problem(False))
    check_grads(wengert.grad(fun), (q0,), modes=("rev",), order=1)


def test_coil_surface_penalty_zero_when_far():
    coils = CoilSet.circular(2, 1.0, 0.5, 1e5, order=2, nquad=24, nfp=2, stellsym=True)
    surface = Surface.rotating_ellipse(nphi=6, ntheta=8, range="half period")
    assert coil_surface_penalty(coils.all_points(), surface, 0.1) == 0.0
    assert coil_surface_penalty(coils.all_points(), surface, 0.4) > 0.0


def test_field_of_a_coil_set_equals_sum_over_single_coils():
    rng = numpy.random.default_rng(4)
    coils = perturbed_set(rng, nfp=2, stellsym=True)
    x = sample_points(rng, 5)
    pts, cur = coils.all_points(), coils.all_currents()
    single = sum(biot_savart(pts[k], cur[k], x) for k in range(coils.ncoils))
    numpy.testing.assert_allclose(coils.field(x), single, rtol=1e-12)


def test_objective_refuses_zero_fixed_current():
    coils = CoilSet.circular(2, 1.0, 0.5, 0.0, order=2, nquad=24)
    with pytest.raises(ValueError, match="current"):
        CoilObjective(coils, Surface.rotating_ellipse(nphi=4, ntheta=4))
