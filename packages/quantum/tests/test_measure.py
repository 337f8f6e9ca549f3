"""Sampling and shot-based expectation values (seeded; bounds are 5 standard errors)."""

import numpy
import pytest

import wengert_quantum as wq
from wengert_quantum.measure import to_bits


def test_sample_frequencies_match_born_probabilities():
    c = wq.random_circuit(3, 2, seed=2)
    p = c.parameters()
    probs = abs(wq.apply(c, p)) ** 2
    shots = 40000
    samples = wq.sample(c, p, shots, seed=7)
    freq = numpy.bincount(samples, minlength=8) / shots
    sigma = numpy.sqrt(probs * (1 - probs) / shots)
    assert numpy.all(abs(freq - probs) <= 5 * sigma + 1e-12)


def test_bell_pair_samples_are_correlated_and_bits_unpack():
    bell = wq.chain(wq.put(2, 0, wq.H), wq.cnot(2, 0, 1))
    samples = wq.sample(bell, [], 2000, seed=1)
    assert set(samples.tolist()) == {0, 3}
    bits = to_bits(samples, 2)
    assert bits.shape == (2000, 2) and numpy.array_equal(bits[:, 0], bits[:, 1])
    assert to_bits(numpy.array([6]), 3).tolist() == [[0, 1, 1]]  # qubit 0 first


def test_batched_sampling_shape():
    batch = numpy.stack([wq.product_state("01"), wq.product_state("10")])
    samples = wq.sample(wq.chain(2), [], 10, batch, seed=0)
    assert samples.shape == (2, 10)
    assert set(samples[0].tolist()) == {1} and set(samples[1].tolist()) == {2}


@pytest.mark.parametrize("batched", [False, True])
def test_estimate_agrees_with_exact_expectation(batched):
    c = wq.random_circuit(3, 1, seed=4)
    h = wq.heisenberg(3) + wq.pauli_sum({"Y0 X2": 0.8, "Z1": -0.3, "": 1.5})
    p = c.parameters()
    state = wq.rand_state(3, nbatch=2, seed=3) if batched else None
    exact = wq.expect(h, c, p, state)
    value, stderr = wq.estimate(h, c, p, 20000, state, seed=11)
    assert numpy.all(stderr > 0) and numpy.all(abs(value - exact) < 5 * stderr)
    assert numpy.all(stderr < 0.05)


def test_bad_input():
    c = wq.variational_circuit(2, 1)
    with pytest.raises(ValueError, match="shots must be a positive int"):
        wq.sample(c, c.parameters(), 0)
    with pytest.raises(ValueError, match="not normalized"):
        wq.sample(c, c.parameters(), 5, numpy.ones(4))
    with pytest.raises(TypeError, match="PauliSum"):
        wq.estimate("H", c, c.parameters(), 10)
