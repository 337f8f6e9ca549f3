"""Terminal events with differentiable event times.

The event time ``t*`` is the first root of ``g(y(t), t, *params)`` after ``t0``. It is
located on the raw solution: a sign change of ``g`` between the ends of an accepted step,
then Brent's method on the step's dense output. Its derivatives follow from the implicit
function theorem on ``G(tau) = g(y(tau), tau)``:

    dt* = -(dG at fixed tau) / G_tau,     G_tau = grad_y g . f(y*, t*) + dg/dt,
    dy(t*) = (dy at fixed t*) + f(y*, t*) dt*,

implemented as ``t* = t*_0 - (G - stop_gradient(G)) / G_tau`` and
``y* = y(t*_0) + f(y*, t*) (t* - t*_0)``: exact first derivatives (reverse and forward
mode, through any ``gradient=`` mode of :func:`~wengert_ode.odeint`), values unchanged.
Second derivatives through the event time are not supported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy
import scipy.optimize
from autograd.tracer import isbox

import wengert
import wengert.numpy as np
from wengert_ode.controllers import PIController
from wengert_ode.field import Problem, TreeSpec, unbox_containers
from wengert_ode.odeint import _options, odeint
from wengert_ode.solve import SolverStats, integrate
from wengert_ode.steps import RawRHS
from wengert_ode.tableaus import get_method

__all__ = ["odeint_event", "find_root_in_step", "EventNotFoundError"]


class EventNotFoundError(RuntimeError):
    """The event function did not change sign between ``t0`` and ``t_max``."""


def find_root_in_step(g_of_theta: Callable[[float], float], g0: float, g1: float,
                      direction: float) -> float | None:
    """``theta`` in (0, 1] where ``g`` crosses zero in ``direction`` (None if it does not).

    ``g0``, ``g1``: the event function at the step's ends; ``direction`` > 0 only rising
    crossings, < 0 only falling, 0 both (SciPy's convention).
    """
    if g1 == 0.0:
        crosses = g0 != 0.0
    else:
        crosses = g0 * g1 < 0
    if not crosses or (direction > 0 and g1 < g0) or (direction < 0 and g1 > g0):
        return None
    if g1 == 0.0:
        return 1.0
    return scipy.optimize.brentq(g_of_theta, 0.0, 1.0, xtol=4 * numpy.finfo(float).eps,
                                 rtol=4 * numpy.finfo(float).eps)


def odeint_event(
    f: Callable,
    y0: Any,
    t0: Any,
    event: Callable,
    *params: Any,
    t_max: float,
    direction: float = 0.0,
    method: str = "dopri5",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    gradient: str = "checkpoint",
    dt0: float | None = None,
    max_steps: int = 100_000,
    controller: PIController | None = None,
    f_vjp: Callable | None = None,
    f_jvp: Callable | None = None,
):
    """Integrate until ``event(y, t, *params)`` first crosses zero; return ``(t*, y(t*))``.

    :param f, y0, params, method, rtol, atol, gradient, dt0, max_steps, controller, f_vjp,
        f_jvp: as in :func:`~wengert_ode.odeint`.
    :param t0: start time (differentiable).
    :param event: scalar function ``event(y, t, *params)`` in :mod:`wengert.numpy`.
    :param t_max: give up at this time (must be > ``t0``).
    :param direction: > 0 only rising crossings, < 0 only falling, 0 both.
    :returns: ``(t_event, y_event)``, differentiable with respect to ``y0``, ``t0`` and
        ``params`` (first order).
    :raises EventNotFoundError: no crossing before ``t_max``.
    """
    if not callable(event):
        raise TypeError(f"event must be callable event(y, t, *params), got "
                        f"{type(event).__name__}")
    options = _options(method, rtol, atol, gradient, dt0, max_steps, controller, None)
    t0_raw = float(wengert.stop_gradient(t0))
    if not (numpy.isfinite(t_max) and t_max > t0_raw):
        raise ValueError(f"t_max must be a finite time after t0 = {t0_raw}, got {t_max!r}")
    y0, params = unbox_containers(y0), unbox_containers(params)
    raw_params = wengert.stop_gradient(params)
    y_spec, p_spec = TreeSpec(y0, "y0"), TreeSpec(params, "params")
    problem = Problem(f, y_spec, p_spec)
    field = problem.field(numpy.asarray(p_spec.flatten(raw_params), dtype=float))

    def g(y_flat, t):
        return float(event(y_spec.unflatten(y_flat), t, *raw_params))

    found = []
    state = {"g": g(numpy.asarray(y_spec.flatten(wengert.stop_gradient(y0)), float), t0_raw)}

    def monitor(t, h, y, y_new, interpolant):
        g1 = g(y_new, t + h)
        theta = find_root_in_step(lambda th: g(interpolant(th), t + th * h), state["g"], g1,
                                  direction)
        state["g"] = g1
        if theta is not None:
            found.append(t + theta * h)
        return theta is not None

    integrate(RawRHS(field, options["rtol"], options["atol"]), get_method(method),
              numpy.asarray(y_spec.flatten(wengert.stop_gradient(y0)), dtype=float),
              numpy.array([t0_raw, float(t_max)]), rtol=options["rtol"], atol=options["atol"],
              controller=options["controller"], dt0=options["dt0"],
              max_steps=options["max_steps"], stats=SolverStats(), monitor=monitor)
    if not found:
        raise EventNotFoundError(f"event did not cross zero between t0 = {t0_raw} and "
                                 f"t_max = {t_max} (last value {state['g']:.6g})")
    t_star = found[0]
    times = np.stack([t0 * 1.0, t_star]) if isbox(t0) else numpy.array([t0_raw, t_star])
    solve_options = {k: v for k, v in options.items() if k != "checkpoint_every"}
    y_star = wengert.tree_map(lambda leaf: leaf[-1],
                              odeint(f, y0, times, *params, gradient=gradient, f_vjp=f_vjp,
                                     f_jvp=f_jvp, **solve_options))
    y_star_raw = wengert.stop_gradient(y_star)
    f_star = f(y_star_raw, t_star, *raw_params)
    _, g_tau = wengert.jvp(lambda y, t: event(y, t, *raw_params), (y_star_raw, t_star),
                           (f_star, 1.0))
    if not numpy.isfinite(g_tau) or g_tau == 0:
        raise ValueError(f"event is tangent to the trajectory at t = {t_star} "
                         "(dg/dt = 0): its time is not differentiable")
    g_value = event(y_star, t_star, *params)
    t_event = t_star - (g_value - wengert.stop_gradient(g_value)) / float(g_tau)
    y_event = wengert.tree_map(lambda y, fy: y + fy * (t_event - t_star), y_star, f_star)
    return t_event, y_event
