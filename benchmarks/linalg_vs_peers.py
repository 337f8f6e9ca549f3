"""wengert-linalg against JAX and PyTorch: value + gradient of eigh and svd losses.

Run (single-threaded, same process for all three libraries; on machines that set
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for old OpenBLAS builds, unset both for this command
only, since they slow a current numpy)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/linalg_vs_peers.py

Peers: ``pip install jax "torch==2.13.0"`` (the pinned torch is the CPU wheel). Losses
(gauge-invariant, so all three differentiate the same function):

* eigh:  ``L(A) = sum(w**2) + sum(C * V**2)``, ``w, V = eigh(A)``, ``A`` symmetric n x n;
* svd:   ``L(A) = sum(s**2) + sum(C * U**2) + sum(C * Vh**2)``, ``A`` n x n.

Each timing is the best of ``--repeat`` runs of value-and-gradient after one warm-up (JAX:
``jax.jit(jax.value_and_grad(loss))``, compile excluded). The ratio is wengert's time over
the faster peer's. Prints versions, the BLAS kernels threadpoolctl reports, and a table.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy  # noqa: E402


def best_of(fn, repeat):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def wengert_fns(a, x, c):
    import wengert
    import wengert.numpy as np
    import wengert_linalg as la

    def eigh_loss(a):
        w, v = la.eigh(a)
        return np.sum(w * w) + np.sum(c * v * v)

    def svd_loss(a):
        u, s, vh = la.svd(a)
        return np.sum(s * s) + np.sum(c * u * u) + np.sum(c * vh * vh)

    ve, vs = wengert.value_and_grad(eigh_loss), wengert.value_and_grad(svd_loss)
    return (lambda: ve(a)), (lambda: vs(x)), ve(a), vs(x)


def jax_fns(a, x, c):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    cj = jnp.asarray(c)

    def eigh_loss(a):
        w, v = jnp.linalg.eigh(a)
        return jnp.sum(w * w) + jnp.sum(cj * v * v)

    def svd_loss(a):
        u, s, vh = jnp.linalg.svd(a, full_matrices=False)
        return jnp.sum(s * s) + jnp.sum(cj * u * u) + jnp.sum(cj * vh * vh)

    ve = jax.jit(jax.value_and_grad(eigh_loss))
    vs = jax.jit(jax.value_and_grad(svd_loss))
    aj, xj = jnp.asarray(a), jnp.asarray(x)

    def run(f, arg):
        def call():
            value, grad = f(arg)
            grad.block_until_ready()
            return value, grad
        return call

    return run(ve, aj), run(vs, xj), ve(aj), vs(xj)


def torch_fns(a, x, c):
    import torch

    torch.set_num_threads(1)
    ct = torch.as_tensor(c)

    def make(kind):
        def call():
            at = torch.tensor(a if kind == "eigh" else x, requires_grad=True)
            if kind == "eigh":
                w, v = torch.linalg.eigh(at)
                loss = (w * w).sum() + (ct * v * v).sum()
            else:
                u, s, vh = torch.linalg.svd(at, full_matrices=False)
                loss = (s * s).sum() + (ct * u * u).sum() + (ct * vh * vh).sum()
            loss.backward()
            return loss.detach(), at.grad
        return call

    fe, fs = make("eigh"), make("svd")
    return fe, fs, fe(), fs()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    import jax
    import scipy
    import torch
    from threadpoolctl import threadpool_info

    import wengert

    rows = []
    for n in args.sizes:
        rng = numpy.random.default_rng(n)
        x = rng.standard_normal((n, n))
        a_sym = (x + x.T) / 2
        c = rng.standard_normal((n, n))
        results = {}
        for name, make in (("wengert", wengert_fns), ("jax", jax_fns), ("torch", torch_fns)):
            fe, fs, out_e, out_s = make(a_sym, x, c)
            results[name] = {
                "eigh": best_of(fe, args.repeat), "svd": best_of(fs, args.repeat),
                "grads": (numpy.asarray(out_e[1]), numpy.asarray(out_s[1])),
            }
        ref = results["wengert"]["grads"]
        for op_index, op in enumerate(("eigh", "svd")):
            agree = {p: float(numpy.max(numpy.abs(results[p]["grads"][op_index] - ref[op_index]))
                              / numpy.max(numpy.abs(ref[op_index]))) for p in ("jax", "torch")}
            times = {p: results[p][op] for p in ("wengert", "jax", "torch")}
            faster = min(times["jax"], times["torch"])
            rows.append((n, op, times["wengert"], times["jax"], times["torch"],
                         times["wengert"] / faster, max(agree.values())))

    info = [(i["internal_api"], i.get("version"), i.get("architecture"), i["num_threads"],
             os.path.basename(i["filepath"])) for i in threadpool_info()]
    print(f"# {time.strftime('%Y-%m-%d')} {platform.machine()} {os.cpu_count()} cores, "
          f"python {platform.python_version()}")
    print(f"# wengert {wengert.__version__}, numpy {numpy.__version__}, scipy "
          f"{scipy.__version__}, jax {jax.__version__}, torch {torch.__version__}")
    print(f"# BLAS (threadpoolctl): {info}")
    print(f"# OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')!r}")
    print()
    print("| n | loss | wengert (ms) | JAX (ms) | PyTorch (ms) | wengert / faster peer |"
          " max rel. grad diff |")
    print("|---|---|---|---|---|---|---|")
    for n, op, tw, tj, tt, ratio, diff in rows:
        print(f"| {n} | {op} | {1e3 * tw:.1f} | {1e3 * tj:.1f} | {1e3 * tt:.1f} | "
              f"{ratio:.2f} | {diff:.1e} |")


if __name__ == "__main__":
    main()
