"""One Runge–Kutta step: its stages (explicit or Newton-solved), dense output, and the
exact forward (JVP) and reverse (VJP) derivatives of the step map.

The same :func:`stages` runs on raw arrays (the untraced forward solve and the replays of
the adjoints) and on wengert boxes (``gradient="backprop"``), so the recorded discrete
solution is the same in every mode. The step derivatives treat ``h`` and ``t`` as inputs:
the caller maps their cotangents back to the output times (see :mod:`wengert_ode.solve`).

Derivative of a step, stages ``k_i = f(Y_i, t + c_i h)``, ``Y_i = y + h sum_{j<=i} a_ij k_j``,
``y+ = y + h sum_i b_i k_i``. Reverse (discrete adjoint), stages visited last to first with
``kbar_i = h b_i ybar+ + h sum_{l>i} a_li Ybar_l`` (plus dense-output terms):

    (I - h a_ii J_i^T) lam_i = kbar_i,     (Ybar_i, Tbar_i, pbar_i) = vjp f(Y_i, T_i)[lam_i],

``ybar = ybar+ + sum_i Ybar_i``, ``tbar = sum_i Tbar_i``,
``hbar = b.K . ybar+ + sum_i (c_i Tbar_i + (sum_{j<=i} a_ij k_j) . Ybar_i)``. Forward:
``(I - h a_ii J_i) kdot_i = jvp f(Y_i, T_i)[Ydot_i + a_ii k_i hdot, tdot + c_i hdot, pdot]``.
The implicit solve needs ``J_i`` (explicit stages have ``a_ii = 0`` and skip it).
"""

from __future__ import annotations

import numpy
import scipy.linalg
from autograd.tracer import getval, isbox

import wengert
import wengert.numpy as np
from wengert_ode.field import Field, Problem
from wengert_ode.tableaus import METHODS, ButcherTableau

__all__ = ["stages", "extra_stages", "dense", "combine", "rk_combine", "RawRHS",
           "RecordingRHS", "TracedRHS", "step_vjp", "step_jvp", "NewtonFailure"]

#: Newton iterations stop when the scaled RMS of ``h * dk`` falls below this (the local
#: error test accepts at 1), so the stage equations are solved far below the tolerance.
NEWTON_TOL = 1e-6
NEWTON_MAXITER = 20


class NewtonFailure(ArithmeticError):
    """The simplified Newton iteration of an implicit stage diverged or stalled."""


#: Most stages :func:`rk_combine` combines: a method's stages plus its dense-output extras.
MAX_COMBINE = max(tab.stages + len(tab.c_extra) for tab in METHODS.values())


@wengert.primitive("ode.rk_combine", tangents={0: "none"})
def rk_combine(coef, y, h, *ks):
    """``y + h * sum_j coef_j ks[j]``: one Runge–Kutta stage combination, one tape node.

    ``coef``: ``(len(ks),)`` constant weights (not differentiated); ``y`` and every
    ``ks[j]``: flat ``(n,)`` states; ``h``: scalar. Traced as ``y + h * dot(coef,
    stack(ks))`` it would cost several tape nodes per stage in ``ks`` (``stack`` boxes each
    input); as one node it keeps ``gradient="backprop"`` through an explicit solver at two
    nodes per stage with a primitive ``f``. VJP and JVP are written in :mod:`wengert.numpy`
    (second order works).
    """
    return y + h * (coef @ numpy.array(ks))


def _increment(coef, ks):
    return np.dot(coef, np.stack(ks))


rk_combine.defvjp(
    lambda ans, coef, y, h, *ks: lambda g: g,
    lambda ans, coef, y, h, *ks: lambda g: np.sum(g * _increment(coef, ks)),
    *[lambda ans, coef, y, h, *ks, j=j: lambda g: (h * coef[j]) * g
      for j in range(MAX_COMBINE)],
    argnums=tuple(range(1, 3 + MAX_COMBINE)),
)
rk_combine.defjvp(
    lambda g, ans, coef, y, h, *ks: g,
    lambda g, ans, coef, y, h, *ks: g * _increment(coef, ks),
    *[lambda g, ans, coef, y, h, *ks, j=j: (h * coef[j]) * g for j in range(MAX_COMBINE)],
    argnums=tuple(range(1, 3 + MAX_COMBINE)),
)


@rk_combine.examples
def _combine_examples(rng):
    ks = [rng.standard_normal(3) for _ in range(3)]
    return [(numpy.array([0.3, 0.0, -1.2]), rng.standard_normal(3), 0.7, *ks),
            wengert.Example((numpy.array([0.5]), rng.standard_normal(2), -0.3,
                             rng.standard_normal(2)), name="one stage")]


def combine(y, h, coef: numpy.ndarray, ks: list):
    """``y + h * sum_j coef_j k_j`` over the first ``len(ks)`` coefficients (raw or traced).

    One dot product over the prefix of ``coef`` (zeros included), the same arithmetic as
    :func:`stages`, so raw and traced solves agree to the last bit.
    """
    coef = coef[: len(ks)]
    if not coef.any():
        return y
    if isbox(y) or isbox(h) or any(isbox(k) for k in ks):
        return rk_combine(coef, y, h, *ks)
    return y + h * (coef @ numpy.array(ks))


def stages(tab: ButcherTableau, rhs, y, t, h, k_first=None) -> list:
    """The stage derivatives ``[k_0, ..., k_{s-1}]`` of one step from ``(t, y)``.

    ``k_first`` reuses ``f(y, t)`` from the previous step (first same as last).
    """
    if tab.implicit:
        rhs.begin_step(y, t, h)
    if not (isbox(y) or isbox(t) or isbox(h) or isbox(k_first)):
        return _stages_raw(tab, rhs, y, t, h, k_first)
    ks = []
    for i in range(tab.stages):
        if i == 0 and k_first is not None:
            ks.append(k_first)
            continue
        z = combine(y, h, tab.a[i], ks)
        time = t + tab.c[i] * h
        gamma = tab.a[i, i]
        if gamma == 0:
            ks.append(rhs(z, time))
        else:
            ks.append(rhs.solve_stage(z, time, h * gamma, ks[-1]))
    return ks


def _stages_raw(tab: ButcherTableau, rhs, y, t, h, k_first) -> list:
    """:func:`stages` on raw arrays, the stages kept in one ``(s, n)`` array (same
    arithmetic as :func:`combine`)."""
    stacked = numpy.empty((tab.stages, y.size))
    for i in range(tab.stages):
        if i == 0 and k_first is not None:
            stacked[0] = k_first
            continue
        z = y + h * (tab.a[i, :i] @ stacked[:i]) if tab.coupled[i] else y
        time = t + tab.c[i] * h
        gamma = tab.a[i, i]
        if gamma == 0:
            stacked[i] = rhs(z, time)
        else:
            stacked[i] = rhs.solve_stage(z, time, h * gamma, stacked[i - 1])
    return list(stacked)


def extra_stages(tab: ButcherTableau, rhs, y, t, h, ks: list) -> list:
    """``ks`` extended by the stages only the dense output uses."""
    ks = list(ks)
    for row, c in zip(tab.a_extra, tab.c_extra):
        ks.append(rhs(combine(y, h, row, ks), t + c * h))
    return ks


def dense(tab: ButcherTableau, y, h, ks_all: list, theta):
    """``y(t + theta h) = y + h * B(theta) . K`` (``ks_all`` with the extra stages)."""
    if not isbox(theta):
        weights = tab.dense_weights(float(theta))
    else:
        powers = [theta ** (j + 1) for j in range(tab.dense.shape[1])]
        weights = np.dot(tab.dense, np.stack(powers))
    return combine(y, h, weights, ks_all) if not isbox(weights) else \
        y + h * np.dot(weights, np.stack(ks_all))


# ---------------------------------------------------------------- right-hand sides


def _newton(g, k, lu, hg: float, scale: numpy.ndarray) -> numpy.ndarray:
    """Simplified Newton for ``k = g(k)`` with the fixed matrix ``lu`` of ``I - h gamma J``."""
    previous = numpy.inf
    for _ in range(NEWTON_MAXITER):
        dk = scipy.linalg.lu_solve(lu, g(k) - k)
        k = k + dk
        size = float(numpy.sqrt(numpy.mean((hg * dk / scale) ** 2)))
        if not numpy.isfinite(size) or size > 2 * previous:
            raise NewtonFailure("implicit stage: Newton iteration diverged")
        if size <= NEWTON_TOL:
            return k
        previous = size
    raise NewtonFailure("implicit stage: Newton iteration did not converge")


class RawRHS:
    """A :class:`Field` with the Newton machinery of implicit stages (raw arrays)."""

    def __init__(self, field: Field, rtol: float, atol: float):
        self.field = field
        self.rtol, self.atol = rtol, atol
        self._jac_y = None
        self._lu_key = None
        self.nlu = 0

    def __call__(self, y, t):
        return self.field(y, t)

    def begin_step(self, y, t, h) -> None:
        """Jacobian at the step's start (kept across retries of the same step)."""
        if self._jac_y is not y:
            self._jac = self.field.jacobian(y, t)
            self._jac_y, self._lu_key = y, None

    def _lu(self, hg: float):
        if self._lu_key != hg:
            n = self._jac.shape[0]
            self._lu_factors = scipy.linalg.lu_factor(numpy.eye(n) - hg * self._jac)
            self._lu_key = hg
            self.nlu += 1
        return self._lu_factors

    def newton_solver(self, z, hg: float):
        """``solver(g, x0, tol, maxiter)`` for :func:`wengert.fixed_point` (tol unused)."""
        lu, scale = self._lu(hg), self.atol + self.rtol * numpy.abs(z)
        return lambda g, x0, tol, maxiter: _newton(g, x0, lu, hg, scale)

    def solve_stage(self, z, time, hg, guess):
        field = self.field
        return self.newton_solver(z, hg)(lambda k: field(z + hg * k, time), guess, None, None)


class RecordingRHS(RawRHS):
    """A :class:`RawRHS` that keeps the pullback of every explicit evaluation, in order."""

    def __init__(self, field: Field, rtol: float, atol: float):
        super().__init__(field, rtol, atol)
        self.pullbacks: list = []

    def __call__(self, y, t):
        value, pullback = self.field.value_and_pullback(y, t)
        self.pullbacks.append(pullback)
        return value

    def solve_stage(self, z, time, hg, guess):
        self.pullbacks.append(None)  # implicit stage: its VJP needs the Jacobian anyway
        return super().solve_stage(z, time, hg, guess)


class TracedRHS:
    """``f`` on wengert boxes (``gradient="backprop"``); implicit stages by the implicit
    function theorem through :func:`wengert.fixed_point`, with Newton as its forward solver.
    """

    def __init__(self, problem: Problem, p_flat, raw: RawRHS):
        self.problem = problem
        self.p = p_flat
        self.params = problem.p_spec.unflatten(p_flat)  # unflattened once, traced once
        self.raw = raw
        self.field = raw.field

    def __call__(self, y, t):
        self.raw.field.nfev += 1
        return self.problem.call(y, t, self.params, flat=False)

    def begin_step(self, y, t, h) -> None:
        self.raw.begin_step(getval(y), getval(t), getval(h))

    def solve_stage(self, z, time, hg, guess):
        problem = self.problem
        solver = self.raw.newton_solver(getval(z), float(getval(hg)))
        stage = lambda k, z, time, hg, p: problem.call(z + hg * k, time, p)
        return wengert.fixed_point(stage, getval(guess), z, time, hg, self.p,
                                   tol=1e-13, maxiter=200, solver=solver)


# ---------------------------------------------------------------- step derivatives


def _tableau_rows(tab: ButcherTableau, count: int):
    """Stage matrix and times for the first ``count`` stages (method + dense extras)."""
    if count <= tab.stages:
        return tab.a, tab.c
    width = tab.stages + len(tab.c_extra)
    a = numpy.zeros((width, width))
    a[: tab.stages, : tab.stages] = tab.a
    a[tab.stages:, : tab.a_extra.shape[1]] = tab.a_extra
    return a, numpy.concatenate([tab.c, tab.c_extra])


def _stage_points(a, y, h, stacked: numpy.ndarray):
    """Stage points ``Y_i`` as the forward pass computed them, and ``sum_{j<=i} a_ij k_j``."""
    count = len(stacked)
    points, increments = [], a[:count, :count] @ stacked
    coupled = numpy.tril(a[:count, :count], -1).any(axis=1)
    for i in range(count):
        z = y + h * (a[i, :i] @ stacked[:i]) if coupled[i] else y
        points.append(z + (h * a[i, i]) * stacked[i] if a[i, i] != 0 else z)
    return points, increments


def step_vjp(tab: ButcherTableau, field: Field, y, t: float, h: float, ks: list, y_bar,
             k_bar: numpy.ndarray, pullbacks: list | None = None):
    """Pull ``y_bar`` (on ``y_{n+1}``) and ``k_bar`` (on the stages) back through a step.

    ``ks`` holds the stages (with the dense extras when ``k_bar`` has rows for them);
    ``k_bar`` is modified. ``pullbacks[i]``, if given and not None, is the pullback of
    ``f`` at stage ``i`` kept from the replay. Returns ``(y_bar_n, p_bar, t_bar, h_bar)``.
    """
    count = len(ks)
    a, c = _tableau_rows(tab, count)
    stacked = numpy.array(ks)
    points, increments = _stage_points(a, y, h, stacked)
    k_bar[: tab.stages] += h * numpy.outer(tab.b, y_bar)
    h_bar = float(tab.b @ (stacked[: tab.stages] @ y_bar))
    y_bar_n = numpy.array(y_bar, dtype=float, copy=True)
    p_bar = numpy.zeros(field.p_flat.size)
    t_bar = 0.0
    for i in range(count - 1, -1, -1):
        lam = k_bar[i]
        if not lam.any():
            continue
        point, increment = points[i], increments[i]
        time = t + c[i] * h
        if a[i, i] != 0:
            jac = field.jacobian(point, time)
            lam = numpy.linalg.solve((numpy.eye(len(y)) - h * a[i, i] * jac).T, lam)
        if pullbacks is not None and pullbacks[i] is not None:
            yb, tb, pb = pullbacks[i](lam)
        else:
            yb, tb, pb = field.vjp(point, time, lam)
        y_bar_n += yb
        p_bar += pb
        t_bar += tb
        h_bar += c[i] * tb + float(increment @ yb)
        if i and a[i, :i].any():
            k_bar[:i] += h * numpy.outer(a[i, :i], yb)
    return y_bar_n, p_bar, t_bar, h_bar


def step_jvp(tab: ButcherTableau, field: Field, y, t: float, h: float, ks: list, y_dot,
             t_dot: float, h_dot: float, p_dot) -> list:
    """Tangents of the stages ``ks`` (with extras if ``ks`` has them) of one step."""
    count = len(ks)
    a, c = _tableau_rows(tab, count)
    points, _ = _stage_points(a, y, h, numpy.array(ks))
    k_dots = []
    for i in range(count):
        point = points[i]
        below = numpy.zeros_like(y)
        nz = numpy.flatnonzero(a[i, :i])
        if nz.size:
            below = numpy.dot(a[i, nz], numpy.stack([ks[j] for j in nz]))
            point_dot = y_dot + h_dot * below + h * numpy.dot(
                a[i, nz], numpy.stack([k_dots[j] for j in nz]))
        else:
            point_dot = y_dot
        time = t + c[i] * h
        if a[i, i] == 0:
            k_dots.append(field.jvp(point, time, point_dot, t_dot + c[i] * h_dot, p_dot))
        else:
            rhs = field.jvp(point, time, point_dot + a[i, i] * h_dot * ks[i],
                            t_dot + c[i] * h_dot, p_dot)
            jac = field.jacobian(point, time)
            k_dots.append(numpy.linalg.solve(numpy.eye(len(y)) - h * a[i, i] * jac, rhs))
    return k_dots
