"""Primitives: functions with hand-written derivative rules and per-backend implementations.

A primitive is the unit a domain package contributes: an eigensolver, a circuit sweep, an
integral engine. autograd treats it as one node of the tape, so its cost is one Python
call however much work it does inside.

>>> import wengert, wengert.numpy as np
>>> @wengert.primitive("demo.cube")
... def cube(x):
...     '''x**3, elementwise.'''
...     return x**3
>>> _ = cube.defvjp(lambda ans, x: lambda g: 3 * x**2 * g)
>>> _ = cube.defjvp(lambda g, ans, x: 3 * x**2 * g)
>>> float(wengert.grad(cube)(2.0))
12.0

The derivative rules use autograd's signatures: ``defvjp`` makers are staged,
``(ans, *args, **kwargs) -> (g -> cotangent)``; ``defjvp`` rules are not,
``(g, ans, *args, **kwargs) -> tangent``. Write them in :mod:`wengert.numpy` (or other
primitives) so that they can be differentiated again (``max_order``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from autograd.core import primitive_jvps, primitive_vjps
from autograd.extend import defjvp as _defjvp
from autograd.extend import defvjp as _defvjp
from autograd.tracer import box_types, new_box, notrace_primitives
from autograd.util import subvals

from wengert.backends import NUMPY, _lookup_type

__all__ = ["Primitive", "Example", "primitive", "TANGENT_SPACES"]

#: Named tangent spaces an input may declare (see ``Primitive.tangents``).
TANGENT_SPACES = ("real", "complex", "symmetric", "hermitian", "none")


class Example(NamedTuple):
    """One set of arguments for the conformance checks.

    ``examples(fn)`` functions may return plain tuples of positional arguments or
    ``Example(args, kwargs, name)`` when keyword arguments or a readable id are needed.
    """

    args: tuple
    kwargs: dict = {}
    name: str = ""


class Primitive:
    """A differentiable function registered under ``"<domain>.<name>"``.

    :param fun: the numpy implementation (the forward function).
    :param name: the registry name, e.g. ``"linalg.eigh"``.
    :param max_order: highest derivative order the checks verify (default 2). Order 2
        requires the VJP and JVP rules to be differentiable themselves.
    :param tangents: tangent space of each positional input, as a tuple (one entry per
        argument) or a dict ``{argnum: space}``; a space is one of :data:`TANGENT_SPACES`
        or a callable projecting a random direction ``d`` (same shape as the input) onto
        the allowed directions. Unlisted inputs are ``"real"``/``"complex"`` by dtype;
        ``"none"`` marks inputs never differentiated (integers, flags, functions).
    :param probe: ``probe(out, *args) -> pytree`` of a gauge-invariant function of the
        outputs, differentiated by the checks instead of the raw outputs (for eigenvectors,
        whose sign or phase is arbitrary).

    Calling the primitive dispatches on the backend of its array arguments with a dict
    lookup; plugin hooks never run per call.
    """

    def __init__(
        self,
        fun: Callable,
        name: str,
        *,
        max_order: int = 2,
        tangents: tuple | dict | None = None,
        probe: Callable | None = None,
    ):
        if not isinstance(name, str) or "." not in name.strip("."):
            raise ValueError(f"primitive name must look like '<domain>.<name>', got {name!r}")
        if not isinstance(max_order, int) or max_order < 1:
            raise ValueError(f"max_order must be an int >= 1, got {max_order!r}")
        self.fun = fun
        self.name = name
        self.__name__ = name
        self.__qualname__ = name
        self.__doc__ = fun.__doc__
        self.__module__ = getattr(fun, "__module__", None)
        self.max_order = max_order
        self.tangents = _normalize_tangents(tangents)
        self.probe = probe
        self._impls: dict[str, Callable] = {NUMPY.name: fun}
        self._single: Callable | None = fun
        self._examples: Callable | None = None

    # ------------------------------------------------------------------ calling

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        top, boxes = -1, None
        for argnum, arg in enumerate(args):
            if type(arg) in box_types:
                trace = arg._trace
                if trace > top:
                    top, boxes = trace, [(argnum, arg)]
                elif trace == top:
                    boxes.append((argnum, arg))
        if boxes is None:
            if self._single is not None:
                return self._single(*args, **kwargs)
            return self._dispatch(args, kwargs)
        node_constructor = type(boxes[0][1]._node)
        argvals = subvals(args, [(argnum, box._value) for argnum, box in boxes])
        if self in notrace_primitives[node_constructor]:
            return self(*argvals, **kwargs)
        ans = self(*argvals, **kwargs)
        parents = tuple(box._node for _, box in boxes)
        argnums = tuple(argnum for argnum, _ in boxes)
        node = node_constructor(ans, self, argvals, kwargs, argnums, parents)
        return new_box(ans, top, node)

    def _dispatch(self, args: tuple, kwargs: dict) -> Any:
        for arg in args:
            backend = _lookup_type(type(arg))
            if backend is not None and backend is not NUMPY:
                try:
                    impl = self._impls[backend.name]
                except KeyError:
                    raise TypeError(
                        f"{self.name} has no implementation for backend {backend.name!r} "
                        f"(implemented: {sorted(self._impls)})"
                    ) from None
                return impl(*args, **kwargs)
        return self.fun(*args, **kwargs)

    # ------------------------------------------------------------------ rules

    def defvjp(self, *vjpmakers: Callable | None, argnums: tuple | None = None) -> Primitive:
        """Reverse-mode rules, one staged maker per argument (autograd's ``defvjp``)."""
        _defvjp(self, *vjpmakers, **({} if argnums is None else {"argnums": argnums}))
        return self

    def defjvp(self, *jvpfuns: Callable | str | None, argnums: tuple | None = None) -> Primitive:
        """Forward-mode rules, one per argument (autograd's ``defjvp``; ``"same"`` for linear)."""
        _defjvp(self, *jvpfuns, **({} if argnums is None else {"argnums": argnums}))
        return self

    @property
    def has_vjp(self) -> bool:
        return self in primitive_vjps

    @property
    def has_jvp(self) -> bool:
        return self in primitive_jvps

    # ------------------------------------------------------------------ backends, examples

    def implement(self, backend: str, fun: Callable | None = None):
        """Add the forward function for ``backend``; usable as a decorator.

        The derivative rules stay those of the primitive: they must be written so that they
        run on that backend's arrays (``wengert.numpy`` calls dispatch through NumPy's
        array protocols).
        """
        if not isinstance(backend, str) or not backend:
            raise TypeError(f"backend must be a backend name, got {backend!r}")

        def register(f: Callable) -> Callable:
            if not callable(f):
                raise TypeError(f"implementation of {self.name} for {backend!r} must be callable")
            self._impls[backend] = f
            self._single = None if len(self._impls) > 1 else self.fun
            return f

        return register if fun is None else register(fun)

    def _remove_implementation(self, backend: str) -> None:
        if backend != NUMPY.name:
            self._impls.pop(backend, None)
            self._single = None if len(self._impls) > 1 else self.fun

    @property
    def backends(self) -> tuple[str, ...]:
        """Names of the backends this primitive has an implementation for."""
        return tuple(sorted(self._impls))

    def examples(self, fn: Callable) -> Callable:
        """Set ``fn(rng) -> list`` of argument tuples (or :class:`Example`) for the checks.

        ``rng`` is a seeded ``numpy.random.Generator``. Usable as a decorator.
        """
        if not callable(fn):
            raise TypeError(f"examples of {self.name} must be a callable fn(rng) -> list")
        self._examples = fn
        return fn

    def make_examples(self, rng) -> list[Example]:
        """The declared examples as :class:`Example` rows (empty if none were declared)."""
        if self._examples is None:
            return []
        rows = []
        for i, row in enumerate(self._examples(rng)):
            example = row if isinstance(row, Example) else Example(tuple(row))
            rows.append(example._replace(name=example.name or str(i)))
        return rows

    def tangent_space(self, argnum: int, value: Any) -> str | Callable:
        """The declared tangent space of input ``argnum`` (dtype default otherwise)."""
        space = self.tangents.get(argnum)
        if space is not None:
            return space
        import numpy

        dtype = getattr(value, "dtype", None)
        if dtype is None:
            if isinstance(value, complex):
                return "complex"
            return "real" if isinstance(value, float) else "none"
        if numpy.issubdtype(dtype, numpy.complexfloating):
            return "complex"
        return "real" if numpy.issubdtype(dtype, numpy.floating) else "none"

    def __repr__(self) -> str:
        return f"<Primitive {self.name} backends={list(self.backends)}>"


def _normalize_tangents(tangents: tuple | dict | None) -> dict:
    if tangents is None:
        return {}
    items = tangents.items() if isinstance(tangents, dict) else enumerate(tangents)
    normalized = {}
    for argnum, space in items:
        if space is None:
            continue
        if not (callable(space) or space in TANGENT_SPACES):
            raise ValueError(
                f"tangents[{argnum}] must be one of {TANGENT_SPACES} or a callable, got {space!r}"
            )
        normalized[int(argnum)] = space
    return normalized


def primitive(
    name: str,
    *,
    max_order: int = 2,
    tangents: tuple | dict | None = None,
    probe: Callable | None = None,
) -> Callable[[Callable], Primitive]:
    """Decorator making a numpy function a :class:`Primitive` named ``name``.

    Register the primitive from a plugin's ``wengert_register_primitives`` hook with
    ``registry.add_primitive(prim)`` so that ``wengert check`` and the CLI see it.
    """

    def make(fun: Callable) -> Primitive:
        return Primitive(fun, name, max_order=max_order, tangents=tangents, probe=probe)

    return make
