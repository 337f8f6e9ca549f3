"""The plugin as wengert sees it: conformance in one line, discovery, the demo."""

import json

import wengert
from wengert.testing import conformance
from wengert_coils import biot_savart

test_conformance = conformance("coils")


def test_plugin_is_discovered_with_its_primitive_and_demo():
    reg = wengert.registry()
    assert reg.plugins["coils"].status == "ok"
    assert reg.primitives["coils.biot_savart"] is biot_savart
    assert "stellarator-coils" in reg.demos


def test_quick_demo_lowers_the_quadratic_flux_a_hundredfold(tmp_path):
    results = wengert.run_demo("stellarator-coils", quick=True, out=tmp_path, progress=False)
    saved = json.loads((tmp_path / "results.json").read_text())
    for key in ("quadratic_flux_initial", "quadratic_flux_final", "max_Bn_over_B"):
        assert saved[key] == results[key]
    assert results["quadratic_flux_initial"] / results["quadratic_flux_final"] >= 100
    assert results["max_Bn_over_B"] < 0.01
    # the engineering constraints the penalties ask for hold (to a few per cent)
    assert results["max_coil_length_m"] < 4.0 * 1.02
    assert results["min_coil_coil_distance_m"] > 0.1 * 0.98
    assert results["min_coil_surface_distance_m"] > 0.2 * 0.98
