"""The integrator primitives, one per reverse-mode strategy, on flat vectors.

``prim(problem, y0, t, p, **options) -> (len(t), n)`` with ``problem`` a
:class:`~wengert_ode.field.Problem`, ``y0`` the flat initial state, ``t`` the increasing
output times and ``p`` the flat parameters. All three share the forward solve and the JVP
(forward sensitivities of the discrete solution); they differ in the VJP:

* ``ode.odeint_checkpoint``: discrete adjoint over checkpointed segments — the exact
  gradient of the computed solution (the transpose of the JVP to rounding);
* ``ode.odeint_interpolating``: continuous adjoint with the forward dense output;
* ``ode.odeint_adjoint``: continuous backsolve adjoint (Chen et al. 2018).

The VJPs are numpy loops, not differentiable operations: ``max_order=1``. Use
``gradient="backprop"`` for second derivatives. Each rule computes the cotangents of all
inputs in one pass (``defvjp_argnums``), not one pass per input.
"""

from __future__ import annotations

import numpy
from autograd.core import defjvp_argnums, defvjp_argnums

import wengert
import wengert.numpy as np
from wengert_ode.continuous import backsolve_adjoint, interpolating_adjoint
from wengert_ode.controllers import PIController
from wengert_ode.discrete import (
    discrete_adjoint,
    forward,
    forward_sensitivities,
    recall,
    remember,
)
from wengert_ode.field import Problem, TreeSpec

__all__ = ["odeint_checkpoint", "odeint_adjoint", "odeint_interpolating", "PRIMITIVES"]

_TANGENTS = ("none", "real", "real", "real")


def _forward(problem, y0, t, p, **options):
    ans, record = forward(problem, y0, t, p, **options, keep=True)
    remember(ans, record)
    return ans


def _forward_unrecorded(problem, y0, t, p, **options):
    """The backsolve adjoint keeps nothing (a JVP re-solves to get the step record)."""
    remember(None, None)
    return forward(problem, y0, t, p, **options)


def _jvp_rule(argnums, tangents, ans, args, kwargs):
    record = recall(ans, args, kwargs)
    full = dict(zip(argnums, tangents))
    return forward_sensitivities(*args[:1], record, *args[1:], full.get(1), full.get(2),
                                 full.get(3), **kwargs)


def _pick(argnums, y0_bar, t_bar, p_bar):
    return tuple((None, y0_bar, t_bar, p_bar)[i] for i in argnums)


odeint_checkpoint = wengert.primitive("ode.odeint_checkpoint", max_order=1,
                                      tangents=_TANGENTS)(_forward)
odeint_interpolating = wengert.primitive("ode.odeint_interpolating", max_order=1,
                                         tangents=_TANGENTS)(_forward)
odeint_adjoint = wengert.primitive("ode.odeint_adjoint", max_order=1,
                                   tangents=_TANGENTS)(_forward_unrecorded)


def _checkpoint_vjp(argnums, ans, args, kwargs):
    record = recall(ans, args, kwargs)
    return lambda g: _pick(argnums, *discrete_adjoint(*args[:1], record, *args[1:], g,
                                                      **kwargs))


def _interpolating_vjp(argnums, ans, args, kwargs):
    record = recall(ans, args, kwargs)
    return lambda g: _pick(argnums, *interpolating_adjoint(*args[:1], record, ans, *args[1:],
                                                           g, **kwargs))


def _adjoint_vjp(argnums, ans, args, kwargs):
    return lambda g: _pick(argnums, *backsolve_adjoint(*args[:1], ans, *args[1:], g, **kwargs))


for _prim, _vjp in ((odeint_checkpoint, _checkpoint_vjp),
                    (odeint_interpolating, _interpolating_vjp),
                    (odeint_adjoint, _adjoint_vjp)):
    defvjp_argnums(_prim, _vjp)
    defjvp_argnums(_prim, _jvp_rule)

PRIMITIVES = {"checkpoint": odeint_checkpoint, "interpolating": odeint_interpolating,
              "adjoint": odeint_adjoint}


# ---------------------------------------------------------------- conformance examples


def _lotka_volterra(y, t, p):
    """x' = a x - b x y, y' = -c y + d x y (Lotka 1925, Volterra 1926)."""
    return np.stack([p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]])


def _forced(y, t, p):
    """Damped oscillator with a time-dependent force: x'' = -k x - c x' + A sin(w t)."""
    return np.stack([y[1], -p[0] * y[0] - p[1] * y[1] + p[2] * np.sin(p[3] * t)])


def _stiff(y, t, p):
    """Forced stiff linear system with eigenvalues -p0 and -100 p1."""
    return np.stack([-p[0] * y[0] + p[2] * y[1], -100.0 * p[1] * y[1] + np.sin(t) * p[2]])


def _problem(f, y0, p) -> Problem:
    return Problem(f, TreeSpec(y0, "y0"), TreeSpec((p,), "params"))


def _options(method, tol, dt0=None, checkpoint_every=None):
    return dict(method=method, rtol=tol, atol=tol, controller=PIController(), dt0=dt0,
                max_steps=100_000, checkpoint_every=checkpoint_every, stats=None)


def _examples(continuous: bool):
    def examples(rng):
        lv_y0, lv_p = numpy.array([1.0, 1.0]), numpy.array([1.5, 1.0, 3.0, 1.0])
        rows = [wengert.Example(
            (_problem(_lotka_volterra, lv_y0, lv_p), lv_y0, numpy.array([0.0, 0.3, 0.7, 1.0]),
             lv_p), _options("dopri5", 1e-13), name="lotka-volterra-dopri5")]
        if continuous:
            return rows
        fy0, fp = numpy.array([1.0, 0.0]), numpy.array([2.0, 0.3, 0.5, 1.7])
        sy0, sp = numpy.array([1.0, 0.0]), numpy.array([1.0, 3.0, 0.8])
        return rows + [
            wengert.Example((_problem(_forced, fy0, fp), fy0, numpy.array([0.0, 0.95, 2.0]), fp),
                            _options("rk4", 0.0, dt0=0.1, checkpoint_every=4),
                            name="forced-oscillator-rk4"),
            wengert.Example((_problem(_forced, fy0, fp), fy0, numpy.array([0.5, 1.2, 2.5]), fp),
                            _options("dop853", 1e-12, checkpoint_every=3),
                            name="forced-oscillator-dop853"),
            wengert.Example((_problem(_stiff, sy0, sp), sy0, numpy.array([0.0, 0.1, 0.2]), sp),
                            _options("sdirk4", 1e-10), name="stiff-linear-sdirk4"),
        ]

    return examples


odeint_checkpoint.examples(_examples(continuous=False))
odeint_interpolating.examples(_examples(continuous=True))
odeint_adjoint.examples(_examples(continuous=True))
