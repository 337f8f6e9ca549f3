"""Registers: state vectors as plain complex arrays, optionally batched.

A register of ``n`` qubits is a complex128 array of shape ``(2**n,)``; a batch of ``B``
registers simulated together is ``(B, 2**n)`` (each row one state). Qubit 0 is the least
significant bit of the index (Yao's order), so ``product_state("011")`` (written
``q2 q1 q0``, as Yao's ``bit"011"``) has its amplitude at index 3.

>>> from wengert_quantum import zero_state, product_state
>>> zero_state(2)
array([1.+0.j, 0.+0.j, 0.+0.j, 0.+0.j])
>>> int(abs(product_state("011")).argmax())
3
"""

from __future__ import annotations

import numpy

__all__ = ["zero_state", "rand_state", "product_state", "nqubits_of"]


def zero_state(n: int, nbatch: int | None = None) -> numpy.ndarray:
    """``|0...0>``: shape ``(2**n,)``, or ``(nbatch, 2**n)``."""
    return product_state(0, n, nbatch)


def rand_state(n: int, nbatch: int | None = None, seed=None) -> numpy.ndarray:
    """Haar-random normalized state(s) (``seed`` for ``numpy.random.default_rng``)."""
    _check_n(n)
    rng = numpy.random.default_rng(seed)
    shape = (2**n,) if nbatch is None else (_check_batch(nbatch), 2**n)
    psi = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    return psi / numpy.linalg.norm(psi, axis=-1, keepdims=True)


def product_state(config, n: int | None = None, nbatch: int | None = None) -> numpy.ndarray:
    """A product state.

    :param config: a basis index (``int``, with ``n``), a bit string written
        ``q_{n-1} ... q_0`` (``"011"``), or a sequence of single-qubit states (length-2
        vectors, qubit 0 first).
    :param nbatch: repeat the state ``nbatch`` times along a leading batch axis.
    """
    if isinstance(config, str):
        if not config or set(config) - {"0", "1"}:
            raise ValueError(f"config must be a bit string like '011', got {config!r}")
        n = len(config) if n is None else n
        config = int(config, 2)
    if isinstance(config, (int, numpy.integer)):
        _check_n(n)
        if not 0 <= config < 2**n:
            raise ValueError(f"config must be a basis index in [0, 2**{n}), got {config}")
        psi = numpy.zeros(2**n, dtype=complex)
        psi[config] = 1.0
    else:
        psi = numpy.ones(1, dtype=complex)
        for q, v in enumerate(config):
            v = numpy.asarray(v, dtype=complex)
            if v.shape != (2,):
                raise ValueError(f"config[{q}] must be a single-qubit state of shape (2,)")
            psi = numpy.kron(v, psi)
    if nbatch is None:
        return psi
    return numpy.tile(psi, (_check_batch(nbatch), 1))


def nqubits_of(state) -> int:
    """Number of qubits of a state of shape ``(2**n,)`` or ``(B, 2**n)``."""
    shape = numpy.shape(state)
    dim = shape[-1] if shape else 0
    n = int(dim).bit_length() - 1
    if len(shape) not in (1, 2) or dim < 2 or 2**n != dim:
        raise ValueError(f"state must have shape (2**n,) or (B, 2**n), got {shape}")
    return n


def _check_n(n):
    if not isinstance(n, (int, numpy.integer)) or not 1 <= n <= 30:
        raise ValueError(f"n must be an int in [1, 30], got {n!r}")


def _check_batch(nbatch):
    if not isinstance(nbatch, (int, numpy.integer)) or nbatch < 1:
        raise ValueError(f"nbatch must be a positive int, got {nbatch!r}")
    return int(nbatch)
