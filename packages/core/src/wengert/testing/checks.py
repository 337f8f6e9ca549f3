"""Derivative checks against finite differences, by random projection.

For ``F(*args) -> out`` (pytrees allowed), the checks draw seeded random directions
``v`` in the inputs' tangent spaces and ``u`` in the output space and compare

* forward mode: ``J v`` from :func:`wengert.jvp` with the finite difference of ``F`` along ``v``;
* reverse mode: ``<vjp(u), v>`` with ``<u, finite difference>``;
* transpose consistency: ``<u, J v>`` (forward) with ``<vjp(u), v>`` (reverse);
* order ``k``: the same checks, recursively, on the maps ``args -> vjp(u)`` and
  ``args -> J v``.

Finite differences use the fourth-order central stencil
``(8[F(x+h) - F(x-h)] - [F(x+2h) - F(x-2h)]) / 12h`` with ``h = 1e-3`` relative to the
size of the inputs in float64 (truncation ~1e-12, rounding ~1e-13), so a float64 check
can demand about 1e-8 relative agreement. Complex values follow autograd's convention:
inner products are ``Re(sum(conj(a) * b))`` and a VJP is fed ``conj(u)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy
from autograd.core import vspace

from wengert.operators import jvp, vjp
from wengert.tree import tree_flatten, tree_unflatten

__all__ = ["check_grads", "GradientCheckError", "DEFAULT_RTOL"]

#: Relative tolerance of a derivative check by dtype of the inputs.
DEFAULT_RTOL = {numpy.dtype("float64"): 1e-7, numpy.dtype("complex128"): 1e-7,
                numpy.dtype("float32"): 2e-2, numpy.dtype("complex64"): 2e-2}
_FD_STEP = {8: 1e-3, 4: 3e-2}  # by itemsize of the real part


class GradientCheckError(AssertionError):
    """A derivative disagreed with finite differences (or with the other mode)."""


def _project(space: Any, d: numpy.ndarray) -> numpy.ndarray:
    if callable(space):
        return numpy.asarray(space(d))
    if space == "symmetric":
        return (d + numpy.swapaxes(d, -1, -2)) / 2
    if space == "hermitian":
        return (d + numpy.conj(numpy.swapaxes(d, -1, -2))) / 2
    return d


def _random_like(rng: numpy.random.Generator, x: Any) -> Any:
    x = numpy.asarray(x)
    d = rng.standard_normal(x.shape)
    if numpy.iscomplexobj(x):
        d = d + 1j * rng.standard_normal(x.shape)
    return d.astype(x.dtype) if x.dtype.kind in "fc" else d


def _inner(a: Any, b: Any) -> float:
    total = 0.0
    for x, y in zip(tree_flatten(a)[0], tree_flatten(b)[0]):
        if x is None or y is None:
            continue
        total += float(numpy.real(numpy.vdot(numpy.ravel(x), numpy.ravel(y))))
    return total


def _norm(a: Any) -> float:
    return float(numpy.sqrt(max(_inner(a, a), 0.0)))


def _is_diff_leaf(x: Any) -> bool:
    dtype = getattr(x, "dtype", None)
    if dtype is not None:
        return dtype.kind in "fc"
    return isinstance(x, (float, complex))


def _combine(a: Any, b: Any, coef: float) -> Any:
    """a + coef * b leafwise (b may hold None for leaves that are not perturbed)."""
    la, treedef = tree_flatten(a)
    lb = tree_flatten(b)[0]
    return tree_unflatten(treedef, [x if y is None else x + coef * y for x, y in zip(la, lb)])


def _linear_combination(like: Any, trees: list, coefs: list) -> Any:
    """sum_k coefs[k] * trees[k] leafwise, ``None`` where ``like`` has no float leaf."""
    leaves, treedef = tree_flatten(like)
    columns = [tree_flatten(t)[0] for t in trees]
    combined = []
    for i, x in enumerate(leaves):
        if not _is_diff_leaf(numpy.asarray(x)):
            combined.append(None)
            continue
        combined.append(sum(c * numpy.asarray(col[i]) for c, col in zip(coefs, columns)))
    return tree_unflatten(treedef, combined)


def _sub(a: Any, b: Any) -> Any:
    return _linear_combination(a, [a, b], [1.0, -1.0])


def _output_cotangent(rng, out):
    leaves, treedef = tree_flatten(out)
    return tree_unflatten(
        treedef, [_random_like(rng, x) if _is_diff_leaf(numpy.asarray(x)) else None for x in leaves]
    )


def _conj(tree):
    leaves, treedef = tree_flatten(tree)
    return tree_unflatten(treedef, [None if x is None else numpy.conj(x) for x in leaves])


def _check_vspace(name: str, what: str, got: Any, expected: Any) -> None:
    for i, (g, e) in enumerate(zip(tree_flatten(got)[0], tree_flatten(expected)[0])):
        if g is None or e is None or not _is_diff_leaf(numpy.asarray(e)):
            continue
        vs_g, vs_e = vspace(g), vspace(e)
        if vs_g.shape != vs_e.shape or vs_g.iscomplex != vs_e.iscomplex:
            raise GradientCheckError(
                f"{name}: {what} leaf {i} has shape {vs_g.shape} "
                f"({'complex' if vs_g.iscomplex else 'real'}), expected {vs_e.shape} "
                f"({'complex' if vs_e.iscomplex else 'real'})"
            )


def check_grads(
    fun: Callable,
    args: Sequence[Any],
    modes: Sequence[str] = ("fwd", "rev"),
    order: int = 2,
    *,
    argnums: Sequence[int] | None = None,
    tangents: dict | None = None,
    rtol: float | None = None,
    atol: float = 1e-12,
    seed: int = 0,
    name: str | None = None,
) -> None:
    """Check the derivatives of ``fun`` at ``args`` up to ``order`` against finite differences.

    :param fun: ``fun(*args)``; arrays, scalars or pytrees in and out.
    :param args: the point, a tuple of positional arguments.
    :param modes: ``"fwd"`` (JVP) and/or ``"rev"`` (VJP); with both, the transpose
        consistency of the two is checked too.
    :param order: highest derivative order checked (1 = first derivatives).
    :param argnums: arguments to differentiate (default: every float or complex one).
    :param tangents: ``{argnum: space}`` restricting directions ("symmetric",
        "hermitian", "none", or a projecting callable), as :class:`wengert.Primitive`.
    :param rtol: relative tolerance (default by dtype, :data:`DEFAULT_RTOL`).
    :raises GradientCheckError: naming the function, the mode, the order and the error.
    """
    args = tuple(args)
    for mode in modes:
        if mode not in ("fwd", "rev"):
            raise ValueError(f"modes must contain 'fwd' and/or 'rev', got {mode!r}")
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"order must be an int >= 1, got {order!r}")
    name = name or getattr(fun, "__name__", repr(fun))
    tangents = dict(tangents or {})
    if argnums is None:
        argnums = [
            i for i, a in enumerate(args)
            if tangents.get(i) != "none" and tree_flatten(a)[0]
            and all(_is_diff_leaf(x) for x in tree_flatten(a)[0])
        ]
    argnums = tuple(argnums)
    if not argnums:
        raise ValueError(f"check_grads({name}): no float or complex argument to differentiate")
    rng = numpy.random.default_rng(seed)
    _check_order(fun, args, tuple(modes), order, argnums, tangents, rtol, atol, rng, name, 1)


def _check_order(fun, args, modes, order, argnums, tangents, rtol, atol, rng, name, level):
    diff_args = tuple(args[i] for i in argnums)

    def f(*diff):
        full = list(args)
        for i, x in zip(argnums, diff):
            full[i] = x
        return fun(*full)

    leaves = [numpy.asarray(x) for x in tree_flatten(diff_args)[0]]
    dtype = numpy.result_type(*leaves)
    tol = rtol if rtol is not None else DEFAULT_RTOL.get(dtype, 1e-7)
    direction = tuple(
        _project_tree(tangents.get(i), _random_tree(rng, x)) for i, x in zip(argnums, diff_args)
    )
    dir_norm = _norm(direction) or 1.0
    direction = _combine(_zero_tree(direction), direction, 1.0 / dir_norm)
    x_scale = max([1.0] + [float(numpy.max(numpy.abs(x))) for x in leaves if x.size])
    h = _FD_STEP.get(numpy.dtype(dtype).itemsize // (2 if dtype.kind == "c" else 1), 1e-3) * x_scale

    out = f(*diff_args)
    cotangent = _output_cotangent(rng, out)
    at = lambda k: f(*_combine(diff_args, direction, k * h))  # noqa: E731
    stencil = 1.0 / (12 * h)
    fd = _linear_combination(
        out, [at(1), at(-1), at(2), at(-2)], [8 * stencil, -8 * stencil, -stencil, stencil]
    )
    fd_norm = _norm(fd)
    u_norm = _norm(cotangent)
    where = f"{name} (order {level})"

    jv = None
    if "fwd" in modes:
        out_j, jv = jvp(f, diff_args, direction)
        _check_vspace(where, "JVP output", jv, out)
        err = _norm(_sub(jv, fd))
        if not err <= tol * fd_norm + atol:
            raise GradientCheckError(
                f"{where}: forward mode (JVP) disagrees with finite differences: "
                f"|Jv - fd| = {err:.3e}, |fd| = {fd_norm:.3e}, relative {err / (fd_norm or 1):.2e} "
                f"> rtol {tol:.1e}"
            )
    vj = None
    if "rev" in modes:
        _, pullback = vjp(f, *diff_args)
        vj = _conj(pullback(_conj(cotangent)))
        _check_vspace(where, "VJP output", vj, diff_args)
        exact = _inner_real_pairing(vj, direction)
        numeric = _inner(cotangent, fd)
        err = abs(exact - numeric)
        if not err <= tol * u_norm * fd_norm + atol:
            raise GradientCheckError(
                f"{where}: reverse mode (VJP) disagrees with finite differences: "
                f"<u, J^T-product> = {exact:.12e}, finite differences {numeric:.12e}, "
                f"error {err:.2e} > rtol {tol:.1e} x |u||fd| = {u_norm * fd_norm:.2e}"
            )
    if jv is not None and vj is not None:
        forward = _inner(cotangent, jv)
        reverse = _inner_real_pairing(vj, direction)
        err = abs(forward - reverse)
        if not err <= 1e-10 * u_norm * max(_norm(jv), fd_norm) + atol:
            raise GradientCheckError(
                f"{where}: forward and reverse modes are not transposes of each other: "
                f"<u, Jv> = {forward:.15e} but <J^T u, v> = {reverse:.15e}"
            )
    if level >= order:
        return
    if "rev" in modes:
        fixed_u = _conj(cotangent)

        def vjp_map(*diff):
            return tuple(vjp(f, *diff)[1](fixed_u))

        _check_order(vjp_map, diff_args, modes, order, tuple(range(len(argnums))),
                     _shift(tangents, argnums), rtol, atol, rng, f"{name} [VJP]", level + 1)
    if "fwd" in modes:
        fixed_v = direction

        def jvp_map(*diff):
            return jvp(f, diff, fixed_v)[1]

        _check_order(jvp_map, diff_args, modes, order, tuple(range(len(argnums))),
                     _shift(tangents, argnums), rtol, atol, rng, f"{name} [JVP]", level + 1)


def _inner_real_pairing(cotangent: Any, direction: Any) -> float:
    """``Re(sum(g * dz))``: the directional derivative paired with a gradient-like cotangent."""
    total = 0.0
    for g, d in zip(tree_flatten(cotangent)[0], tree_flatten(direction)[0]):
        if g is None or d is None:
            continue
        total += float(numpy.real(numpy.sum(numpy.conj(numpy.asarray(g)) * numpy.asarray(d))))
    return total


def _shift(tangents: dict, argnums: tuple) -> dict:
    return {new: tangents[old] for new, old in enumerate(argnums) if old in tangents}


def _random_tree(rng, tree):
    leaves, treedef = tree_flatten(tree)
    return tree_unflatten(treedef, [_random_like(rng, x) for x in leaves])


def _zero_tree(tree):
    leaves, treedef = tree_flatten(tree)
    return tree_unflatten(treedef, [None if x is None else numpy.zeros_like(x) for x in leaves])


def _project_tree(space, tree):
    if space is None:
        return tree
    leaves, treedef = tree_flatten(tree)
    return tree_unflatten(treedef, [_project(space, x) for x in leaves])
