"""The runnable examples in the modules' docstrings."""

import doctest
import importlib

import pytest

MODULES = ["hotrg", "trg", "ising", "io", "onsager"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"wengert_tensornet.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
