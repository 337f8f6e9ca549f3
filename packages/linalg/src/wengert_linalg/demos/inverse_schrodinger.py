"""Demo ``inverse-schrodinger``: recover a potential from its ground-state density.

On a 1D grid (``x`` in [-L, L], Dirichlet walls, 3-point Laplacian, atomic units,
``H = -1/2 d^2/dx^2 + V(x)``) the ground-state density ``n = |psi_0|^2 / dx`` of a known
potential is the target. Starting from a flat potential, L-BFGS minimizes the density
mismatch ``sum_i (log n_i - log n_target_i)^2 dx`` over the potential on every grid point,
with the exact gradient through :func:`wengert_linalg.eigh` (one eigenvector cotangent per
step). The logarithm makes the exponentially small tails count like the bulk: with
``(n - n_target)^2`` the Hessian spans the density's dynamic range squared and L-BFGS stalls
at ~1e-5 on 128 points; with the log it converges to ~1e-11. By the
Hohenberg-Kohn argument for one particle the density fixes the potential up to a constant
wherever the density is not tiny, which the demo checks.

Results: ``density_error`` = max |n - n_target| / max n_target, ``potential_error`` = max
|V - V_true - c| over the points where ``n_target > 1e-3 max n_target`` (``c`` the mean
offset there), ``iterations``.
"""

from __future__ import annotations

import numpy

import wengert
import wengert.numpy as np
from wengert.optimize import minimize
from wengert_linalg._common import single_threaded_blas
from wengert_linalg.eigh import eigh


def true_potential(x):
    """An anharmonic, asymmetric well: ``x^2/2 + 0.6 exp(-(x - 0.7)^2 / 0.2) + 0.05 x^3``."""
    return 0.5 * x**2 + 0.6 * numpy.exp(-((x - 0.7) ** 2) / 0.2) + 0.05 * x**3


def grid(points: int, half_width: float = 5.0):
    """Interior points of [-L, L] and the spacing."""
    x = numpy.linspace(-half_width, half_width, points + 2)[1:-1]
    return x, x[1] - x[0]


def kinetic(points: int, dx: float):
    """``-1/2 d^2/dx^2`` with the 3-point stencil and Dirichlet walls."""
    return (numpy.diag(numpy.full(points, 1.0)) - 0.5 * numpy.diag(numpy.ones(points - 1), 1)
            - 0.5 * numpy.diag(numpy.ones(points - 1), -1)) / dx**2


def density(potential, kin, dx):
    """Ground-state density ``|psi_0|^2 / dx`` of ``kin + diag(potential)`` (differentiable)."""
    _, v = eigh(kin + np.diag(potential))
    return v[:, 0] ** 2 / dx


def run(ctx) -> dict:
    points = 48 if ctx.quick else 128
    x, dx = grid(points)
    kin = kinetic(points, dx)
    v_true = true_potential(x)
    n_target = density(v_true, kin, dx)

    log_target = numpy.log(n_target)

    def loss(potential):  # the log weights the exponentially small tails like the bulk
        diff = np.log(density(potential, kin, dx)) - log_target
        return np.sum(diff * diff) * dx

    with single_threaded_blas():  # (points x points) matrices: threads only add overhead
        result = minimize(loss, numpy.zeros(points), method="L-BFGS-B", maxiter=4000,
                          progress=ctx.show_progress,
                          options={"gtol": 1e-16, "ftol": 1e-30, "maxcor": 50, "maxls": 50})
    v_rec = numpy.asarray(result.x)
    n_rec = numpy.asarray(density(v_rec, kin, dx))
    density_error = float(numpy.max(numpy.abs(n_rec - n_target)) / numpy.max(n_target))
    where = n_target > 1e-3 * n_target.max()
    offset = float(numpy.mean((v_rec - v_true)[where]))
    potential_error = float(numpy.max(numpy.abs(v_rec - v_true - offset)[where]))
    plt = ctx.pyplot()
    if plt is not None:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        ax1.plot(x, n_target, "k-", lw=2, label="target (true potential)")
        ax1.plot(x, n_rec, "--", color="tab:orange", label="recovered potential")
        ax1.set(xlabel="x (bohr)", ylabel="density", title=f"density error {density_error:.1e}")
        ax1.legend()
        ax2.plot(x, v_true, "k-", lw=2, label="true V")
        ax2.plot(x, v_rec - offset, "--", color="tab:orange", label="recovered V - c")
        ax2.axvspan(x[where][0], x[where][-1], color="0.92", zorder=0,
                    label="n > 1e-3 max n")
        ax2.set(xlabel="x (bohr)", ylabel="V (hartree)", ylim=(v_true[where].min() - 0.5,
                                                              v_true[where].max() + 0.5),
                title="Potential, up to a constant")
        ax2.legend()
        ctx.save_figure(fig, "inverse-schrodinger.png")
    return {
        "density_error": density_error,
        "potential_error": potential_error,
        "potential_offset": offset,
        "grid_points": points,
        "iterations": int(result.nit),
        "loss_final": float(result.fun),
    }


DEMO = wengert.Demo(
    name="inverse-schrodinger",
    run=run,
    description="Recover a 1D potential from its ground-state density by L-BFGS through "
    "linalg.eigh (Hohenberg-Kohn: unique up to a constant)",
)
