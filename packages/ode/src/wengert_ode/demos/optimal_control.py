"""Optimal control: swing a damped pendulum up with a bounded piecewise-constant torque.

``theta'' = -sin(theta) - 0.1 theta' + u(t)``, ``theta = 0`` hanging down, starting at
rest. The torque is constant on each of ``K`` pieces of ``[0, T]`` and bounded,
``u_k = u_max tanh(z_k)`` with ``u_max = 0.5`` (too weak to lift the pendulum directly: it
has to pump energy). The cost

    J = (1 + cos theta(T)) + 0.1 theta'(T)^2 + 1e-3 * sum_k u_k^2 (T / K)

is zero when the pendulum ends at rest upside down. Each piece is one
:func:`~wengert_ode.odeint` call (rk4 with steps of at most 0.05: fixed steps keep the
cost a smooth function of the controls, which the line search needs;
``gradient="checkpoint"`` with a hand-written VJP of the vector field), so the gradient
with respect to all ``z_k`` flows through the integrator; L-BFGS minimizes it from a random
start. Reported: ``cost_initial``, ``cost_final``, ``final_angle`` (theta(T) modulo 2 pi,
in [0, 2 pi); pi is upright), ``final_velocity``.
"""

from __future__ import annotations

import numpy

import wengert.numpy as np
from wengert.demo import Demo, DemoContext
from wengert.optimize import minimize
from wengert_ode.odeint import odeint

U_MAX, DAMPING, DT = 0.5, 0.1, 0.05


_LINEAR = numpy.array([[0.0, 1.0], [0.0, -DAMPING]])
_E2 = numpy.array([0.0, 1.0])


def pendulum(y, t, u):
    """``(theta, omega)' = (omega, -sin theta - 0.1 omega + u)`` (no stacking: cheap)."""
    return np.dot(_LINEAR, y) + _E2 * (u - np.sin(y[0]))


def pendulum_vjp(y, t, u):
    """Hand-written ``(f, pullback)`` of :func:`pendulum` (numpy), for the adjoint."""
    out = numpy.array([y[1], -numpy.sin(y[0]) - DAMPING * y[1] + u])
    return out, lambda g: (numpy.array([-numpy.cos(y[0]) * g[1], g[0] - DAMPING * g[1]]),
                           0.0, g[1])


def trajectory(z, t_end: float, samples: int = 1):
    """States at the piece boundaries (``samples`` per piece) for controls ``tanh``-mapped
    from ``z``; shape ``(K * samples + 1, 2)``."""
    pieces = len(z)
    width = t_end / pieces
    y, states = np.array([0.0, 0.0]), []
    for k in range(pieces):
        times = k * width + width * numpy.linspace(0.0, 1.0, samples + 1)
        ys = odeint(pendulum, y, times, U_MAX * np.tanh(z[k]), method="rk4", dt0=DT,
                    f_vjp=pendulum_vjp)
        states.append(ys[:-1])
        y = ys[-1]
    return np.concatenate(states + [np.reshape(y, (1, 2))])


def cost(z, t_end: float):
    """Terminal cost plus a small control effort (see the module doc)."""
    final = trajectory(z, t_end)[-1]
    effort = 1e-3 * np.sum((U_MAX * np.tanh(z)) ** 2) * t_end / len(z)
    return 1.0 + np.cos(final[0]) + 0.1 * final[1] ** 2 + effort


def run(ctx: DemoContext) -> dict:
    pieces, t_end = (16, 15.0) if ctx.quick else (24, 15.0)
    z0 = 0.1 * numpy.random.default_rng(1).standard_normal(pieces)
    cost_initial = float(cost(z0, t_end))
    result = minimize(cost, z0, args=(t_end,), maxiter=40 if ctx.quick else 300,
                      progress=ctx.show_progress)
    final = numpy.asarray(trajectory(result.x, t_end))[-1]
    plt = ctx.pyplot()
    if plt is not None:
        path = numpy.asarray(trajectory(result.x, t_end, samples=8))
        times = numpy.linspace(0.0, t_end, len(path))
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        ax1.plot(times, path[:, 0], label="theta")
        ax1.axhline(numpy.pi, color="k", ls=":", label="upright")
        ax1.step(numpy.linspace(0.0, t_end, pieces + 1)[:-1], U_MAX * numpy.tanh(result.x),
                 where="post", label="torque u")
        ax1.set(xlabel="t", title="Swing-up")
        ax1.legend()
        ax2.semilogy(result.history)
        ax2.set(xlabel="L-BFGS iteration", ylabel="cost", title="Optimization")
        ctx.save_figure(fig, "optimal_control.png")
    return {
        "cost_initial": cost_initial,
        "cost_final": float(result.fun),
        "final_angle": float(numpy.mod(final[0], 2 * numpy.pi)),
        "final_velocity": float(final[1]),
        "pieces": pieces,
        "iterations": int(result.nit),
        "controls": U_MAX * numpy.tanh(result.x),
    }


DEMO = Demo(
    name="optimal-control",
    run=run,
    description="Pendulum swing-up with a bounded piecewise-constant torque, gradients "
    "through the integrator (L-BFGS)",
)
__all__ = ["DEMO", "pendulum", "trajectory", "cost"]
