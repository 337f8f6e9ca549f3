"""The demos' --quick runs reach their stated targets."""

import json

import pytest

import wengert
from wengert_tensornet.ipeps import D2_ENERGY, QMC_ENERGY


def test_demos_are_registered():
    demos = wengert.registry().demos
    assert {"ising-trg", "heisenberg-ipeps"} <= set(demos)


def test_ising_trg_quick(tmp_path):
    results = wengert.run_demo("ising-trg", quick=True, out=tmp_path, progress=False)
    assert results["all_finite"]
    assert results["rel_error_ln_z_at_tc"] < 5e-5  # chi = 8 in --quick: 1.3e-5
    assert results["max_rel_error_u"] < 2e-3  # largest at T_c
    assert json.loads((tmp_path / "results.json").read_text())["method"] == "hotrg"


def test_ising_trg_on_processes_equals_serial(tmp_path):
    options = {"chi": 6, "steps": 8}
    serial = wengert.run_demo("ising-trg", quick=True, out=tmp_path / "s", progress=False,
                              options=options)
    spread = wengert.run_demo("ising-trg", quick=True, out=tmp_path / "p", progress=False,
                              options={**options, "executor": "processes:2"})
    assert spread["executor"] == "processes:2"
    for key in ("temperatures", "ln_z", "u", "c"):
        assert spread[key] == serial[key]  # the same function on the same item, in order


def test_heisenberg_ipeps_quick_converges_d2(tmp_path):
    results = wengert.run_demo("heisenberg-ipeps", quick=True, out=tmp_path, progress=False)
    assert results["D"] == 2 and results["chi"] == 16
    assert results["energy_per_site"] <= -0.6602310  # published -0.66023109348
    assert results["energy_per_site"] == pytest.approx(D2_ENERGY, abs=1e-8)
    assert results["qmc_energy"] == QMC_ENERGY
    stored = json.loads((tmp_path / "results.json").read_text())
    assert stored["energy_per_site"] == results["energy_per_site"]
    assert (tmp_path / "state.npz").exists()
