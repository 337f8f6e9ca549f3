"""``odeint``: solve ``dy/dt = f(y, t, *params)`` and differentiate the solution.

>>> import numpy, wengert, wengert.numpy as np
>>> from wengert_ode import odeint
>>> decay = lambda y, t, k: -k * y
>>> ys = odeint(decay, numpy.array([1.0]), numpy.array([0.0, 1.0]), 0.5, rtol=1e-10)
>>> round(float(ys[-1, 0]), 8), round(float(numpy.exp(-0.5)), 8)
(0.60653066, 0.60653066)
>>> dk = wengert.grad(lambda k: odeint(decay, numpy.ones(1), numpy.array([0.0, 1.0]), k,
...                                    rtol=1e-10)[-1, 0])(0.5)
>>> round(float(dk), 7)   # d/dk exp(-k) = -exp(-k)
-0.6065307
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy
from autograd.tracer import isbox

import wengert
import wengert.numpy as np
from wengert_ode.controllers import PIController
from wengert_ode.field import Problem, TreeSpec, unbox_containers
from wengert_ode.primitives import PRIMITIVES
from wengert_ode.solve import SolverStats, integrate
from wengert_ode.steps import RawRHS, TracedRHS
from wengert_ode.tableaus import METHODS, get_method

__all__ = ["odeint", "GRADIENTS"]

#: The reverse-mode strategies (see :func:`odeint`).
GRADIENTS = ("checkpoint", "backprop", "adjoint", "interpolating")


def odeint(
    f: Callable,
    y0: Any,
    t: Any,
    *params: Any,
    method: str = "dopri5",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    gradient: str = "checkpoint",
    dt0: float | None = None,
    max_steps: int = 100_000,
    controller: PIController | None = None,
    checkpoint_every: int | None = None,
    f_vjp: Callable | None = None,
    f_jvp: Callable | None = None,
    return_stats: bool = False,
):
    """Integrate ``dy/dt = f(y, t, *params)`` from ``y(t[0]) = y0``; states at every ``t``.

    :param f: the vector field, written in :mod:`wengert.numpy`; returns a pytree with the
        structure and shapes of ``y``. For a batch, give ``y0`` a leading batch axis and
        write ``f`` for it: the batch shares one step-size sequence (as in torchdiffeq),
        with the error norm taken over the whole batch.
    :param y0: initial state: an array or a pytree of real arrays.
    :param t: ``(T,)`` strictly monotone output times (decreasing integrates backward).
    :param params: parameters (arrays or pytrees) passed to ``f``; differentiable.
    :param method: ``"dopri5"`` (default), ``"tsit5"``, ``"bosh3"``, ``"dop853"`` (adaptive,
        PI controller, dense output at interior output times), ``"sdirk4"`` (implicit,
        L-stable, for stiff problems; Newton with the Jacobian of ``f`` from AD),
        ``"euler"``, ``"rk4"`` (fixed steps).
    :param rtol, atol: local error tolerances of the adaptive methods (scaled RMS norm,
        ``atol + rtol * |y|``).
    :param gradient: how reverse mode differentiates the solution:

        * ``"checkpoint"`` (default): discrete adjoint of the computed solution over
          checkpointed segments: exact to rounding (same numbers as ``"backprop"``),
          accurate for stiff and chaotic problems, memory ``O(sqrt(steps))`` states, cost
          about three forward solves. The right choice unless you need second derivatives.
        * ``"backprop"``: trace the solver's operations (a tape over every step): exact,
          any order (Hessians, forward-over-reverse), memory grows with the steps.
        * ``"interpolating"``: continuous adjoint ODE solved backward with the forward
          solution's dense output (recomputed from checkpoints): accurate to the tolerance,
          stable where the forward problem is, memory ``O(sqrt(steps))``.
        * ``"adjoint"``: Chen et al.'s continuous backsolve adjoint: ``y`` is integrated
          backward with the adjoint, memory O(1). Accurate only when the backward
          integration of ``y`` is stable: wrong (often by orders of magnitude) for stiff or
          chaotic problems. Offered for comparison with torchdiffeq.

        Step sizes chosen by the controller are constants for differentiation in every
        mode. Forward mode (JVP) propagates sensitivities through the same steps.
    :param dt0: first step (adaptive methods; default from Hairer's heuristic), or the
        largest step of the fixed-step methods: ``ceil(dt/dt0)`` equal steps between
        consecutive output times (default: one step per output interval).
    :param max_steps: attempted steps allowed before :class:`OdeSolverError` is raised.
    :param controller: a :class:`PIController` (default ``PIController()``).
    :param checkpoint_every: store the state every this many steps for the
        ``"checkpoint"``/``"interpolating"`` reverse passes (default: doubling schedule with
        about ``sqrt(2 N)`` checkpoints).
    :param f_vjp: optional fast ``f_vjp(y, t, *params) -> (f, pullback)`` with
        ``pullback(ct) -> (y_bar, t_bar, *params_bar)`` (as :func:`wengert.vjp`); used by
        the adjoints instead of tracing ``f`` at every stage.
    :param f_jvp: optional ``f_jvp(primals, tangents) -> (f, tangent)`` (as
        :func:`wengert.jvp`), used by forward mode.
    :param return_stats: also return a :class:`SolverStats` (its ``backward_*`` counters
        are filled when a gradient is computed).
    :returns: the states at ``t``: ``y0``'s pytree with each leaf stacked along a new
        axis 0 of length ``T`` (and the stats).
    :raises OdeSolverError: too many steps, step-size underflow or a non-finite state.
    """
    if not callable(f):
        raise TypeError(f"f must be callable f(y, t, *params), got {type(f).__name__}")
    options = _options(method, rtol, atol, gradient, dt0, max_steps, controller,
                       checkpoint_every)
    for name, fun in (("f_vjp", f_vjp), ("f_jvp", f_jvp)):
        if fun is not None and not callable(fun):
            raise TypeError(f"{name} must be callable or None, got {type(fun).__name__}")
    t_flat, reverse = _check_times(t)
    y0, params = unbox_containers(y0), unbox_containers(params)
    y_spec, p_spec = TreeSpec(y0, "y0"), TreeSpec(params, "params")
    if y_spec.size == 0:
        raise ValueError("y0 must hold at least one number")
    problem = Problem(f, y_spec, p_spec, f_vjp, f_jvp, reverse)
    stats = SolverStats()
    y0_flat, p_flat = y_spec.flatten(y0), p_spec.flatten(params)
    solve_times = -t_flat if reverse else t_flat
    if gradient == "backprop":
        out = _backprop(problem, y0_flat, solve_times, p_flat, stats=stats, **options)
    else:
        out = PRIMITIVES[gradient](problem, y0_flat, solve_times, p_flat, stats=stats,
                                   **options)
    ys = y_spec.unflatten_stacked(out)
    return (ys, stats) if return_stats else ys


def _options(method, rtol, atol, gradient, dt0, max_steps, controller, checkpoint_every):
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    if gradient not in GRADIENTS:
        raise ValueError(f"gradient must be one of {GRADIENTS}, got {gradient!r}")
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not (isinstance(value, (int, float)) and value >= 0 and numpy.isfinite(value)):
            raise ValueError(f"{name} must be a non-negative float, got {value!r}")
    if rtol == 0 and atol == 0 and METHODS[method].adaptive:
        raise ValueError("rtol and atol cannot both be zero for an adaptive method")
    if dt0 is not None and not (isinstance(dt0, (int, float)) and dt0 > 0):
        raise ValueError(f"dt0 must be a positive float or None, got {dt0!r}")
    if not (isinstance(max_steps, int) and max_steps > 0):
        raise ValueError(f"max_steps must be a positive int, got {max_steps!r}")
    if controller is None:
        controller = PIController()
    elif not isinstance(controller, PIController):
        raise TypeError(f"controller must be a PIController, got {type(controller).__name__}")
    if checkpoint_every is not None and not (isinstance(checkpoint_every, int)
                                             and checkpoint_every > 0):
        raise ValueError(f"checkpoint_every must be a positive int or None, got "
                         f"{checkpoint_every!r}")
    return dict(method=method, rtol=float(rtol), atol=float(atol), controller=controller,
                dt0=None if dt0 is None else float(dt0), max_steps=max_steps,
                checkpoint_every=checkpoint_every)


def _check_times(t):
    """``t`` as a float 1-D array (traced if it is) and whether it decreases."""
    values = numpy.asarray(wengert.stop_gradient(t), dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"t must be a 1-D array of output times, got shape {values.shape}")
    if not numpy.all(numpy.isfinite(values)):
        raise ValueError("t must be finite")
    steps = numpy.diff(values)
    if values.size > 1 and not (numpy.all(steps > 0) or numpy.all(steps < 0)):
        raise ValueError("t must be strictly increasing (or strictly decreasing)")
    t_flat = t if isbox(t) else values
    return t_flat, bool(values.size > 1 and steps[0] < 0)


def _backprop(problem: Problem, y0, t, p, *, method, rtol, atol, controller, dt0, max_steps,
              stats, **_):
    """The solve traced operation by operation (a tape over all steps)."""
    tab = get_method(method)
    field = problem.field(wengert.stop_gradient(p))
    raw = RawRHS(field, rtol, atol)
    outputs = integrate(TracedRHS(problem, p, raw), tab, y0, t, rtol=rtol, atol=atol,
                        controller=controller, dt0=dt0, max_steps=max_steps, stats=stats)
    stats.nfev += field.nfev
    stats.njev += field.njev
    stats.nlu += raw.nlu
    return np.stack(outputs)
