"""The untraced forward solve and the exact derivatives of its discrete solution.

* :func:`forward` solves on raw arrays and keeps a :class:`~wengert_ode.solve.Trajectory`.
* :func:`discrete_adjoint` is the reverse pass of ``gradient="checkpoint"``: segment by
  segment, last first, it re-integrates from the checkpoint with the recorded step sizes
  (storing that segment's stages) and pulls the cotangents back through each step with
  :func:`~wengert_ode.steps.step_vjp`. It is the gradient of the same discrete solution as
  backprop, to rounding, with memory ``O(sqrt(N))`` states instead of a tape.
* :func:`forward_sensitivities` is the JVP: tangents propagated through the replayed steps.

The primitives hand the forward pass's record to their derivative rules through
:func:`remember`/:func:`recall`: autograd builds a node's rules right after the forward
call, so the most recent record belongs to the ``ans`` the rule receives.
"""

from __future__ import annotations

from collections import defaultdict

import numpy

from wengert_ode.controllers import PIController
from wengert_ode.field import Problem
from wengert_ode.solve import SolverStats, Trajectory, integrate
from wengert_ode.steps import (
    RawRHS,
    RecordingRHS,
    combine,
    extra_stages,
    stages,
    step_jvp,
    step_vjp,
)
from wengert_ode.tableaus import get_method

__all__ = ["forward", "remember", "recall", "discrete_adjoint", "forward_sensitivities"]

_LAST: list = [None, None]


def remember(ans: numpy.ndarray, record: Trajectory) -> None:
    _LAST[0], _LAST[1] = ans, record


def recall(ans, args: tuple, kwargs: dict) -> Trajectory:
    """The record of the forward call that produced ``ans`` (re-solved if it is gone)."""
    if _LAST[0] is ans:
        return _LAST[1]
    from wengert import stop_gradient

    return forward(*(stop_gradient(a) for a in args), **kwargs, keep=True)[1]


def forward(problem: Problem, y0, t, p, *, method: str, rtol: float, atol: float,
            controller: PIController, dt0: float | None, max_steps: int,
            checkpoint_every: int | None, stats: SolverStats | None, keep: bool = False):
    """Raw solve: ``(T, n)`` states at ``t``; with ``keep``, also the :class:`Trajectory`."""
    tab = get_method(method)
    field = problem.field(p)
    rhs = RawRHS(field, rtol, atol)
    record = Trajectory(tab.adaptive, checkpoint_every)
    local = SolverStats()
    outputs = integrate(rhs, tab, numpy.asarray(y0, dtype=float), numpy.asarray(t, float),
                        rtol=rtol, atol=atol, controller=controller, dt0=dt0,
                        max_steps=max_steps, stats=local, record=record)
    if stats is not None:
        stats.n_accepted += local.n_accepted
        stats.n_rejected += local.n_rejected
        stats.nfev += field.nfev
        stats.njev += field.njev
        stats.nlu += rhs.nlu
        stats.n_checkpoints = len(record.checkpoints)
    ans = numpy.stack(outputs)
    return (ans, record) if keep else ans


def _outputs_by_position(record: Trajectory):
    direct, inside = defaultdict(list), defaultdict(list)
    for j, (pos, theta) in enumerate(zip(record.out_pos, record.out_theta)):
        (direct if numpy.isnan(theta) else inside)[int(pos)].append(j)
    return direct, inside


def discrete_adjoint(problem: Problem, record: Trajectory, y0, t, p, g, *, method: str,
                     rtol: float, atol: float, stats: SolverStats | None, **_):
    """Cotangents ``(y0_bar, t_bar, p_bar)`` of the recorded discrete solution for ``g``."""
    tab = get_method(method)
    field = problem.field(numpy.asarray(p, dtype=float))
    rhs = RecordingRHS(field, rtol, atol)
    g = numpy.asarray(g, dtype=float)
    n_times, n_steps = g.shape[0], record.n_steps
    taus, hs = record.taus, record.hs
    tau_bar, h_bar, t_bar = numpy.zeros(n_steps), numpy.zeros(n_steps), numpy.zeros(n_times)
    p_bar = numpy.zeros(field.p_flat.size)
    direct, inside = _outputs_by_position(record)
    y_bar = sum((g[j] for j in direct[n_steps]), numpy.zeros(g.shape[1]))
    for first, end in reversed(record.segments()):
        y, k_first, saved = record.checkpoints[first], None, []
        rhs.pullbacks.clear()
        for m in range(first, end):
            start = len(rhs.pullbacks)
            ks = stages(tab, rhs, y, taus[m], hs[m], k_first)
            # the reused first stage's pullback is the previous step's last one
            pullbacks = saved[-1][2][-1:] if k_first is not None else []
            saved.append((y, ks, pullbacks + rhs.pullbacks[start:]))
            y = combine(y, hs[m], tab.b, ks)
            k_first = ks[-1] if tab.fsal else None
        for m in range(end - 1, first - 1, -1):
            y, ks, pullbacks = saved.pop()
            h, tau = hs[m], taus[m]
            if inside[m]:
                start = len(rhs.pullbacks)
                ks = extra_stages(tab, rhs, y, tau, h, ks)
                pullbacks = pullbacks + rhs.pullbacks[start:]
            k_bar = numpy.zeros((len(ks), g.shape[1]))
            y_extra = numpy.zeros(g.shape[1])
            for j in inside[m]:
                theta = record.out_theta[j]
                k_g = numpy.stack(ks) @ g[j]
                k_bar += h * numpy.outer(tab.dense_weights(theta), g[j])
                y_extra += g[j]
                theta_bar = h * float(tab.dense_weights_dtheta(theta) @ k_g)
                h_bar[m] += float(tab.dense_weights(theta) @ k_g) - theta_bar * theta / h
                tau_bar[m] -= theta_bar / h
                t_bar[j] += theta_bar / h
            y_bar, pb, tb, hb = step_vjp(tab, field, y, tau, h, ks, y_bar, k_bar, pullbacks)
            y_bar += y_extra
            p_bar += pb
            tau_bar[m] += tb
            h_bar[m] += hb
            for j in direct[m]:
                y_bar = y_bar + g[j]
    if stats is not None:
        stats.backward_nfev += field.nfev
        stats.backward_nvjp += field.nvjp
    if n_steps:
        t_bar += record.time_cotangent(tau_bar, h_bar, n_times)
    return y_bar, t_bar, p_bar


def forward_sensitivities(problem: Problem, record: Trajectory, y0, t, p, y0_dot, t_dot,
                          p_dot, *, method: str, rtol: float, atol: float, **_):
    """The JVP of the recorded discrete solution: tangents ``(T, n)`` of the outputs."""
    tab = get_method(method)
    field = problem.field(numpy.asarray(p, dtype=float))
    rhs = RawRHS(field, rtol, atol)
    n_times, n = len(t), numpy.size(y0)
    out_dot = numpy.zeros((n_times, n))
    direct, inside = _outputs_by_position(record)
    y = numpy.asarray(y0, dtype=float)
    y_dot = numpy.zeros(n) if y0_dot is None else numpy.asarray(y0_dot, dtype=float)
    t_dot = numpy.zeros(n_times) if t_dot is None else numpy.asarray(t_dot, dtype=float)
    for j in direct[0]:
        out_dot[j] = y_dot
    if record.n_steps:
        tau_dots, h_dots = record.time_tangents(t_dot)
    k_first = None
    for m in range(record.n_steps):
        h, tau, h_dot, tau_dot = record.hs[m], record.taus[m], h_dots[m], tau_dots[m]
        ks = stages(tab, rhs, y, tau, h, k_first)
        ks_all = extra_stages(tab, rhs, y, tau, h, ks) if inside[m] else ks
        k_dots = step_jvp(tab, field, y, tau, h, ks_all, y_dot, tau_dot, h_dot, p_dot)
        for j in inside[m]:
            theta = record.out_theta[j]
            theta_dot = (t_dot[j] - tau_dot - theta * h_dot) / h
            weights = tab.dense_weights(theta)
            out_dot[j] = (y_dot + h_dot * (weights @ numpy.stack(ks_all))
                          + h * (weights @ numpy.stack(k_dots))
                          + theta_dot * h * (tab.dense_weights_dtheta(theta)
                                             @ numpy.stack(ks_all)))
        y_dot = (y_dot + h_dot * (tab.b @ numpy.stack(ks))
                 + h * (tab.b @ numpy.stack(k_dots[: tab.stages])))
        y = combine(y, h, tab.b, ks)
        k_first = ks[-1] if tab.fsal else None
        for j in direct[m + 1]:
            out_dot[j] = y_dot
    return out_dot
