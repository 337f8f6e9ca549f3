"""wengert-quantum: a differentiable quantum-circuit simulator with reversible adjoint AD.

Circuits are trees of blocks (as in Yao.jl); ``expect(h, circuit, params)`` is one
registered primitive whose gradient is the reversible adjoint sweep (memory independent of
depth) and whose JVP, HVP and Hessian work too. Qubit 0 is the least significant bit.

>>> import wengert, wengert_quantum as wq
>>> h, c = wq.heisenberg(4), wq.variational_circuit(4, 2)
>>> p = wq.parameters(c) + 0.1
>>> e, g = wengert.value_and_grad(lambda p: wq.expect(h, c, p))(p)
>>> g.shape
(28,)
"""

from importlib import metadata as _metadata

from wengert_quantum import _examples  # noqa: F401  (conformance arguments)
from wengert_quantum.blocks import (
    Block,
    chain,
    control,
    dagger,
    dispatch,
    kron,
    mat,
    nparameters,
    parameters,
    put,
    repeat,
)
from wengert_quantum.circuits import random_circuit, variational_circuit
from wengert_quantum.evolution import time_evolution
from wengert_quantum.gates import (
    CNOT,
    CZ,
    I2,
    SWAP,
    H,
    Rx,
    Ry,
    Rz,
    S,
    Sdag,
    T,
    Tdag,
    X,
    Y,
    Z,
    cnot,
    matblock,
    phase,
    rot,
    shift,
)
from wengert_quantum.geometry import fubini_study, natural_gradient
from wengert_quantum.kernels import get_kernel, set_kernel, use_kernel
from wengert_quantum.measure import estimate, sample
from wengert_quantum.observables import PauliSum, heisenberg, pauli_sum, tfim
from wengert_quantum.primitives import apply, expect, fidelity
from wengert_quantum.registers import nqubits_of, product_state, rand_state, zero_state

try:
    __version__ = _metadata.version("wengert-quantum")
except _metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "Block", "I2", "X", "Y", "Z", "H", "S", "T", "Sdag", "Tdag", "SWAP", "CNOT", "CZ",
    "Rx", "Ry", "Rz", "rot", "shift", "phase", "matblock", "time_evolution",
    "put", "control", "cnot", "chain", "kron", "repeat", "dagger",
    "parameters", "nparameters", "dispatch", "mat",
    "variational_circuit", "random_circuit",
    "PauliSum", "pauli_sum", "heisenberg", "tfim",
    "zero_state", "rand_state", "product_state", "nqubits_of",
    "expect", "fidelity", "apply", "sample", "estimate", "fubini_study", "natural_gradient",
    "set_kernel", "get_kernel", "use_kernel",
]
