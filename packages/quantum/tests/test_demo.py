"""The vqe-heisenberg demo reaches the exact ground energy of heisenberg(6) in --quick."""

import json

import numpy

import wengert


def test_quick_vqe_reaches_exact_heisenberg6_energy(tmp_path):
    results = wengert.run_demo("vqe-heisenberg", quick=True, out=tmp_path, progress=False)
    # exact: 6-site ring, -(2 + sqrt 13)/2 in spin-1/2 units, times 4 for Pauli matrices
    assert abs(results["energy_exact"] - (-4 - 2 * numpy.sqrt(13))) < 1e-10
    assert abs(results["energy"] - results["energy_exact"]) < 1e-2
    saved = json.loads((tmp_path / "results.json").read_text())
    assert {"energy", "energy_exact"} <= set(saved)
    assert len(saved["energy_history"]) == results["steps"]


def test_demo_is_registered_with_its_options():
    demo = wengert.registry().demos["vqe-heisenberg"]
    assert {o.name for o in demo.options} >= {"depth", "n", "steps"}


def test_exact_energy_falls_back_to_scipy_without_wengert_linalg(monkeypatch):
    import sys

    from wengert_quantum.demo import exact_ground_energy
    from wengert_quantum.observables import heisenberg

    monkeypatch.setitem(sys.modules, "wengert_linalg", None)  # import fails
    energy, solver = exact_ground_energy(heisenberg(6))
    assert solver == "scipy.sparse.linalg.eigsh"
    assert abs(energy - (-4 - 2 * numpy.sqrt(13))) < 1e-10


def test_explicit_options_override_the_quick_settings(tmp_path):
    results = wengert.run_demo("vqe-heisenberg", quick=True, out=tmp_path, progress=False,
                               options={"depth": 2, "steps": 5})
    assert (results["n"], results["depth"], results["steps"]) == (6, 2, 5)
