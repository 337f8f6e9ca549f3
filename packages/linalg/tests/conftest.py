"""Small matrices run far faster with one BLAS thread on a shared 2-core machine."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def _single_threaded_blas():
    from wengert_linalg._common import single_threaded_blas

    with single_threaded_blas():
        yield
