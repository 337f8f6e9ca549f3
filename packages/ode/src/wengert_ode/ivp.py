"""``solve_ivp``: SciPy's interface over wengert-ode's solvers (numpy in, numpy out).

For users coming from :func:`scipy.integrate.solve_ivp`: the same call (``fun(t, y,
*args)``, ``t_span``, ``t_eval``, ``events`` with ``terminal``/``direction`` attributes,
``dense_output``) and the same result fields (``t``, ``y`` of shape ``(n, n_points)``,
``sol``, ``t_events``, ``y_events``, ``nfev``, ``njev``, ``nlu``, ``status``,
``message``, ``success``). ``method`` takes SciPy's names where wengert-ode has the same
method (``"RK45"`` is ``"dopri5"``, ``"RK23"`` is ``"bosh3"``, ``"DOP853"`` is
``"dop853"``) or any of wengert-ode's. The step-size controller is a PI controller, not
SciPy's integral one, so the accepted steps differ from SciPy's (the answers agree to the
tolerance). Results are plain numpy arrays; differentiate with
:func:`~wengert_ode.odeint` or :func:`~wengert_ode.odeint_event`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy
import scipy.optimize

import wengert.numpy as np
from wengert_ode.controllers import PIController
from wengert_ode.events import find_root_in_step
from wengert_ode.field import Problem, TreeSpec
from wengert_ode.odeint import _options
from wengert_ode.solve import OdeSolverError, SolverStats, integrate
from wengert_ode.steps import RawRHS
from wengert_ode.tableaus import METHODS, get_method

__all__ = ["solve_ivp", "SCIPY_METHODS"]

#: SciPy method names and the wengert-ode method that is the same scheme.
SCIPY_METHODS = {"RK45": "dopri5", "RK23": "bosh3", "DOP853": "dop853"}


class _DenseSolution:
    """``sol(t)``: the piecewise dense output, like SciPy's ``OdeSolution`` (vectorized)."""

    def __init__(self, times: numpy.ndarray, pieces: list):
        self.ts, self._pieces = times, pieces
        self.t_min, self.t_max = float(times.min()), float(times.max())

    def __call__(self, t):
        t = numpy.asarray(t, dtype=float)
        values = [self._one(float(s)) for s in numpy.atleast_1d(t)]
        out = numpy.stack(values, axis=-1)
        return out[:, 0] if t.ndim == 0 else out

    def _one(self, s: float) -> numpy.ndarray:
        sign = 1.0 if self.ts[-1] >= self.ts[0] else -1.0
        grid = sign * self.ts
        i = min(max(int(numpy.searchsorted(grid, sign * s, side="right")) - 1, 0),
                len(self._pieces) - 1)
        t0, h, interpolant = self._pieces[i]
        return interpolant((sign * s - t0) / h)


def solve_ivp(fun: Callable, t_span: Sequence[float], y0, method: str = "RK45",
              t_eval=None, dense_output: bool = False, events=None, vectorized: bool = False,
              args: tuple | None = None, *, rtol: float = 1e-3, atol: float = 1e-6,
              first_step: float | None = None, max_step: float = numpy.inf,
              max_steps: int = 1_000_000):
    """Solve ``dy/dt = fun(t, y, *args)`` over ``t_span`` as SciPy's ``solve_ivp`` does.

    Defaults are SciPy's (``rtol=1e-3``, ``atol=1e-6``). ``vectorized`` is accepted and
    ignored. Returns an ``OdeResult``-like :class:`scipy.optimize.OptimizeResult`. For
    ``method="sdirk4"`` write ``fun`` in :mod:`wengert.numpy` (its Jacobian comes from AD).
    """
    method = SCIPY_METHODS.get(method, method)
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(SCIPY_METHODS)} or "
                         f"{sorted(METHODS)}, got {method!r}")
    t0, tf = (float(x) for x in t_span)
    if not (numpy.isfinite(t0) and numpy.isfinite(tf)) or t0 == tf:
        raise ValueError(f"t_span must be two different finite times, got {t_span!r}")
    sign = 1.0 if tf > t0 else -1.0
    args = tuple(args or ())
    y0 = numpy.asarray(y0, dtype=float)
    if y0.ndim != 1:
        raise ValueError(f"y0 must be 1-D, got shape {y0.shape}")
    options = _options(method, rtol, atol, "checkpoint", first_step, max_steps,
                       PIController(dt_max=max_step), None)
    events = [] if events is None else list(events) if isinstance(events, (list, tuple)) \
        else [events]
    problem = Problem(lambda y, s, *a: sign * np.array(fun(sign * s, y, *a)),
                      TreeSpec(y0, "y0"), TreeSpec(args, "args"))
    field = problem.field(TreeSpec(args, "args").flatten(args))
    tab = get_method(method)
    times, states, pieces = [t0], [y0], []
    t_events = [[] for _ in events]
    y_events = [[] for _ in events]
    g_last = [float(ev(t0, y0, *args)) for ev in events]
    status = {"code": 0, "message": "The solver successfully reached the end of the "
                                    "integration interval."}

    def monitor(s, h, y, y_new, interpolant):
        pieces.append((s, h, interpolant))
        stop_at = None
        for i, ev in enumerate(events):
            g_of = lambda th, ev=ev: float(ev(sign * (s + th * h), interpolant(th), *args))
            g1 = float(ev(sign * (s + h), y_new, *args))
            theta = find_root_in_step(g_of, g_last[i], g1, sign * getattr(ev, "direction", 0))
            g_last[i] = g1
            if theta is None:
                continue
            t_events[i].append(sign * (s + theta * h))
            y_events[i].append(interpolant(theta))
            if getattr(ev, "terminal", False):
                stop_at = theta if stop_at is None else min(stop_at, theta)
        if stop_at is not None:
            times.append(sign * (s + stop_at * h))
            states.append(interpolant(stop_at))
            status.update(code=1, message="A termination event occurred.")
            return True
        times.append(sign * (s + h))
        states.append(y_new)
        return False

    stats = SolverStats()
    rhs = RawRHS(field, options["rtol"], options["atol"])
    try:
        integrate(rhs, tab, y0,
                  numpy.array([sign * t0, sign * tf]), rtol=options["rtol"],
                  atol=options["atol"], controller=options["controller"],
                  dt0=options["dt0"], max_steps=max_steps, stats=stats, monitor=monitor)
    except OdeSolverError as exc:
        status.update(code=-1, message=str(exc))
    times_arr = numpy.array(times)
    sol = _DenseSolution(sign * times_arr, pieces) if pieces else None
    if t_eval is None:
        t_out, y_out = times_arr, numpy.stack(states, axis=1)
    else:
        t_eval = numpy.asarray(t_eval, dtype=float)
        lo, hi = sorted((times_arr[0], times_arr[-1]))
        t_out = t_eval[(t_eval >= lo) & (t_eval <= hi)]
        y_out = sol(t_out) if sol is not None and t_out.size else numpy.zeros((y0.size, 0))
    return scipy.optimize.OptimizeResult(
        t=t_out, y=y_out, sol=sol if dense_output else None,
        t_events=[numpy.array(te) for te in t_events] if events else None,
        y_events=[numpy.array(ye).reshape(-1, y0.size) for ye in y_events] if events else None,
        nfev=field.nfev, njev=field.njev, nlu=rhs.nlu, status=status["code"],
        message=status["message"], success=status["code"] >= 0)
