"""The wengert conformance suite over quantum.expect, quantum.fidelity, quantum.apply:
derivatives in both modes against finite differences, to second order for expect/fidelity."""

from wengert.testing import conformance

test_conformance = conformance("quantum")
