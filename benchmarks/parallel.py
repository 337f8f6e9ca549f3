"""Speed-up of wengert.parallel executors over serial: a 16-point HOTRG temperature sweep.

Each item is one temperature: ln Z, u = -d lnZ/d beta (reverse mode) and
c = beta^2 d^2 lnZ/d beta^2 (forward-over-reverse) from HOTRG — the ``ising-trg`` demo's
:func:`point`. The executors run in one process, one after another, on the same items;
results are checked equal to serial's bit for bit. Run:

    OMP_NUM_THREADS=1 python benchmarks/parallel.py [--chi 16] [--steps 24] [--points 16]
"""

import argparse
import functools
import os
import platform
import time

import numpy

from wengert import parallel
from wengert_tensornet.demos.ising_trg import point


def _warm(_):
    import wengert_tensornet.demos.ising_trg  # noqa: F401

    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chi", type=int, default=16)
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--points", type=int, default=16)
    args = parser.parse_args()
    temperatures = numpy.linspace(1.0, 4.0, args.points)
    work = functools.partial(point, chi=args.chi, steps=args.steps)
    print(f"{args.points}-point HOTRG sweep, chi={args.chi}, steps={args.steps}; "
          f"{os.cpu_count()} cores, {platform.machine()}, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    timings, reference = {}, None
    for executor in ("serial", "processes", "dask"):
        try:
            runner = parallel.get_executor(executor)
        except RuntimeError as exc:
            print(f"{executor:10s} skipped: {exc}")
            continue
        with runner:
            # start the workers and import the modules there before timing
            parallel.map(_warm, range(os.cpu_count() or 1), executor=runner, progress=False)
            start = time.perf_counter()
            rows = parallel.map(work, temperatures, executor=runner, progress=False)
            timings[executor] = time.perf_counter() - start
        if reference is None:
            reference = rows
        assert rows == reference, f"{executor} differs from serial"
    print(f"{'executor':10s} {'seconds':>8s} {'speed-up':>9s}")
    for executor, seconds in timings.items():
        print(f"{executor:10s} {seconds:8.2f} {timings['serial'] / seconds:9.2f}x")


if __name__ == "__main__":
    main()
