"""Fixed points ``x* = f(x*, *params)`` differentiated by the implicit function theorem.

The forward solve runs untraced (plain iteration by default; Anderson/DIIS mixing or a user
callable for maps that are not contractions), so no tape grows with the iteration count.
Derivatives with respect to ``params`` come from the implicit function theorem: with
``A = df/dx`` and ``B = df/dp`` at the solution,

    reverse:  w = x_bar + A^T w   (GMRES),   p_bar = B^T w
    forward:  x_dot = B p_dot + A x_dot      (GMRES)

Both are :func:`_solve_linear` calls, ``w = b + L(q) w`` with ``q = (x*, p)``, whose own
derivatives are linear solves of the same kind (with ``L`` or its transpose), so second
derivatives work in every mode combination and memory stays that of one evaluation of
``f``. Cost: reverse mode traces ``f`` once for ``A^T`` (the pullback then serves every
GMRES step, and also the steps of the tangent solve when the gradient itself is
differentiated in forward mode, as in :func:`wengert.hessian`) and once for ``B^T``;
forward mode runs one JVP of ``f`` per GMRES step (a forward-mode trace cannot be
replayed with another tangent).

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
from autograd.core import defjvp_argnums, defvjp_argnums
from autograd.extend import primitive
from autograd.tracer import getval, isbox

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


def _krylov(
    matvec: Callable,
    b: numpy.ndarray,
    tol: float,
    maxiter: int,
    x0: numpy.ndarray | None = None,
    what: str = "GMRES solve of an implicit derivative",
) -> numpy.ndarray:
    """Solve ``x = b + L x`` for a linear ``L v = matvec(v)`` by GMRES on ``(I - L) x = b``
    (from ``x0``, default 0; ``what`` names the solve in the error).

    One ``matvec`` per Krylov step: scipy recomputes the true residual
    ``|b - (I - L) x|`` at the end of every restart cycle and reports ``info == 0`` only when
    it is below ``tol |b|``. A cycle that ends unconverged costs one more ``matvec`` for its
    true residual; when three further cycles have not halved it (a tolerance below what
    the floating-point operator can resolve, or a singular ``I - L``) the solve stops
    instead of running out ``maxiter`` cycles, and is accepted only if its residual is
    within ``10 tol max(1, |b|)``, else :class:`ConvergenceError`.
    """
    import scipy.sparse.linalg  # imported here: it costs ~0.2 s at ``import wengert``

    if not numpy.any(b):
        return numpy.zeros_like(b)
    operator = scipy.sparse.linalg.LinearOperator(
        (b.size, b.size), matvec=lambda v: v - matvec(v), dtype=b.dtype
    )
    x, residuals, why = x0, [], "did not converge"
    for _ in range(max(maxiter, 1)):
        x, info = scipy.sparse.linalg.gmres(
            operator, b, x0=x, rtol=tol, atol=0.0, restart=min(b.size, 60), maxiter=1
        )
        if info == 0:
            return x
        residuals.append(float(numpy.linalg.norm(operator.matvec(x) - b)))
        if len(residuals) > _STAGNATION_CYCLES and (
            residuals[-1] > 0.5 * residuals[-1 - _STAGNATION_CYCLES]
        ):
            why = "stagnated (restart cycles no longer reduce the residual)"
            break
    if residuals[-1] > 10 * tol * max(1.0, float(numpy.linalg.norm(b))):
        raise ConvergenceError(
            f"fixed_point: {what} {why}",
            residuals[-1],
            len(residuals),
        )
    return x


_STAGNATION_CYCLES = 3  # restart cycles without halving the residual: stop


def _gmres(g: Callable, x0: numpy.ndarray, tol: float, maxiter: int) -> numpy.ndarray:
    """Solve ``x = g(x)`` for an affine ``g`` by GMRES on ``(I - A) x = g(0)``."""
    b = numpy.asarray(g(numpy.zeros_like(x0)))
    return _krylov(lambda v: g(v) - b, b, tol, maxiter, x0, "GMRES (solver='gmres')")


_SOLVERS = {"iterate": iterate, "anderson": anderson, "diis": anderson, "gmres": _gmres}


@primitive
def _solve_flat(f_flat, x0, p, tol, maxiter, solver):
    """The fixed point of ``x -> f_flat(x, p)`` on flat vectors (differentiable in ``p``)."""
    return solver(lambda x: f_flat(x, p), x0, tol, maxiter)


@primitive
def _solve_linear(matvec, b, q, tol, maxiter):
    """``w = b + L(q) w`` with ``L(q) v = matvec(v, q)`` linear in ``v`` (differentiable in
    ``b`` and ``q``): the adjoint and tangent equations of :func:`fixed_point`.

    Derivatives, with ``w`` the solution:

        reverse:  u = w_bar + L^T u,   b_bar = u,   q_bar = (d/dq <u, L(q) w>)
        forward:  w_dot = b_dot + (dL[q_dot]) w + L w_dot

    i.e. linear solves of the same kind, with the same ``L`` (forward) or its transpose
    (reverse), so every order of derivative is again a :func:`_solve_linear`.
    """
    return _krylov(lambda v: matvec(v, q), b, tol, maxiter)


def _cached_in_q(make: Callable) -> Callable:
    """``apply(v, q) = make(q)(v)`` where ``make(q)`` (a trace) is built once per unboxed ``q``.

    GMRES calls ``apply`` with one unboxed ``q`` on every iteration, so it traces once per
    solve. A boxed ``q`` (a derivative with respect to ``q`` is being taken) is traced on
    every call and never cached, so a primal-only operator never stands in for one that
    carries ``q``'s tangent or cotangent.
    """
    cache: list = []

    def apply(v, q):
        if isbox(q):
            return make(q)(v)
        if not cache or cache[0] is not q:
            cache[:] = [q, make(q)]
        return cache[1](v)

    return apply


def _adjoint_operator(f_flat, n):
    """``(v, q) -> A^T v``, ``A = df/dx`` at ``q = (x*, p)``: the pullback of ``f`` traced once."""
    from wengert.operators import vjp

    def make(q):
        pullback = vjp(lambda x: f_flat(x, q[n:]), q[:n])[1]
        return lambda v: pullback(v)[0]

    return _cached_in_q(make)


def _tangent_operator(f_flat, n):
    """``(t, q) -> A t`` at ``q = (x*, p)``: one JVP of ``f`` per call (forward mode cannot
    reuse a trace)."""
    from wengert.operators import jvp

    def apply(t, q):
        return jvp(lambda x: f_flat(x, q[n:]), (q[:n],), (t,))[1]

    return apply


def _transposed(matvec, point):
    """``(u, q) -> L(q)^T u`` for ``L(q) v = matvec(v, q)``: the pullback of the linear map
    ``v -> matvec(v, q)``, traced once per unboxed ``q`` at ``v = point``.

    ``point`` must not be zero: rules that skip a zero cotangent (``if is_zero(g)``) would
    record a tape that does not depend on ``v``.
    """
    from wengert.operators import vjp

    def make(q):
        pullback = vjp(lambda v: matvec(v, q), point)[1]
        return lambda u: pullback(u)[0]

    return _cached_in_q(make)


def _solve_flat_vjp(argnums, x_star, args, kwargs):
    """Reverse mode of :func:`_solve_flat` (only ``p``, argument 2, is ever traced: the
    fixed point does not depend on ``x0``): ``w = x_bar + A^T w``, ``p_bar = B^T w``."""
    f_flat, x0, p, tol, maxiter, _ = args
    from wengert.operators import vjp

    q = anp.concatenate([x_star, p])  # built once: the rows of a Jacobian reuse A's trace
    adjoint = _adjoint_operator(f_flat, numpy.size(getval(x_star)))

    def pullback(x_bar):
        w = _solve_linear(adjoint, x_bar, q, tol, maxiter)
        p_bar = vjp(lambda p_: f_flat(x_star, p_), p)[1](w)[0]
        return tuple(p_bar if i == 2 else anp.zeros_like(getval(args[i])) for i in argnums)

    return pullback


def _solve_flat_jvp(argnums, tangents, x_star, args, kwargs):
    """Forward mode of :func:`_solve_flat`: ``x_dot = B p_dot + A x_dot``."""
    f_flat, x0, p, tol, maxiter, _ = args
    from wengert.operators import jvp

    if 2 not in argnums:
        return anp.zeros_like(getval(x_star))
    b = jvp(lambda p_: f_flat(x_star, p_), (p,), (tangents[argnums.index(2)],))[1]
    q = anp.concatenate([x_star, p])
    return _solve_linear(_tangent_operator(f_flat, numpy.size(getval(x_star))), b, q, tol, maxiter)


def _solve_linear_vjp(argnums, w, args, kwargs):
    """Reverse mode of :func:`_solve_linear` (``b`` and ``q``, arguments 1 and 2)."""
    matvec, b, q, tol, maxiter = args
    from wengert.operators import vjp

    point = numpy.asarray(getval(w))
    transposed = _transposed(matvec, point if numpy.any(point) else numpy.ones_like(point))

    def pullback(w_bar):
        u = _solve_linear(transposed, w_bar, q, tol, maxiter)
        q_bar = vjp(lambda q_: matvec(w, q_), q)[1](u)[0] if 2 in argnums else None
        return tuple(u if i == 1 else q_bar for i in argnums)

    return pullback


def _solve_linear_jvp(argnums, tangents, w, args, kwargs):
    """Forward mode of :func:`_solve_linear`: the same ``L`` (its trace reused, since ``q``
    is unboxed here), right-hand side ``b_dot + dL[q_dot] w``."""
    matvec, b, q, tol, maxiter = args
    from wengert.operators import jvp

    rhs = anp.zeros_like(getval(w))
    for i, t in zip(argnums, tangents):
        if i == 1:
            rhs = rhs + t
        elif i == 2:
            rhs = rhs + jvp(lambda q_: matvec(w, q_), (q,), (t,))[1]
    return _solve_linear(matvec, rhs, q, tol, maxiter)


defvjp_argnums(_solve_flat, _solve_flat_vjp)
defjvp_argnums(_solve_flat, _solve_flat_jvp)
defvjp_argnums(_solve_linear, _solve_linear_vjp)
defjvp_argnums(_solve_linear, _solve_linear_jvp)


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
        linear solves (GMRES) stop at the relative residual ``tol``.
    :param maxiter: iteration budget of the forward solve, and the number of GMRES restart
        cycles (of up to 60 steps each) of each linear solve. A ``tol`` the linear solves
        cannot reach in floating point (~1e-14) stops them once three restart cycles have
        not halved the residual (they then fail unless the residual is within
        ``10 tol max(1, |b|)``).
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
