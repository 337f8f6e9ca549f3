"""The wengert command line."""

import json

import pytest

from wengert.cli import main


def test_plugins_lists_builtin_and_numpy_backend(capsys):
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "builtin" in out and "numpy: available" in out


def test_primitives_table_and_unknown_domain(capsys):
    assert main(["primitives"]) == 0
    assert "name" in capsys.readouterr().out
    assert main(["primitives", "--domain", "no-such-domain"]) == 1


def test_demo_list_and_unknown_demo(capsys):
    assert main(["demo", "--list"]) == 0
    assert "brachistochrone" in capsys.readouterr().out
    assert main(["demo", "no-such-demo"]) == 2


def test_demo_run_writes_results_json_and_summary(tmp_path, capsys):
    assert main(["demo", "brachistochrone", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    results = json.loads((tmp_path / "results.json").read_text())
    assert {"time_optimized", "time_cycloid", "rel_error"} <= set(results)
    assert "time_optimized" in out and "results.json" in out


def test_unknown_demo_option_is_an_argparse_error(tmp_path):
    with pytest.raises(SystemExit):
        main(["demo", "brachistochrone", "--quick", "--out", str(tmp_path), "--bogus", "1"])
