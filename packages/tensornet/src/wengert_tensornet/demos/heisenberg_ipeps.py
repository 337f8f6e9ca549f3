"""Demo ``heisenberg-ipeps``: the square-lattice Heisenberg antiferromagnet by gradient.

A single-site C4v-symmetric iPEPS (bond dimension ``D``) is optimized with L-BFGS; the
gradient of the energy flows through the CTMRG environment (bond dimension ``chi``) by
implicit differentiation of its fixed point (PRX 9, 031041 (2019), Fig. 5). The energy
per iteration is plotted against the quantum Monte Carlo value -0.669437 (Sandvik 1997).
``--quick`` optimizes D = 2, chi = 16 to convergence (published: -0.66023109348).

results.json: ``energy_per_site`` (the final variational energy), ``D``, ``chi``,
``staggered_magnetization``, ``energy_history``, ``iterations``, ``evaluations``,
``seconds_optimizing``, ``qmc_energy``, ``relative_error_vs_qmc``; without ``--quick``
also ``energy_per_site_2chi`` (the optimized state measured with a 2 chi environment).
"""

from __future__ import annotations

import numpy

from wengert_tensornet.ctmrg import ctmrg
from wengert_tensornet.io import load_state
from wengert_tensornet.ipeps import (
    D2_ENERGY,
    QMC_ENERGY,
    double_layer,
    energy,
    heisenberg,
    ipeps,
)


def run(ctx) -> dict:
    opts = ctx.options
    D, chi = (2, 16) if ctx.quick else (opts["D"], opts["chi"])
    a0 = load_state(opts["resume"])["params"] if opts["resume"] else None
    bar = ctx.progress(total=opts["maxiter"], desc=f"iPEPS D={D} chi={chi}")

    def callback(iteration, value):
        bar.update(1)
        bar.set_postfix(energy=f"{value:.10f}", refresh=False)
        return False

    try:
        result = ipeps(heisenberg(), D=D, chi=chi, a0=a0, seed=opts["seed"], init=opts["init"],
                       maxiter=opts["maxiter"], gradient=opts["gradient"],
                       save=ctx.out / "state.npz", callback=callback, progress=False)
    finally:
        bar.close()
    m = result.magnetization
    results = {
        "energy_per_site": result.energy,
        "D": D,
        "chi": chi,
        "staggered_magnetization": float(numpy.linalg.norm(m)),
        "energy_history": result.history,
        "iterations": len(result.history),
        "evaluations": result.evaluations,
        "seconds_optimizing": round(result.seconds, 2),
        "gradient": opts["gradient"],
        "init": "resume" if opts["resume"] else opts["init"],
        "optimizer_message": result.message,
        "qmc_energy": QMC_ENERGY,
        "relative_error_vs_qmc": abs(result.energy - QMC_ENERGY) / abs(QMC_ENERGY),
        "published_d2_energy": D2_ENERGY,
        "state_file": "state.npz",
    }
    if not ctx.quick:
        t = double_layer(result.a)
        env = ctmrg(t / numpy.linalg.norm(t), 2 * chi, raise_on_failure=False)
        results["energy_per_site_2chi"] = float(energy(result.a, env, heisenberg()))
    plt = ctx.pyplot()
    if plt is not None:
        _figure(ctx, plt, result.history, D, chi)
    return results


def _figure(ctx, plt, history, D, chi):
    history = numpy.asarray(history)
    fig, (ax, err) = plt.subplots(1, 2, figsize=(11, 4))
    steps = numpy.arange(1, len(history) + 1)
    ax.plot(steps, history, "-", label=f"iPEPS D={D}, chi={chi}")
    ax.axhline(QMC_ENERGY, color="k", ls="--", label="QMC -0.669437 (Sandvik 1997)")
    if D == 2:
        ax.axhline(D2_ENERGY, color="C3", ls=":", label="published D=2 -0.66023109")
    ax.set_ylim(QMC_ENERGY - 0.002, max(history[min(2, len(history) - 1)], -0.64))
    ax.set_xlabel("L-BFGS iteration")
    ax.set_ylabel("energy per site")
    ax.legend(fontsize=8)
    err.semilogy(steps, numpy.maximum(history - history[-1], 1e-16), "-")
    err.set_xlabel("L-BFGS iteration")
    err.set_ylabel("E - E_final (convergence)")
    fig.suptitle("Heisenberg antiferromagnet, square lattice: variational iPEPS by AD")
    fig.tight_layout()
    ctx.save_figure(fig, "heisenberg_ipeps.png")
