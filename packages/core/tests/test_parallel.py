"""wengert.parallel: executors agree with serial, failures are reported, lost items rerun."""

import os
import signal

import numpy
import pytest

import wengert
import wengert.numpy as np
from wengert import parallel


def _needs_dask():
    return pytest.importorskip("distributed", reason="dask.distributed not installed "
                                                     "(pip install 'wengert[dask]')")


def _work():
    """A float-heavy item function (gradient of a small nonlinear loss), defined by value."""

    def work(seed):
        x = numpy.random.default_rng(seed).standard_normal(6)
        return wengert.grad(lambda x: np.sum(np.sin(np.outer(x, x))) + np.prod(np.cos(x)))(x)

    return work


def _loss(params, item):
    x, y = item
    return np.sum((np.tanh(params["w"] * x) + params["b"] - y) ** 2)


def _items(n):
    rng = numpy.random.default_rng(1)
    return [(rng.standard_normal(3), rng.standard_normal(3)) for _ in range(n)]


PARAMS = {"w": numpy.array([0.3, -0.2, 0.5]), "b": 0.1}


@pytest.mark.parametrize("executor", ["processes", "processes:2"])
def test_processes_equal_serial_bit_for_bit_in_order(executor):
    serial = parallel.map(_work(), range(12), executor="serial", progress=False)
    other = parallel.map(_work(), range(12), executor=executor, progress=False)
    for a, b in zip(serial, other):
        numpy.testing.assert_array_equal(a, b)


def test_value_and_grad_sum_over_64_items_equals_serial_sum():
    total, grad = parallel.value_and_grad_sum(_loss, PARAMS, _items(64), executor="serial",
                                              progress=False)
    by_hand = sum(_loss(PARAMS, item) for item in _items(64))
    assert total == pytest.approx(by_hand, rel=1e-14)
    p_total, p_grad = parallel.value_and_grad_sum(_loss, PARAMS, _items(64),
                                                  executor="processes", progress=False)
    assert p_total == pytest.approx(total, rel=1e-12)
    numpy.testing.assert_allclose(p_grad["w"], grad["w"], rtol=1e-12)
    assert p_grad["b"] == pytest.approx(grad["b"], rel=1e-12)


def _raises_on_three(i):
    if i == 3:
        raise ValueError("bad item three")
    return i * i


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_an_item_that_raises_is_reported_and_the_others_complete(executor):
    with pytest.raises(parallel.ItemFailures) as info:
        parallel.map(_raises_on_three, range(6), executor=executor, progress=False)
    assert list(info.value.failures) == [3]
    assert "bad item three" in info.value.failures[3]
    assert info.value.results == [0, 1, 4, None, 16, 25]
    mixed = parallel.map(_raises_on_three, range(6), executor=executor, progress=False,
                         return_exceptions=True)
    assert isinstance(mixed[3], ValueError) and mixed[5] == 25


def _killer(marker_dir):
    def work(i):
        marker = os.path.join(marker_dir, "killed")
        if i == 2 and not os.path.exists(marker):
            open(marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)  # the worker dies mid-run
        return i + 100

    return work


def test_a_killed_process_worker_loses_no_item_with_retries(tmp_path):
    out = parallel.map(_killer(str(tmp_path)), range(6), executor="processes:2", retries=1,
                       progress=False)
    assert out == [100, 101, 102, 103, 104, 105]
    assert (tmp_path / "killed").exists()


def test_a_killed_worker_without_retries_is_reported(tmp_path):
    with pytest.raises(parallel.ItemFailures):
        parallel.map(_killer(str(tmp_path)), range(4), executor="processes:2", progress=False)


def test_dask_local_cluster_matches_serial_and_survives_a_killed_worker(tmp_path):
    _needs_dask()
    with parallel.get_executor("dask:2") as dask:
        serial = parallel.map(_work(), range(8), executor="serial", progress=False)
        out = parallel.map(_work(), range(8), executor=dask, progress=False)
        for a, b in zip(serial, out):
            numpy.testing.assert_array_equal(a, b)
        total, grad = parallel.value_and_grad_sum(_loss, PARAMS, _items(64), executor=dask,
                                                  progress=False)
        s_total, s_grad = parallel.value_and_grad_sum(_loss, PARAMS, _items(64),
                                                      executor="serial", progress=False)
        assert total == pytest.approx(s_total, rel=1e-12)
        numpy.testing.assert_allclose(grad["w"], s_grad["w"], rtol=1e-12)
        killed = parallel.map(_killer(str(tmp_path)), range(6), executor=dask, retries=1,
                              progress=False)
        assert killed == [100, 101, 102, 103, 104, 105]
        assert (tmp_path / "killed").exists()
        failed = parallel.map(_raises_on_three, range(5), executor=dask, progress=False,
                              return_exceptions=True)
        assert isinstance(failed[3], ValueError) and failed[4] == 16


def test_dask_scheduler_address_connects_to_an_existing_cluster():
    distributed = _needs_dask()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  protocol="tcp://", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        address = cluster.scheduler_address.replace("tcp://", "")
        assert parallel.map(abs, [-3, 4], executor=f"dask://{address}", progress=False) == [3, 4]


def test_unknown_or_malformed_executors_are_named():
    with pytest.raises(ValueError, match="executor must be one of"):
        parallel.map(abs, [1], executor="slurm")
    with pytest.raises(ValueError, match="worker count"):
        parallel.map(abs, [1], executor="processes:zero")
    with pytest.raises(ValueError, match="retries"):
        parallel.map(abs, [1], executor="serial", retries=-1)


def test_unavailable_dask_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed":
            raise ImportError("No module named 'distributed'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    with pytest.raises(RuntimeError, match=r"pip install 'wengert\[dask\]'"):
        parallel.get_executor("dask")
