"""Tests of the example plugin: conformance in one line, physics against exact levels."""

import numpy

import wengert
from wengert.testing import conformance
from wengert_morse import morse, morse_levels

test_conformance = conformance("morse")


def test_plugin_is_discovered_with_its_primitive_and_demo():
    reg = wengert.registry()
    assert reg.plugins["morse"].status == "ok"
    assert reg.primitives["morse.potential"] is morse
    assert "morse-spectrum" in reg.demos


def test_potential_matches_closed_form():
    r = numpy.linspace(1.0, 4.0, 7)
    expected = 0.5 * (1 - numpy.exp(-1.2 * (r - 2.0))) ** 2  # the defining formula
    numpy.testing.assert_allclose(morse(r, 0.5, 1.2, 2.0), expected, rtol=1e-15)


def test_demo_reproduces_exact_morse_levels(tmp_path):
    # exact levels: E_n = hw(n+1/2) - (hw(n+1/2))^2/(4D) (Morse, 1929)
    results = wengert.run_demo("morse-spectrum", quick=True, out=tmp_path, progress=False)
    assert results["max_level_error"] < 1e-12
    assert (tmp_path / "results.json").exists()
    assert morse_levels(0, 0.1697, 0.9889, 1781.9) == results["levels_exact_hartree"][0]
