"""A primitive's outputs and derivatives on a device backend, against the numpy backend.

The conformance suite checks every primitive's derivatives against finite differences on
the numpy backend. On a device backend the question is another one: do the same rules,
run on device arrays, give the same numbers? :func:`check_against_numpy` answers it for
one example, at first and (up to the primitive's ``max_order``) second order:

* the outputs (through the primitive's gauge-invariant ``probe`` when it has one);
* the VJP with a seeded random cotangent ``u``;
* the JVP along a seeded random direction ``v`` in the declared tangent space;
* second order: the VJP of ``x -> vjp(x)(u)`` and the JVP of ``x -> jvp(x)(v)``;

each to ``rtol`` (1e-10 in float64) relative to the largest entry, after moving the
device results to the host explicitly. It also checks that every device result is an
array of the device backend (no silent host round trip).
"""

from __future__ import annotations

import traceback

import numpy

import wengert
from wengert.primitive import Example, Primitive
from wengert.testing.checks import _project
from wengert.tree import tree_flatten, tree_unflatten

__all__ = ["check_against_numpy", "DerivativeMismatch", "HostConversionError"]


class DerivativeMismatch(AssertionError):
    """A device result differs from the numpy backend's (or left the device)."""


class HostConversionError(AssertionError):
    """Code on the device path tried to turn a device array into a host array."""


def _is_diff(x) -> bool:
    dtype = getattr(x, "dtype", None)
    if dtype is not None:
        return numpy.dtype(dtype).kind in "fc"
    return isinstance(x, (float, complex))


def _random_like(rng, x):
    x = numpy.asarray(wengert.to_numpy(x)) if hasattr(x, "shape") else numpy.asarray(x)
    d = rng.standard_normal(x.shape)
    if numpy.iscomplexobj(x):
        d = d + 1j * rng.standard_normal(x.shape)
    return d.astype(x.dtype) if x.dtype.kind in "fc" else d


def _to(backend: str, tree):
    leaves, treedef = tree_flatten(tree)
    moved = [wengert.asarray(x, backend) if isinstance(x, numpy.ndarray) else x for x in leaves]
    return tree_unflatten(treedef, moved)


def _compare(what: str, got, expected, backend: str, rtol: float, atol: float) -> None:
    got_leaves, expected_leaves = tree_flatten(got)[0], tree_flatten(expected)[0]
    if len(got_leaves) != len(expected_leaves):
        raise DerivativeMismatch(f"{what}: {len(got_leaves)} leaves on {backend}, "
                                 f"{len(expected_leaves)} on numpy")
    for i, (g, e) in enumerate(zip(got_leaves, expected_leaves)):
        if g is None or e is None or not _is_diff(e):
            continue
        if isinstance(e, numpy.ndarray) and e.ndim > 0:
            if wengert.backend_of(g).name != backend:
                raise DerivativeMismatch(
                    f"{what}: leaf {i} came back as {type(g).__module__}.{type(g).__name__}, "
                    f"not as an array of backend {backend!r} (a host round trip)")
        g = numpy.asarray(wengert.to_numpy(g)) if hasattr(g, "shape") else numpy.asarray(g)
        e = numpy.asarray(e)
        if g.shape != e.shape:
            raise DerivativeMismatch(f"{what}: leaf {i} has shape {g.shape} on {backend}, "
                                     f"{e.shape} on numpy")
        scale = float(numpy.max(numpy.abs(e))) if e.size else 0.0
        err = float(numpy.max(numpy.abs(g - e))) if e.size else 0.0
        if not err <= rtol * scale + atol:
            raise DerivativeMismatch(
                f"{what}: leaf {i} differs from the numpy backend's by {err:.3e} "
                f"(max |numpy| = {scale:.3e}, relative {err / (scale or 1):.2e} > {rtol:.0e})")


def check_against_numpy(
    prim: Primitive,
    example: Example,
    backend: str,
    *,
    seed: int = 0,
    rtol: float = 1e-10,
    atol: float = 1e-12,
    order: int | None = None,
) -> None:
    """Compare ``prim`` at ``example`` on ``backend`` with the numpy backend.

    :raises DerivativeMismatch: a result differs or comes back as a host array.
    :raises HostConversionError: the device path converted a device array to the host
        implicitly (the ``TypeError`` CuPy and the test double raise for it).
    """
    order = prim.max_order if order is None else min(order, prim.max_order)
    args_np, kwargs = tuple(example.args), dict(example.kwargs)
    argnums = tuple(i for i, a in enumerate(args_np) if prim.tangent_space(i, a) != "none")
    where = f"{prim.name}[{backend}, example {example.name}]"
    try:
        _check(prim, args_np, kwargs, argnums, backend, seed, rtol, atol, order, where)
    except TypeError as exc:
        text = str(exc)
        if "Implicit conversion to a NumPy array" in text or "Unsupported type" in text:
            raise HostConversionError(f"{where}: {text} (at {_culprit(exc)})") from exc
        raise


def _culprit(exc: BaseException) -> str:
    """The innermost frame of the traceback outside numpy, autograd and the array module."""
    skip = ("/numpy/", "/scipy/", "/autograd/", "/cupy/", "/cupyx/", "fakecupy.py", "/wengert/")
    found = "unknown location"
    for frame in traceback.extract_tb(exc.__traceback__):
        if not any(part in frame.filename.replace("\\", "/") for part in skip):
            found = f"{frame.filename}:{frame.lineno} in {frame.name}: {frame.line}"
    return found


def _check(prim, args_np, kwargs, argnums, backend, seed, rtol, atol, order, where):
    rng = numpy.random.default_rng(seed)
    args_dev = _to(backend, args_np)

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

    diff_np = tuple(args_np[i] for i in argnums)
    diff_dev = tuple(args_dev[i] for i in argnums)
    out_np = f(*args_np)
    _compare(f"{where} output", f(*args_dev), out_np, backend, rtol, atol)

    u_np = tree_unflatten(tree_flatten(out_np)[1], [
        _random_like(rng, x) if _is_diff(x) else None for x in tree_flatten(out_np)[0]])
    v_np = tuple(_project(prim.tangent_space(i, args_np[i]), _random_like(rng, args_np[i]))
                 for i in argnums)
    u_dev, v_dev = _to(backend, u_np), _to(backend, v_np)

    def vjp_map(args, u):
        return lambda *diff: wengert.vjp(restrict(args), *diff)[1](u)

    def jvp_map(args, v):
        return lambda *diff: wengert.jvp(restrict(args), diff, v)[1]

    _compare(f"{where} VJP", vjp_map(args_dev, u_dev)(*diff_dev),
             vjp_map(args_np, u_np)(*diff_np), backend, rtol, atol)
    if prim.has_jvp:
        _compare(f"{where} JVP", jvp_map(args_dev, v_dev)(*diff_dev),
                 jvp_map(args_np, v_np)(*diff_np), backend, rtol, atol)
    if order < 2:
        return
    w_np = tuple(_random_like(rng, x) for x in diff_np)
    w_dev = _to(backend, w_np)
    second_np = wengert.vjp(vjp_map(args_np, u_np), *diff_np)[1](w_np)
    second_dev = wengert.vjp(vjp_map(args_dev, u_dev), *diff_dev)[1](w_dev)
    _compare(f"{where} second order (VJP of VJP)", second_dev, second_np, backend, rtol, atol)
    if prim.has_jvp:
        second_np = wengert.jvp(jvp_map(args_np, v_np), diff_np, v_np)[1]
        second_dev = wengert.jvp(jvp_map(args_dev, v_dev), diff_dev, v_dev)[1]
        _compare(f"{where} second order (JVP of JVP)", second_dev, second_np, backend, rtol,
                 atol)


