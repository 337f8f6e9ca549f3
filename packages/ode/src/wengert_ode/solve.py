"""The forward solve: stepping loop, output times, statistics and what the adjoints record.

:func:`integrate` runs on raw arrays (the primitives' forward pass) and on wengert boxes
(``gradient="backprop"``) with the same code, so both produce the same discrete solution.

Time conventions, which define what the time derivatives differentiate:

* adaptive methods start at ``t[0]``, take steps ``h_n`` chosen by the controller (constants
  for differentiation) and end exactly at ``t[-1]`` (the last step is ``t[-1] - tau``);
  interior output times are read from the dense output, ``theta = (t_j - tau_n) / h_n``;
* fixed-step methods take ``ceil((t[i+1] - t[i]) / dt0)`` equal steps between consecutive
  output times (one step when ``dt0`` is None), so every output time is a step boundary.

With ``record``, the raw solve keeps a :class:`Trajectory`: every step boundary time (one
float per step), the output positions, and the state at checkpoint steps (every ``K``-th
step; by default ``K`` doubles as the solve grows so that there are about ``sqrt(2 N)``
checkpoints of ``K ~ sqrt(N / 2)`` steps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy
from autograd.tracer import getval

from wengert_ode.controllers import PIController, error_norm, initial_step
from wengert_ode.steps import NewtonFailure, combine, dense, extra_stages, stages
from wengert_ode.tableaus import ButcherTableau

__all__ = ["SolverStats", "OdeSolverError", "Trajectory", "integrate"]


@dataclass
class SolverStats:
    """Counters of one solve, filled by the forward pass and by the reverse pass.

    ``nfev`` counts evaluations of ``f`` in the forward solve (initial-step selection and
    Newton iterations included), ``njev`` dense Jacobians, ``nlu`` LU factorizations.
    The ``backward_*`` counters are filled when a gradient is computed: evaluations of
    ``f`` (replays and backward solves), VJPs of ``f``, accepted steps of a continuous
    adjoint's backward solve, and the number of stored checkpoints.
    """

    n_accepted: int = 0
    n_rejected: int = 0
    nfev: int = 0
    njev: int = 0
    nlu: int = 0
    backward_nfev: int = 0
    backward_nvjp: int = 0
    backward_steps: int = 0
    n_checkpoints: int = 0

    @property
    def n_steps(self) -> int:
        """Steps attempted (accepted + rejected)."""
        return self.n_accepted + self.n_rejected

    def as_dict(self) -> dict:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["n_steps"] = self.n_steps
        return out


class OdeSolverError(RuntimeError):
    """The solver stopped: too many steps, step-size underflow or a non-finite state.

    ``t``, ``y`` (flat) and ``h`` are where it stopped; ``stats`` what it had done.
    """

    def __init__(self, message: str, t: float, y: numpy.ndarray, h: float,
                 stats: SolverStats):
        y_norm = float(numpy.max(numpy.abs(y))) if numpy.size(y) else 0.0
        super().__init__(f"{message} at t = {t:.17g} (step size {h:.3e}, max |y| = "
                         f"{y_norm:.3e}, {stats.n_accepted} accepted and {stats.n_rejected} "
                         "rejected steps)")
        self.t, self.y, self.h, self.stats = t, y, h, stats


@dataclass
class Trajectory:
    """What a raw forward solve records for the adjoints (all floats, no tape).

    ``taus``: ``(N + 1,)`` step boundaries; ``hs``: ``(N,)`` step sizes; ``interval``,
    ``frac``, ``count``: for fixed-step methods, step ``n`` is step ``frac*count`` of
    ``count`` in ``[t[interval], t[interval + 1]]``; ``out_pos[j]``: the boundary index of
    output ``j`` (``out_theta[j]`` NaN) or the step holding it (dense, ``out_theta[j]``);
    ``checkpoints``: boundary index -> state.
    """

    adaptive: bool
    checkpoint_every: int | None
    taus: list = field(default_factory=list)
    hs: list = field(default_factory=list)
    interval: list = field(default_factory=list)
    frac: list = field(default_factory=list)
    count: list = field(default_factory=list)
    out_pos: list = field(default_factory=list)
    out_theta: list = field(default_factory=list)
    checkpoints: dict = field(default_factory=dict)
    _every: int = 1

    def add_step(self, n: int, tau: float, h: float, y) -> None:
        """Record step ``n`` starting at ``tau`` from state ``y``."""
        self.taus.append(tau)
        self.hs.append(h)
        every = self.checkpoint_every or self._every
        if n % every == 0:
            self.checkpoints[n] = y
            if self.checkpoint_every is None and len(self.checkpoints) > 2 * self._every + 1:
                self._every *= 2
                self.checkpoints = {k: v for k, v in self.checkpoints.items()
                                    if k % self._every == 0}

    def finish(self, t_end: float) -> None:
        self.taus.append(t_end)
        for name in ("taus", "hs", "frac", "out_theta"):
            setattr(self, name, numpy.asarray(getattr(self, name), dtype=float))
        for name in ("interval", "count", "out_pos"):
            setattr(self, name, numpy.asarray(getattr(self, name), dtype=int))

    @property
    def n_steps(self) -> int:
        return len(self.hs)

    def segments(self) -> list[tuple[int, int]]:
        """``(first, end)`` step ranges between consecutive checkpoints, in order."""
        starts = sorted(self.checkpoints)
        return list(zip(starts, starts[1:] + [self.n_steps]))

    # -- time derivatives: the step boundaries and sizes as linear maps of the output times

    def time_tangents(self, t_dot: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
        """``(tau_dot, h_dot)`` per step for output-time tangents ``t_dot``."""
        n = self.n_steps
        if self.adaptive:
            tau_dot = numpy.full(n, t_dot[0])
            h_dot = numpy.zeros(n)
            h_dot[-1] = t_dot[-1] - t_dot[0]
            return tau_dot, h_dot
        lo, hi = t_dot[self.interval], t_dot[self.interval + 1]
        return (1 - self.frac) * lo + self.frac * hi, (hi - lo) / self.count

    def time_cotangent(self, tau_bar: numpy.ndarray, h_bar: numpy.ndarray,
                       n_times: int) -> numpy.ndarray:
        """Transpose of :meth:`time_tangents`."""
        t_bar = numpy.zeros(n_times)
        if self.adaptive:
            t_bar[0] += tau_bar.sum() - h_bar[-1]
            t_bar[-1] += h_bar[-1]
            return t_bar
        numpy.add.at(t_bar, self.interval, (1 - self.frac) * tau_bar - h_bar / self.count)
        numpy.add.at(t_bar, self.interval + 1, self.frac * tau_bar + h_bar / self.count)
        return t_bar


_raw = getval


def integrate(rhs, tab: ButcherTableau, y0, ts, *, rtol: float, atol: float,
              controller: PIController, dt0: float | None, max_steps: int,
              stats: SolverStats, record: Trajectory | None = None, monitor=None) -> list:
    """Solve from ``(ts[0], y0)`` and return the states at ``ts`` (a list, raw or traced).

    ``rhs(y, t)`` is the flat right-hand side (a :class:`~wengert_ode.steps.RawRHS` or
    :class:`~wengert_ode.steps.TracedRHS`). ``monitor(t, h, y, y_new, interpolant)``, if
    given, sees every accepted step (``interpolant(theta)`` is the raw dense output) and
    stops the solve early by returning True (events; raw mode only). Raises
    :class:`OdeSolverError` on failure.
    """
    with numpy.errstate(over="ignore", invalid="ignore"):  # non-finite states are raised
        if tab.adaptive:
            out = _adaptive(rhs, tab, y0, ts, rtol, atol, controller, dt0, max_steps, stats,
                            record, monitor)
        else:
            out = _fixed(rhs, tab, y0, ts, dt0, max_steps, stats, record, monitor)
    if record is not None:
        record.finish(float(_raw(ts)[-1]))
    return out


def _interpolant(tab, rhs, y, t, h, ks):
    """Raw dense output of one step, with its extra stages computed on first use."""
    cache = []

    def at(theta):
        if not cache:
            cache.append(extra_stages(tab, rhs, y, t, h, ks))
        return dense(tab, y, h, cache[0], float(theta))

    return at


def _fixed(rhs, tab, y0, ts, dt0, max_steps, stats, record, monitor):
    t_raw = numpy.asarray(_raw(ts), dtype=float)
    y, outputs, n = y0, [y0], 0
    if record is not None:
        record.out_pos.append(0)
        record.out_theta.append(numpy.nan)
    for i in range(len(t_raw) - 1):
        span = t_raw[i + 1] - t_raw[i]
        count = 1 if dt0 is None else max(1, math.ceil(span / dt0 * (1 - 1e-12)))
        h = (ts[i + 1] - ts[i]) / count
        for k in range(count):
            if n >= max_steps:
                raise OdeSolverError(f"max_steps={max_steps} reached", float(t_raw[i]),
                                     _raw(y), float(_raw(h)), stats)
            t = ts[i] + k * h if k else ts[i]
            if record is not None:
                record.add_step(n, float(_raw(t)), float(_raw(h)), y)
                record.interval.append(i)
                record.frac.append(k / count)
                record.count.append(count)
            ks = stages(tab, rhs, y, t, h)
            y_new = combine(y, h, tab.b, ks)
            n += 1
            stats.n_accepted += 1
            if monitor is not None and monitor(float(t), float(h), y, y_new,
                                               _interpolant(tab, rhs, y, t, h, ks)):
                return outputs
            y = y_new
        if not numpy.all(numpy.isfinite(_raw(y))):
            raise OdeSolverError("the state became non-finite", float(t_raw[i + 1]), _raw(y),
                                 float(_raw(h)), stats)
        outputs.append(y)
        if record is not None:
            record.out_pos.append(n)
            record.out_theta.append(numpy.nan)
    return outputs


def _adaptive(rhs, tab, y0, ts, rtol, atol, controller, dt0, max_steps, stats, record,
              monitor):
    t_raw = numpy.asarray(_raw(ts), dtype=float)
    n_out, t_end = len(t_raw), float(t_raw[-1])
    outputs = [y0]
    if record is not None:
        record.out_pos.append(0)
        record.out_theta.append(numpy.nan)
    if n_out == 1:
        return outputs
    t, y = ts[0], y0
    k_first = rhs(y0, t) if tab.fsal else None
    if dt0 is not None:
        h = float(dt0)
    else:
        f0 = _raw(k_first) if k_first is not None else rhs.field(_raw(y0), float(t_raw[0]))
        h = initial_step(rhs.field, float(t_raw[0]), _raw(y0), f0, t_end, tab.error_order,
                         rtol, atol)
    h = min(h, controller.dt_max)
    k_exp = tab.error_order + 1
    err_prev, after_reject, j, n = 1e-4, False, 1, 0
    while True:
        if stats.n_steps >= max_steps:
            raise OdeSolverError(f"max_steps={max_steps} reached", float(_raw(t)), _raw(y), h,
                                 stats)
        t_now = float(_raw(t))
        if not numpy.isfinite(h):
            raise OdeSolverError("the step size became non-finite (f returned inf or nan?)",
                                 t_now, _raw(y), h, stats)
        last = h >= t_end - t_now
        h_step = ts[-1] - t if last else h
        h_raw = float(_raw(h_step))
        if h_raw <= 10 * numpy.finfo(float).eps * max(abs(t_now), abs(t_end), 1e-300):
            raise OdeSolverError("step size underflow", t_now, _raw(y), h_raw, stats)
        try:
            ks = stages(tab, rhs, y, t, h_step, k_first)
        except NewtonFailure:
            ks = None
        if ks is not None:
            y_new = combine(y, h_step, tab.b, ks)
            err = error_norm(tab, h_raw, [_raw(k) for k in ks], _raw(y), _raw(y_new), rtol,
                             atol)
        if ks is None or not numpy.isfinite(err) or err > 1.0:
            stats.n_rejected += 1
            h = controller.reject(h_raw, err if ks is not None else numpy.inf, k_exp)
            after_reject = True
            continue
        stats.n_accepted += 1
        if monitor is not None and monitor(t_now, h_raw, y, y_new,
                                           _interpolant(tab, rhs, y, t, h_step, ks)):
            return outputs
        if record is not None:
            record.add_step(n, t_now, h_raw, y)
        limit = t_end if last else t_now + h_raw
        ks_all = None
        while j < n_out - 1 and t_raw[j] <= limit:
            if ks_all is None:
                ks_all = extra_stages(tab, rhs, y, t, h_step, ks)
            theta = (ts[j] - t) / h_step
            outputs.append(dense(tab, y, h_step, ks_all, theta))
            if record is not None:
                record.out_pos.append(n)
                record.out_theta.append(float(_raw(theta)))
            j += 1
        n += 1
        if last:
            outputs.append(y_new)
            if record is not None:
                record.out_pos.append(n)
                record.out_theta.append(numpy.nan)
            return outputs
        t, y = t + h_step, y_new
        k_first = ks[-1] if tab.fsal else None
        h = controller.accept(h_raw, err, err_prev, k_exp, after_reject)
        err_prev, after_reject = max(err, 1e-4), False
