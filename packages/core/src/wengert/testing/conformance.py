"""The conformance suite: every registered primitive x backend x example, checked.

One :class:`Case` checks one primitive on one backend at one example:

1. the inputs are not mutated;
2. the output on a non-numpy backend equals the numpy backend's (1e-10 relative), and so
   do its VJP, JVP and second derivatives (finite differences run on the numpy backend
   only: they would need host copies of device arrays);
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
from wengert.tree import tree_flatten, tree_map, tree_unflatten

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
            _check_derivatives_same_as_numpy(prim, self.example, self.backend, self.seed)
            return

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
    from wengert.backends import to_numpy

    return [numpy.array(to_numpy(x), copy=True) if _is_array(x) else None
            for x in tree_flatten(args)[0]]


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
    got = tree_map(lambda x: to_numpy(x) if _is_array(x) else x, out)
    if prim.probe is not None:  # probes may be host code: apply them to host copies
        expected = prim.probe(expected, *example.args)
        got = prim.probe(got, *example.args)
    for g, e in zip(tree_flatten(got)[0], tree_flatten(expected)[0]):
        if _is_array(e) and not numpy.allclose(g, e, rtol=1e-10, atol=1e-12):
            raise GradientCheckError(f"{prim.name}: output differs from the numpy backend's")


def _check_derivatives_same_as_numpy(prim: Primitive, example: Example, backend: str,
                                     seed: int, rtol: float = 1e-10) -> None:
    """VJP, JVP and (to ``max_order``) second derivatives on ``backend`` equal numpy's.

    Seeded random cotangent ``u`` and direction ``v`` (in the declared tangent spaces) are
    made on the host and moved; device results are moved back explicitly and compared,
    and must be arrays of ``backend`` (no silent host round trip).
    """
    from wengert.backends import backend_of, to_numpy
    from wengert.operators import vjp
    from wengert.testing.checks import _project, _random_like

    rng = numpy.random.default_rng(seed)
    args_np, kwargs = tuple(example.args), example.kwargs
    args_dev = _to_backend(args_np, backend)
    argnums = [i for i, a in enumerate(args_np) if prim.tangent_space(i, a) != "none"]

    def f(*args):
        out = prim(*args, **kwargs)
        return prim.probe(out, *args) if prim.probe is not None else out

    def restrict(args):
        def g(*diff):
            full = list(args)
            for i, x in zip(argnums, diff):
                full[i] = x
            return f(*full)

        return g

    def float_leaf(x):
        dtype = getattr(x, "dtype", None)
        return numpy.dtype(dtype).kind in "fc" if dtype is not None else isinstance(
            x, (float, complex))

    def compare(what, got, expected):
        for i, (g, e) in enumerate(zip(tree_flatten(got)[0], tree_flatten(expected)[0])):
            if g is None or e is None or not float_leaf(e):
                continue
            e = numpy.asarray(e)
            if e.ndim and backend_of(g).name != backend:
                raise GradientCheckError(f"{prim.name}[{backend}]: {what} leaf {i} left the "
                                         "device (a host round trip)")
            g = numpy.asarray(to_numpy(g) if _is_array(g) else g)
            scale = float(numpy.max(numpy.abs(e))) if e.size else 0.0
            err = float(numpy.max(numpy.abs(g - e))) if e.size else 0.0
            if not err <= rtol * scale + 1e-12:
                raise GradientCheckError(
                    f"{prim.name}[{backend}, example {example.name}]: {what} leaf {i} differs "
                    f"from the numpy backend's by {err:.3e} (max |numpy| {scale:.3e})")

    out_np = f(*args_np)
    leaves, treedef = tree_flatten(out_np)
    u = tree_unflatten(treedef, [_random_like(rng, x) if float_leaf(x) else None
                                 for x in leaves])
    v = tuple(_project(prim.tangent_space(i, args_np[i]), _random_like(rng, args_np[i]))
              for i in argnums)
    diff_np = tuple(args_np[i] for i in argnums)
    diff_dev = tuple(args_dev[i] for i in argnums)
    u_dev, v_dev = _to_backend_tree(u, backend), _to_backend_tree(v, backend)

    def vjp_map(args, cot):
        return lambda *diff: vjp(restrict(args), *diff)[1](cot)

    def jvp_map(args, tan):
        return lambda *diff: jvp(restrict(args), diff, tan)[1]

    compare("VJP", vjp_map(args_dev, u_dev)(*diff_dev), vjp_map(args_np, u)(*diff_np))
    if prim.has_jvp:
        compare("JVP", jvp_map(args_dev, v_dev)(*diff_dev), jvp_map(args_np, v)(*diff_np))
    if prim.max_order < 2:
        return
    w = tuple(_random_like(rng, x) for x in diff_np)
    compare("VJP of the VJP",
            vjp(vjp_map(args_dev, u_dev), *diff_dev)[1](_to_backend_tree(w, backend)),
            vjp(vjp_map(args_np, u), *diff_np)[1](w))
    if prim.has_jvp:
        compare("JVP of the JVP", jvp(jvp_map(args_dev, v_dev), diff_dev, v_dev)[1],
                jvp(jvp_map(args_np, v), diff_np, v)[1])


def _to_backend_tree(tree, backend: str):
    from wengert.backends import asarray

    leaves, treedef = tree_flatten(tree)
    return tree_unflatten(treedef, [asarray(x, backend) if isinstance(x, numpy.ndarray) else x
                                    for x in leaves])


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
