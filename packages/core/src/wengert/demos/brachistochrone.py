"""Brachistochrone (Johann Bernoulli, 1696): the curve of fastest descent, by gradient.

A bead slides without friction under gravity ``g = 9.8`` from ``(0, 0)`` to ``(1, -1)``.
The path is a polyline through nodes ``x_i`` (graded, ``x_i = (i/N)**2``, because the
optimal path leaves the start vertically) with unknown depths ``y_i = -exp(z_i)``. The
travel time is the exact time of each straight segment under uniform acceleration,

    t_i = 2 L_i / (v_i + v_{i+1}),   v_i = sqrt(2 g (y_0 - y_i)),

which, unlike a midpoint rule, cannot be gamed by the optimizer near the 1/sqrt singular
start: every polyline's time is a true upper bound of the optimum. L-BFGS with exact
gradients minimizes it; the result is compared with the cycloid
``x = R(theta - sin theta), y = -R(1 - cos theta)``, time ``T = theta_1 sqrt(R/g)``.
The discretization error falls as ``1/N**2`` on the graded mesh.
"""

from __future__ import annotations

import numpy
import scipy.optimize

import wengert.numpy as np
from wengert.demo import Demo, DemoContext
from wengert.optimize import minimize

GRAVITY = 9.8
END = (1.0, -1.0)


def cycloid(x1: float = END[0], depth: float = -END[1], g: float = GRAVITY):
    """The optimal cycloid through the origin and ``(x1, -depth)``: ``(theta_1, R, time)``."""
    theta1 = scipy.optimize.brentq(
        lambda t: (t - numpy.sin(t)) / (1 - numpy.cos(t)) - x1 / depth, 1e-6, 2 * numpy.pi - 1e-6
    )
    radius = depth / (1 - numpy.cos(theta1))
    return theta1, radius, theta1 * numpy.sqrt(radius / g)


def travel_time(log_depth, x):
    """Exact travel time along the polyline through ``(x_i, -exp(log_depth_i))``.

    ``log_depth`` has shape (N-1,) (interior nodes), ``x`` shape (N+1,); seconds.
    """
    depth = np.concatenate([np.zeros(1), np.exp(log_depth), np.array([-END[1]])])
    speed = np.concatenate([np.zeros(1), np.sqrt(2 * GRAVITY * depth[1:])])
    length = np.sqrt(np.diff(x) ** 2 + np.diff(depth) ** 2)
    return np.sum(2 * length / (speed[:-1] + speed[1:]))


def optimize_path(n: int, log_depth0=None, progress: bool = False):
    """Minimize the travel time on ``n`` segments; returns ``(x, depth, time, result)``."""
    x = (numpy.arange(n + 1) / n) ** 2
    if log_depth0 is None:
        log_depth0 = numpy.log(x[1:-1])  # the straight line y = -x
    result = minimize(
        travel_time, log_depth0, args=(x,), method="L-BFGS-B", maxiter=20000,
        progress=progress, options={"gtol": 1e-13, "ftol": 1e-16, "maxcor": 30},
    )
    depth = numpy.concatenate([[0.0], numpy.exp(result.x), [-END[1]]])
    return x, depth, float(result.fun), result


def _refine(x_coarse, depth_coarse, n):
    """Interpolate a coarse solution onto the ``n``-segment mesh (continuation start)."""
    x_fine = (numpy.arange(n + 1) / n) ** 2
    return numpy.log(numpy.interp(x_fine[1:-1], x_coarse, depth_coarse))


def run(ctx: DemoContext) -> dict:
    _, radius, t_cycloid = cycloid()
    sizes = [16, 32] if ctx.quick else [16, 32, 64, 128, 256]
    rows, start = [], None
    for n in ctx.progress(sizes, desc="brachistochrone N"):
        x, depth, t_opt, result = optimize_path(n, start)
        rows.append({"N": n, "time": t_opt, "rel_error": (t_opt - t_cycloid) / t_cycloid,
                     "iterations": int(result.nit)})
        start_x, start_depth = x, depth
        start = None if n == sizes[-1] else _refine(start_x, start_depth, 2 * n)
    final = rows[-1]
    plt = ctx.pyplot()
    if plt is not None:
        theta = numpy.linspace(0, cycloid()[0], 400)
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        ax1.plot(radius * (theta - numpy.sin(theta)), -radius * (1 - numpy.cos(theta)),
                 "-", color="0.6", lw=5, label="cycloid (exact)")
        ax1.plot(x, -depth, "o-", ms=2.5, lw=1, color="tab:red",
                 label=f"optimized polyline, N={final['N']}")
        ax1.set(xlabel="x", ylabel="y", title="Brachistochrone", aspect="equal")
        ax1.legend()
        n = numpy.array([r["N"] for r in rows])
        err = numpy.array([r["rel_error"] for r in rows])
        ax2.loglog(n, err, "o-", label="optimized")
        ax2.loglog(n, err[0] * (n[0] / n) ** 2, "k--", lw=0.8, label="N^-2")
        ax2.set_xticks(n, [str(v) for v in n])
        ax2.minorticks_off()
        ax2.set(xlabel="segments N", ylabel="(T_N - T_cycloid) / T_cycloid",
                title="Convergence (graded mesh)")
        ax2.legend()
        ax2.grid(True, alpha=0.3)
        ctx.save_figure(fig, "brachistochrone.png")
    return {
        "time_optimized": final["time"],
        "time_cycloid": t_cycloid,
        "rel_error": final["rel_error"],
        "N": final["N"],
        "convergence": rows,
    }


DEMO = Demo(
    name="brachistochrone",
    run=run,
    description="Bernoulli's curve of fastest descent by L-BFGS with exact gradients, "
    "against the exact cycloid",
)
__all__ = ["DEMO", "cycloid", "travel_time", "optimize_path"]
