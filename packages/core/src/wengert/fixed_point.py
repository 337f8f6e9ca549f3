"""Fixed points ``x* = f(x*, *params)`` differentiated by the implicit function theorem.

The forward solve runs untraced (plain iteration by default; Anderson/DIIS mixing or a user
callable for maps that are not contractions), so no tape grows with the iteration count.
Derivatives with respect to ``params`` come from the implicit function theorem: with
``A = df/dx`` and ``B = df/dp`` at the solution,

    reverse:  w = x_bar + A^T w   (Krylov/GMRES solve),   p_bar = B^T w
    forward:  x_dot = B p_dot + A x_dot                    (GMRES solve)

Both linear solves are themselves expressed as fixed points of affine maps, so they are
differentiable in turn: second derivatives (reverse-over-reverse, forward-over-reverse,
forward-over-forward) work, and memory stays that of one evaluation of ``f``.

>>> import wengert, wengert.numpy as np
>>> sqrt2 = lambda a: wengert.fixed_point(lambda x, a: 0.5 * (x + a / x), 1.0, a)
>>> round(float(sqrt2(2.0)), 12), round(float(wengert.grad(sqrt2)(2.0)), 12)
(1.414213562373, 0.353553390593)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import autograd.numpy as anp
import numpy
from autograd.core import defjvp_argnum, defvjp_argnum
from autograd.extend import primitive
from autograd.tracer import getval

from wengert.tree import ravel

__all__ = ["fixed_point", "ConvergenceError", "iterate", "anderson"]


class ConvergenceError(RuntimeError):
    """A solver stopped before reaching its tolerance; ``residual`` says how far it got."""

    def __init__(self, message: str, residual: float, iterations: int):
        super().__init__(f"{message} (residual {residual:.3e} after {iterations} iterations)")
        self.residual = residual
        self.iterations = iterations


def _converged(residual: float, x: numpy.ndarray, tol: float) -> bool:
    return residual <= tol * max(1.0, float(numpy.linalg.norm(x)))


def iterate(g: Callable, x0: numpy.ndarray, tol: float, maxiter: int) -> numpy.ndarray:
    """Plain fixed-point iteration ``x <- g(x)`` (needs a contraction)."""
    x = x0
    residual = numpy.inf
    for _ in range(maxiter):
        with numpy.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
            gx = g(x)
            residual = float(numpy.linalg.norm(gx - x))
        x = gx
        if not numpy.isfinite(residual):
            break
        if _converged(residual, x, tol):
            return x
    raise ConvergenceError("fixed_point: plain iteration did not converge", residual, maxiter)


def anderson(
    g: Callable, x0: numpy.ndarray, tol: float, maxiter: int, memory: int = 6, beta: float = 1.0
) -> numpy.ndarray:
    """Anderson acceleration (type II; Pulay's DIIS is the same update) of ``x <- g(x)``.

    Converges on maps that are not contractions as long as the fixed point is isolated:
    the least-squares update over the last ``memory`` residuals acts like GMRES on the
    linearized problem. Reference: H. F. Walker and P. Ni, SIAM J. Numer. Anal. 49,
    1715 (2011).
    """
    x = x0
    residuals, steps = [], []  # differences of residuals and of iterates
    r_prev = x_prev = None
    residual = numpy.inf
    for _ in range(maxiter):
        r = g(x) - x
        residual = float(numpy.linalg.norm(r))
        if not numpy.isfinite(residual):
            break
        if _converged(residual, x, tol):
            return x + r
        if r_prev is not None:
            residuals.append(r - r_prev)
            steps.append(x - x_prev)
            residuals, steps = residuals[-memory:], steps[-memory:]
        x_prev, r_prev = x, r
        if residuals:
            dr = numpy.stack(residuals, axis=1)
            dx = numpy.stack(steps, axis=1)
            gamma = numpy.linalg.lstsq(dr, r, rcond=None)[0]
            x = x + beta * r - (dx + beta * dr) @ gamma
        else:
            x = x + beta * r
    raise ConvergenceError("fixed_point: Anderson mixing did not converge", residual, maxiter)


def _gmres(g: Callable, x0: numpy.ndarray, tol: float, maxiter: int) -> numpy.ndarray:
    """Solve ``x = g(x)`` for an affine ``g`` by GMRES on ``(I - A) x = g(0)``."""
    import scipy.sparse.linalg  # imported here: it costs ~0.2 s at ``import wengert``

    b = g(numpy.zeros_like(x0))
    if not numpy.any(b):
        return numpy.zeros_like(x0)
    operator = scipy.sparse.linalg.LinearOperator(
        (x0.size, x0.size), matvec=lambda v: v - (g(v) - b), dtype=numpy.result_type(x0, b)
    )
    x, info = scipy.sparse.linalg.gmres(
        operator, b, x0=x0, rtol=tol, atol=0.0, restart=min(x0.size, 60), maxiter=maxiter
    )
    residual = float(numpy.linalg.norm(operator.matvec(x) - b))
    if info != 0 and residual > 10 * tol * max(1.0, float(numpy.linalg.norm(b))):
        raise ConvergenceError("fixed_point: GMRES adjoint solve did not converge", residual, info)
    return x


_SOLVERS = {"iterate": iterate, "anderson": anderson, "diis": anderson, "gmres": _gmres}


@primitive
def _solve_flat(f_flat, x0, p, tol, maxiter, solver):
    """The fixed point of ``x -> f_flat(x, p)`` on flat vectors (differentiable in ``p``)."""
    return solver(lambda x: f_flat(x, p), x0, tol, maxiter)


def _split(q, sizes):
    out, start = [], 0
    for n in sizes:
        out.append(q[start : start + n])
        start += n
    return out


def _adjoint_map(f_flat):
    """``w -> x_bar + A^T w`` with ``q = (x_bar, x*, p)``; A's pullback traced once per q."""
    cache: dict = {}

    def adjoint(w, q, sizes):
        if cache.get("q") is not q:
            x_bar, x_star, p = _split(q, sizes)
            from wengert.operators import vjp

            pullback = vjp(lambda x: f_flat(x, p), x_star)[1]
            cache.update(q=q, x_bar=x_bar, pullback=pullback)
        return cache["x_bar"] + cache["pullback"](w)[0]

    return adjoint


def _vjp_maker(argnum, x_star, args, kwargs):
    f_flat, x0, p, tol, maxiter, _ = args
    from wengert.operators import vjp

    def pullback(x_bar):
        sizes = (x_star.size, x_star.size, p.size)
        q = anp.concatenate([x_bar, x_star, p])
        adjoint = _adjoint_map(f_flat)
        w = _solve_flat(
            lambda w, q: adjoint(w, q, sizes), anp.zeros_like(getval(x_bar)), q, tol, maxiter,
            _gmres,
        )
        return vjp(lambda p_: f_flat(x_star, p_), p)[1](w)[0]

    return pullback


def _jvp_maker(argnum, p_dot, x_star, args, kwargs):
    f_flat, x0, p, tol, maxiter, _ = args
    from wengert.operators import jvp

    sizes = (x_star.size, p.size, p.size)

    def tangent_map(t, q):
        x_star_, p_, p_dot_ = _split(q, sizes)
        return jvp(f_flat, (x_star_, p_), (t, p_dot_))[1]

    q = anp.concatenate([x_star, p, p_dot])
    return _solve_flat(tangent_map, anp.zeros_like(getval(x_star)), q, tol, maxiter, _gmres)


defvjp_argnum(_solve_flat, lambda argnum, ans, args, kwargs: _vjp_maker(argnum, ans, args, kwargs))
defjvp_argnum(_solve_flat, _jvp_maker)


def fixed_point(
    f: Callable,
    x0: Any,
    *params: Any,
    tol: float = 1e-10,
    maxiter: int = 1000,
    solver: str | Callable | None = None,
) -> Any:
    """Solve ``x = f(x, *params)`` and differentiate the solution implicitly.

    :param f: ``f(x, *params) -> x`` with ``x`` an array or pytree, written in
        :mod:`wengert.numpy` (its derivatives at the solution are needed).
    :param x0: starting point (not differentiated).
    :param params: the parameters; derivatives of the result flow to them.
    :param tol: stop when ``|f(x) - x| <= tol * max(1, |x|)``; the adjoint and tangent
        linear solves use the same tolerance.
    :param maxiter: iteration budget of the forward solve and of each GMRES solve.
    :param solver: ``"iterate"`` (default; needs a contraction), ``"anderson"``/``"diis"``
        (Anderson/Pulay mixing, for SCF- and CTMRG-like maps), or a callable
        ``solver(g, x0, tol, maxiter) -> x`` on flat vectors with ``g(x) = f(x)``.
    :raises ConvergenceError: when the forward or a linear solve does not reach ``tol``.
    """
    if solver is None:
        solver = iterate
    elif isinstance(solver, str):
        if solver not in _SOLVERS:
            raise ValueError(
                f"solver must be one of {sorted(_SOLVERS)} or a callable, got {solver!r}"
            )
        solver = _SOLVERS[solver]
    elif not callable(solver):
        raise TypeError(f"solver must be a name or a callable, got {type(solver).__name__}")
    if not (tol > 0):
        raise ValueError(f"tol must be positive, got {tol!r}")
    x0_flat, unravel_x = ravel(getval(x0))
    x0_flat = numpy.asarray(x0_flat, dtype=numpy.result_type(x0_flat, float))
    p_flat, unravel_p = ravel(tuple(params))

    def f_flat(x, p):
        return ravel(f(unravel_x(x), *unravel_p(p)))[0]

    x_star = _solve_flat(f_flat, x0_flat, p_flat, float(tol), int(maxiter), solver)
    return unravel_x(x_star)
