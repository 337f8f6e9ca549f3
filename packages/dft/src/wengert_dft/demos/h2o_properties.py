"""Demo ``h2o-properties``: one energy function, every property of water by AD.

RHF/6-31G at O(0,0,0), H(0,±0.757,0.587) Å: energy, forces, harmonic frequencies and IR
intensities (Hessian and dipole derivatives by forward-over-reverse through the SCF fixed
point), dipole and static polarizability (field derivatives), side by side with the values
PySCF 2.14.0 produced with the same basis data (:mod:`wengert_dft.demos.pyscf_reference`).
The full run adds LDA (Slater+VWN5) energy, forces, dipole and polarizability.

results.json keys: ``energy_hartree``, ``forces_hartree_per_bohr``, ``frequencies_cm``,
``ir_intensities_km_mol``, ``dipole_au``, ``polarizability_au``, the PySCF values under
``pyscf_*`` and the largest deviations under ``max_error_*``; with ``--quick`` off also
``lda_*``.
"""

from __future__ import annotations

import time

import numpy

import wengert
from wengert_dft.demos.pyscf_reference import REFERENCE
from wengert_dft.molecule import Molecule
from wengert_dft.properties import (
    dipole,
    dipole_derivatives,
    forces,
    harmonic_analysis,
    hessian,
    polarizability,
)
from wengert_dft.scf import energy

WATER = "O 0 0 0; H 0 -0.757 0.587; H 0 0.757 0.587"


def _properties(mol, method, xc, ctx, with_hessian):
    steps = ["energy", "forces", "dipole", "polarizability"]
    if with_hessian:
        steps += ["hessian", "dipole derivatives"]
    out, seconds = {}, {}
    for step in ctx.progress(steps, total=len(steps), desc=f"{method} properties"):
        start = time.perf_counter()
        if step == "energy":
            out[step] = float(energy(mol, method, xc))
        elif step == "forces":
            out[step] = forces(mol, method, xc)
        elif step == "dipole":
            out[step] = dipole(mol, method, xc)
        elif step == "polarizability":
            out[step] = polarizability(mol, method, xc)
        elif step == "hessian":
            out[step] = hessian(mol, method, xc)
        else:
            out[step] = dipole_derivatives(mol, method, xc)
        seconds[step] = round(time.perf_counter() - start, 3)
    return out, seconds


def run(ctx):
    mol = Molecule(WATER, "6-31g")
    ref = REFERENCE["h2o/6-31g/rhf"]
    props, seconds = _properties(mol, "rhf", None, ctx, True)
    modes = harmonic_analysis(mol, props["hessian"], props["dipole derivatives"])
    results = {
        "molecule": "H2O",
        "basis": "6-31G",
        "method": "RHF",
        "energy_hartree": props["energy"],
        "forces_hartree_per_bohr": props["forces"],
        "frequencies_cm": modes.frequencies,
        "ir_intensities_km_mol": modes.ir_intensities,
        "dipole_au": props["dipole"],
        "polarizability_au": props["polarizability"],
        "pyscf_version": "2.14.0",
        "pyscf_energy_hartree": ref["energy"],
        "pyscf_forces_hartree_per_bohr": -numpy.array(ref["gradient"]),
        "pyscf_frequencies_cm": ref["freq"],
        "pyscf_dipole_au": ref["dipole"],
        "pyscf_polarizability_au": ref["polarizability"],
        "max_error_energy": abs(props["energy"] - ref["energy"]),
        "max_error_forces": float(numpy.abs(props["forces"] + ref["gradient"]).max()),
        "max_error_frequencies_cm": float(numpy.abs(modes.frequencies - ref["freq"]).max()),
        "max_error_dipole": float(numpy.abs(props["dipole"] - ref["dipole"]).max()),
        "max_error_polarizability": float(
            numpy.abs(props["polarizability"] - ref["polarizability"]).max()
        ),
        "seconds_per_property": seconds,
        "eigh_engine": __import__("wengert_dft._linalg", fromlist=["BACKEND"]).BACKEND,
        "wengert_version": wengert.__version__,
    }
    if not ctx.quick:
        lda_ref = REFERENCE["h2o/6-31g/lda"]
        lda, lda_seconds = _properties(mol, "rks", "lda,vwn5", ctx, False)
        results.update(
            {
                "lda_energy_hartree": lda["energy"],
                "lda_forces_hartree_per_bohr": lda["forces"],
                "lda_dipole_au": lda["dipole"],
                "lda_polarizability_au": lda["polarizability"],
                "lda_max_error_energy": abs(lda["energy"] - lda_ref["energy"]),
                "lda_max_error_forces": float(numpy.abs(lda["forces"] + lda_ref["gradient"]).max()),
                "lda_max_error_dipole": float(numpy.abs(lda["dipole"] - lda_ref["dipole"]).max()),
                "lda_max_error_polarizability": float(
                    numpy.abs(lda["polarizability"] - lda_ref["polarizability"]).max()
                ),
                "lda_seconds_per_property": lda_seconds,
            }
        )
    plt = ctx.pyplot()
    if plt is not None:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.vlines(
            modes.frequencies,
            0,
            modes.ir_intensities,
            color="tab:blue",
            lw=3,
            label="wengert-dft (AD)",
        )
        ax.plot(ref["freq"], numpy.zeros(3), "kx", ms=9, label="PySCF 2.14.0 frequencies")
        ax.set(
            xlabel="wavenumber (cm$^{-1}$)",
            ylabel="IR intensity (km/mol)",
            title="H$_2$O RHF/6-31G harmonic IR spectrum",
        )
        ax.legend()
        ctx.save_figure(fig, "h2o-ir-spectrum.png")
    return results


DEMO = wengert.Demo(
    name="h2o-properties",
    run=run,
    description="H2O RHF/6-31G energy, forces, frequencies, IR, dipole, polarizability by AD "
    "of one energy, against PySCF 2.14.0",
)
