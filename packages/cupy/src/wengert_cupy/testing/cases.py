"""Differentiable functions written with :mod:`wengert.numpy`, one or more per replaced rule.

Shared by the CPU machinery tests (on :mod:`~wengert_cupy.testing.fakecupy`) and the GPU
tests (on CuPy): each case is evaluated on numpy and on the device, and its value,
gradient (reverse mode) and directional derivative (forward mode) compared.

A case is ``Case(name, make, rules, shape, jvp_blocked)``: ``make(xp)`` returns the scalar function
``f(x)`` (``xp`` builds constants on the same side as ``x``: ``numpy`` for the reference
run, the device module for the device run); ``rules`` names what it exercises in
:data:`wengert_cupy._rules.REPLACED` (or ``"protocol"`` for plain dispatch);
``shape`` is the shape of the input, a seeded standard normal array; ``jvp_blocked``
says why forward mode of the case cannot run on a device yet (empty when it can).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy

import wengert.numpy as np

__all__ = ["Case", "CASES", "make_input"]


class Case(NamedTuple):
    name: str
    make: Callable
    rules: tuple[str, ...]
    shape: tuple = (4, 4)
    #: why forward mode cannot run on a device yet ("" when it can)
    jvp_blocked: str = ""


_CORE_JVP = ("core: wengert/_forward_rules.py builds this JVP with a host numpy.eye "
             "(required core change 3 in the package README)")


def _spd(x):
    return np.dot(x, np.transpose(x))


CASES = (
    Case("elementwise", lambda xp: lambda x: np.sum(np.sin(x) ** 2 * np.exp(-x)),
         ("protocol",)),
    Case("sum-mean-max", lambda xp: lambda x: np.mean(x) + np.max(x) + np.sum(x, axis=0)[1],
         ("helper:repeat_to_match_shape",)),
    Case("prod-var-std", lambda xp: lambda x: np.prod(x[0]) + np.var(x) + np.sum(np.std(x, 0)),
         ("helper:repeat_to_match_shape",)),
    Case("dot", lambda xp: lambda x: np.sum(np.dot(x, x.T) ** 2),
         ("forward:dot_adjoint_0", "forward:dot_adjoint_1")),
    Case("matmul-operator", lambda xp: lambda x: np.sum((x @ x) * x), ("protocol",)),
    Case("tensordot", lambda xp: lambda x: np.sum(np.tensordot(x, x, axes=([1], [0])) ** 2),
         ("forward:tensordot_adjoint_0", "forward:tensordot_adjoint_1")),
    Case("einsum-summed-index", lambda xp: lambda x: np.einsum("ij,jk->", x, np.sin(x)),
         ("vjp:einsum",)),
    Case("where", lambda xp: lambda x: np.sum(np.where(x > 0, x, 0.5 * x) ** 2),
         ("vjp:where", "jvp:where")),
    Case("concatenate", lambda xp: lambda x: np.sum(np.concatenate([x, 2 * x]) ** 3),
         ("forward:concatenate_args",)),
    Case("stack-array", lambda xp: lambda x: np.sum(np.stack([x, np.cos(x)]) ** 2)
         + np.sum(np.array([x[0, 0], 2 * x[1, 1]]) ** 2),
         ("forward:_array_from_scalar_or_array", "forward:array_from_args")),
    Case("basic-index", lambda xp: lambda x: np.sum(x[1:3, ::2] ** 2) + x[0, 1] ** 3,
         ("forward:untake",)),
    Case("repeated-index", lambda xp: lambda x: np.sum(x[xp.arange(3) // 2 * 2] ** 2),
         ("forward:untake",)),
    Case("sort", lambda xp: lambda x: np.sum(np.sort(x[0]) * x[1]), ("helper:unpermuter",)),
    Case("trace", lambda xp: lambda x: np.trace(x @ x), ("vjp:trace",)),
    Case("diagonal", lambda xp: lambda x: np.sum(np.diagonal(x, 0, -1, -2) ** 2),
         ("forward:make_diagonal",)),
    Case("linalg-eigh", lambda xp: lambda x: np.sum(np.linalg.eigh(x + x.T)[0] ** 3)
         + np.sum(np.linalg.eigh(x + x.T)[1] ** 4), ("vjp:linalg.eigh",), (4, 4), _CORE_JVP),
    Case("linalg-cholesky",
         lambda xp: lambda x: np.sum(np.linalg.cholesky(_spd(x) + 4 * xp.eye(4)) ** 2),
         ("vjp:linalg.cholesky",), (4, 4), _CORE_JVP),
    Case("linalg-svd", lambda xp: lambda x: np.sum(np.linalg.svd(x, full_matrices=False)[1] ** 3),
         ("vjp:linalg.svd",), (5, 3), _CORE_JVP),
    Case("linalg-inv-solve-det",
         lambda xp: lambda x: np.sum(np.linalg.inv(x + 5 * xp.eye(4)))
         + np.sum(np.linalg.solve(x + 5 * xp.eye(4), x[0])) + np.linalg.det(x + 5 * xp.eye(4)),
         ("protocol",)),
)


def make_input(case: Case, seed: int = 0) -> numpy.ndarray:
    """The case's input point (host numpy array)."""
    rng = numpy.random.default_rng(seed)
    return rng.standard_normal(case.shape)
