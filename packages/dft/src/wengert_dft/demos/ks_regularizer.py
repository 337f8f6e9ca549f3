"""Demo ``ks-regularizer``: Kohn-Sham equations as a regularizer (Li et al., PRL 126,
036401 (2021)), in 1D for H2 with exponential Coulomb interactions.

Exact references (energies and densities) come from diagonalizing the two-electron
Hamiltonian on the grid (:func:`wengert_dft.ks1d.exact_two_electron`). One learnable
functional (:class:`wengert_dft.ks1d.LearnedXC`, LDA times 1 + a small network of local and
smoothed densities) is trained on two bond lengths (1.28 and 3.84 Bohr, as in the paper)
in two ways:

* **KS-regularized**: loss = sum (E_KS - E_exact)^2 + sum_x (n_KS - n_exact)^2 h, with
  E_KS and n_KS from the self-consistent KS fixed point, differentiated implicitly;
* **without the KS loop**: loss = sum (E_xc[n_exact] - E_xc^exact)^2, fitting the xc energy
  on exact densities (E_xc^exact from the exact energy minus the von Weizsaecker, external
  and Hartree terms of the exact density), no self-consistency in training.

Both are then used self-consistently along the dissociation curve. results.json keys:
``bond_lengths``, ``energy_exact``, ``energy_lda``, ``energy_ks_trained``,
``energy_no_ks_trained`` (NaN where the KS loop did not converge), ``mae_lda``,
``mae_ks_trained``, ``mae_no_ks_trained`` (mean |E - E_exact| over the test bond lengths
that are not training points), ``train_bond_lengths``, ``grid_points``, ``grid_spacing``.

``--executor`` (``serial``, ``processes``, ``dask``, ``dask://host:port``) spreads the exact
references over bond lengths (:func:`wengert.parallel.map`) and the KS-regularized loss,
a sum over training molecules, with its gradient (:func:`wengert.parallel.value_and_grad_sum`).
"""

from __future__ import annotations

import numpy

import wengert
import wengert.numpy as np
from wengert import parallel
from wengert_dft import ks1d

TRAIN = (1.28, 3.84)


def _self_consistent(grid, functional, params, bond_lengths, progress, desc):
    out = []
    for r in progress(bond_lengths, total=len(bond_lengths), desc=desc):
        v, e_nuc = ks1d.h2_potential(grid, r)
        try:
            out.append(float(ks1d.kohn_sham(grid, v, 2, functional, params, e_nuc=e_nuc).energy))
        except wengert.ConvergenceError:
            out.append(float("nan"))
    return numpy.array(out)


def _exact_reference(grid_and_bond_length):
    """Exact two-electron (energy, density) of 1D H2 at one bond length (a parallel item)."""
    grid, r = grid_and_bond_length
    v, e_nuc = ks1d.h2_potential(grid, r)
    return ks1d.exact_two_electron(grid, v, e_nuc)


def _ks_item_loss(theta, item):
    """One training molecule's KS-regularized loss: (E_KS - E)^2 + |n_KS - n|^2 h."""
    grid, functional, v, e_nuc, e, n, spacing = item
    res = ks1d.kohn_sham(grid, v, 2, functional, theta, e_nuc=e_nuc)
    return (res.energy - e) ** 2 + np.sum((res.density - n) ** 2) * spacing


def run(ctx):
    with parallel.get_executor(ctx.options["executor"]) as executor:
        return _run(ctx, executor)


def _run(ctx, executor):
    num, spacing = (101, 0.25) if ctx.quick else (257, 0.1)
    grid = ks1d.make_grid(num, spacing)
    test = numpy.round(
        numpy.arange(0.64, 6.0 if ctx.quick else 6.1, 0.64 if ctx.quick else 0.32), 2
    )
    bond_lengths = numpy.unique(numpy.concatenate([test, TRAIN]))
    references = parallel.map(
        _exact_reference,
        [(grid, float(r)) for r in bond_lengths],
        executor=executor,
        progress=ctx.show_progress,
    )
    exact = dict(zip((float(r) for r in bond_lengths), references))
    functional = ks1d.LearnedXC(hidden=ctx.options["hidden"])
    theta0 = functional.init(grid)
    train = []
    for r in TRAIN:
        v, e_nuc = ks1d.h2_potential(grid, r)
        e, n = exact[r]
        train.append((v, e_nuc, e, n, ks1d.xc_energy_from_exact(grid, v, e, n, e_nuc)))

    items = [(grid, functional, v, e_nuc, e, n, spacing) for v, e_nuc, e, n, _ in train]

    def ks_value_and_grad(theta):
        return parallel.value_and_grad_sum(
            _ks_item_loss, theta, items, executor=executor, progress=False
        )

    def no_ks_loss(theta):
        loss = 0.0
        for _, _, _, n, e_xc in train:
            e_model = np.sum(n * functional.energy_density(n, theta, grid)) * spacing
            loss = loss + (e_model - e_xc) ** 2
        return loss

    steps = ctx.options["steps"] or (25 if ctx.quick else 100)
    fit_ks = wengert.optimize.minimize(
        None,
        theta0,
        method="L-BFGS-B",
        maxiter=steps,
        progress=ctx.show_progress,
        value_and_grad=ks_value_and_grad,
    )
    fit_no_ks = wengert.optimize.minimize(
        no_ks_loss, theta0, method="L-BFGS-B", maxiter=steps, progress=ctx.show_progress
    )
    energy_exact = numpy.array([exact[float(r)][0] for r in bond_lengths])
    lda = _self_consistent(grid, ks1d.LDA(), numpy.zeros(0), bond_lengths, ctx.progress, "LDA")
    ks_trained = _self_consistent(
        grid, functional, fit_ks.x, bond_lengths, ctx.progress, "KS-trained"
    )
    no_ks = _self_consistent(
        grid, functional, fit_no_ks.x, bond_lengths, ctx.progress, "trained without KS"
    )
    held_out = ~numpy.isin(bond_lengths, TRAIN)

    def mae(e):
        err = numpy.abs(e - energy_exact)[held_out]
        return float(numpy.mean(err)) if numpy.all(numpy.isfinite(err)) else float("nan")

    plt = ctx.pyplot()
    if plt is not None:
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(bond_lengths, energy_exact, "k-", label="exact (2e diagonalization)")
        ax.plot(bond_lengths, lda, "tab:gray", ls="--", label="LDA")
        ax.plot(bond_lengths, ks_trained, "tab:red", marker="o", label="trained through KS")
        ax.plot(bond_lengths, no_ks, "tab:blue", marker="s", label="trained without KS")
        ax.plot(TRAIN, [exact[r][0] for r in TRAIN], "k*", ms=14, label="training points")
        ax.set(
            xlabel="bond length R (Bohr)",
            ylabel="E (Eh)",
            title="1D H$_2$, exponential Coulomb: KS regularizer",
        )
        ax.legend()
        ctx.save_figure(fig, "ks-regularizer.png")
    return {
        "bond_lengths": bond_lengths,
        "train_bond_lengths": list(TRAIN),
        "energy_exact": energy_exact,
        "energy_lda": lda,
        "energy_ks_trained": ks_trained,
        "energy_no_ks_trained": no_ks,
        "mae_lda": mae(lda),
        "mae_ks_trained": mae(ks_trained),
        "mae_no_ks_trained": mae(no_ks),
        "loss_ks_trained": float(fit_ks.fun),
        "loss_no_ks_trained": float(fit_no_ks.fun),
        "grid_points": num,
        "grid_spacing": spacing,
        "executor": ctx.options["executor"],
    }


DEMO = wengert.Demo(
    name="ks-regularizer",
    run=run,
    description="1D H2 (exponential Coulomb): an xc functional trained through the KS loop "
    "vs without it, along the dissociation curve (Li et al., PRL 2021)",
    options=(
        wengert.DemoOption("hidden", int, 8, "hidden units per layer"),
        wengert.DemoOption("steps", int, 0, "L-BFGS iterations (0: 25 quick, 100 full)"),
        wengert.DemoOption(
            "executor",
            str,
            "serial",
            "where bond lengths and training molecules run: serial, "
            "processes[:N], dask, dask://host:port (wengert.parallel)",
        ),
    ),
)
