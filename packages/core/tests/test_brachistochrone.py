"""The core demo: brachistochrone against the exact cycloid (Bernoulli 1696)."""

import numpy
import pytest

import wengert
from wengert.demos.brachistochrone import cycloid, optimize_path, travel_time


def test_cycloid_reference_satisfies_its_defining_equations():
    theta1, radius, t = cycloid()
    assert radius * (theta1 - numpy.sin(theta1)) == pytest.approx(1.0, rel=1e-12)
    assert radius * (1 - numpy.cos(theta1)) == pytest.approx(1.0, rel=1e-12)
    assert t == pytest.approx(theta1 * numpy.sqrt(radius / 9.8))


def test_segment_time_of_a_straight_line_is_exact():
    # straight chute from (0,0) to (1,-1): L = sqrt(2), acceleration g sin(45 deg), T = sqrt(2L/a)
    n = 8
    x = (numpy.arange(n + 1) / n) ** 2
    exact = numpy.sqrt(2 * numpy.sqrt(2.0) / (9.8 * numpy.sin(numpy.pi / 4)))
    assert travel_time(numpy.log(x[1:-1]), x) == pytest.approx(exact, rel=1e-13)


def test_quick_demo_is_within_1e_3_of_the_cycloid_and_above_it(tmp_path):
    results = wengert.run_demo("brachistochrone", quick=True, out=tmp_path, progress=False)
    assert 0 < results["rel_error"] < 1e-3  # a polyline is never faster than the optimum
    assert (tmp_path / "results.json").exists()


def test_error_converges_with_the_number_of_segments():
    errors = [optimize_path(n)[2] - cycloid()[2] for n in (8, 16, 32)]
    assert errors[0] > errors[1] > errors[2] > 0
    assert errors[1] / errors[2] > 3  # second order on the graded mesh
