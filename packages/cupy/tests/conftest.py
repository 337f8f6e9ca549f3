"""Fixtures: the CPU test double registered as a backend; the GPU's availability."""

import pytest

from wengert_cupy import _probe


@pytest.fixture(scope="module")
def fake():
    """The CPU test double of CuPy as backend ``"fakecupy"`` (with this plugin's
    implementations and device rules); yields ``(backend, fakecupy module)``."""
    from wengert_cupy.testing import fakecupy, use_fake_backend

    with use_fake_backend() as backend:
        yield backend, fakecupy


@pytest.fixture(scope="session")
def gpu_status():
    """``(ok, reason)`` of the real ``cupy`` backend on this machine (probed once)."""
    return _probe.probe()
