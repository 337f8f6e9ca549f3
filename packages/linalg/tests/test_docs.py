"""The runnable examples in the primitives' docstrings (assigned to the Primitive objects,
so pytest's --doctest-modules does not collect them)."""

import doctest

import pytest

import wengert_linalg as la


@pytest.mark.parametrize("prim", [la.eigh, la.svd, la.qr, la.eigsh, la.eigh_function],
                         ids=lambda p: p.name)
def test_docstring_examples_run(prim):
    test = doctest.DocTestParser().get_doctest(prim.__doc__, {}, prim.name, None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
