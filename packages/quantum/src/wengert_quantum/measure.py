"""Measurement: bitstrings sampled from the final state, and expectation values from shots.

Samples are basis indices (qubit ``q`` is bit ``q``); :func:`to_bits` unpacks them.
:func:`estimate` measures a Pauli sum the way hardware does: terms are grouped so that
within a group every qubit is measured in one basis (qubit-wise commuting), the state is
rotated into that basis (``H`` for X, ``S^dagger`` then ``H`` for Y), and each term is the
average parity of its qubits over the shots.

>>> import wengert_quantum as wq
>>> c = wq.chain(wq.put(2, 0, wq.H), wq.cnot(2, 0, 1))   # a Bell pair
>>> s = wq.sample(c, [], 1000, seed=1)
>>> sorted(set(s.tolist()))
[0, 3]
"""

from __future__ import annotations

import numpy

from wengert_quantum import _sweeps
from wengert_quantum.blocks import chain, put
from wengert_quantum.gates import H, Sdag
from wengert_quantum.observables import PauliSum, _parity
from wengert_quantum.primitives import _final_states, _Setup

__all__ = ["sample", "estimate", "to_bits"]


def sample(circuit, params, shots: int, state=None, seed=None) -> numpy.ndarray:
    """Basis indices drawn from ``|<i|U(params) state>|^2``: shape ``(shots,)`` or ``(B, shots)``.

    :param seed: seed or ``numpy.random.Generator``.
    """
    s = _Setup(None, circuit, params, state)
    out = _draw(_final_states(s), _check_shots(shots), numpy.random.default_rng(seed))
    return s.state_out(out)


def estimate(hamiltonian: PauliSum, circuit, params, shots: int, state=None, seed=None):
    """``(value, stderr)``: ``<H>`` estimated from ``shots`` measurements per basis group.

    Each qubit-wise commuting group of terms costs ``shots`` circuit runs; ``stderr`` is the
    standard error of the estimate (exact value within a few ``stderr``). Floats, or
    ``(B,)`` arrays for a batch of states.
    """
    if not isinstance(hamiltonian, PauliSum):
        raise TypeError(f"hamiltonian must be a PauliSum, got {type(hamiltonian).__name__}")
    shots, rng = _check_shots(shots), numpy.random.default_rng(seed)
    s = _Setup(hamiltonian, circuit, params, state)
    psi = _final_states(s)
    value, variance = numpy.zeros(s.B), numpy.zeros(s.B)
    for basis, terms in _groups(s.obs.terms):
        rotated = _rotate(psi, basis, s.n)
        indices = _draw(rotated, shots, rng)
        per_shot = numpy.zeros(indices.shape)
        for coeff, word in terms:
            mask = sum(1 << q for q, _ in word)
            per_shot += coeff * (1 - 2 * _parity(indices & mask))
        value += per_shot.mean(axis=1)
        variance += per_shot.var(axis=1, ddof=1) / shots if shots > 1 else 0.0
    return s.out(value), s.out(numpy.sqrt(variance))


def to_bits(samples, n: int) -> numpy.ndarray:
    """Basis indices to bits: shape ``samples.shape + (n,)``, column ``q`` is qubit ``q``."""
    samples = numpy.asarray(samples)
    return ((samples[..., None] >> numpy.arange(n)) & 1).astype(numpy.uint8)


def _draw(states, shots, rng):
    probs = numpy.abs(states) ** 2
    norms = probs.sum(axis=1)
    if not numpy.allclose(norms, 1.0, atol=1e-8):
        raise ValueError(f"state is not normalized (norms {norms}); sampling needs |psi| = 1")
    cdf = numpy.cumsum(probs / norms[:, None], axis=1)
    draws = rng.random((states.shape[0], shots))
    return numpy.stack([numpy.searchsorted(c, d, side="right") for c, d in zip(cdf, draws)]
                       ).clip(0, states.shape[1] - 1)


def _groups(terms):
    """Greedy qubit-wise commuting groups: ``[(basis {qubit: letter}, [(c, word), ...])]``."""
    groups = []
    for coeff, word in terms:
        for basis, members in groups:
            if all(basis.get(q, a) == a for q, a in word):
                basis.update(word)
                members.append((coeff, word))
                break
        else:
            groups.append((dict(word), [(coeff, word)]))
    return groups


def _rotate(psi, basis, n):
    rotations = []
    for q, letter in sorted(basis.items()):
        if letter == "X":
            rotations.append(put(n, q, H))
        elif letter == "Y":
            rotations.extend([put(n, q, Sdag), put(n, q, H)])
    if not rotations:
        return psi
    return _sweeps.apply_block(chain(n, *rotations), numpy.zeros(0), psi, n)


def _check_shots(shots):
    if not isinstance(shots, (int, numpy.integer)) or shots < 1:
        raise ValueError(f"shots must be a positive int, got {shots!r}")
    return int(shots)
