"""Velocity Verlet (leapfrog) for ``q'' = A(q, t, *params)``, with a reversible gradient.

One step of size ``h`` from ``(q, v)``, with ``a = A(q, t)`` carried over (first same as
last)::

    v_half = v + h/2 a,   q' = q + h v_half,   a' = A(q', t + h),   v' = v_half + h/2 a'

is symplectic, second order and time-reversible: the step is undone exactly (in exact
arithmetic) by ``v_half = v' - h/2 a'``, ``q = q' - h v_half``, ``v = v_half - h/2 A(q)``.
``gradient="reversible"`` uses that to run the adjoint backward without storing the
trajectory (Maclaurin, Duvenaud & Adams, ICML 2015, did the same for momentum SGD): memory
O(1) per step, two VJPs of ``A`` per step. In floating point the reconstruction drifts by
rounding errors amplified by the dynamics: negligible for regular motion, exponential on
chaotic orbits (measured in ``tests/test_symplectic.py`` and the README). The drift is
reset at every output time, where the forward states are kept; ``gradient="backprop"``
traces the steps instead (exact, memory grows with the steps).

Steps: ``ceil((t[i+1] - t[i]) / dt0)`` equal steps between consecutive output times.
The output times are not differentiated.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy
from autograd.core import defjvp_argnums, defvjp_argnums

import wengert
import wengert.numpy as np
from wengert_ode.field import Field, Problem, TreeSpec, unbox_containers

__all__ = ["verlet", "verlet_reversible", "verlet_steps", "VERLET_GRADIENTS"]

VERLET_GRADIENTS = ("reversible", "backprop")


def verlet_steps(t: numpy.ndarray, dt0: float | None) -> list[tuple[float, float, int]]:
    """``(start, h, count)`` for each output interval: ``count`` steps of size ``h``."""
    out = []
    for lo, hi in zip(t[:-1], t[1:]):
        count = 1 if dt0 is None else max(1, math.ceil((hi - lo) / dt0 * (1 - 1e-12)))
        out.append((float(lo), (float(hi) - float(lo)) / count, count))
    return out


def _forward(accel, q, v, t, dt0):
    """Velocity Verlet through the output times; ``accel(q, t)`` raw or traced."""
    outputs = [(q, v)]
    a = accel(q, float(t[0]))
    for start, h, count in verlet_steps(t, dt0):
        for k in range(count):
            time = start + k * h
            v_half = v + (0.5 * h) * a
            q = q + h * v_half
            a = accel(q, time + h)
            v = v_half + (0.5 * h) * a
        outputs.append((q, v))
    return outputs


@wengert.primitive("ode.verlet_reversible", max_order=1,
                   tangents=("none", "real", "real", "none", "real"))
def verlet_reversible(problem: Problem, q0, v0, t, p, dt0=None):
    """``(T, 2n)``: ``[q, v]`` at the output times ``t`` (flat vectors, see :func:`verlet`)."""
    field = problem.field(p)
    return numpy.stack([numpy.concatenate(qv) for qv in _forward(field, q0, v0, t, dt0)])


def _reversible_vjp(argnums, ans, args, kwargs):
    problem, q0, v0, t, p = args
    field: Field = problem.field(p)
    n = numpy.size(q0)

    def pullback(g):
        q_bar, v_bar = g[-1, :n].copy(), g[-1, n:].copy()
        p_bar = numpy.zeros(numpy.size(p))
        schedule = verlet_steps(numpy.asarray(t, float), kwargs.get("dt0"))
        for i in range(len(schedule) - 1, -1, -1):
            start, h, count = schedule[i]
            q, v = ans[i + 1, :n], ans[i + 1, n:]
            a = None
            for k in range(count - 1, -1, -1):
                time = start + k * h
                # v' = v_half + h/2 A(q'): pull back, and reconstruct A(q') on the way
                a, qb, _, pb = field.value_and_vjp(q, time + h, 0.5 * h * v_bar)
                q_bar, p_bar = q_bar + qb, p_bar + pb
                v_half = v - (0.5 * h) * a
                q = q - h * v_half
                v_bar = v_bar + h * q_bar  # v_bar on v_half
                a, qb, _, pb = field.value_and_vjp(q, time, 0.5 * h * v_bar)
                q_bar, p_bar = q_bar + qb, p_bar + pb
                v = v_half - (0.5 * h) * a
            q_bar, v_bar = q_bar + g[i, :n], v_bar + g[i, n:]
        return tuple({1: q_bar, 2: v_bar, 4: p_bar}[i] for i in argnums)

    return pullback


def _reversible_jvp(argnums, tangents, ans, args, kwargs):
    problem, q0, v0, t, p = args
    field = problem.field(p)
    given = dict(zip(argnums, tangents))
    n = numpy.size(q0)
    q_dot = given.get(1, numpy.zeros(n))
    v_dot = given.get(2, numpy.zeros(n))
    p_dot = given.get(4)
    q, v = numpy.asarray(q0, float), numpy.asarray(v0, float)
    a = field(q, float(t[0]))
    a_dot = field.jvp(q, float(t[0]), q_dot, 0.0, p_dot)
    out = [numpy.concatenate([q_dot, v_dot])]
    for start, h, count in verlet_steps(numpy.asarray(t, float), kwargs.get("dt0")):
        for k in range(count):
            v_half, vh_dot = v + 0.5 * h * a, v_dot + 0.5 * h * a_dot
            q, q_dot = q + h * v_half, q_dot + h * vh_dot
            a = field(q, start + k * h + h)
            a_dot = field.jvp(q, start + k * h + h, q_dot, 0.0, p_dot)
            v, v_dot = v_half + 0.5 * h * a, vh_dot + 0.5 * h * a_dot
        out.append(numpy.concatenate([q_dot, v_dot]))
    return numpy.stack(out)


defvjp_argnums(verlet_reversible, _reversible_vjp)
defjvp_argnums(verlet_reversible, _reversible_jvp)


def _kepler(q, t, mu):
    """Kepler problem: A(q) = -mu q / |q|^3."""
    return -mu * q / np.sum(q**2) ** 1.5


@verlet_reversible.examples
def _examples(rng):
    q0, v0 = numpy.array([1.0, 0.0]), numpy.array([0.0, 1.2])
    problem = Problem(_kepler, TreeSpec(q0, "q0"), TreeSpec((1.0,), "params"))
    return [wengert.Example((problem, q0, v0, numpy.array([0.0, 0.5, 1.5]), numpy.array([1.0])),
                            {"dt0": 0.05}, name="kepler")]


def verlet(accel: Callable, q0: Any, v0: Any, t: Any, *params: Any, dt0: float | None = None,
           gradient: str = "reversible"):
    """Integrate ``q'' = accel(q, t, *params)`` with velocity Verlet; ``(qs, vs)`` at ``t``.

    :param accel: acceleration (force / mass) in :mod:`wengert.numpy`, same structure as q.
    :param q0, v0: initial positions and velocities (arrays or pytrees of one structure).
    :param t: ``(T,)`` increasing output times (not differentiated).
    :param dt0: largest step; ``ceil(dt/dt0)`` equal steps per output interval.
    :param gradient: ``"reversible"`` (O(1) memory by running the steps backward; error
        grows on chaotic orbits, see the module doc) or ``"backprop"`` (traced, exact).
    :returns: ``(qs, vs)``, each with the structure of ``q0`` and a new leading axis T.
    """
    if not callable(accel):
        raise TypeError(f"accel must be callable accel(q, t, *params), got "
                        f"{type(accel).__name__}")
    if gradient not in VERLET_GRADIENTS:
        raise ValueError(f"gradient must be one of {VERLET_GRADIENTS}, got {gradient!r}")
    if dt0 is not None and not (isinstance(dt0, (int, float)) and dt0 > 0):
        raise ValueError(f"dt0 must be a positive float or None, got {dt0!r}")
    t = numpy.asarray(wengert.stop_gradient(t), dtype=float)
    if t.ndim != 1 or t.size < 1 or numpy.any(numpy.diff(t) <= 0):
        raise ValueError("t must be a 1-D strictly increasing array of output times")
    q0, v0, params = (unbox_containers(x) for x in (q0, v0, params))
    spec, p_spec = TreeSpec(q0, "q0"), TreeSpec(params, "params")
    problem = Problem(accel, spec, p_spec)
    q_flat, v_flat, p_flat = spec.flatten(q0), spec.flatten(v0), p_spec.flatten(params)
    if gradient == "reversible":
        out = verlet_reversible(problem, q_flat, v_flat, t, p_flat, dt0=dt0)
    else:
        outputs = _forward(lambda q, time: problem.call(q, time, p_flat), q_flat, v_flat, t,
                           dt0)
        out = np.stack([np.concatenate([q, v]) for q, v in outputs])
    n = spec.size
    return spec.unflatten_stacked(out[:, :n]), spec.unflatten_stacked(out[:, n:])
