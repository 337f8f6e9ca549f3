"""The vector field ``f(y, t, *params)`` seen by the solvers: flat vectors, counted calls.

Users write ``f`` on pytrees (``y`` and ``params`` may be arrays, tuples, lists or dicts of
arrays). The solvers work on flat float64 vectors: :class:`TreeSpec` flattens and rebuilds,
:class:`Problem` is the hashable-by-identity description handed to the primitives (the
function, the pytree structures, optional hand-written derivatives and the direction of
time), and :class:`Field` is ``f`` at fixed parameters on raw numpy arrays with the three
derivative products the adjoints need (VJP, JVP, dense Jacobian) and call counters.

Derivatives of ``f`` come from wengert (one trace per call) unless the user supplies
``f_vjp(y, t, *params) -> (out, pullback)`` and/or ``f_jvp(primals, tangents) -> (out,
tangent)`` with the conventions of :func:`wengert.vjp` and :func:`wengert.jvp`; a
hand-written VJP of a neural-network vector field is ~20x cheaper than tracing it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy
from autograd.tracer import getval, isbox

import wengert
import wengert.numpy as np
from wengert import tree_flatten, tree_unflatten

__all__ = ["TreeSpec", "Problem", "Field", "unbox_containers"]


def unbox_containers(tree: Any) -> Any:
    """Turn autograd's boxed tuples, lists and dicts (as ``wengert.grad`` passes a pytree
    argument) into containers of boxes, so that pytree code sees the structure."""
    if isbox(tree) and isinstance(tree._value, (tuple, list)):
        return type(tree._value)(unbox_containers(tree[i]) for i in range(len(tree._value)))
    if isbox(tree) and isinstance(tree._value, dict):
        return {k: unbox_containers(tree[k]) for k in tree._value}
    if type(tree) in (tuple, list):
        return type(tree)(unbox_containers(x) for x in tree)
    if type(tree) is dict:
        return {k: unbox_containers(v) for k, v in tree.items()}
    return tree


class TreeSpec:
    """Shapes of a pytree of float arrays and the maps to and from one flat vector."""

    def __init__(self, tree: Any, what: str):
        leaves, self.treedef = tree_flatten(tree)
        self.shapes = []
        for leaf in leaves:
            value = numpy.asarray(wengert.stop_gradient(leaf))
            if value.dtype.kind not in "biuf":
                raise TypeError(f"{what} must hold real numbers, got a leaf of dtype "
                                f"{value.dtype}")
            self.shapes.append(value.shape)
        self.sizes = [math.prod(s) for s in self.shapes]
        self.offsets = numpy.concatenate([[0], numpy.cumsum(self.sizes)]).astype(int)
        self.size = int(self.offsets[-1])
        self.what = what

    @property
    def is_array(self) -> bool:
        return self.treedef.kind is None

    def flatten(self, tree: Any) -> Any:
        """The leaves raveled and concatenated (differentiable), float64."""
        leaves, treedef = tree_flatten(tree)
        if treedef != self.treedef:
            raise ValueError(f"{self.what} has structure {treedef}, expected {self.treedef}")
        parts = []
        for leaf, shape in zip(leaves, self.shapes):
            if np.shape(leaf) != shape:
                raise ValueError(f"{self.what} has a leaf of shape {np.shape(leaf)}, expected "
                                 f"{shape}")
            if len(shape) != 1:
                leaf = np.reshape(leaf, (-1,))
            if numpy.result_type(getval(leaf)) != numpy.float64:
                leaf = leaf * 1.0
            parts.append(leaf)
        if not parts:
            return numpy.zeros(0)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def flatten_raw(self, tree: Any) -> numpy.ndarray:
        """:meth:`flatten` for raw numbers (fast path of the solvers' inner loop)."""
        if not self.is_array:
            return numpy.asarray(self.flatten(tree), dtype=float)
        out = numpy.asarray(tree, dtype=float)
        if out.shape != self.shapes[0]:
            raise ValueError(f"{self.what} has shape {out.shape}, expected {self.shapes[0]}")
        return out.reshape(-1)

    def unflatten(self, flat: Any) -> Any:
        """The pytree of ``flat`` (differentiable; views for raw arrays)."""
        if self.is_array:
            return flat if np.shape(flat) == self.shapes[0] else np.reshape(flat, self.shapes[0])
        leaves = [np.reshape(flat[lo:hi], shape) for lo, hi, shape in
                  zip(self.offsets[:-1], self.offsets[1:], self.shapes)]
        return tree_unflatten(self.treedef, leaves)

    def unflatten_raw(self, flat: numpy.ndarray) -> Any:
        """:meth:`unflatten` for raw arrays (views, no tracing overhead)."""
        if self.is_array:
            return flat.reshape(self.shapes[0])
        leaves = [flat[lo:hi].reshape(shape) for lo, hi, shape in
                  zip(self.offsets[:-1], self.offsets[1:], self.shapes)]
        return tree_unflatten(self.treedef, leaves)

    def unflatten_stacked(self, flat: Any) -> Any:
        """``(T, size)`` -> the pytree with every leaf stacked along a new axis 0."""
        count = np.shape(flat)[0]
        if self.is_array:
            return np.reshape(flat, (count,) + self.shapes[0])
        leaves = [np.reshape(flat[:, lo:hi], (count,) + shape) for lo, hi, shape in
                  zip(self.offsets[:-1], self.offsets[1:], self.shapes)]
        return tree_unflatten(self.treedef, leaves)


@dataclass(eq=False)
class Problem:
    """What the integrator primitives need to know about ``f`` besides its arguments.

    :param f: ``f(y, t, *params)`` in :mod:`wengert.numpy`.
    :param y_spec, p_spec: structures of the state and of the tuple of parameters.
    :param f_vjp, f_jvp: optional hand-written derivative products (see the module doc).
    :param reverse: integrate in reversed time ``s = -t``: the solver sees
        ``-f(y, -s, *params)``.
    """

    f: Callable
    y_spec: TreeSpec
    p_spec: TreeSpec
    f_vjp: Callable | None = None
    f_jvp: Callable | None = None
    reverse: bool = False

    def call(self, y_flat: Any, t: Any, p: Any, flat: bool = True) -> Any:
        """``f`` on flat vectors (``p`` flat, or the params tuple with ``flat=False``);
        differentiable in all three (used by ``backprop``)."""
        params = self.p_spec.unflatten(p) if flat else p
        if self.reverse:
            return -self._flat_out(self.f(self.y_spec.unflatten(y_flat), -t, *params))
        return self._flat_out(self.f(self.y_spec.unflatten(y_flat), t, *params))

    def _flat_out(self, out: Any) -> Any:
        try:
            return self.y_spec.flatten(out)
        except ValueError as exc:
            raise ValueError(f"f must return a pytree with the structure and shapes of y0: "
                             f"{exc}") from None

    def field(self, p_flat: numpy.ndarray) -> Field:
        """``f`` at the (raw) parameters ``p_flat``."""
        return Field(self, numpy.asarray(p_flat, dtype=float))


class Field:
    """``f`` at fixed parameters on raw float64 vectors, with VJP, JVP, Jacobian and counters.

    ``nfev`` counts evaluations of ``f``, ``nvjp``/``njvp`` its derivative products, ``njev``
    dense Jacobians (each ``n`` VJPs).
    """

    def __init__(self, problem: Problem, p_flat: numpy.ndarray):
        self.problem = problem
        self.p_flat = p_flat
        self.params = problem.p_spec.unflatten_raw(p_flat)
        self.sign = -1.0 if problem.reverse else 1.0
        self.nfev = self.nvjp = self.njvp = self.njev = 0

    def _time(self, t: float) -> float:
        return -t if self.problem.reverse else t

    def __call__(self, y: numpy.ndarray, t: float) -> numpy.ndarray:
        self.nfev += 1
        problem = self.problem
        out = problem.f(problem.y_spec.unflatten_raw(y), self._time(t), *self.params)
        try:
            out = problem.y_spec.flatten_raw(out)
        except ValueError as exc:
            raise ValueError(f"f must return a pytree with the structure and shapes of y0: "
                             f"{exc}") from None
        return -out if problem.reverse else out

    def vjp(self, y: numpy.ndarray, t: float, ct: numpy.ndarray) -> tuple:
        """``(J^T ct, (df/dt)^T ct, (df/dp)^T ct)`` at ``(y, t)``: flat, float, flat."""
        return self.value_and_vjp(y, t, ct)[1:]

    def value_and_vjp(self, y: numpy.ndarray, t: float, ct: numpy.ndarray) -> tuple:
        """``(f, J^T ct, (df/dt)^T ct, (df/dp)^T ct)`` from one evaluation."""
        value, pullback = self.value_and_pullback(y, t, count=False)
        return (value, *pullback(ct))

    def value_and_pullback(self, y: numpy.ndarray, t: float, count: bool = True) -> tuple:
        """``(f, pullback)`` at ``(y, t)`` with ``pullback(ct) -> (y_bar, t_bar, p_bar)``.

        The adjoints evaluate stages with this while replaying a segment and keep the
        pullbacks, so that the reverse sweep does not evaluate ``f`` again.
        """
        self.nfev += count
        problem = self.problem
        y_tree = problem.y_spec.unflatten_raw(y)
        if problem.f_vjp is not None:
            out, pullback = problem.f_vjp(y_tree, self._time(t), *self.params)
        else:
            out, pullback = wengert.vjp(problem.f, y_tree, self._time(t), *self.params)

        def flat_pullback(ct):
            self.nvjp += 1
            cts = pullback(problem.y_spec.unflatten_raw(self.sign * ct))
            t_bar = 0.0 if cts[1] is None else float(cts[1]) * self.sign
            return (_flat_raw(problem.y_spec, cts[0]), t_bar,
                    _flat_raw(problem.p_spec, tuple(cts[2:])))

        return self.sign * _flat_raw(problem.y_spec, out), flat_pullback

    def jvp(self, y: numpy.ndarray, t: float, y_dot: numpy.ndarray, t_dot: float,
            p_dot: numpy.ndarray | None) -> numpy.ndarray:
        """``J y_dot + (df/dt) t_dot + (df/dp) p_dot`` at ``(y, t)``, flat."""
        self.njvp += 1
        problem = self.problem
        spec = problem.y_spec
        primals = (spec.unflatten_raw(y), self._time(t), *self.params)
        if p_dot is None:
            p_dot = numpy.zeros(problem.p_spec.size)
        params_dot = problem.p_spec.unflatten_raw(numpy.asarray(p_dot, dtype=float))
        y_dot = spec.unflatten_raw(numpy.asarray(y_dot, dtype=float))
        tangents = (y_dot, self.sign * t_dot, *params_dot)
        jvp = problem.f_jvp if problem.f_jvp is not None else _default_jvp(problem.f)
        _, out_dot = jvp(primals, tangents)
        return self.sign * _flat_raw(spec, out_dot)

    def jacobian(self, y: numpy.ndarray, t: float) -> numpy.ndarray:
        """Dense ``df/dy`` at ``(y, t)``, shape ``(n, n)`` (for the implicit method)."""
        self.njev += 1
        problem = self.problem
        fun = lambda v: problem._flat_out(problem.f(problem.y_spec.unflatten(v),
                                                    self._time(t), *self.params))
        return self.sign * numpy.asarray(wengert.jacobian(fun)(y), dtype=float)


def _default_jvp(f: Callable) -> Callable:
    return lambda primals, tangents: wengert.jvp(f, primals, tangents)


def _leaves(tree: Any, out: list) -> list:
    """Leaves of a raw pytree in :func:`wengert.tree_flatten` order (a fast path)."""
    kind = type(tree)
    if kind is tuple or kind is list:
        for child in tree:
            _leaves(child, out)
    elif kind is dict:
        for key in sorted(tree):
            _leaves(tree[key], out)
    else:
        out.append(tree)
    return out


def _flat_raw(spec: TreeSpec, tree: Any) -> numpy.ndarray:
    """A raw pytree (``None`` leaves are zeros) as one flat float64 vector."""
    if spec.is_array and type(tree) is numpy.ndarray:
        return tree.reshape(-1).astype(float, copy=False)
    parts = [numpy.zeros(size) if leaf is None else numpy.ravel(numpy.asarray(leaf, float))
             for leaf, size in zip(_leaves(tree, []), spec.sizes)]
    if not parts:
        return numpy.zeros(0)
    return parts[0] if len(parts) == 1 else numpy.concatenate(parts)
