"""Arguments the conformance suite checks the primitives at (``wengert check quantum``)."""

from __future__ import annotations

import wengert
from wengert_quantum.circuits import random_circuit, variational_circuit
from wengert_quantum.observables import heisenberg, pauli_sum
from wengert_quantum.primitives import apply, expect, fidelity
from wengert_quantum.registers import rand_state


def _hamiltonian():
    return heisenberg(3) + pauli_sum({"Y0 Z2": 0.7, "X1": -0.4, "Z0 X1 Y2": 0.3})


@expect.examples
def _expect_examples(rng):
    circuit = random_circuit(3, 1, seed=int(rng.integers(2**31)))
    rotors = variational_circuit(3, 2).dispatch(rng.uniform(0, 6.3, 21))
    states = rand_state(3, nbatch=2, seed=int(rng.integers(2**31)))
    h = _hamiltonian()
    return [
        wengert.Example((h, circuit, circuit.parameters()), name="every-gate"),
        wengert.Example((h, rotors, rotors.parameters(), states), name="batched-state"),
    ]


@fidelity.examples
def _fidelity_examples(rng):
    circuit = random_circuit(3, 1, seed=int(rng.integers(2**31)))
    target = rand_state(3, seed=int(rng.integers(2**31)))
    state = rand_state(3, seed=int(rng.integers(2**31)))
    return [wengert.Example((circuit, circuit.parameters(), target, state), name="every-gate")]


@apply.examples
def _apply_examples(rng):
    circuit = random_circuit(3, 1, seed=int(rng.integers(2**31)))
    states = rand_state(3, nbatch=2, seed=int(rng.integers(2**31)))
    return [wengert.Example((circuit, circuit.parameters(), states), name="batched-state")]
