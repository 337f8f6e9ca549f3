"""Demo ``stellarator-coils``: coils for a rotating-ellipse stellarator surface.

Start: 16 planar circular coils (4 base coils, 2 field periods, stellarator symmetry;
major radius 1 m, coil radius 0.5 m, 100 kA) around the rotating ellipse
``R = 1 + 0.15 cos theta + 0.05 cos(theta - 2 phi)``,
``Z = 0.15 sin theta - 0.05 sin(theta - 2 phi)`` (m). Their field is almost purely toroidal
and crosses the rotating surface. L-BFGS-B
reshapes the coils (Fourier order 4 with ``--quick``, 6 otherwise) and the currents of base
coils 1-3 (coil 0's is fixed) to minimize the normalized quadratic flux
``int (B.n)^2 dA / int |B|^2 dA`` on a half-period grid, with penalties on coil length
(> 4 m), coil-coil distance (< 0.1 m), coil-surface distance (< 0.2 m) and curvature
(> 10 / m). The final flux is re-evaluated on a grid twice as fine to show it is not an
artefact of the grid.

``results.json``: ``quadratic_flux_initial``, ``quadratic_flux_final`` (normalized, on the
optimization grid), ``flux_reduction`` (their ratio, target >= 100), ``max_Bn_over_B``
(max ``|B.n|/|B|`` on the fine grid), ``quadratic_flux_final_fine_grid``, and the
engineering figures of the final coils.
"""

from __future__ import annotations

import numpy

import wengert
from wengert_coils import objectives as obj
from wengert_coils.curves import CoilSet
from wengert_coils.optimize import optimize_coils, plot_coils
from wengert_coils.surface import Surface

PENALTIES = dict(
    length_weight=1e-2,
    max_length=4.0,
    distance_weight=1e3,
    min_distance=0.1,
    surface_distance_weight=1e3,
    min_surface_distance=0.2,
    curvature_weight=1e-4,
    max_curvature=10.0,
)


def run(ctx):
    quick = ctx.quick
    order, nquad, ngrid = (4, 48, 16) if quick else (6, 96, 32)
    maxiter = ctx.options["maxiter"] or (200 if quick else 500)
    coils = CoilSet.circular(4, 1.0, 0.5, 1e5, order=order, nquad=nquad, nfp=2, stellsym=True)
    surface = Surface.rotating_ellipse(
        1.0, 0.15, 0.05, nfp=2, nphi=ngrid, ntheta=ngrid, range="half period"
    )
    result = optimize_coils(
        coils, surface, maxiter=maxiter, progress=ctx.show_progress, **PENALTIES
    )
    final = result.coils
    fine = surface.with_grid(nphi=2 * ngrid, ntheta=2 * ngrid)
    b_fine = final.field(fine.points)
    points = numpy.asarray(final.all_points())
    out = {
        "quadratic_flux_initial": result.quadratic_flux_initial,
        "quadratic_flux_final": result.quadratic_flux_final,
        "flux_reduction": result.quadratic_flux_initial / result.quadratic_flux_final,
        "max_Bn_over_B": float(numpy.max(obj.bn_over_b(b_fine, fine))),
        "quadratic_flux_final_fine_grid": float(obj.quadratic_flux(b_fine, fine)),
        "iterations": result.nit,
        "ncoils": final.ncoils,
        "fourier_order": order,
        "nquad": nquad,
        "currents_A": final.currents,
        "max_coil_length_m": float(numpy.max(final.curve.length(final.coefficients))),
        "min_coil_coil_distance_m": obj.min_coil_distance(points),
        "min_coil_surface_distance_m": obj.min_coil_surface_distance(points, fine),
        "max_curvature_per_m": float(numpy.max(final.curve.curvature(final.coefficients))),
        "optimizer_message": result.message,
    }
    plt = ctx.pyplot()
    if plt is not None:
        fig = plot_coils(final, surface, title="optimized coils, |B·n|/|B| on the surface")
        ctx.save_figure(fig, "stellarator-coils.png")
        fig = plot_coils(coils, surface, title="initial circular coils")
        ctx.save_figure(fig, "stellarator-coils-initial.png")
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.semilogy(result.history, "k-")
        ax.set(
            xlabel="L-BFGS-B iteration",
            ylabel="objective",
            title="normalized quadratic flux + penalties",
        )
        ctx.save_figure(fig, "stellarator-coils-convergence.png")
    return out


DEMO = wengert.Demo(
    name="stellarator-coils",
    run=run,
    description="coils for a rotating-ellipse stellarator: quadratic flux down >= 100x "
    "from circular coils (L-BFGS-B, differentiable Biot-Savart)",
    options=(
        wengert.DemoOption("maxiter", int, None, "L-BFGS-B iterations (200 quick, 500 full)"),
    ),
)
