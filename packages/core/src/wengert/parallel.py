"""Many gradients at once: map a function over items on local processes or a Dask cluster.

>>> import wengert.numpy as np
>>> from wengert import parallel
>>> parallel.map(np.square, [1.0, 2.0, 3.0], executor="serial", progress=False)
[1.0, 4.0, 9.0]

Executors are plugins (hook ``wengert_register_executors``); the core registers

``serial``
    in this process, one item after another (for debugging and as the reference);
``processes`` (the default)
    ``concurrent.futures.ProcessPoolExecutor`` on the local cores (``processes:4`` for 4);
``dask``
    ``dask.distributed``: a ``LocalCluster`` on this machine, or an existing cluster with
    ``executor="dask://host:port"`` (``pip install 'wengert[dask]'``).

Results come back in input order. An item that raises does not stop the others: after all
finished, :class:`ItemFailures` reports every failed index with its traceback (or, with
``return_exceptions=True``, the exceptions take the failed items' places). Items lost with a
dead worker (a killed process, a lost Dask worker) are run again up to ``retries`` times.
Functions and items must be picklable; with ``cloudpickle`` installed (Dask brings it),
lambdas and closures are too.
"""

from __future__ import annotations

import concurrent.futures
import os
import pickle
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["map", "value_and_grad_sum", "ItemFailures", "Executor", "get_executor"]


class ItemFailures(RuntimeError):
    """Some items raised. ``failures`` maps index -> traceback text; ``results`` holds the
    other items' results in input order (``None`` at failed indices)."""

    def __init__(self, failures: dict[int, str], results: list):
        self.failures = failures
        self.results = results
        first = min(failures)
        super().__init__(
            f"{len(failures)} of {len(results)} items failed (indices {sorted(failures)}); "
            f"item {first}:\n{failures[first]}"
        )


@dataclass
class _Failed:
    """An item's exception, carried back from a worker as text (it may not pickle)."""

    exception: BaseException | None
    traceback: str


def _call(payload: bytes, index: int, item: Any) -> Any:
    """Run in a worker: unpickle ``fn`` and apply it, capturing any exception."""
    fn = _loads(payload)
    try:
        return fn(item)
    except Exception as exc:  # reported with the item's index by the parent
        text = traceback.format_exc()
        try:
            pickle.dumps(exc)
        except Exception:
            exc = None
        return _Failed(exc, text)


def _dumps(fn: Callable) -> bytes:
    try:
        import cloudpickle

        return cloudpickle.dumps(fn)
    except ImportError:
        try:
            return pickle.dumps(fn)
        except Exception as exc:
            raise TypeError(
                f"fn must be picklable to run on other processes ({exc}); define it at module "
                "level, or install cloudpickle"
            ) from exc


def _loads(payload: bytes) -> Callable:
    return pickle.loads(payload)


# ---------------------------------------------------------------- executors


class Executor:
    """What wengert needs of an executor: submit, collect, shut down.

    Subclasses adapt ``concurrent.futures`` or ``dask.distributed``; ``lost(exc)`` says
    whether an exception means the worker died (the item is then retried).
    """

    name = "executor"

    def submit(self, fn: Callable, *args: Any):
        raise NotImplementedError  # abstract: every executor defines how it runs work

    def as_completed(self, futures: list) -> Iterable:
        return concurrent.futures.as_completed(futures)

    def result(self, future) -> Any:
        return future.result()

    def lost(self, exc: BaseException) -> bool:
        return False

    def restart(self) -> None:
        """Make the executor usable again after a worker died."""

    def shutdown(self) -> None:
        """Release workers."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


class _Done(concurrent.futures.Future):
    def __init__(self, value):
        super().__init__()
        self.set_result(value)


class SerialExecutor(Executor):
    """Runs each item in this process, in order."""

    name = "serial"

    def submit(self, fn, *args):
        return _Done(fn(*args))


class ProcessExecutor(Executor):
    """``concurrent.futures.ProcessPoolExecutor`` on the local cores (``spawn`` start)."""

    name = "processes"

    def __init__(self, max_workers: int | None = None):
        self.max_workers = max_workers or os.cpu_count() or 1
        self._pool = None

    @property
    def pool(self):
        if self._pool is None:
            import multiprocessing

            self._pool = concurrent.futures.ProcessPoolExecutor(
                self.max_workers, mp_context=multiprocessing.get_context("spawn")
            )
        return self._pool

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def lost(self, exc):
        return isinstance(exc, concurrent.futures.process.BrokenProcessPool)

    def restart(self):
        self.shutdown()

    def shutdown(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """``dask.distributed``: a LocalCluster (one thread per worker) or an existing scheduler."""

    name = "dask"

    def __init__(self, address: str | None = None, max_workers: int | None = None):
        try:
            import distributed
        except ImportError as exc:
            raise RuntimeError(
                f"executor 'dask' is unavailable: {exc}; install it with "
                "pip install 'wengert[dask]'"
            ) from exc
        self._distributed = distributed
        self.max_workers = max_workers or os.cpu_count() or 1
        if address:
            self.client = distributed.Client(address)
            self._cluster = None
        else:
            self._cluster = distributed.LocalCluster(
                n_workers=self.max_workers, threads_per_worker=1,
                processes=True, dashboard_address=None, host="127.0.0.1",
            )
            self.client = distributed.Client(self._cluster)

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def as_completed(self, futures):
        return self._distributed.as_completed(futures)

    def lost(self, exc):
        return isinstance(exc, self._distributed.KilledWorker) or type(exc).__name__ in (
            "CommClosedError", "FutureCancelledError")

    def shutdown(self):
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def _serial_factory(address=None, max_workers=None):
    return SerialExecutor()


def _processes_factory(address=None, max_workers=None):
    return ProcessExecutor(max_workers)


def _dask_factory(address=None, max_workers=None):
    return DaskExecutor(address, max_workers)


BUILTIN_EXECUTORS = {
    "serial": _serial_factory,
    "processes": _processes_factory,
    "dask": _dask_factory,
}


def get_executor(spec: str | Executor | None = None) -> Executor:
    """An :class:`Executor` from a name: ``"serial"``, ``"processes"``, ``"processes:4"``,
    ``"dask"``, ``"dask:2"`` (a LocalCluster of 2 workers), ``"dask://host:port"``.

    ``None`` means ``"processes"``. An :class:`Executor` is returned as is.
    """
    if isinstance(spec, Executor):
        return spec
    spec = spec or "processes"
    if not isinstance(spec, str):
        raise TypeError(f"executor must be a name or a wengert.parallel.Executor, got {spec!r}")
    from wengert.registry import registry

    factories = registry().executors
    name, address, workers = spec, None, None
    if "://" in spec:
        name, address = spec.split("://", 1)
        address = f"tcp://{address}"
    elif ":" in spec:
        name, count = spec.split(":", 1)
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"executor {spec!r}: the worker count must be a positive integer")
        workers = int(count)
    if name not in factories:
        raise ValueError(f"executor must be one of {sorted(factories)}, got {spec!r}")
    return factories[name](address=address, max_workers=workers)


# ---------------------------------------------------------------- map and reductions


def map(
    fn: Callable[[Any], Any],
    items: Iterable,
    *,
    executor: str | Executor | None = None,
    progress: bool = True,
    retries: int = 0,
    return_exceptions: bool = False,
) -> list:
    """``[fn(item) for item in items]`` on an executor, results in input order.

    :param retries: how many times an item lost with a dead worker is run again.
    :param return_exceptions: put each failed item's exception (or a ``RuntimeError``
        with its traceback) in its place instead of raising :class:`ItemFailures`.
    """
    items = list(items)
    if not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a non-negative int, got {retries!r}")
    owned = not isinstance(executor, Executor)
    runner = get_executor(executor)
    try:
        outcomes = _run(runner, _dumps(fn) if runner.name != "serial" else None, fn, items,
                        progress, retries)
    finally:
        if owned:
            runner.shutdown()
    failures = {i: o.traceback for i, o in enumerate(outcomes) if isinstance(o, _Failed)}
    if return_exceptions:
        return [(o.exception or RuntimeError(o.traceback)) if isinstance(o, _Failed) else o
                for o in outcomes]
    if failures:
        raise ItemFailures(failures, [None if isinstance(o, _Failed) else o for o in outcomes])
    return outcomes


def _run(runner: Executor, payload: bytes | None, fn: Callable, items: list, progress: bool,
         retries: int) -> list:
    from tqdm.auto import tqdm

    outcomes: list = [None] * len(items)
    pending = list(range(len(items)))
    bar = tqdm(total=len(items), desc=f"parallel.map ({runner.name})", disable=not progress,
               leave=False, file=sys.stderr)
    try:
        for attempt in range(retries + 1):
            if payload is None:  # serial: no pickling, call directly
                futures = {runner.submit(_call_local, fn, i, items[i]): i for i in pending}
            else:
                futures = {runner.submit(_call, payload, i, items[i]): i for i in pending}
            lost = []
            for future in runner.as_completed(list(futures)):
                index = futures[future]
                try:
                    outcomes[index] = runner.result(future)
                except Exception as exc:
                    if runner.lost(exc) and attempt < retries:
                        lost.append(index)
                        continue
                    outcomes[index] = _Failed(exc, "".join(traceback.format_exception(exc)))
                bar.update(1)
            if not lost:
                break
            runner.restart()
            pending = sorted(lost)
    finally:
        bar.close()
    return outcomes


def _call_local(fn: Callable, index: int, item: Any) -> Any:
    try:
        return fn(item)
    except Exception as exc:
        return _Failed(exc, traceback.format_exc())


def _value_and_grad_chunk(args: tuple) -> tuple:
    """Partial sums of value and gradient over one chunk of items (runs in a worker)."""
    loss, params, chunk = args
    from wengert.operators import value_and_grad

    value_grad = value_and_grad(loss)
    total, grad = value_grad(params, chunk[0])
    for item in chunk[1:]:
        value, g = value_grad(params, item)
        total, grad = total + value, _tree_add(grad, g)
    return total, grad


def value_and_grad_sum(
    loss: Callable[[Any, Any], Any],
    params: Any,
    items: Iterable,
    *,
    executor: str | Executor | None = None,
    progress: bool = True,
    retries: int = 0,
    chunks: int | None = None,
) -> tuple[Any, Any]:
    """``sum_i loss(params, item_i)`` and its gradient with respect to ``params`` (a pytree).

    Each worker evaluates value and gradient over a contiguous chunk of items and returns the
    partial sums; the parent adds the chunks in input order. ``chunks`` defaults to four per
    worker (one per item for ``serial``).
    """
    items = list(items)
    if not items:
        raise ValueError("items must not be empty")
    owned = not isinstance(executor, Executor)
    runner = get_executor(executor)
    try:
        workers = getattr(runner, "max_workers", None) or len(items)
        n_chunks = min(len(items), chunks or (len(items) if runner.name == "serial"
                                              else 4 * workers))
        bounds = [round(k * len(items) / n_chunks) for k in range(n_chunks + 1)]
        tasks = [(loss, params, items[a:b]) for a, b in zip(bounds, bounds[1:])]
        partials = map(_value_and_grad_chunk, tasks, executor=runner, progress=progress,
                       retries=retries)
    finally:
        if owned:
            runner.shutdown()
    total, grad = partials[0]
    for value, g in partials[1:]:
        total = total + value
        grad = _tree_add(grad, g)
    return total, grad


def _tree_add(a, b):
    from wengert.tree import tree_map

    return tree_map(lambda x, y: x + y, a, b)
