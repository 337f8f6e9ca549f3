"""Minimization over pytrees with exact gradients: scipy's quasi-Newton methods and Adam.

>>> import wengert.numpy as np
>>> from wengert.optimize import minimize
>>> rosen = lambda p: (1 - p["x"]) ** 2 + 100 * (p["y"] - p["x"] ** 2) ** 2
>>> res = minimize(rosen, {"x": -1.0, "y": 2.0}, method="L-BFGS-B", progress=False)
>>> round(float(res.x["x"]), 5), res.success
(1.0, True)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy
import scipy.optimize

from wengert.operators import value_and_grad as _value_and_grad
from wengert.tree import ravel

__all__ = ["minimize", "OptimizeResult", "METHODS"]

METHODS = ("L-BFGS-B", "BFGS", "CG", "adam")


class OptimizeResult(scipy.optimize.OptimizeResult):
    """scipy's result object; ``x`` has the structure of ``x0`` and ``history`` holds ``fun``
    after every iteration."""


def minimize(
    fun: Callable,
    x0: Any,
    *,
    method: str = "L-BFGS-B",
    args: tuple = (),
    maxiter: int = 1000,
    tol: float | None = None,
    learning_rate: float = 1e-2,
    callback: Callable | None = None,
    progress: bool = True,
    options: dict | None = None,
    value_and_grad: Callable | None = None,
) -> OptimizeResult:
    """Minimize a real scalar ``fun(x, *args)`` over a pytree ``x`` starting at ``x0``.

    :param method: ``"L-BFGS-B"``, ``"BFGS"``, ``"CG"`` (scipy, with exact gradients) or
        ``"adam"`` (first-order; ``learning_rate``, betas 0.9/0.999).
    :param tol: scipy's ``tol``; for Adam, stop when the gradient norm falls below it.
    :param callback: ``callback(x, value)`` after each iteration with ``x`` as a pytree;
        returning ``True`` stops the optimization.
    :param progress: show a tqdm bar with the current value.
    :param options: extra scipy options (``gtol``, ``maxcor``, ...) or Adam's
        ``beta1``/``beta2``/``eps``.
    :param value_and_grad: ``value_and_grad(x, *args) -> (value, gradient pytree)`` to use
        instead of differentiating ``fun`` here, e.g. a
        :func:`wengert.parallel.value_and_grad_sum` over a data set on a cluster; ``fun``
        may then be ``None``.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not isinstance(maxiter, int) or maxiter < 1:
        raise ValueError(f"maxiter must be a positive int, got {maxiter!r}")
    x0_flat, unravel = ravel(x0)
    x0_flat = numpy.asarray(x0_flat, dtype=float)
    if value_and_grad is None:
        if fun is None:
            raise TypeError("minimize: give fun, or value_and_grad")
        objective = _value_and_grad(lambda flat: fun(unravel(flat), *args))
    else:
        def objective(flat):
            value, g = value_and_grad(unravel(flat), *args)
            return value, ravel(g)[0]

    def value_grad(flat):
        value, g = objective(flat)
        value = float(value)
        if not numpy.isfinite(value):
            raise FloatingPointError(f"minimize: fun returned {value} at iteration {len(history)}")
        return value, numpy.asarray(g, dtype=float)

    history: list[float] = []
    from tqdm.auto import tqdm

    bar = tqdm(total=maxiter, desc=f"minimize ({method})", disable=not progress, leave=False,
               file=sys.stderr)
    last = {}

    def after_step(flat, value):
        history.append(value)
        bar.update(1)
        bar.set_postfix(fun=f"{value:.10g}", refresh=False)
        return bool(callback(unravel(flat), value)) if callback is not None else False

    try:
        if method == "adam":
            result = _adam(value_grad, x0_flat, maxiter, learning_rate, tol, after_step,
                           **(options or {}))
        else:
            def scipy_fun(flat):
                value, g = value_grad(flat)
                last["value"] = value
                return value, g

            def scipy_callback(intermediate_result):
                if after_step(intermediate_result.x, float(intermediate_result.fun)):
                    raise StopIteration

            result = scipy.optimize.minimize(
                scipy_fun, x0_flat, jac=True, method=method, tol=tol, callback=scipy_callback,
                options={"maxiter": maxiter, **(options or {})},
            )
    finally:
        bar.close()
    out = OptimizeResult(dict(result))
    out.x = unravel(numpy.asarray(result.x))
    out.history = history
    return out


def _adam(value_grad, x, maxiter, learning_rate, tol, after_step, beta1=0.9, beta2=0.999,
          eps=1e-8):
    m = numpy.zeros_like(x)
    v = numpy.zeros_like(x)
    best_x, best_value = x, numpy.inf
    status, message, nit = 1, "maximum number of iterations reached", maxiter
    for step in range(1, maxiter + 1):
        value, g = value_grad(x)
        if value < best_value:
            best_x, best_value = x, value
        if tol is not None and numpy.linalg.norm(g) < tol:
            status, message, nit = 0, "gradient norm below tol", step - 1
            break
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**step)
        v_hat = v / (1 - beta2**step)
        x = x - learning_rate * m_hat / (numpy.sqrt(v_hat) + eps)
        if after_step(x, value):
            status, message, nit = 0, "stopped by callback", step
            break
    value, _ = value_grad(x)
    if value < best_value:
        best_x, best_value = x, value
    return scipy.optimize.OptimizeResult(
        x=best_x, fun=best_value, nit=nit, status=status, success=status == 0, message=message
    )
