"""The demos' --quick runs reach their stated targets (see the README for the numbers)."""

import wengert


def test_plugin_registers_primitives_and_demos():
    reg = wengert.registry()
    assert reg.plugins["ode"].status == "ok"
    assert {"ode.odeint_checkpoint", "ode.odeint_adjoint", "ode.odeint_interpolating",
            "ode.verlet_reversible", "ode.mlp"} <= set(reg.primitives)
    assert {"neural-ode", "least-action", "optimal-control"} <= set(reg.demos)


def test_neural_ode_quick_fits_lotka_volterra(tmp_path):
    r = wengert.run_demo("neural-ode", quick=True, out=tmp_path, progress=False)
    assert r["loss_final"] < 1e-2 * r["loss_initial"]
    assert r["rel_rms_error"] < 0.05
    modes = r["gradient_modes"]
    assert modes["backprop"]["rel_diff_from_checkpoint"] < 1e-10
    assert modes["backprop"]["peak_memory_mb"] > 10 * modes["checkpoint"]["peak_memory_mb"]
    assert (tmp_path / "results.json").exists()


def test_least_action_quick_matches_the_ode_path(tmp_path):
    # trapezoid action = Stormer-Verlet: deviation O(dt^2); measured 1.7e-6 at N = 100
    r = wengert.run_demo("least-action", quick=True, out=tmp_path, progress=False)
    assert r["max_deviation"] < 1e-5
    assert abs(r["convergence_order"] - 2.0) < 0.1
    assert abs(r["action_discrete"] - r["action_ode"]) < 1e-4


def test_optimal_control_quick_swings_the_pendulum_up(tmp_path):
    r = wengert.run_demo("optimal-control", quick=True, out=tmp_path, progress=False)
    assert r["cost_final"] < 0.02 < 1.0 < r["cost_initial"]
    assert abs(r["final_angle"] - 3.141592653589793) < 0.1
