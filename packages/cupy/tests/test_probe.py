"""The availability probe: each failure stage gives its own reason, CuPy imported last."""

import types

import pytest

from wengert_cupy import _probe


@pytest.fixture
def installed(monkeypatch):
    """Pretend a ``cupy`` distribution is installed (find_spec finds something)."""
    monkeypatch.delenv(_probe.DISABLE_ENV, raising=False)
    monkeypatch.setattr(_probe.importlib.util, "find_spec", lambda name: object())


def _no_import():
    raise AssertionError("the probe imported cupy before the driver said yes")


def _fake_cupy(count=1, count_error=None, kernel_error=None, value=14.0):
    def get_count():
        if count_error is not None:
            raise count_error
        return count

    class Array:
        def __mul__(self, other):
            if kernel_error is not None:
                raise kernel_error
            return self

        def sum(self):
            return value

    runtime = types.SimpleNamespace(getDeviceCount=get_count,
                                    runtimeGetVersion=lambda: 13000,
                                    driverGetVersion=lambda: 13010,
                                    getDeviceProperties=lambda i: {"name": b"Fake GPU"})
    return types.SimpleNamespace(
        cuda=types.SimpleNamespace(runtime=runtime, Device=lambda: types.SimpleNamespace(id=0)),
        arange=lambda n, dtype=None: Array(), float64=float, __version__="14.0")


def test_missing_cupy_names_the_extra_to_install(monkeypatch):
    monkeypatch.delenv(_probe.DISABLE_ENV, raising=False)
    monkeypatch.setattr(_probe.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(_probe, "_import_cupy", _no_import)
    ok, reason = _probe.probe()
    assert not ok
    assert reason == ("cupy is not installed (pip install 'wengert-cupy[cuda13]' or "
                      "'wengert-cupy[cuda12]')")


def test_no_driver_is_reported_without_importing_cupy(installed, monkeypatch):
    monkeypatch.setattr(_probe, "driver_probe",
                        lambda: (False, "CUDA driver not found (libcuda.so.1: cannot open)"))
    monkeypatch.setattr(_probe, "_import_cupy", _no_import)
    assert _probe.probe() == (False, "no CUDA device: CUDA driver not found "
                                     "(libcuda.so.1: cannot open)")


def test_import_error_of_cupy_is_reported(installed, monkeypatch):
    monkeypatch.setattr(_probe, "driver_probe", lambda: (True, "1 device(s)"))

    def broken():
        raise ImportError("libnvrtc.so.13: cannot open shared object file")

    monkeypatch.setattr(_probe, "_import_cupy", broken)
    ok, reason = _probe.probe()
    assert not ok and reason == ("cupy failed to import: ImportError: libnvrtc.so.13: "
                                 "cannot open shared object file")


def test_runtime_error_reads_no_cuda_device(installed, monkeypatch):
    class CUDARuntimeError(RuntimeError):
        pass

    error = CUDARuntimeError("cudaErrorInsufficientDriver: CUDA driver version is "
                             "insufficient for CUDA runtime version")
    monkeypatch.setattr(_probe, "driver_probe", lambda: (True, "1 device(s)"))
    monkeypatch.setattr(_probe, "_import_cupy", lambda: _fake_cupy(count_error=error))
    ok, reason = _probe.probe()
    assert not ok
    assert reason == ("no CUDA device: CUDARuntimeError: cudaErrorInsufficientDriver: CUDA "
                      "driver version is insufficient for CUDA runtime version")


def test_zero_devices(installed, monkeypatch):
    monkeypatch.setattr(_probe, "driver_probe", lambda: (True, "1 device(s)"))
    monkeypatch.setattr(_probe, "_import_cupy", lambda: _fake_cupy(count=0))
    assert _probe.probe() == (False, "no CUDA device: the CUDA runtime reports 0 devices")


def test_a_kernel_that_cannot_run_is_reported(installed, monkeypatch):
    monkeypatch.setattr(_probe, "driver_probe", lambda: (True, "1 device(s)"))
    monkeypatch.setattr(_probe, "_import_cupy",
                        lambda: _fake_cupy(kernel_error=RuntimeError("nvrtc missing")))
    assert _probe.probe() == (False, "cupy cannot run a kernel: RuntimeError: nvrtc missing")


def test_a_kernel_with_a_wrong_result_is_reported(installed, monkeypatch):
    monkeypatch.setattr(_probe, "driver_probe", lambda: (True, "1 device(s)"))
    monkeypatch.setattr(_probe, "_import_cupy", lambda: _fake_cupy(value=0.0))
    ok, reason = _probe.probe()
    assert not ok and reason.startswith("cupy cannot run a kernel: sum of squares")


def test_success_describes_the_device(installed, monkeypatch):
    monkeypatch.setattr(_probe, "driver_probe", lambda: (True, "1 device(s)"))
    monkeypatch.setattr(_probe, "_import_cupy", lambda: _fake_cupy())
    assert _probe.probe() == (True, "Fake GPU, CUDA runtime 13.0, driver 13.1, cupy 14.0")


def test_disable_variable_wins(monkeypatch):
    monkeypatch.setenv(_probe.DISABLE_ENV, "1")
    monkeypatch.setattr(_probe.importlib.util, "find_spec", lambda name: object())
    monkeypatch.setattr(_probe, "driver_probe", lambda: (True, "1 device(s)"))
    assert _probe.probe() == (False, "disabled by WENGERT_CUPY_DISABLE")


def test_driver_probe_reports_a_missing_library(monkeypatch):
    monkeypatch.setattr(_probe, "_driver_names", lambda: ("libwengert-no-such-driver.so",))
    ok, reason = _probe.driver_probe()
    assert not ok
    assert reason.startswith("CUDA driver not found (") and "libwengert-no-such-driver" in reason


class _FakeDriver:
    """A stand-in for libcuda: ``cuInit`` and ``cuDeviceGetCount`` with chosen results."""

    def __init__(self, init=0, count=1):
        self._init, self._count = init, count

    def cuInit(self, flags):
        return self._init

    def cuDeviceGetCount(self, ptr):
        ptr._obj.value = self._count
        return 0

    def cuGetErrorName(self, code, ptr):
        ptr._obj.value = b"CUDA_ERROR_NO_DEVICE"
        return 0


@pytest.mark.parametrize("driver, expected", [
    (_FakeDriver(init=100), (False, "cuInit failed: CUDA_ERROR_NO_DEVICE (100)")),
    (_FakeDriver(count=0), (False, "the CUDA driver reports 0 devices")),
    (_FakeDriver(count=2), (True, "2 device(s)")),
], ids=["no-device", "zero-devices", "two-devices"])
def test_driver_probe_reads_the_driver(monkeypatch, driver, expected):
    monkeypatch.setattr(_probe, "_driver_names", lambda: ("libcuda.so.1",))
    monkeypatch.setattr(_probe.ctypes, "CDLL", lambda name: driver)
    assert _probe.driver_probe() == expected
