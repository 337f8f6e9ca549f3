"""The conformance suite over the ode primitives (wengert.testing, one line)."""

from wengert.testing import conformance

test_conformance = conformance("ode")
