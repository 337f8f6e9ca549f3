"""The conformance suite: every registered primitive x backend x example, checked.

One :class:`Case` checks one primitive on one backend at one example:

1. the inputs are not mutated;
2. the output on a non-numpy backend equals the numpy backend's (1e-10 relative);
3. reverse mode (VJP) agrees with finite differences;
4. forward mode (JVP) agrees with finite differences, or, for a primitive without a JVP,
   asking for one raises ``NotImplementedError`` naming the primitive;
5. the VJP and the JVP are transposes of each other;
6. derivative outputs live in the right space (shape, real or complex);
7. the same up to the primitive's ``max_order``.

Gauge-dependent outputs are checked through the primitive's ``probe``.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

import numpy

from wengert.backends import NUMPY
from wengert.operators import jvp
from wengert.primitive import Example, Primitive
from wengert.testing.checks import GradientCheckError, check_grads
from wengert.tree import tree_flatten, tree_map

__all__ = ["Case", "select_primitives", "conformance_cases", "check_primitive"]


def select_primitives(pattern: str | None = None, *, primitives: dict | None = None) -> list:
    """Registered primitives whose name starts with ``pattern`` or matches it as a glob.

    ``"linalg"`` and ``"linalg.*"`` both select every ``linalg.`` primitive. ``None`` or
    ``""`` selects all. Raises ``ValueError`` when nothing matches.
    """
    if primitives is None:
        from wengert.registry import registry

        primitives = registry().primitives
    if not pattern:
        selected = sorted(primitives)
    elif any(c in pattern for c in "*?["):
        selected = sorted(n for n in primitives if fnmatch.fnmatchcase(n, pattern))
    else:
        selected = sorted(n for n in primitives if n.startswith(pattern))
    if not selected:
        raise ValueError(
            f"pattern {pattern!r} selects no registered primitive "
            f"(registered: {', '.join(sorted(primitives)) or 'none'})"
        )
    return [primitives[n] for n in selected]


@dataclass
class Case:
    """One conformance check: ``primitive`` on ``backend`` at ``example``."""

    primitive: Primitive
    backend: str
    example: Example | None
    seed: int = 0

    @property
    def id(self) -> str:
        tail = self.example.name if self.example is not None else "no-examples"
        return f"{self.primitive.name}-{self.backend}-{tail}"

    def skip_reason(self) -> str:
        """Why this case cannot run here ("" when it can)."""
        from wengert.registry import registry

        backend = registry().backends.get(self.backend)
        if backend is None:
            return f"backend {self.backend!r} is not installed"
        ok, reason = backend.status()
        if not ok:
            return f"backend {self.backend!r} unavailable: {reason}"
        if self.backend not in self.primitive.backends:
            return f"{self.primitive.name} has no {self.backend!r} implementation"
        return ""

    def run(self) -> None:
        """Run every check; raise :class:`GradientCheckError` on the first failure."""
        prim = self.primitive
        if self.example is None:
            raise GradientCheckError(
                f"{prim.name}: declares no examples; add them with @{prim.name.split('.')[-1]}"
                ".examples so that its derivative rules can be checked"
            )
        if not prim.has_vjp:
            raise GradientCheckError(f"{prim.name}: has no VJP rule (call .defvjp)")
        args = _to_backend(self.example.args, self.backend)
        kwargs = self.example.kwargs
        before = _snapshot(args)
        out = prim(*args, **kwargs)
        _check_not_mutated(prim.name, args, before)
        if self.backend != NUMPY.name:
            _check_same_as_numpy(prim, self.example, out)

        def probed(*a):
            result = prim(*a, **kwargs)
            return prim.probe(result, *a) if prim.probe is not None else result

        argnums = [i for i, a in enumerate(args) if prim.tangent_space(i, a) != "none"]
        if not argnums:
            raise GradientCheckError(f"{prim.name}: example {self.example.name} has no "
                                     "differentiable argument")
        tangents = {i: prim.tangent_space(i, a) for i, a in enumerate(args)}
        modes = ("fwd", "rev") if prim.has_jvp else ("rev",)
        if not prim.has_jvp:
            _check_missing_jvp_raises(prim, args, kwargs, argnums[0])
        check_grads(
            probed, args, modes=modes, order=prim.max_order, argnums=argnums,
            tangents=tangents, seed=self.seed, name=f"{prim.name}[{self.backend}, "
            f"example {self.example.name}]",
        )


def _to_backend(args: tuple, backend: str) -> tuple:
    if backend == NUMPY.name:
        return args
    from wengert.backends import asarray

    return tuple(asarray(a, backend) if isinstance(a, numpy.ndarray) else a for a in args)


def _snapshot(args: tuple) -> list:
    return [numpy.array(x, copy=True) if _is_array(x) else None for x in tree_flatten(args)[0]]


def _is_array(x: Any) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype")


def _check_not_mutated(name: str, args: tuple, before: list) -> None:
    from wengert.backends import to_numpy

    for i, (x, saved) in enumerate(zip(tree_flatten(args)[0], before)):
        if saved is not None and not numpy.array_equal(to_numpy(x), saved, equal_nan=True):
            raise GradientCheckError(f"{name}: mutated its input (leaf {i} of the arguments)")


def _check_same_as_numpy(prim: Primitive, example: Example, out: Any) -> None:
    from wengert.backends import to_numpy

    expected = prim(*example.args, **example.kwargs)
    if prim.probe is not None:
        expected = prim.probe(expected, *example.args)
        out = prim.probe(out, *_to_backend(example.args, "numpy"))
    got = tree_map(lambda x: to_numpy(x) if _is_array(x) else x, out)
    for g, e in zip(tree_flatten(got)[0], tree_flatten(expected)[0]):
        if _is_array(e) and not numpy.allclose(g, e, rtol=1e-10, atol=1e-12):
            raise GradientCheckError(f"{prim.name}: output differs from the numpy backend's")


def _check_missing_jvp_raises(prim: Primitive, args: tuple, kwargs: dict, argnum: int) -> None:
    def partial(x):
        full = list(args)
        full[argnum] = x
        return prim(*full, **kwargs)

    x = args[argnum]
    try:
        jvp(partial, (x,), (numpy.zeros_like(x),))
    except NotImplementedError as exc:
        if prim.name not in str(exc):
            raise GradientCheckError(
                f"{prim.name}: has no JVP and the error does not name it: {exc}"
            ) from exc
        return
    raise GradientCheckError(f"{prim.name}: declares no JVP, yet forward mode did not raise")


def conformance_cases(
    pattern: str | None = None, backend: str | None = None, *, seed: int = 0
) -> list[Case]:
    """All cases for the primitives selected by ``pattern`` on ``backend``.

    ``backend=None`` checks each primitive on every backend it implements.
    """
    cases = []
    for prim in select_primitives(pattern):
        backends = [backend] if backend else list(prim.backends)
        examples = prim.make_examples(numpy.random.default_rng(seed)) or [None]
        for b in backends:
            cases.extend(Case(prim, b, ex, seed) for ex in examples)
    return cases


def check_primitive(prim: Primitive | str, backend: str = "numpy", *, seed: int = 0) -> int:
    """Run every conformance check of one primitive on one backend; return the case count.

    :raises GradientCheckError: on the first failing check.
    :raises RuntimeError: if the backend is unavailable here.
    """
    if isinstance(prim, str):
        from wengert.registry import registry

        prim = registry().primitives[prim]
    examples = prim.make_examples(numpy.random.default_rng(seed)) or [None]
    cases = [Case(prim, backend, ex, seed) for ex in examples]
    for case in cases:
        reason = case.skip_reason()
        if reason:
            raise RuntimeError(f"cannot check {prim.name}: {reason}")
        case.run()
    return len(cases)
