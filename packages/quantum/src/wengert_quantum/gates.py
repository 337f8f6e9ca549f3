"""Gates, the leaves of the block IR: constant unitaries and parametric gates.

Conventions (Yao.jl's, counted from 0): a k-qubit gate's matrix is indexed by its local
qubits with local qubit ``i`` as bit ``i`` (least significant first). Rotations are
``R_P(theta) = exp(-i theta P / 2)``; ``shift(theta) = diag(1, e^{i theta})``;
``phase(theta) = e^{i theta} I``. ``CNOT`` is controlled by its local qubit 0.

A parametric gate *object* is one set of parameters: using the same object twice shares
them (the gradient is the sum over the uses).

>>> import numpy
>>> from wengert_quantum import Rx
>>> numpy.round(Rx(numpy.pi).mat(), 6)   # exp(-i pi X / 2) = -i X
array([[0.+0.j, 0.-1.j],
       [0.-1.j, 0.+0.j]])
"""

from __future__ import annotations

import numpy

from wengert_quantum.blocks import Block, Control, Kron, check_real, mat, matrix_qubits, split_n

__all__ = [
    "Gate", "ConstantGate", "ParametricGate", "RotationGate", "ShiftGate", "PhaseGate",
    "I2", "X", "Y", "Z", "H", "S", "T", "Sdag", "Tdag", "SWAP", "CNOT", "CZ",
    "Rx", "Ry", "Rz", "rot", "shift", "phase", "matblock", "cnot",
]


class Gate(Block):
    """A leaf acting on ``k`` qubits (its local qubits 0..k-1)."""

    __slots__ = ("name", "k")

    @property
    def nqubits(self) -> int:
        return self.k

    def _support(self) -> int:
        return self.k

    def _emit(self, qmap, ctrls, vals, dag, out):
        out.add(self, qmap if len(qmap) == self.k else qmap[: self.k], ctrls, vals, dag)

    def _head(self):
        return self.name


class ConstantGate(Gate):
    """A fixed unitary; ``matrix`` is ``2**k x 2**k`` in the local bit order above."""

    __slots__ = ("matrix", "monomial")
    layer_kind = 0  # single-qubit ones are fused into layers (see _program)

    def __init__(self, name: str, matrix):
        matrix = numpy.array(matrix, dtype=complex)
        self.name, self.matrix = name, matrix
        self.k = matrix_qubits(matrix, "matrix")
        if not numpy.allclose(matrix.conj().T @ matrix, numpy.eye(len(matrix)), atol=1e-10):
            raise ValueError(f"matrix of gate {name!r} is not unitary (to 1e-10)")
        self.matrix.setflags(write=False)
        # monomial: one nonzero per row and column (X, Z, S, T, CNOT, SWAP, ...): a permutation
        # with phases, simulated by one gather
        self.monomial = bool(numpy.all(numpy.count_nonzero(numpy.abs(matrix) > 1e-14, 1) == 1))

    def _collect(self, out):
        pass

    def dagger(self) -> ConstantGate:
        if numpy.allclose(self.matrix, self.matrix.conj().T, atol=1e-15):
            return self
        return ConstantGate(self.name + "†", self.matrix.conj().T)


class ParametricGate(Gate):
    """A gate ``U(values)``; subclasses give the matrix and its derivatives.

    ``values`` is a tuple of floats (``nparams`` of them). ``sign = -1`` means the dagger,
    which for every gate here is the gate at the negated first value.
    """

    __slots__ = ("_pindex",)  # scratch of the tree walks, under blocks.SCRATCH_LOCK
    nparams = 1
    #: whether ``U^dagger dU/dvalue_j`` is independent of the values (second order needs it)
    constant_generators = True
    #: 1 (rotation), 2 (shift) or 3 (phase): single-qubit kinds the fused layers vectorize
    layer_kind: int | None = None

    def _collect(self, out):
        out.append(self)

    def _head(self):
        return f"{self.name}({', '.join(f'{v:.4g}' for v in self.values)})"

    def matrix(self, values, sign: int = 1) -> numpy.ndarray:
        """``U`` at ``values`` (or its dagger for ``sign = -1``), local ``2**k x 2**k``."""
        raise NotImplementedError

    def generators(self, values, sign: int = 1) -> list:
        """``[U^dagger dU/dvalues_j]``, one anti-Hermitian ``2**k x 2**k`` matrix per value."""
        raise NotImplementedError

    def generator_spectrum(self, controlled: bool) -> str:
        """Spectrum class of ``i U^dagger dU`` for the shift rule: "two" gap-1, "three" or ""."""
        return "two"


class _OneParameter(ParametricGate):
    """A gate with one angle ``theta`` (stored as a float: circuits hold 1e5 of these)."""

    __slots__ = ("theta",)

    @property
    def values(self) -> tuple:
        return (self.theta,)

    @values.setter
    def values(self, values):
        (self.theta,) = values


class RotationGate(_OneParameter):
    """``exp(-i theta P / 2)`` for a Hermitian ``P`` with ``P @ P = I`` (a Pauli string, say)."""

    __slots__ = ("generator",)

    def __init__(self, name: str, generator, theta: float = 0.0, *, _checked: bool = False):
        if _checked:  # a module-level Pauli matrix: skip the checks
            self.k = 1 if generator.shape[0] == 2 else matrix_qubits(generator, "generator")
        else:
            generator = numpy.array(generator, dtype=complex)
            self.k = matrix_qubits(generator, "generator")
            if not (numpy.allclose(generator, generator.conj().T, atol=1e-12) and numpy.allclose(
                    generator @ generator, numpy.eye(len(generator)), atol=1e-12)):
                raise ValueError("generator of a rotation must be Hermitian and square to the "
                                 "identity (P @ P = I), as a Pauli string does")
            generator.setflags(write=False)
        self.name, self.generator, self.theta = name, generator, check_real(theta, "theta")

    @property
    def layer_kind(self):
        return 1 if self.k == 1 else None

    def matrix(self, values, sign=1):
        half = 0.5 * sign * values[0]
        return numpy.cos(half) * numpy.eye(2**self.k) - 1j * numpy.sin(half) * self.generator

    def generators(self, values, sign=1):
        return [-0.5j * sign * self.generator]

    def generator_spectrum(self, controlled):
        return "three" if controlled else "two"


class ShiftGate(_OneParameter):
    """Phase shift ``diag(1, e^{i theta})`` (PennyLane's ``PhaseShift``, Yao's ``shift``)."""

    __slots__ = ()
    layer_kind = 2

    def __init__(self, theta: float = 0.0):
        self.name, self.k, self.theta = "shift", 1, check_real(theta, "theta")

    def matrix(self, values, sign=1):
        return numpy.diag([1.0, numpy.exp(1j * sign * values[0])])

    def generators(self, values, sign=1):
        return [numpy.diag([0.0, 1j * sign])]


class PhaseGate(_OneParameter):
    """Global phase ``e^{i theta} I`` (observable only under control)."""

    __slots__ = ()
    layer_kind = 3

    def __init__(self, theta: float = 0.0):
        self.name, self.k, self.theta = "phase", 1, check_real(theta, "theta")

    def matrix(self, values, sign=1):
        return numpy.exp(1j * sign * values[0]) * numpy.eye(2)

    def generators(self, values, sign=1):
        return [1j * sign * numpy.eye(2)]


_SQ2 = 1 / numpy.sqrt(2)
I2 = ConstantGate("I2", numpy.eye(2))
X = ConstantGate("X", [[0, 1], [1, 0]])
Y = ConstantGate("Y", [[0, -1j], [1j, 0]])
Z = ConstantGate("Z", [[1, 0], [0, -1]])
H = ConstantGate("H", [[_SQ2, _SQ2], [_SQ2, -_SQ2]])
S = ConstantGate("S", [[1, 0], [0, 1j]])
T = ConstantGate("T", [[1, 0], [0, numpy.exp(0.25j * numpy.pi)]])
Sdag = ConstantGate("Sdag", [[1, 0], [0, -1j]])
Tdag = ConstantGate("Tdag", [[1, 0], [0, numpy.exp(-0.25j * numpy.pi)]])
SWAP = ConstantGate("SWAP", numpy.eye(4)[[0, 2, 1, 3]])
#: local qubit 0 controls, local qubit 1 is flipped
CNOT = ConstantGate("CNOT", numpy.eye(4)[[0, 3, 2, 1]])
CZ = ConstantGate("CZ", numpy.diag([1, 1, 1, -1]))


def Rx(theta: float = 0.0) -> RotationGate:
    """``exp(-i theta X / 2)``."""
    return RotationGate("Rx", X.matrix, theta, _checked=True)


def Ry(theta: float = 0.0) -> RotationGate:
    """``exp(-i theta Y / 2)``."""
    return RotationGate("Ry", Y.matrix, theta, _checked=True)


def Rz(theta: float = 0.0) -> RotationGate:
    """``exp(-i theta Z / 2)``."""
    return RotationGate("Rz", Z.matrix, theta, _checked=True)


def rot(generator, theta: float = 0.0) -> RotationGate:
    """``exp(-i theta G / 2)`` for a constant block or matrix ``G`` with ``G @ G = I``.

    ``rot(kron(X, X), t)`` is the Ising XX coupling (PennyLane's ``IsingXX``).
    """
    if isinstance(generator, Block):
        name = f"rot({_label(generator)})"
        generator = generator.matrix if isinstance(generator, ConstantGate) else mat(generator)
    else:
        name = "rot"
    return RotationGate(name, generator, theta)


def shift(theta: float = 0.0) -> ShiftGate:
    """Phase shift ``diag(1, e^{i theta})``."""
    return ShiftGate(theta)


def phase(theta: float = 0.0) -> PhaseGate:
    """Global phase ``e^{i theta}``."""
    return PhaseGate(theta)


def matblock(matrix, name: str = "matblock") -> ConstantGate:
    """A constant gate from a ``2**k x 2**k`` unitary (local bit order: qubit 0 is bit 0)."""
    return ConstantGate(name, matrix)


def cnot(*args) -> Control:
    """``cnot(n, c, t)`` or ``cnot(c, t)``: ``X`` on ``t`` controlled by ``c``."""
    n, (c, t) = split_n(args, 2, "cnot(n, c, t)")
    return Control(n, c, t, X)


def _label(block):
    if isinstance(block, Gate):
        return block.name
    if isinstance(block, Kron):
        return "".join(_label(p.block) for p in block.placements)
    return type(block).__name__
