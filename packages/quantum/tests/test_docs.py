"""The examples in the module docstrings run and print what they say."""

import doctest
import importlib

import pytest

MODULES = ["wengert_quantum", "wengert_quantum.blocks", "wengert_quantum.gates",
           "wengert_quantum.observables", "wengert_quantum.registers",
           "wengert_quantum.evolution", "wengert_quantum.circuits", "wengert_quantum.kernels",
           "wengert_quantum.measure"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
