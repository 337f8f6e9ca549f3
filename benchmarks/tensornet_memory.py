"""Peak memory of a CTMRG gradient against the number of CTMRG steps (issue 4).

The gradient of the iPEPS energy with respect to the site tensor, through a CTMRG run of
exactly N steps (``min_steps=N``), by

* ``fixed_point``: untraced iterations, then the implicit derivative of the converged
  environment (``wengert.fixed_point``): the memory should not depend on N;
* ``unrolled``: every step traced and checkpointed (``wengert.checkpoint``): the tape keeps
  one environment per step, so the memory grows linearly with N.

Peak memory is measured with ``tracemalloc`` (numpy registers its allocations with it), as
the peak above the memory held before the gradient starts. Run::

    OMP_NUM_THREADS=1 python benchmarks/tensornet_memory.py [--D 3 --chi 32]
"""

import argparse
import gc
import time
import tracemalloc

import numpy

import wengert
import wengert.numpy as np
from wengert_tensornet import ctmrg, double_layer, energy, heisenberg, random_tensor, symmetrize


def energy_after(a_raw, chi, steps, gradient):
    a = symmetrize(a_raw)
    a = a / np.sqrt(np.sum(a * a))
    t = double_layer(a)
    t = t / np.sqrt(np.sum(t * t))
    env = ctmrg(t, chi, min_steps=steps, max_steps=steps + 500, gradient=gradient)
    return energy(a, env, heisenberg())


def peak_of_gradient(a_raw, chi, steps, gradient):
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    value, grad = wengert.value_and_grad(energy_after)(a_raw, chi, steps, gradient)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak / 2**20, seconds, float(value), numpy.asarray(grad)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--D", type=int, default=3)
    parser.add_argument("--chi", type=int, default=32)
    parser.add_argument("--steps", type=int, nargs="+", default=[20, 50, 100, 200])
    args = parser.parse_args()
    a_raw = random_tensor(2, args.D, seed=0)
    print(f"iPEPS energy gradient, D={args.D}, chi={args.chi}; peak memory above baseline "
          f"(tracemalloc), MiB")
    print(f"{'steps':>6} {'fixed_point MiB':>16} {'s':>6} {'unrolled MiB':>13} {'s':>6} "
          f"{'max|g_fp - g_unrolled|':>23}")
    for gradient in ("fixed_point", "unrolled"):  # warm-up: imports and caches are not counted
        peak_of_gradient(a_raw, args.chi, 2, gradient)
    rows = []
    for steps in args.steps:
        fp = peak_of_gradient(a_raw, args.chi, steps, "fixed_point")
        un = peak_of_gradient(a_raw, args.chi, steps, "unrolled")
        diff = float(numpy.max(numpy.abs(fp[3] - un[3])))
        rows.append((steps, fp[0], un[0]))
        print(f"{steps:>6} {fp[0]:>16.2f} {fp[1]:>6.2f} {un[0]:>13.2f} {un[1]:>6.2f} "
              f"{diff:>23.1e}")
    first, last = rows[0], rows[-1]
    print(f"\nfrom {first[0]} to {last[0]} steps: fixed-point peak x{last[1] / first[1]:.2f}, "
          f"unrolled peak x{last[2] / first[2]:.2f}")


if __name__ == "__main__":
    main()
