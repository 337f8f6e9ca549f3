"""Pytrees: nested tuples, lists and dicts whose leaves are arrays or scalars.

A pytree is what wengert's operators accept wherever a function takes "parameters":
``{"w": array, "b": array}``, ``(array, [array, array])``, a bare array. Containers are
``tuple``, ``list`` and ``dict`` (keys visited in sorted order, as JAX does); everything
else, ``None`` included, is a leaf.

>>> leaves, treedef = tree_flatten({"b": 1.0, "a": (2.0, 3.0)})
>>> leaves
[2.0, 3.0, 1.0]
>>> tree_unflatten(treedef, [x * 10 for x in leaves])
{'a': (20.0, 30.0), 'b': 10.0}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from autograd.misc.flatten import flatten as _autograd_flatten

__all__ = ["TreeDef", "tree_flatten", "tree_unflatten", "tree_map", "tree_leaves", "ravel"]


class TreeDef(NamedTuple):
    """The structure of a pytree without its leaves: a container kind and children."""

    kind: type | None  # tuple, list, dict, or None for a leaf
    keys: tuple  # dict keys (sorted) or () for sequences and leaves
    children: tuple  # TreeDefs of the children

    @property
    def num_leaves(self) -> int:
        return 1 if self.kind is None else sum(c.num_leaves for c in self.children)


_LEAF = TreeDef(None, (), ())


def tree_flatten(tree: Any) -> tuple[list, TreeDef]:
    """Split ``tree`` into its list of leaves (depth first) and its structure."""
    leaves: list = []
    return leaves, _flatten_into(tree, leaves)


def _flatten_into(tree: Any, leaves: list) -> TreeDef:
    kind = type(tree)
    if kind is tuple or kind is list:
        return TreeDef(kind, (), tuple(_flatten_into(c, leaves) for c in tree))
    if kind is dict:
        keys = tuple(sorted(tree))
        return TreeDef(dict, keys, tuple(_flatten_into(tree[k], leaves) for k in keys))
    leaves.append(tree)
    return _LEAF


def tree_unflatten(treedef: TreeDef, leaves: list) -> Any:
    """Inverse of :func:`tree_flatten`: rebuild a pytree of structure ``treedef``."""
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(
            f"tree_unflatten: leaves has {len(leaves)} entries, treedef expects "
            f"{treedef.num_leaves}"
        )
    return _unflatten_from(treedef, iter(leaves))


def _unflatten_from(treedef: TreeDef, leaves) -> Any:
    if treedef.kind is None:
        return next(leaves)
    children = [_unflatten_from(c, leaves) for c in treedef.children]
    if treedef.kind is dict:
        return dict(zip(treedef.keys, children))
    return treedef.kind(children)


def _flatten_up_to(treedef: TreeDef, tree: Any) -> list:
    """The subtrees of ``tree`` at the leaf positions of ``treedef`` (a prefix structure).

    A traced tuple output (autograd's container box) is one leaf of its structure, while its
    cotangent is a plain tuple: this flattens the cotangent only as deep as the output.
    Raises ``ValueError`` when ``tree`` does not have ``treedef``'s containers.
    """
    if treedef.kind is None:
        return [tree]
    kind = type(getattr(tree, "_value", tree))  # a traced container: its value's type
    if kind is not treedef.kind or len(tree) != len(treedef.children) or (
        kind is dict and tuple(sorted(tree.keys())) != treedef.keys
    ):
        raise ValueError(f"expected a {treedef.kind.__name__} of {len(treedef.children)} "
                         f"entries, got {type(tree).__name__}")
    keys = treedef.keys if kind is dict else range(len(treedef.children))
    children = [tree[k] for k in keys]
    return [leaf for c, sub in zip(treedef.children, children) for leaf in _flatten_up_to(c, sub)]


def tree_leaves(tree: Any) -> list:
    """The leaves of ``tree`` in :func:`tree_flatten` order."""
    return tree_flatten(tree)[0]


def tree_map(fun: Callable, tree: Any, *rest: Any) -> Any:
    """Apply ``fun`` leafwise to ``tree`` (and to trees of the same structure in ``rest``)."""
    leaves, treedef = tree_flatten(tree)
    others = [tree_flatten(r)[0] for r in rest]
    return tree_unflatten(treedef, [fun(*xs) for xs in zip(leaves, *others)])


def ravel(tree: Any) -> tuple[Any, Callable[[Any], Any]]:
    """Concatenate the leaves of ``tree`` into one flat 1-D array.

    Returns ``(flat, unravel)`` with ``unravel(flat)`` rebuilding the pytree. Both
    directions are differentiable, so ``ravel`` can sit inside a traced function.
    Complex leaves make ``flat`` complex.
    """
    return _autograd_flatten(tree)
