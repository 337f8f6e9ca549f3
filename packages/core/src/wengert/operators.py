"""Differential operators: reverse mode, forward mode, and their compositions.

All operators take a Python function written with :mod:`wengert.numpy` and return a new
function. ``argnum`` is an int or a tuple of ints; arguments may be pytrees (nested
tuples, lists and dicts of arrays). Complex gradients follow autograd's and JAX's
convention: for real ``f(z)``, ``grad(f)(z) = df/dx - i df/dy``, so a directional
derivative is ``Re(sum(grad * dz))``.

There is no JIT and no vmap: speed comes from coarse primitives (a whole eigensolver, a
whole circuit sweep), not from tracing many small operations.

>>> import wengert as wg, wengert.numpy as np
>>> wg.grad(lambda x: np.sum(np.sin(x)))(np.zeros(3))
array([1., 1., 1.])
>>> wg.jvp(np.sin, (0.0,), (2.0,))
(0.0, 2.0)
>>> [round(float(d), 6) for d in wg.taylor(np.exp, 0.0, 3)]
[1.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import autograd
import autograd.numpy as anp
from autograd.core import (
    JVPNode,
    VJPNode,
    backward_pass,
    defjvp_argnums,
    defvjp_argnums,
    vspace,
)
from autograd.tracer import getval, isbox, new_box, primitive, trace_stack

from wengert.tree import _flatten_up_to, tree_flatten, tree_map, tree_unflatten

__all__ = [
    "grad",
    "value_and_grad",
    "jacobian",
    "hessian",
    "jvp",
    "vjp",
    "hvp",
    "taylor",
    "checkpoint",
    "stop_gradient",
    "custom_vjp",
    "custom_jvp",
]


# ---------------------------------------------------------------- reverse mode basics


def grad(fun: Callable, argnum: int | tuple[int, ...] = 0, *, has_aux: bool = False) -> Callable:
    """Gradient of a real scalar function with respect to positional argument(s) ``argnum``.

    The gradient has the structure of the argument (a pytree for a pytree argument, a tuple
    of gradients for a tuple ``argnum``). With ``has_aux=True`` ``fun`` returns
    ``(value, aux)`` and the new function returns ``(gradient, aux)``.
    """
    if not has_aux:
        return autograd.grad(fun, argnum)
    value_and_grad_fun = value_and_grad(fun, argnum, has_aux=True)

    @functools.wraps(fun)
    def grad_fun(*args, **kwargs):
        (_, aux), g = value_and_grad_fun(*args, **kwargs)
        return g, aux

    return grad_fun


def value_and_grad(
    fun: Callable, argnum: int | tuple[int, ...] = 0, *, has_aux: bool = False
) -> Callable:
    """Like :func:`grad`, but returns ``(value, gradient)`` from one forward pass.

    With ``has_aux=True``, ``fun`` returns ``(value, aux)`` and the result is
    ``((value, aux), gradient)`` as in JAX; ``aux`` is not differentiated.
    """
    if not has_aux:
        return autograd.value_and_grad(fun, argnum)

    @functools.wraps(fun)
    def with_aux(*args, **kwargs):
        aux_out = []

        def main(*a, **k):
            value, aux = fun(*a, **k)
            aux_out.append((trace_stack.top, aux))
            return value

        value, g = autograd.value_and_grad(main, argnum)(*args, **kwargs)
        level, aux = aux_out[-1]
        return (value, tree_map(lambda x: _strip_trace(x, level), aux)), g

    return with_aux


def _strip_trace(x: Any, level: int) -> Any:
    """Remove the boxes of traces at or above ``level``, keeping outer ones."""
    while isbox(x) and x._trace >= level:
        x = x._value
    return x


def jacobian(fun: Callable, argnum: int | tuple[int, ...] = 0) -> Callable:
    """Jacobian of an array-valued function: shape ``out.shape + in.shape``.

    For a tuple ``argnum`` the result is a tuple of Jacobians, one per argument.
    """
    if isinstance(argnum, tuple):
        jacs = [autograd.jacobian(fun, a) for a in argnum]
        return functools.wraps(fun)(lambda *a, **k: tuple(j(*a, **k) for j in jacs))
    return autograd.jacobian(fun, argnum)


def hessian(fun: Callable, argnum: int | tuple[int, ...] = 0) -> Callable:
    """Hessian of a real scalar function: shape ``in.shape + in.shape``.

    Computed forward-over-reverse: one JVP of the gradient per input direction. For a tuple
    ``argnum`` the result is a nested tuple of blocks, ``H[i][j]`` of shape
    ``in_i.shape + in_j.shape``.
    """
    argnums = argnum if isinstance(argnum, tuple) else (argnum,)
    if not all(isinstance(a, int) for a in argnums):
        raise TypeError(f"hessian: argnum must be an int or a tuple of ints, got {argnum!r}")
    grad_fun = grad(fun, argnums)

    @functools.wraps(fun)
    def hessian_fun(*args, **kwargs):
        xs = [args[a] for a in argnums]

        def grads_at(*new_xs):
            full = list(args)
            for a, x in zip(argnums, new_xs):
                full[a] = x
            return grad_fun(*full, **kwargs)

        blocks = [[None] * len(xs) for _ in xs]
        for j, xj in enumerate(xs):
            shape = anp.shape(xj)
            basis = _identity_like(xj)
            columns = [
                jvp(grads_at, tuple(xs), tuple(
                    anp.reshape(e, shape) if k == j else None for k in range(len(xs))))[1]
                for e in basis
            ]
            for i, xi in enumerate(xs):
                stacked = anp.stack([c[i] for c in columns], axis=-1)
                blocks[i][j] = anp.reshape(stacked, anp.shape(xi) + shape)
        if not isinstance(argnum, tuple):
            return blocks[0][0]
        return tuple(tuple(row) for row in blocks)

    return hessian_fun


def _identity_like(x):
    """Rows of the identity of size ``x.size`` on ``x``'s backend (a Hessian's tangents):
    on a device backend, one explicit copy of the identity to the device."""
    from wengert.backends import NUMPY, backend_of

    eye = anp.eye(int(anp.size(x)), dtype=anp.result_type(x, float))
    backend = backend_of(x)
    return eye if backend is NUMPY else backend.asarray(eye)


# ---------------------------------------------------------------- forward mode


def _is_differentiable(x: Any) -> bool:
    if isbox(x):
        return True
    dtype = getattr(x, "dtype", None)
    if dtype is not None:
        return anp.issubdtype(dtype, anp.inexact)
    return isinstance(x, (float, complex))


def jvp(fun: Callable, primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    """Forward mode: ``(fun(*primals), J @ tangents)``.

    ``primals`` and ``tangents`` are tuples of the same structure (pytrees allowed);
    non-float leaves (integers, None, functions) must get a ``None`` or zero tangent and
    are not differentiated. The output may be a pytree; its tangent has its structure.
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples (one entry per argument)")
    p_leaves, p_def = tree_flatten(tuple(primals))
    t_leaves, t_def = tree_flatten(tuple(tangents))
    if len(p_leaves) != len(t_leaves):
        raise ValueError(
            f"jvp: tangents must have the structure of primals: {len(p_leaves)} primal "
            f"leaves but {len(t_leaves)} tangent leaves"
        )
    with trace_stack.new_trace() as trace:
        boxed = []
        for i, (x, v) in enumerate(zip(p_leaves, t_leaves)):
            if v is None or not _is_differentiable(x):
                boxed.append(x)
                continue
            if anp.shape(v) != anp.shape(x):
                raise ValueError(
                    f"jvp: tangent leaf {i} has shape {anp.shape(v)}, primal has {anp.shape(x)}"
                )
            boxed.append(new_box(x, trace, JVPNode.new_root(v)))
        out = fun(*tree_unflatten(p_def, boxed))
        out_leaves, out_def = tree_flatten(out)
        values, out_tangents = [], []
        for leaf in out_leaves:
            if isbox(leaf) and leaf._trace == trace:
                values.append(leaf._value)
                out_tangents.append(leaf._node.g)
            else:
                values.append(leaf)
                out_tangents.append(vspace(leaf).zeros() if _is_differentiable(leaf) else None)
    return tree_unflatten(out_def, values), tree_unflatten(out_def, out_tangents)


def vjp(fun: Callable, *primals: Any) -> tuple[Any, Callable]:
    """Reverse mode: ``(fun(*primals), pullback)``.

    ``pullback(cotangent)`` takes a cotangent with the structure of the output and returns
    a tuple with one cotangent per primal (JAX's convention). The pullback may be called
    many times; each call is one backward pass over the recorded tape.
    """
    p_leaves, p_def = tree_flatten(primals)
    with trace_stack.new_trace() as trace:
        roots, boxed = [], []
        for x in p_leaves:
            if _is_differentiable(x):
                node = VJPNode.new_root()
                roots.append(node)
                boxed.append(new_box(x, trace, node))
            else:
                roots.append(None)
                boxed.append(x)
        out = fun(*tree_unflatten(p_def, boxed))
        out_leaves, out_def = tree_flatten(out)
        ends = [
            leaf._node if isbox(leaf) and leaf._trace == trace else None for leaf in out_leaves
        ]
        values = [leaf._value if node is not None else leaf for leaf, node in zip(out_leaves, ends)]

    def pullback(cotangent):
        try:
            ct_leaves = _flatten_up_to(out_def, cotangent)
        except ValueError as exc:
            raise ValueError(
                f"vjp: the cotangent must have the structure of the output: {exc}"
            ) from None
        live = [(node, g) for node, g in zip(ends, ct_leaves) if node is not None]
        collected = {}
        if live:
            recorders = {}
            for node in roots:
                if node is not None:
                    recorders[node] = node.vjp
                    node.vjp = _recorder(collected, node)
            try:
                backward_pass(tuple(g for _, g in live), _FanIn([n for n, _ in live]))
            finally:
                for node, original in recorders.items():
                    node.vjp = original
        result = [
            collected[node] if node in collected else _zeros_like_leaf(x)
            for node, x in zip(roots, p_leaves)
        ]
        return tree_unflatten(p_def, result)

    return tree_unflatten(out_def, values), pullback


def _zeros_like_leaf(x):
    return vspace(x).zeros() if _is_differentiable(x) else None


def _recorder(collected: dict, node) -> Callable:
    def record(g):
        collected[node] = g
        return ()

    return record


class _FanIn:
    """A synthetic end node joining several output nodes, for multi-output pullbacks."""

    __slots__ = ["parents", "vjp"]

    def __init__(self, parents):
        self.parents = parents
        self.vjp = lambda gs: gs


def hvp(fun: Callable, argnum: int = 0) -> Callable:
    """Hessian-vector product, forward-over-reverse: returns ``h(*args, v) = H @ v``.

    ``v`` has the structure of argument ``argnum``; the cost is about four evaluations of
    ``fun``, independent of the dimension.
    """
    grad_fun = grad(fun, argnum)

    def hvp_fun(*args_and_v, **kwargs):
        *args, v = args_and_v

        def grad_at(x):
            return grad_fun(*args[:argnum], x, *args[argnum + 1 :], **kwargs)

        return jvp(grad_at, (args[argnum],), (v,))[1]

    return hvp_fun


def taylor(fun: Callable, x: Any, order: int) -> list:
    """All derivatives of a scalar-to-scalar function up to ``order``, by nested forward mode.

    Returns ``[f(x), f'(x), ..., f^(order)(x)]``. The cost grows as ``2**order``
    evaluations of ``fun`` (each nesting doubles the dual numbers), fine up to order ~10.
    This is the "n-th derivative of E(lambda) is a physical property" table.
    """
    if not isinstance(order, int) or order < 0:
        raise ValueError(f"taylor: order must be a non-negative int, got {order!r}")
    if anp.ndim(x) != 0:
        raise ValueError(f"taylor: x must be a scalar, got shape {anp.shape(x)}")

    def derivatives_up_to(k: int) -> Callable:
        if k == 0:

            def value(y):
                out = fun(y)
                if anp.ndim(out) != 0:
                    raise TypeError(f"taylor: fun must return a scalar, got shape {anp.shape(out)}")
                return anp.reshape(out, (1,))

            return value
        lower = derivatives_up_to(k - 1)

        def stacked(y):
            values, tangents = jvp(lower, (y,), (anp.ones_like(getval(y)),))
            return anp.concatenate([values, tangents[-1:]])

        return stacked

    x = x if isbox(x) or _is_differentiable(x) else float(x)
    out = derivatives_up_to(order)(x)
    return [out[i] for i in range(order + 1)]


# ---------------------------------------------------------------- control of the tape


def stop_gradient(x: Any) -> Any:
    """``x`` with every derivative through it cut (all leaves of a pytree)."""
    return tree_map(getval, x)


@primitive
def _call_flat(call, *leaves):
    return call(*leaves)


def _call_flat_jvp(argnums, tangents, ans, args, kwargs):
    call, leaves = args[0], args[1:]
    full = [None] * len(leaves)
    for argnum, t in zip(argnums, tangents):
        full[argnum - 1] = t
    return jvp(call, tuple(leaves), tuple(full))[1]


def _call_flat_vjp(argnums, ans, args, kwargs):
    call, leaves = args[0], args[1:]

    def pullback(g):
        cotangents = vjp(call, *leaves)[1](g)
        return tuple(cotangents[i - 1] for i in argnums)

    return pullback


defvjp_argnums(_call_flat, _call_flat_vjp)
defjvp_argnums(_call_flat, _call_flat_jvp)


def checkpoint(fun: Callable) -> Callable:
    """Rematerialize ``fun`` in the backward pass instead of storing its intermediates.

    The forward pass runs ``fun`` untraced and keeps only its inputs; the backward pass
    traces it again. Memory for a chain of checkpointed blocks is one block's tape.
    ``fun`` returns an array or a tuple of arrays; forward mode and higher orders work.
    """

    @functools.wraps(fun)
    def checkpointed(*args, **kwargs):
        leaves, treedef = tree_flatten(args)

        def call(*new_leaves):
            return fun(*tree_unflatten(treedef, new_leaves), **kwargs)

        return _call_flat(call, *leaves)

    return checkpointed


# ---------------------------------------------------------------- custom rules


class _CustomRule:
    """Shared machinery of :class:`custom_vjp` and :class:`custom_jvp`."""

    def __init__(self, fun: Callable):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self._primitive = None

    def __call__(self, *args):
        leaves, treedef = tree_flatten(args)
        if self._primitive is None or not any(isbox(x) for x in leaves):
            return self.fun(*args)
        return self._primitive(treedef, *leaves)


class custom_vjp(_CustomRule):
    """Give a Python function a hand-written reverse-mode rule (JAX's API).

    >>> @custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> def fwd(x):
    ...     return x, None                   # (output, residuals)
    >>> def bwd(res, g):
    ...     return (np.clip(g, -1, 1),)      # one cotangent per positional argument
    >>> _ = clip_gradient.defvjp(fwd, bwd)

    ``bwd`` should be written in :mod:`wengert.numpy` so that higher orders work. Forward
    mode through a ``custom_vjp`` function differentiates ``fun`` itself.
    """

    def defvjp(self, fwd: Callable, bwd: Callable) -> custom_vjp:
        pending = []

        @primitive
        def call(treedef, *leaves):
            out, residuals = fwd(*tree_unflatten(treedef, leaves))
            pending.append((out, residuals))
            return out

        def vjp_maker(argnums, ans, args, kwargs):
            treedef, leaves = args[0], args[1:]
            if pending and pending[-1][0] is ans:
                residuals = pending.pop()[1]
            else:  # a nested trace level: recompute the residuals there
                residuals = fwd(*tree_unflatten(treedef, leaves))[1]

            def pullback(g):
                cotangents = tree_flatten(tuple(bwd(residuals, g)))[0]
                return tuple(cotangents[i - 1] for i in argnums)

            return pullback

        def jvp_maker(argnums, tangents, ans, args, kwargs):
            if pending and pending[-1][0] is ans:  # forward mode: residuals are not needed
                pending.pop()
            treedef, leaves = args[0], args[1:]
            full = [None] * len(leaves)
            for argnum, t in zip(argnums, tangents):
                full[argnum - 1] = t
            return jvp(self.fun, tree_unflatten(treedef, leaves), tree_unflatten(treedef, full))[1]

        defvjp_argnums(call, vjp_maker)
        defjvp_argnums(call, jvp_maker)
        call.__name__ = getattr(self.fun, "__name__", "custom_vjp")
        self._primitive = call
        return self


class custom_jvp(_CustomRule):
    """Give a Python function a hand-written forward-mode rule (JAX's API).

    ``f.defjvp(rule)`` with ``rule(primals, tangents) -> (out, tangent_out)``. Reverse mode
    comes from transposing the rule, which must then be linear in ``tangents`` and written
    in :mod:`wengert.numpy`.
    """

    def defjvp(self, rule: Callable) -> custom_jvp:
        @primitive
        def call(treedef, *leaves):
            return self.fun(*tree_unflatten(treedef, leaves))

        def tangent_out(treedef, leaves, full):
            primals = tree_unflatten(treedef, leaves)
            return rule(primals, tree_unflatten(treedef, full))[1]

        def jvp_maker(argnums, tangents, ans, args, kwargs):
            treedef, leaves = args[0], args[1:]
            full = [_zeros_like_leaf(x) for x in leaves]
            for argnum, t in zip(argnums, tangents):
                full[argnum - 1] = t
            return tangent_out(treedef, leaves, full)

        def vjp_maker(argnums, ans, args, kwargs):
            treedef, leaves = args[0], args[1:]
            zeros = [_zeros_like_leaf(x) for x in leaves]

            def pullback(g):
                linear = lambda *ts: tangent_out(treedef, leaves, list(ts))  # noqa: E731
                cotangents = vjp(linear, *zeros)[1](g)
                return tuple(cotangents[i - 1] for i in argnums)

            return pullback

        defvjp_argnums(call, vjp_maker)
        defjvp_argnums(call, jvp_maker)
        call.__name__ = getattr(self.fun, "__name__", "custom_jvp")
        self._primitive = call
        return self
