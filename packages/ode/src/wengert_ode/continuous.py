"""Continuous adjoints: the adjoint ODE integrated backward in time.

With ``a(t) = dL/dy(t)``, the adjoint equations (Pontryagin; Chen et al. 2018, Eq. 4) are

    da/dt = -J(y, t)^T a,     dp_bar/dt = -(df/dp)^T a,

integrated from ``t[-1]`` to ``t[0]`` with ``a`` jumping by the output cotangent ``g_j`` at
each output time, ``t_bar_j = g_j . f(y_j, t_j)`` for ``j >= 1`` and
``t_bar_0 = -(a(t_0) - g_0) . f(y_0, t_0)``. They are solved with the forward's method and
tolerances, as reversed-time problems (``s = -t``); what differs is where ``y(t)`` comes from:

* ``backsolve`` (``gradient="adjoint"``): ``y`` is integrated backward alongside ``a``
  from the final state (reset to the forward's value at each output time, as torchdiffeq
  does). Memory O(1), but backward integration of ``y`` amplifies errors by the inverse of
  the forward contraction: wrong gradients for stiff and chaotic problems.
* ``interpolating``: ``y(t)`` is the dense output of the forward solution, recomputed
  segment by segment from the checkpoints (SciML's ``InterpolatingAdjoint`` with
  checkpointing). Stable where the forward problem is; memory O(sqrt(N)).

Both are accurate to the tolerance, not to rounding: the gradient of the continuous
solution, not of the discrete one (use ``gradient="checkpoint"`` for that).
"""

from __future__ import annotations

import numpy

from wengert_ode.field import Field, Problem
from wengert_ode.solve import SolverStats, Trajectory, integrate
from wengert_ode.steps import RawRHS, combine, dense, extra_stages, stages
from wengert_ode.tableaus import get_method

__all__ = ["backsolve_adjoint", "interpolating_adjoint"]


class _Augmented:
    """Reversed-time adjoint system as a field on flat ``z`` (counts like :class:`Field`).

    ``state_of(t)`` gives ``y(t)`` for the interpolating adjoint; without it, ``z`` starts
    with ``y`` itself (backsolve). The Newton Jacobian of implicit methods drops the
    second-derivative and ``p_bar`` couplings (block diagonal), which simplified Newton
    tolerates.
    """

    def __init__(self, field: Field, n: int, state_of=None):
        self.field, self.n, self.state_of = field, n, state_of
        self.nfev = self.njev = 0

    def __call__(self, z: numpy.ndarray, s: float) -> numpy.ndarray:
        self.nfev += 1
        n, t = self.n, -s
        if self.state_of is None:
            y, a = z[:n], z[n: 2 * n]
            f, y_bar, _, p_bar = self.field.value_and_vjp(y, t, a)
            return numpy.concatenate([-f, y_bar, p_bar])
        _, y_bar, _, p_bar = self.field.value_and_vjp(self.state_of(t), t, z[:n])
        return numpy.concatenate([y_bar, p_bar])

    def jacobian(self, z: numpy.ndarray, s: float) -> numpy.ndarray:
        self.njev += 1
        n, t = self.n, -s
        y = z[:n] if self.state_of is None else self.state_of(t)
        jac = self.field.jacobian(y, t)
        blocks = [-jac, jac.T] if self.state_of is None else [jac.T]
        out = numpy.zeros((z.size, z.size))
        for i, block in enumerate(blocks):
            out[i * n:(i + 1) * n, i * n:(i + 1) * n] = block
        return out


def _solve_back(aug: _Augmented, tab, z, hi: float, lo: float, options: dict,
                stats: SolverStats) -> numpy.ndarray:
    """Integrate the reversed-time system from ``t = hi`` down to ``t = lo``."""
    if hi == lo:
        return z
    local = SolverStats()
    rtol, atol = options["rtol"], options["atol"]
    dt0 = None if tab.adaptive else options["dt0"]
    out = integrate(RawRHS(aug, rtol, atol), tab, z, numpy.array([-hi, -lo]), rtol=rtol,
                    atol=atol, controller=options["controller"], dt0=dt0,
                    max_steps=options["max_steps"], stats=local)
    stats.backward_steps += local.n_accepted
    return out[-1]


def _time_bar_end(field: Field, g: numpy.ndarray, ys: numpy.ndarray, t) -> numpy.ndarray:
    t_bar = numpy.zeros(len(t))
    for j in range(1, len(t)):
        if g[j].any():
            t_bar[j] = float(g[j] @ field(ys[j], float(t[j])))
    return t_bar


def backsolve_adjoint(problem: Problem, ans, y0, t, p, g, *, method: str,
                      stats: SolverStats | None, **options):
    """Chen et al.'s adjoint: ``y``, ``a``, ``p_bar`` integrated backward together."""
    tab, stats = get_method(method), stats if stats is not None else SolverStats()
    field = problem.field(numpy.asarray(p, dtype=float))
    g, ys, n = numpy.asarray(g, float), numpy.asarray(ans, float), numpy.size(y0)
    aug = _Augmented(field, n)
    t_bar = _time_bar_end(field, g, ys, t)
    a, p_bar = g[-1].copy(), numpy.zeros(field.p_flat.size)
    for j in range(len(t) - 1, 0, -1):
        z = _solve_back(aug, tab, numpy.concatenate([ys[j], a, p_bar]), float(t[j]),
                        float(t[j - 1]), options, stats)
        a, p_bar = z[n: 2 * n] + g[j - 1], z[2 * n:]
    t_bar[0] = -float((a - g[0]) @ field(ys[0], float(t[0])))
    stats.backward_nfev += field.nfev
    stats.backward_nvjp += field.nvjp
    return a, t_bar, p_bar


def interpolating_adjoint(problem: Problem, record: Trajectory, ans, y0, t, p, g, *,
                          method: str, stats: SolverStats | None, **options):
    """Adjoint ODE backward with ``y(t)`` from the re-integrated forward dense output."""
    tab, stats = get_method(method), stats if stats is not None else SolverStats()
    field = problem.field(numpy.asarray(p, dtype=float))
    g, ys, n = numpy.asarray(g, float), numpy.asarray(ans, float), numpy.size(y0)
    t_raw = numpy.asarray(t, dtype=float)
    t_bar = _time_bar_end(field, g, ys, t_raw)
    a, p_bar = g[-1].copy(), numpy.zeros(field.p_flat.size)
    rhs = RawRHS(field, options["rtol"], options["atol"])
    for first, end in reversed(record.segments()):
        steps, y, k_first = [], record.checkpoints[first], None
        for m in range(first, end):
            h, tau = record.hs[m], record.taus[m]
            ks = stages(tab, rhs, y, tau, h, k_first)
            steps.append((y, extra_stages(tab, rhs, y, tau, h, ks)))
            y = combine(y, h, tab.b, ks)
            k_first = ks[-1] if tab.fsal else None
        taus = record.taus[first: end + 1]

        def state_of(time, taus=taus, steps=steps, first=first):
            m = min(max(int(numpy.searchsorted(taus, time, side="right")) - 1, 0),
                    len(steps) - 1)
            h = record.hs[first + m]
            return dense(tab, steps[m][0], h, steps[m][1], (time - taus[m]) / h)

        aug = _Augmented(field, n, state_of)
        inside = [j for j in range(len(t_raw) - 1, 0, -1) if taus[0] <= t_raw[j - 1] < taus[-1]]
        hi = min(taus[-1], float(t_raw[-1]))
        for j in inside:
            z = _solve_back(aug, tab, numpy.concatenate([a, p_bar]), hi, float(t_raw[j - 1]),
                            options, stats)
            a, p_bar = z[:n] + g[j - 1], z[n:]
            hi = float(t_raw[j - 1])
        z = _solve_back(aug, tab, numpy.concatenate([a, p_bar]), hi, float(taus[0]), options,
                        stats)
        a, p_bar = z[:n], z[n:]
    t_bar[0] = -float((a - g[0]) @ field(ys[0], float(t_raw[0])))
    stats.backward_nfev += field.nfev
    stats.backward_nvjp += field.nvjp
    return a, t_bar, p_bar
