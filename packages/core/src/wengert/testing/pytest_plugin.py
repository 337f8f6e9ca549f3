"""pytest plugin (entry-point group ``pytest11``): parametrizes conformance tests.

Imported by every pytest run where wengert is installed, so it imports nothing heavy and
discovers plugins only when a test asks for ``wengert_case``.
"""

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("wengert")
    group.addoption(
        "--wengert-backend",
        default=None,
        help="run wengert conformance tests on this backend only (default: every backend "
        "each primitive implements)",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "wengert_conformance(pattern, backend): parametrize `wengert_case` over registered "
        "primitives matching pattern",
    )


def pytest_generate_tests(metafunc):
    if "wengert_case" not in metafunc.fixturenames:
        return
    from wengert.testing.conformance import conformance_cases

    marker = metafunc.definition.get_closest_marker("wengert_conformance")
    pattern = marker.args[0] if marker and marker.args else None
    backend = marker.args[1] if marker and len(marker.args) > 1 else None
    backend = metafunc.config.getoption("wengert_backend") or backend
    params = []
    for case in conformance_cases(pattern, backend):
        reason = case.skip_reason()
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        params.append(pytest.param(case, id=case.id, marks=marks))
    metafunc.parametrize("wengert_case", params)
