"""Demo ``vqe-heisenberg``: VQE for the periodic Heisenberg ring with Yao's variational circuit.

Yao.jl (Luo, Liu, Zhang, Wang, Quantum 4, 341 (2020)) trains ``variational_circuit(10,
depth)`` on ``heisenberg(10)`` and shows that reversible adjoint differentiation handles a
10,000-layer, 300,010-parameter circuit on a laptop. Here Adam minimizes
``expect(heisenberg(n), variational_circuit(n, depth), params)``; every step is one value
and full gradient by the reversible sweep. The exact ground energy comes from
``wengert_linalg.eigsh`` when that package is installed, else ``scipy.sparse.linalg.eigsh``.

Parameters start uniform in ``[-0.1, 0.1]`` (near the identity; uniform in ``[0, 2 pi)``
lands on barren plateaus at ``n = 10``). Options not given take the ``QUICK`` or ``FULL``
settings. ``--quick``: ``n = 6``, ``depth = 8``, 400 steps (a few seconds), reaching the
exact energy ``-4 - 2 sqrt(13) = -11.2111`` to ~1e-5. Default: ``n = 10``, ``depth = 6``,
3000 steps; ``--depth 10000 --steps 20`` trains the headline circuit (under a second per
step with numba).
"""

from __future__ import annotations

import time

import numpy
import scipy.sparse.linalg

import wengert
from wengert.optimize import minimize
from wengert_quantum import kernels
from wengert_quantum.circuits import variational_circuit
from wengert_quantum.observables import heisenberg
from wengert_quantum.primitives import expect

#: settings of --quick and of a full run, used for the options not given explicitly
QUICK = dict(n=6, depth=8, steps=400, learning_rate=0.05)
FULL = dict(n=10, depth=6, steps=3000, learning_rate=0.05)
INIT_SCALE = 0.1


def exact_ground_energy(hamiltonian) -> tuple[float, str]:
    """Lowest eigenvalue of ``hamiltonian`` and the solver that gave it."""
    matrix = hamiltonian.sparse()
    try:
        import wengert_linalg
    except ImportError:
        w = scipy.sparse.linalg.eigsh(matrix, k=1, which="SA", tol=1e-12)[0]
        return float(w[0]), "scipy.sparse.linalg.eigsh"
    w, _ = wengert_linalg.eigsh(lambda v: matrix @ v, k=1, which="SA", n=matrix.shape[0])
    return float(numpy.ravel(w)[0]), "wengert_linalg.eigsh"


def run(ctx) -> dict:
    opts = ctx.options
    settings = {k: v if opts.get(k) is None else opts[k]
                for k, v in (QUICK if ctx.quick else FULL).items()}
    n, depth, steps, lr = (settings[k] for k in ("n", "depth", "steps", "learning_rate"))
    h, circuit = heisenberg(n), variational_circuit(n, depth)
    params0 = numpy.random.default_rng(opts["seed"]).uniform(-INIT_SCALE, INIT_SCALE,
                                                             circuit.nparameters)
    energy_exact, solver = exact_ground_energy(h)

    bar = ctx.progress(total=steps, desc=f"VQE heisenberg({n}), depth {depth}")

    def callback(params, value):
        bar.update(1)
        bar.set_postfix(energy=f"{value:.6f}", refresh=False)

    start = time.perf_counter()
    result = minimize(lambda p: expect(h, circuit, p), params0, method="adam", maxiter=steps,
                      learning_rate=lr, callback=callback, progress=False)
    seconds = time.perf_counter() - start
    bar.close()
    energy = float(expect(h, circuit, result.x))
    history = numpy.asarray(result.history)

    plt = ctx.pyplot()
    if plt is not None:
        steps_axis = numpy.arange(1, len(history) + 1)
        fig, (ax, ax_err) = plt.subplots(1, 2, figsize=(11, 4))
        ax.plot(steps_axis, history, label="VQE energy (Adam)")
        ax.axhline(energy_exact, color="k", ls="--", label=f"exact ({solver})")
        ax.set(xlabel="step", ylabel="energy", title=f"heisenberg({n}), variational_circuit("
               f"{n}, {depth}), {circuit.nparameters} parameters")
        ax.legend()
        ax_err.semilogy(steps_axis, numpy.maximum(history - energy_exact, 1e-16))
        ax_err.set(xlabel="step", ylabel="energy - exact", title="error")
        ctx.save_figure(fig, "vqe-heisenberg.png")
    return {
        "energy": energy,
        "energy_exact": energy_exact,
        "error": energy - energy_exact,
        "exact_solver": solver,
        "n": n,
        "depth": depth,
        "nparameters": circuit.nparameters,
        "steps": steps,
        "learning_rate": lr,
        "seconds_per_step": seconds / max(len(history), 1),
        "kernel": kernels.get_kernel(),
        "energy_history": history,
    }


DEMO = wengert.Demo(
    name="vqe-heisenberg",
    run=run,
    description="VQE (Adam) on heisenberg(n) with Yao's variational_circuit, reversible-adjoint "
                "gradients, against the exact ground energy",
    options=(
        wengert.DemoOption("depth", int, None, "circuit depth (default 6; 8 with --quick; "
                           "10000 is Yao's 300,010-parameter circuit)"),
        wengert.DemoOption("n", int, None, "number of qubits (default 10; 6 with --quick)"),
        wengert.DemoOption("steps", int, None, "Adam steps (default 3000; 400 with --quick)"),
        wengert.DemoOption("learning_rate", float, None, "Adam learning rate (default 0.05)"),
        wengert.DemoOption("seed", int, 0, "seed of the random initial parameters"),
    ),
)
