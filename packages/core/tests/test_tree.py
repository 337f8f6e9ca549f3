"""Pytree helpers."""

import numpy
import pytest

import wengert
import wengert.numpy as np


def test_flatten_unflatten_round_trip_with_sorted_dict_keys():
    tree = {"b": [1.0, (2.0, None)], "a": numpy.ones(2)}
    leaves, treedef = wengert.tree_flatten(tree)
    assert leaves[1:] == [1.0, 2.0, None]
    rebuilt = wengert.tree_unflatten(treedef, leaves)
    assert rebuilt["b"] == [1.0, (2.0, None)] and type(rebuilt["b"][1]) is tuple


def test_unflatten_with_wrong_leaf_count_names_the_mismatch():
    _, treedef = wengert.tree_flatten((1.0, 2.0))
    with pytest.raises(ValueError, match="leaves has 3 entries"):
        wengert.tree_unflatten(treedef, [1, 2, 3])


def test_tree_map_over_two_trees():
    out = wengert.tree_map(lambda x, y: x + y, {"a": 1, "b": (2, 3)}, {"a": 10, "b": (20, 30)})
    assert out == {"a": 11, "b": (22, 33)}


def test_ravel_is_differentiable_both_ways():
    tree = {"w": numpy.arange(3.0), "b": 2.0}
    flat, unravel = wengert.ravel(tree)
    assert flat.shape == (4,)
    g = wengert.grad(lambda v: np.sum(unravel(v)["w"] ** 2) * unravel(v)["b"])(flat)
    numpy.testing.assert_allclose(g, [5.0, 0.0, 4.0, 8.0])  # b first (sorted keys)
