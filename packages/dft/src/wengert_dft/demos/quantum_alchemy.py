"""Demo ``quantum-alchemy``: E(Z) from N2 towards CO by alchemical derivatives.

Along the path Z_1 = 7 - lam, Z_2 = 7 + lam at fixed geometry (1.098 Å), fixed basis (N
6-31G functions on both atoms) and 14 electrons, lam = 1 is CO in N2's basis. The Taylor
series E(lam) ~ E(0) + lam dE/dlam + lam^2/2 d2E/dlam2 uses the alchemical gradient
(Hellmann-Feynman: the electrostatic potential at the nuclei) and Hessian (through the
SCF response, by reverse-over-reverse AD) of N2 alone; it is compared with direct SCF
calculations along the path (von Lilienfeld's alchemical perturbation; the seed's N2/CO
slide; arXiv 2109.11238). By symmetry dE/dlam = 0 at N2.

results.json keys: ``lambdas``, ``energy_direct``, ``energy_taylor2``, ``dE_dZ``,
``d2E_dZ2``, ``dE_dlam``, ``d2E_dlam2``, ``energy_co_direct``, ``energy_co_taylor2``,
``error_co_taylor2``, ``dE_dZ_finite_difference_error``.
"""

from __future__ import annotations

import numpy

import wengert
from wengert_dft.molecule import Molecule
from wengert_dft.properties import alchemical_derivatives
from wengert_dft.scf import energy


def run(ctx):
    basis = ctx.options["basis"]
    mol = Molecule("N 0 0 0; N 0 0 1.098", basis)
    direction = numpy.array([-1.0, 1.0])
    grad_z = alchemical_derivatives(mol, order=1)
    hess_z = alchemical_derivatives(mol, order=2)
    e0 = float(energy(mol))
    d1 = float(direction @ grad_z)
    d2 = float(direction @ hess_z @ direction)
    lambdas = numpy.linspace(-1.0, 1.0, 5 if ctx.quick else 21)
    direct = numpy.array(
        [
            float(energy(mol, charges=mol.charges + lam * direction))
            for lam in ctx.progress(lambdas, total=len(lambdas), desc="E(lam)")
        ]
    )
    taylor = e0 + d1 * lambdas + 0.5 * d2 * lambdas**2
    h = 1e-3  # finite differences in Z at fixed basis, to check dE/dZ
    fd = numpy.array(
        [
            (
                float(energy(mol, charges=mol.charges + h * e))
                - float(energy(mol, charges=mol.charges - h * e))
            )
            / (2 * h)
            for e in numpy.eye(2)
        ]
    )
    i_co = int(numpy.argmin(numpy.abs(lambdas - 1.0)))
    plt = ctx.pyplot()
    if plt is not None:
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(lambdas, direct, "ko", label="direct SCF")
        fine = numpy.linspace(-1, 1, 200)
        ax.plot(
            fine,
            e0 + d1 * fine + 0.5 * d2 * fine**2,
            "tab:red",
            label="2nd-order Taylor from AD at N$_2$",
        )
        ax.set(
            xlabel=r"$\lambda$  (Z$_1$ = 7 − λ, Z$_2$ = 7 + λ)",
            ylabel="E (Eh)",
            title=f"N$_2$ → CO alchemy, RHF/{basis} (N basis)",
        )
        ax.legend()
        ctx.save_figure(fig, "quantum-alchemy.png")
    return {
        "basis": basis,
        "lambdas": lambdas,
        "energy_direct": direct,
        "energy_taylor2": taylor,
        "dE_dZ": grad_z,
        "d2E_dZ2": hess_z,
        "dE_dlam": d1,
        "d2E_dlam2": d2,
        "energy_co_direct": float(direct[i_co]),
        "energy_co_taylor2": float(taylor[i_co]),
        "error_co_taylor2": float(taylor[i_co] - direct[i_co]),
        "dE_dZ_finite_difference_error": float(numpy.abs(fd - grad_z).max()),
    }


DEMO = wengert.Demo(
    name="quantum-alchemy",
    run=run,
    description="N2 -> CO at fixed basis: Taylor series from AD alchemical derivatives vs "
    "direct RHF (von Lilienfeld-style quantum alchemy)",
    options=(wengert.DemoOption("basis", str, "6-31g", "basis set"),),
)
