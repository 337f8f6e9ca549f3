"""Coil optimization ("stage two"): fit coils to a target surface by minimizing its quadratic flux.

The objective is the normalized quadratic flux of the coils' field through the surface
plus weighted penalties (:mod:`wengert_coils.objectives`); the variables are the Fourier
coefficients of the base coils and the currents of all base coils but the first, which is
fixed: without it the flux would be minimized by the trivial ``B = 0`` (the normalized
flux is invariant under scaling all currents, so fixing one loses nothing), as simsopt
and FOCUS do. The currents are optimized as ratios to the fixed one (order one, like the
coefficients in metres), with :func:`wengert.optimize.minimize` (L-BFGS-B, exact
gradients, tqdm progress bar).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy

import wengert.numpy as np
from wengert.optimize import minimize
from wengert_coils import objectives as obj
from wengert_coils.curves import CoilSet
from wengert_coils.surface import Surface

__all__ = ["CoilObjective", "CoilOptimizationResult", "optimize_coils", "plot_coils"]


class CoilObjective:
    """``J = quadratic_flux + sum_i weight_i penalty_i`` as a function of a params dict.

    ``params = {"coefficients": (nbase, 3, 2 order + 1), "currents": (nbase - 1,)}``, the
    currents of base coils ``1..nbase-1`` divided by that of coil 0 (held fixed).

    :param length_weight: weight of ``sum_k max(L_k - max_length, 0)^2`` (1/m^2).
    :param distance_weight: weight of :func:`~wengert_coils.objectives.coil_coil_penalty`
        with ``min_distance`` (1/m^4).
    :param surface_distance_weight: weight of
        :func:`~wengert_coils.objectives.coil_surface_penalty` with ``min_surface_distance``
        (1/m^5).
    :param curvature_weight: weight of
        :func:`~wengert_coils.objectives.curvature_penalty` with ``max_curvature`` (m).
    A zero weight leaves its term out.
    """

    def __init__(
        self,
        coils: CoilSet,
        surface: Surface,
        *,
        length_weight: float = 0.0,
        max_length: float = numpy.inf,
        distance_weight: float = 0.0,
        min_distance: float = 0.1,
        surface_distance_weight: float = 0.0,
        min_surface_distance: float = 0.1,
        curvature_weight: float = 0.0,
        max_curvature: float = numpy.inf,
    ):
        if coils.currents[0] == 0:
            raise ValueError("coils: the current of base coil 0 is held fixed and must be nonzero")
        for name, value in (
            ("length_weight", length_weight),
            ("distance_weight", distance_weight),
            ("surface_distance_weight", surface_distance_weight),
            ("curvature_weight", curvature_weight),
        ):
            if not value >= 0:
                raise ValueError(f"{name} must be >= 0, got {value!r}")
        self.coils, self.surface = coils, surface
        self.weights = {
            "length": length_weight,
            "coil_coil": distance_weight,
            "coil_surface": surface_distance_weight,
            "curvature": curvature_weight,
        }
        self.max_length, self.min_distance = max_length, min_distance
        self.min_surface_distance, self.max_curvature = min_surface_distance, max_curvature
        self._points = surface.points.reshape(-1, 3)

    def initial_params(self) -> dict:
        """The params dict of the coil set this objective was made with."""
        c = self.coils
        return {"coefficients": c.coefficients.copy(), "currents": c.currents[1:] / c.currents[0]}

    def unpack(self, params):
        """``(coefficients, currents in A)`` of the base coils from a params dict."""
        ratios = np.concatenate([numpy.ones(1), params["currents"]])
        return params["coefficients"], self.coils.currents[0] * ratios

    def field(self, params):
        """``B`` (T) on the surface grid, ``(nphi, ntheta, 3)``."""
        coefficients, currents = self.unpack(params)
        b = self.coils.field(self._points, coefficients, currents)
        return np.reshape(b, self.surface.points.shape)

    def terms(self, params) -> dict:
        """Every term, unweighted: ``quadratic_flux`` and the penalties with a nonzero weight."""
        coefficients, _ = self.unpack(params)
        curve = self.coils.curve
        out = {"quadratic_flux": obj.quadratic_flux(self.field(params), self.surface)}
        w = self.weights
        if w["length"]:
            out["length"] = obj.length_penalty(curve, coefficients, self.max_length)
        if w["curvature"]:
            out["curvature"] = obj.curvature_penalty(curve, coefficients, self.max_curvature)
        if w["coil_coil"] or w["coil_surface"]:
            points = self.coils.all_points(coefficients)
            if w["coil_coil"]:
                out["coil_coil"] = obj.coil_coil_penalty(
                    points, self.min_distance, self.coils.nbase
                )
            if w["coil_surface"]:
                out["coil_surface"] = obj.coil_surface_penalty(
                    points, self.surface, self.min_surface_distance
                )
        return out

    def __call__(self, params):
        terms = self.terms(params)
        total = terms.pop("quadratic_flux")
        for name, value in terms.items():
            total = total + self.weights[name] * value
        return total


@dataclass
class CoilOptimizationResult:
    """What :func:`optimize_coils` returns (fluxes normalized, on the objective's grid)."""

    coils: CoilSet
    quadratic_flux_initial: float
    quadratic_flux_final: float
    max_bn_over_b: float
    objective_initial: float
    objective_final: float
    nit: int
    message: str
    seconds: float
    history: list = field(default_factory=list)


def optimize_coils(
    coils: CoilSet,
    surface: Surface,
    *,
    maxiter: int = 500,
    progress: bool = True,
    callback=None,
    options: dict | None = None,
    **penalties,
) -> CoilOptimizationResult:
    """Minimize :class:`CoilObjective` (``penalties`` are its keywords) with L-BFGS-B.

    :param options: extra scipy L-BFGS-B options; by default ``ftol = gtol = 1e-15`` and
        ``maxcor = 50``, so the run ends at ``maxiter`` or when no progress is possible.
    :param callback: ``callback(params, value)`` after each iteration; ``True`` stops.

    >>> coils = CoilSet.circular(2, 1.0, 0.5, 1e5, order=2, nquad=16, nfp=2, stellsym=True)
    >>> surface = Surface.rotating_ellipse(nphi=8, ntheta=8, range="half period")
    >>> result = optimize_coils(coils, surface, maxiter=5, progress=False)
    >>> result.quadratic_flux_final < result.quadratic_flux_initial
    True
    """
    objective = CoilObjective(coils, surface, **penalties)
    x0 = objective.initial_params()
    start = time.perf_counter()
    qf0 = float(obj.quadratic_flux(objective.field(x0), surface))
    j0 = float(objective(x0))
    opts = {"ftol": 1e-15, "gtol": 1e-15, "maxcor": 50, **(options or {})}
    res = minimize(
        objective,
        x0,
        method="L-BFGS-B",
        maxiter=maxiter,
        progress=progress,
        callback=callback,
        options=opts,
    )
    coefficients, currents = objective.unpack(res.x)
    best = coils.replace(numpy.asarray(coefficients), numpy.asarray(currents))
    b = objective.field(res.x)
    return CoilOptimizationResult(
        coils=best,
        quadratic_flux_initial=qf0,
        quadratic_flux_final=float(obj.quadratic_flux(b, surface)),
        max_bn_over_b=float(numpy.max(obj.bn_over_b(b, surface))),
        objective_initial=j0,
        objective_final=float(res.fun),
        nit=int(res.nit),
        message=str(res.message),
        seconds=time.perf_counter() - start,
        history=list(res.history),
    )


def plot_coils(
    coils: CoilSet, surface: Surface, *, nphi: int = 96, ntheta: int = 48, ax=None, title: str = ""
):
    """A 3D matplotlib figure: the coils, and the surface coloured by ``|B.n| / |B|``.

    The surface is drawn over the full torus on an ``nphi x ntheta`` grid. Returns the
    figure (needs matplotlib, the ``plot`` extra).
    """
    import matplotlib.pyplot as plt
    from matplotlib import cm, colors

    full = surface.with_grid(nphi=nphi, ntheta=ntheta, range="full torus")
    b = coils.field(full.points)
    ratio = obj.bn_over_b(b, full)
    if ax is None:
        fig = plt.figure(figsize=(7, 6))
        ax = fig.add_subplot(projection="3d")
    else:
        fig = ax.figure
    # close the grid in theta and phi for drawing
    pts = numpy.concatenate([full.points, full.points[:1]], axis=0)
    pts = numpy.concatenate([pts, pts[:, :1]], axis=1)
    val = numpy.concatenate([ratio, ratio[:1]], axis=0)
    val = numpy.concatenate([val, val[:, :1]], axis=1)
    norm = colors.Normalize(vmin=0.0, vmax=float(val.max()))
    ax.plot_surface(
        pts[..., 0],
        pts[..., 1],
        pts[..., 2],
        facecolors=cm.viridis(norm(val)),
        rstride=1,
        cstride=1,
        linewidth=0,
        antialiased=False,
        shade=False,
    )
    for curve in numpy.asarray(coils.all_points()):
        closed = numpy.concatenate([curve, curve[:1]])
        ax.plot(closed[:, 0], closed[:, 1], closed[:, 2], color="tab:orange", lw=1.5)
    mappable = cm.ScalarMappable(norm=norm, cmap="viridis")
    fig.colorbar(mappable, ax=ax, shrink=0.6, label="|B·n| / |B|")
    extent = float(numpy.max(numpy.abs(coils.all_points())))
    ax.set(
        xlim=(-extent, extent),
        ylim=(-extent, extent),
        zlim=(-extent, extent),
        xlabel="x (m)",
        ylabel="y (m)",
        zlabel="z (m)",
        title=title,
    )
    ax.set_box_aspect((1, 1, 1))
    return fig
