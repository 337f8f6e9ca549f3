"""Shared references for the tests: brute-force partition functions of small tori."""

import itertools

import numpy
import pytest


def brute_force_ln_z(beta: float, h: float, rows: int, cols: int) -> float:
    """``ln Z / N`` of the Ising model ``-sum s_i s_j - h sum s_i`` on a rows x cols torus,
    by enumerating all 2**N configurations (each site bonds to its right and down
    neighbours, periodic; on a 2-site-wide torus the same pair is bonded twice)."""
    n = rows * cols
    spins = numpy.array(list(itertools.product((1, -1), repeat=n)), dtype=float)
    grid = spins.reshape(-1, rows, cols)
    bonds = (grid * numpy.roll(grid, -1, axis=1)).sum(axis=(1, 2)) + (
        grid * numpy.roll(grid, -1, axis=2)).sum(axis=(1, 2))
    exponent = beta * bonds + beta * h * spins.sum(axis=1)
    top = exponent.max()
    return float((top + numpy.log(numpy.exp(exponent - top).sum())) / n)


@pytest.fixture
def brute_force():
    return brute_force_ln_z
