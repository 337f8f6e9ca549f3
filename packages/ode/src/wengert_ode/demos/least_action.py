"""Least action: the classical path between fixed endpoints by minimizing the action.

A unit mass in the anharmonic potential ``V(q) = q^2/2 + q^4/4`` goes from ``q(0) = 0`` to
``q(T) = 1`` in ``T = 1`` (less than half a period, where the action is a minimum). The
action is discretized on ``N`` steps with the trapezoid rule,

    S_N = sum_k [ (q_{k+1} - q_k)^2 / (2 dt) - dt (V(q_k) + V(q_{k+1})) / 2 ],

and minimized over the interior nodes by L-BFGS with exact gradients (its stationarity
conditions are the Stormer–Verlet equations, so the error is O(dt^2)). The reference is
the ODE ``q'' = -V'(q)``: shooting on ``q'(0)`` with Newton, the derivative
``dq(T)/dq'(0)`` from reverse mode through :func:`~wengert_ode.odeint` (dop853,
``rtol = atol = 1e-12``), and the continuous action integrated alongside.

Reported: ``max_deviation`` (max over nodes of |q_N - q_ODE| at the finest N),
``convergence_order`` (fitted), ``action_discrete``, ``action_ode`` and ``v0_shooting``.
"""

from __future__ import annotations

import numpy

import wengert
import wengert.numpy as np
from wengert.demo import Demo, DemoContext
from wengert.optimize import minimize
from wengert_ode.odeint import odeint

T_END, Q_START, Q_END = 1.0, 0.0, 1.0


def potential(q):
    """``V(q) = q^2/2 + q^4/4``."""
    return 0.5 * q**2 + 0.25 * q**4


def discrete_action(interior, n: int):
    """Trapezoid action of the path through ``(0, interior..., 1)`` on ``n`` steps."""
    q = np.concatenate([np.array([Q_START]), interior, np.array([Q_END])])
    dt = T_END / n
    kinetic = np.sum((q[1:] - q[:-1]) ** 2) / (2 * dt)
    return kinetic - dt * np.sum(0.5 * (potential(q[1:]) + potential(q[:-1])))


def _hamilton(state, t):
    """``(q, v, S)' = (v, -V'(q), v^2/2 - V(q))``: motion and the running action."""
    q, v = state[0], state[1]
    return np.stack([v, -q - q**3, 0.5 * v**2 - potential(q)])


def shoot(v0: float, times):
    """States ``(q, v, S)`` at ``times`` from ``q = 0``, ``q' = v0``."""
    start = np.stack([Q_START, v0, 0.0])
    return odeint(_hamilton, start, times, method="dop853", rtol=1e-12, atol=1e-12)


def solve_shooting(v0: float = 1.0, tol: float = 1e-13) -> float:
    """Newton on ``q(T; v0) = 1`` with the derivative from reverse mode."""
    miss = lambda v: shoot(v, numpy.array([0.0, T_END]))[-1, 0] - Q_END
    for _ in range(30):
        value, slope = wengert.value_and_grad(miss)(v0)
        v0 = v0 - float(value) / float(slope)
        if abs(float(value)) < tol:
            return v0
    raise RuntimeError(f"shooting did not converge (miss {float(value):.3e})")


def run(ctx: DemoContext) -> dict:
    v0 = solve_shooting()
    sizes = (25, 50, 100) if ctx.quick else (25, 50, 100, 200, 400)
    rows, paths = [], {}
    for n in ctx.progress(sizes, desc="least-action N"):
        times = numpy.linspace(0.0, T_END, n + 1)
        start = Q_START + (Q_END - Q_START) * times[1:-1] / T_END
        result = minimize(discrete_action, start, args=(n,), method="L-BFGS-B",
                          maxiter=5000, progress=False,
                          options={"gtol": 1e-12, "ftol": 1e-15, "maxcor": 30})
        exact = numpy.asarray(shoot(v0, times))
        path = paths[n] = numpy.concatenate([[Q_START], result.x, [Q_END]])
        rows.append({"N": n, "max_deviation": float(numpy.max(numpy.abs(path - exact[:, 0]))),
                     "action": float(result.fun), "iterations": int(result.nit)})
    action_ode = float(shoot(v0, numpy.array([0.0, T_END]))[-1, 2])
    errors = numpy.array([r["max_deviation"] for r in rows])
    order = float(-numpy.polyfit(numpy.log(sizes), numpy.log(errors), 1)[0])
    plt = ctx.pyplot()
    if plt is not None:
        fine = numpy.linspace(0.0, T_END, 301)
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        ax1.plot(fine, numpy.asarray(shoot(v0, fine))[:, 0], "k-", label="ODE (shooting)")
        ax1.plot(numpy.linspace(0, T_END, sizes[0] + 1), paths[sizes[0]], "o", ms=4,
                 color="tab:orange", label=f"least action, N = {sizes[0]}")
        ax1.set(xlabel="t", ylabel="q", title="Classical path, q(0) = 0 to q(1) = 1")
        ax1.legend()
        ax2.loglog(sizes, errors, "o-", label="max |q_N - q_ODE|")
        ax2.loglog(sizes, errors[0] * (sizes[0] / numpy.array(sizes)) ** 2, "k--",
                   label="N^-2")
        ax2.set(xlabel="N", ylabel="deviation", title="Convergence")
        ax2.legend()
        ctx.save_figure(fig, "least_action.png")
    return {
        "max_deviation": rows[-1]["max_deviation"],
        "convergence_order": order,
        "action_discrete": rows[-1]["action"],
        "action_ode": action_ode,
        "v0_shooting": v0,
        "convergence": rows,
    }


DEMO = Demo(
    name="least-action",
    run=run,
    description="Classical path between fixed endpoints by minimizing the discretized action "
    "(L-BFGS, exact gradients), against the ODE solution found by shooting",
)
__all__ = ["DEMO", "discrete_action", "potential", "shoot", "solve_shooting"]
