"""Device-correct replacements for autograd's rules that build host (numpy) arrays.

autograd writes some derivative rules, and a few forward functions, with raw numpy
calls that create arrays on the host (``numpy.zeros``, ``numpy.ones``, ``numpy.eye``,
``numpy.asarray``, ``ndarray.view``). Fed CuPy arrays they fail (CuPy refuses to mix host
and device arrays) or would copy silently. :func:`install` replaces exactly those, each
by a function that runs autograd's original unchanged on host values and builds its
constants with the input's own module (:func:`wengert_cupy._xp.namespace_of`) on device
values. Replacements keep the identity of every primitive (a forward function is swapped
inside the primitive, a rule is re-registered on the same primitive), so rules that other
code registered on them stay valid.

Replaced (the table in the package README explains each):

forward functions
    ``concatenate_args`` (``.view(numpy.ndarray)``), ``_array_from_scalar_or_array`` and
    ``array_from_args`` (``numpy.array``), ``make_diagonal`` (``numpy.zeros``),
    ``untake`` (``numpy.add.at`` into a host array; the VJP of indexing),
    ``dot_adjoint_0/1`` (``numpy.asarray(out, dtype)``), ``tensordot_adjoint_0/1``
    (axes as host index arrays)
helpers of many rules
    ``repeat_to_match_shape`` (``numpy.zeros``; VJPs of sum, mean, prod, var, std, max,
    min), ``unpermuter`` (VJPs of sort, partition)
rules
    VJP and JVP of ``where``; VJP of ``einsum``, ``trace``, ``linspace``; VJP of
    ``linalg.eigh``, ``linalg.cholesky``, ``linalg.svd`` (``numpy.eye``/``numpy.ones``).

Not replaced (still host-only; documented): the VJPs of ``diff`` (empty-axis corner),
``gradient``, ``linalg.pinv``, ``linalg.eig``, ``fft`` padding, ``select``/``r_``/``c_``.
"""

from __future__ import annotations

from collections.abc import Callable

import autograd.numpy as _autograd_numpy
import autograd.numpy.linalg as ala
import autograd.numpy.numpy_jvps  # noqa: F401  (autograd's JVPs are in before we replace)
import autograd.numpy.numpy_vjps as avjps
import autograd.numpy.numpy_wrapper as anp
import numpy
from autograd.core import primitive_jvps, primitive_vjps
from autograd.extend import SparseObject, defjvp, defvjp, defvjp_argnum

from wengert_cupy._rules_linalg import (
    device_grad_cholesky,
    device_grad_eigh,
    device_grad_svd,
    replace_linalg_vjp,
)
from wengert_cupy._xp import device_module, namespace_of

__all__ = ["install", "uninstall", "installed", "REPLACED"]

#: Names of everything :func:`install` replaces.
REPLACED = (
    "forward:concatenate_args", "forward:_array_from_scalar_or_array",
    "forward:array_from_args", "forward:make_diagonal", "forward:untake",
    "forward:dot_adjoint_0", "forward:dot_adjoint_1",
    "forward:tensordot_adjoint_0", "forward:tensordot_adjoint_1",
    "helper:repeat_to_match_shape", "helper:unpermuter",
    "vjp:where", "jvp:where", "vjp:einsum", "vjp:trace", "vjp:linspace",
    "vjp:linalg.eigh", "vjp:linalg.cholesky", "vjp:linalg.svd",
)

_SAVED: dict[str, tuple[Callable, object]] = {}  # name -> (restore, original)

# autograd.numpy replaces numpy_wrapper.where by a Python wrapper around the primitive
# that carries the rules; the rules must be replaced on that primitive.
_WHERE = getattr(_autograd_numpy, "_original_where", anp.where)


def installed() -> bool:
    return bool(_SAVED)


# ---------------------------------------------------------------- swapping machinery


def _swap_forward(prim, new_raw: Callable) -> Callable:
    """Make autograd primitive ``prim`` call ``new_raw``; return the old raw function."""
    old = prim.fun
    for cell in prim.__closure__ or ():
        try:
            contents = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if contents is old:
            cell.cell_contents = new_raw
            prim.fun = new_raw
            return old
    raise RuntimeError(f"cannot swap the forward function of autograd primitive {prim!r}")


def _replace_forward(name: str, prim, make: Callable[[Callable], Callable]) -> None:
    original = prim.fun
    _swap_forward(prim, make(original))
    _SAVED[f"forward:{name}"] = (lambda: _swap_forward(prim, original), original)


def _replace_helper(name: str, module, make: Callable[[Callable], Callable]) -> None:
    original = getattr(module, name)
    setattr(module, name, make(original))
    _SAVED[f"helper:{name}"] = (lambda: setattr(module, name, original), original)


def _replace_rule(key: str, table: dict, prim, define: Callable[[], None]) -> None:
    original = table.get(prim)
    define()

    def restore():
        if original is None:
            table.pop(prim, None)
        else:
            table[prim] = original

    _SAVED[key] = (restore, original)


# ---------------------------------------------------------------- small device helpers


def _zeros(shape, like, dtype=None):
    """``numpy.zeros`` (autograd's float64 default kept) on the module of ``like``."""
    xp = device_module(like)
    if xp is None:
        return anp.zeros(shape) if dtype is None else anp.zeros(shape, dtype=dtype)
    return xp.zeros(tuple(shape)) if dtype is None else xp.zeros(tuple(shape), dtype=dtype)


def _device_index(idx, xp):
    """``idx`` with host index arrays and lists moved to ``xp`` (explicitly)."""
    if isinstance(idx, tuple):
        return tuple(_device_index(i, xp) for i in idx)
    if isinstance(idx, list) and (len(idx) == 0 or not isinstance(idx[0], slice)):
        return xp.asarray(numpy.array(idx, dtype="int64"))
    if isinstance(idx, numpy.ndarray):
        return xp.asarray(idx)
    return idx


def _is_basic_index(idx) -> bool:
    parts = idx if isinstance(idx, tuple) else (idx,)
    return all(
        p is None or p is Ellipsis or isinstance(p, (slice, int, numpy.integer)) for p in parts
    )


# ---------------------------------------------------------------- forward functions


def _concatenate_args(original):
    def concatenate_args(axis, *args):
        xp = namespace_of(*args)
        if xp is numpy:
            return original(axis, *args)
        return xp.concatenate(args, axis)

    return concatenate_args


def _array_from_scalar_or_array(original):
    def array_from_scalar_or_array(array_args, array_kwargs, scalar):
        xp = device_module(scalar)
        if xp is None:
            return original(array_args, array_kwargs, scalar)
        return xp.array(scalar, *array_args, **array_kwargs)

    return array_from_scalar_or_array


def _array_from_args(original):
    def array_from_args(array_args, array_kwargs, *args):
        xp = namespace_of(*args)
        if xp is numpy:
            return original(array_args, array_kwargs, *args)
        parts = [a if device_module(a) is xp else xp.asarray(a) for a in args]
        return xp.array(xp.stack(parts), *array_args, **array_kwargs)

    return array_from_args


def _make_diagonal(original):
    def make_diagonal(D, offset=0, axis1=0, axis2=1):
        xp = device_module(D)
        if xp is None:
            return original(D, offset, axis1, axis2)
        if not (offset == 0 and axis1 == -1 and axis2 == -2):
            raise NotImplementedError(
                "Currently make_diagonal only supports offset=0, axis1=-1, axis2=-2"
            )
        n = D.shape[-1]
        out = xp.zeros(tuple(D.shape) + (n,), dtype=numpy.result_type(D.dtype, numpy.float64))
        i = xp.arange(n)
        out[..., i, i] = D
        return out

    return make_diagonal


def _untake(original):
    def untake(x, idx, vs):
        xp = device_module(x)
        if xp is None:
            return original(x, idx, vs)
        if _is_basic_index(idx):

            def mut_add(A):
                A[idx] += x
                return A

        else:
            didx = _device_index(idx, xp)

            def mut_add(A):
                _scatter_add(xp, A, didx, x)
                return A

        return SparseObject(vs, mut_add)

    return untake


def _scatter_add(xp, A, idx, x) -> None:
    at = getattr(getattr(xp, "add", None), "at", None)
    if at is not None:
        at(A, idx, x)
        return
    import cupyx  # CuPy before ufunc.at

    cupyx.scatter_add(A, idx, x)


def _dot_adjoint_0(original):
    def dot_adjoint_0(B, G, A_meta, B_meta):
        xp = namespace_of(B, G)
        if xp is numpy:
            return original(B, G, A_meta, B_meta)
        _, A_ndim, A_dtype, _ = A_meta
        _, B_ndim, _, _ = B_meta
        if B_ndim == 0 or B_ndim == 1 or A_ndim == 0:
            out = xp.tensordot(G, B, max(0, B_ndim - (A_ndim != 0)))
        else:
            out = xp.tensordot(G, xp.swapaxes(B, -1, -2), B_ndim - 1)
        return xp.asarray(out).astype(A_dtype, copy=False)

    return dot_adjoint_0


def _dot_adjoint_1(original):
    def dot_adjoint_1(A, G, A_meta, B_meta):
        xp = namespace_of(A, G)
        if xp is numpy:
            return original(A, G, A_meta, B_meta)
        _, A_ndim, _, _ = A_meta
        _, B_ndim, B_dtype, _ = B_meta
        needs_transpose = B_ndim > 1 and A_ndim != 0
        swap = (lambda x: xp.swapaxes(x, -1, -2)) if needs_transpose else (lambda x: x)
        if A_ndim == 0 or A_ndim == 1 or B_ndim == 0:
            out = swap(xp.tensordot(G, A, max(0, A_ndim - (B_ndim != 0))))
        else:
            axes = [list(range(-A_ndim - B_ndim + 2, -B_ndim + 1)), list(range(A_ndim - 1))]
            out = swap(xp.tensordot(G, A, axes))
        return xp.asarray(out).astype(B_dtype, copy=False)

    return dot_adjoint_1


def _tensordot_axes(axes, A_ndim, B_ndim):
    axes0 = [axes[0]] if type(axes[0]) is int else list(axes[0])
    axes1 = [axes[1]] if type(axes[1]) is int else list(axes[1])
    summed = [[int(a) % A_ndim for a in axes0], [int(b) % B_ndim for b in axes1]]
    other = [[a for a in range(A_ndim) if a not in summed[0]],
             [b for b in range(B_ndim) if b not in summed[1]]]
    return summed, other


def _tensordot_adjoint_0(original):
    def tensordot_adjoint_0(B, G, axes, A_ndim, B_ndim):
        xp = namespace_of(B, G)
        if xp is numpy or B_ndim == 0:
            return original(B, G, axes, A_ndim, B_ndim)
        G_ndim = G.ndim
        if type(axes) is int:
            axes = max(axes, 0)
            return xp.tensordot(G, B, [list(range(A_ndim - axes, G_ndim)),
                                       list(range(axes, B_ndim))])
        summed, other = _tensordot_axes(axes, A_ndim, B_ndim)
        out = xp.tensordot(G, B, [list(range(len(other[0]), G_ndim)), other[1]])
        order = sorted(range(len(summed[1])), key=lambda i: summed[1][i])
        perm = numpy.argsort(other[0] + [summed[0][i] for i in order])
        return xp.transpose(out, [int(p) for p in perm])

    return tensordot_adjoint_0


def _tensordot_adjoint_1(original):
    def tensordot_adjoint_1(A, G, axes, A_ndim, B_ndim):
        xp = namespace_of(A, G)
        if xp is numpy or A_ndim == 0:
            return original(A, G, axes, A_ndim, B_ndim)
        if type(axes) is int:
            axes = max(axes, 0)
            return xp.tensordot(A, G, [list(range(A_ndim - axes)), list(range(A_ndim - axes))])
        summed, other = _tensordot_axes(axes, A_ndim, B_ndim)
        out = xp.tensordot(A, G, [other[0], list(range(len(other[0])))])
        order = sorted(range(len(summed[0])), key=lambda i: summed[0][i])
        perm = numpy.argsort([summed[1][i] for i in order] + other[1])
        return xp.transpose(out, [int(p) for p in perm])

    return tensordot_adjoint_1


# ---------------------------------------------------------------- helpers of many rules


def _repeat_to_match_shape(original):
    def repeat_to_match_shape(g, shape, dtype, axis, keepdims):
        xp = device_module(g)
        if xp is None:
            return original(g, shape, dtype, axis, keepdims)
        if shape == ():
            return g, 1
        axis = list(axis) if isinstance(axis, tuple) else axis
        new_shape = numpy.array(shape)
        new_shape[axis] = 1
        num_reps = numpy.prod(numpy.array(shape)[axis])
        reshaped = anp.reshape(g, tuple(int(s) for s in new_shape))
        return reshaped + xp.zeros(tuple(shape), dtype=dtype), num_reps

    return repeat_to_match_shape


def _unpermuter(original):
    def unpermuter(g, permutation):
        xp = device_module(permutation)
        if xp is None:
            return original(g, permutation)
        return g[xp.argsort(permutation)]

    return unpermuter


# ---------------------------------------------------------------- rules


def _where_rules() -> None:
    defvjp(
        _WHERE,
        None,
        lambda ans, c, x=None, y=None: lambda g: anp.where(c, g, _zeros(g.shape, g)),
        lambda ans, c, x=None, y=None: lambda g: anp.where(c, _zeros(g.shape, g), g),
    )


def _where_jvps() -> None:
    defjvp(
        _WHERE,
        None,
        lambda g, ans, c, x=None, y=None: anp.where(c, g, _zeros(anp.shape(g), g)),
        lambda g, ans, c, x=None, y=None: anp.where(c, _zeros(g.shape, g), g),
    )


def _einsum_rule() -> None:
    original = avjps.grad_einsum

    def grad_einsum(argnum, ans, operands_, kwargs):
        xp = namespace_of(*[op for op in operands_ if not isinstance(op, str)])
        if xp is numpy or not isinstance(operands_[0], str):
            return original(argnum, ans, operands_, kwargs)
        result_meta = anp.metadata(operands_[argnum])

        # numpy's parser converts operands with asanyarray: give it host stand-ins of the
        # same shapes (zero-strided views, no memory)
        stand_ins = [numpy.broadcast_to(numpy.empty((), dtype=op.dtype), op.shape)
                     for op in operands_[1:]]
        in_subs, out_subs, _ = anp.parse_einsum_input(operands_[0], *stand_ins)

        def vjp(g):
            operands = operands_[1:]
            in_subs_list = in_subs.split(",")
            op_num = argnum - 1
            subs_wrt = in_subs_list[op_num]
            rest_of_ops = operands[:op_num] + operands[op_num + 1:]
            rest_of_subs = in_subs_list[:op_num] + in_subs_list[op_num + 1:]
            other_named_subs = set("".join([out_subs] + rest_of_subs))
            naked = [(i, s) for i, s in enumerate(subs_wrt) if s not in other_named_subs]
            if naked:
                dims, ones_subs = zip(*naked)
                shape = tuple(int(operands[op_num].shape[d]) for d in dims)
                new_input_subs = ",".join([out_subs, "".join(ones_subs)] + rest_of_subs)
                new_operands = (g, xp.ones(shape)) + tuple(rest_of_ops)
            else:
                new_input_subs = ",".join([out_subs] + rest_of_subs)
                new_operands = (g,) + tuple(rest_of_ops)
            out = anp.einsum(new_input_subs + "->" + subs_wrt, *new_operands)
            return avjps.unbroadcast(out, result_meta)

        return vjp

    defvjp_argnum(anp.einsum, grad_einsum)


def _trace_rule() -> None:
    def trace_vjp(ans, x, offset=0):
        xp = namespace_of(x)
        eye = (anp.eye if xp is numpy else xp.eye)(x.shape[0], x.shape[1], k=offset)
        return lambda g: anp.einsum("ij,...->ij...", eye, g)

    defvjp(anp.trace, trace_vjp)


def _linspace_rule() -> None:
    def maker(a, b):
        def vjp_maker(ans, start, stop, num):
            xp = namespace_of(ans)
            space = (anp.linspace if xp is numpy else xp.linspace)(a, b, num)
            return lambda g: anp.dot(space, g)

        return vjp_maker

    defvjp(anp.linspace, maker(1.0, 0.0), maker(0.0, 1.0))


# ---------------------------------------------------------------- install / uninstall


def install() -> tuple[str, ...]:
    """Replace the host-array-building rules (idempotent); returns :data:`REPLACED`."""
    if _SAVED:
        return REPLACED
    _replace_forward("concatenate_args", anp.concatenate_args, _concatenate_args)
    _replace_forward("_array_from_scalar_or_array", anp._array_from_scalar_or_array,
                     _array_from_scalar_or_array)
    _replace_forward("array_from_args", anp.array_from_args, _array_from_args)
    _replace_forward("make_diagonal", anp.make_diagonal, _make_diagonal)
    _replace_forward("untake", avjps.untake, _untake)
    _replace_forward("dot_adjoint_0", avjps.dot_adjoint_0, _dot_adjoint_0)
    _replace_forward("dot_adjoint_1", avjps.dot_adjoint_1, _dot_adjoint_1)
    _replace_forward("tensordot_adjoint_0", avjps.tensordot_adjoint_0, _tensordot_adjoint_0)
    _replace_forward("tensordot_adjoint_1", avjps.tensordot_adjoint_1, _tensordot_adjoint_1)
    _replace_helper("repeat_to_match_shape", avjps, _repeat_to_match_shape)
    _replace_helper("unpermuter", avjps, _unpermuter)
    _replace_rule("vjp:where", primitive_vjps, _WHERE, _where_rules)
    _replace_rule("jvp:where", primitive_jvps, _WHERE, _where_jvps)
    _replace_rule("vjp:einsum", primitive_vjps, anp.einsum, _einsum_rule)
    _replace_rule("vjp:trace", primitive_vjps, anp.trace, _trace_rule)
    _replace_rule("vjp:linspace", primitive_vjps, anp.linspace, _linspace_rule)
    _replace_rule("vjp:linalg.eigh", primitive_vjps, ala.eigh,
                  lambda: replace_linalg_vjp(ala.eigh, device_grad_eigh))
    _replace_rule("vjp:linalg.cholesky", primitive_vjps, ala.cholesky,
                  lambda: replace_linalg_vjp(ala.cholesky, device_grad_cholesky))
    _replace_rule("vjp:linalg.svd", primitive_vjps, ala.svd,
                  lambda: replace_linalg_vjp(ala.svd, device_grad_svd))
    assert tuple(_SAVED) == REPLACED, sorted(set(REPLACED) ^ set(_SAVED))
    return REPLACED


def uninstall() -> None:
    """Restore autograd's originals (for tests that show the originals fail on devices)."""
    for name in reversed(list(_SAVED)):
        restore, _ = _SAVED.pop(name)
        restore()
