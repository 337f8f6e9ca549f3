"""The demos' --quick runs reach their stated targets."""

import json

import wengert


def test_inverse_schrodinger_quick_reaches_density_error_below_1e6(tmp_path):
    results = wengert.run_demo("inverse-schrodinger", quick=True, out=tmp_path, progress=False)
    assert results["density_error"] < 1e-6
    assert results["potential_error"] < 1e-3  # equal up to a constant where n is not tiny
    assert json.loads((tmp_path / "results.json").read_text())["density_error"] < 1e-6


def test_hamiltonian_engineering_quick_recovers_the_hidden_ground_state(tmp_path):
    results = wengert.run_demo("hamiltonian-engineering", quick=True, out=tmp_path,
                               progress=False)
    assert results["overlap_final"] > 0.999
    assert results["overlap_final"] > results["overlap_initial"]
