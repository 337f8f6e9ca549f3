"""Ready-made circuits: Yao's ``variational_circuit`` and random test circuits.

>>> from wengert_quantum import variational_circuit
>>> c = variational_circuit(10, 3)
>>> c.nparameters   # n (3 depth + 1)
100
"""

from __future__ import annotations

import numpy

from wengert_quantum import blocks as b
from wengert_quantum import gates as g
from wengert_quantum.evolution import time_evolution
from wengert_quantum.observables import pauli_sum

__all__ = ["variational_circuit", "random_circuit"]


def variational_circuit(n: int, depth: int, pairs=None) -> b.Chain:
    """Yao's ``variational_circuit(n, depth)``: ``depth + 1`` rotor sets with a CNOT ring between.

    Rotor sets: ``(Rx, Rz)`` on every qubit first, ``(Rz, Rx, Rz)`` in between, ``(Rz, Rx)``
    last; entangler: ``cnot(i, i+1 mod n)`` for ``i = 0..n-1`` (or the given ``pairs``).
    ``n (3 depth + 1)`` parameters, all zero (``dispatch(c, "random")`` to randomize);
    parameter order: rotor set by rotor set, qubit by qubit, gate by gate.
    """
    if not isinstance(n, (int, numpy.integer)) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    if not isinstance(depth, (int, numpy.integer)) or depth < 1:
        raise ValueError(f"depth must be a positive int, got {depth!r}")
    pairs = [(i, (i + 1) % n) for i in range(n)] if pairs is None else pairs
    entangler = b.chain(n, *[g.cnot(n, i, j) for i, j in pairs])
    layers = [_rotor_set(n, (g.Rx, g.Rz))]
    for layer in range(1, depth + 1):
        layers.append(entangler)
        layers.append(_rotor_set(n, (g.Rz, g.Rx) if layer == depth else (g.Rz, g.Rx, g.Rz)))
    return b.Chain(n, layers)


def _rotor_set(n, gates):
    return b.Chain(n, [b.Put(n, (q,), b.Chain(None, [make() for make in gates])) for q in range(n)])


def random_circuit(n: int, depth: int, seed=None, *, evolution: bool = True) -> b.Chain:
    """A random circuit using every kind of block, for tests and examples.

    Each of ``depth`` rounds holds constant gates (X, Y, Z, H, S, T, Sdag, Tdag, SWAP, CNOT,
    CZ, a random 1- and 2-qubit ``matblock``), rotations Rx/Ry/Rz/``rot(XX)``, ``shift``,
    ``phase``, controlled rotations (one with a 0-control), a Toffoli, ``kron``, ``repeat``
    (a shared parameter), a ``dagger`` of a parametric block, a rotation object used twice
    and, with ``evolution``, a time evolution in ``t``. Parameters random in ``[0, 2 pi)``.
    """
    if n < 3:
        raise ValueError(f"random_circuit needs n >= 3, got {n}")
    rng = numpy.random.default_rng(seed)
    q = lambda k=1: tuple(int(x) for x in rng.choice(n, k, replace=False))  # noqa: E731
    rounds = []
    for _ in range(depth):
        shared = g.Ry()
        a, c, t = q(3)
        gates = [
            b.put(n, q(), rng.choice([g.X, g.Y, g.Z, g.H, g.S, g.T, g.Sdag, g.Tdag])),
            b.put(n, q(2), rng.choice([g.SWAP, g.CNOT, g.CZ])),
            b.put(n, q(), g.matblock(_unitary(rng, 2))),
            b.put(n, q(2), g.matblock(_unitary(rng, 4))),
            b.put(n, q(), g.Rx()), b.put(n, q(), g.Ry()), b.put(n, q(), g.Rz()),
            b.put(n, q(2), g.rot(b.kron(g.X, g.X))),
            b.put(n, q(), g.shift()),
            b.control(n, a, t, g.phase()),
            b.control(n, a, t, g.Rx()),
            b.control(n, (a, c), t, g.Ry(), ctrl_vals=(1, 0)),
            b.control(n, (a, c), t, g.X),
            b.control(n, c, (a, t), g.rot(b.kron(g.Z, g.Y))),
            b.kron(n, ((a,), g.Rz()), ((t,), g.H)),
            b.repeat(n, g.Rx(), (a, t)),
            b.dagger(b.chain(n, b.put(n, a, g.Rz()), b.put(n, c, g.H), g.cnot(n, c, t))),
            b.put(n, a, shared), g.cnot(n, a, c), b.put(n, t, shared),
        ]
        if evolution:
            h = pauli_sum({"X0 X1": 1.0, "Z0": float(rng.normal()), "Y1": float(rng.normal())})
            gates.append(b.put(n, (t, a), time_evolution(h, 0.0)))
        rounds.append(b.chain(n, *gates))
    circuit = b.chain(n, *rounds)
    return b.dispatch(circuit, "random", seed=rng.integers(2**32))


def _unitary(rng, d):
    q, r = numpy.linalg.qr(rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d)))
    return q * (numpy.diagonal(r) / abs(numpy.diagonal(r)))
