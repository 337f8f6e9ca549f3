"""Time evolution ``exp(-i H t)`` as a block, differentiable in ``t`` and in ``H``'s coefficients.

``time_evolution(h, t)`` acts on the ``h.n`` qubits of the Pauli sum ``h`` (place it with
``put``). Its matrix comes from the eigendecomposition ``H = V diag(w) V^dagger`` of the
dense ``2**k x 2**k`` matrix (``k <= 12``). Derivatives:

* in ``t``: ``dU/dt = -i H U``, a constant generator, so first and second derivatives work;
* in the coefficients ``c_k`` (``coefficients=True`` makes them parameters, after ``t``):
  the Daleckii-Krein formula ``dU = V (F o (V^dagger P_k V)) V^dagger`` with the divided
  differences ``F_ij = (f(w_i) - f(w_j)) / (w_i - w_j)`` of ``f(w) = exp(-i t w)``, written
  as ``-i t exp(-i t (w_i + w_j)/2) sinc(t (w_i - w_j)/2)`` so that it stays exact at
  degenerate eigenvalues. First derivatives only (the generator depends on ``c``).

>>> import numpy
>>> from wengert_quantum import time_evolution, pauli_sum
>>> u = time_evolution(pauli_sum({"Z0": 1.0}), numpy.pi / 2).mat()
>>> numpy.round(u.diagonal(), 6)   # exp(-i pi/2 Z) = diag(-i, i)
array([0.-1.j, 0.+1.j])
"""

from __future__ import annotations

import numpy

from wengert_quantum.blocks import check_real
from wengert_quantum.gates import ParametricGate
from wengert_quantum.observables import PauliSum

__all__ = ["TimeEvolution", "time_evolution"]

_MAX_QUBITS = 12


class TimeEvolution(ParametricGate):
    """``exp(-i t H)`` with ``H = sum_k c_k P_k`` (a :class:`PauliSum` on ``k`` qubits)."""

    __slots__ = ("hamiltonian", "trainable", "_eig", "_values")

    def __init__(self, hamiltonian: PauliSum, t: float, coefficients: bool = False):
        if not isinstance(hamiltonian, PauliSum):
            raise TypeError(f"hamiltonian must be a PauliSum, got {type(hamiltonian).__name__}")
        if hamiltonian.n > _MAX_QUBITS:
            raise ValueError(f"time_evolution forms the dense matrix: hamiltonian.n must be <= "
                             f"{_MAX_QUBITS}, got {hamiltonian.n}")
        self.name, self.k, self.hamiltonian = "time_evolution", hamiltonian.n, hamiltonian
        self.trainable = bool(coefficients)
        extra = tuple(hamiltonian.coefficients) if self.trainable else ()
        self._values = (check_real(t, "t"),) + extra
        self._eig = None

    @property
    def values(self) -> tuple:
        return self._values

    @values.setter
    def values(self, values):
        self._values = tuple(values)

    @property
    def nparams(self):
        return 1 + (len(self.hamiltonian.terms) if self.trainable else 0)

    @property
    def constant_generators(self):
        return not self.trainable

    def generator_spectrum(self, controlled):
        return ""  # a general spectrum: no parameter-shift rule

    def _decomposition(self, values):
        coeffs = tuple(values[1:]) if self.trainable else None
        if self._eig is None or self._eig[0] != coeffs:
            h = self.hamiltonian if coeffs is None else self.hamiltonian.with_coefficients(coeffs)
            dense = h.dense()
            w, v = numpy.linalg.eigh(dense)
            self._eig = (coeffs, dense, w, v)
        return self._eig[1:]

    def matrix(self, values, sign=1):
        _, w, v = self._decomposition(values)
        tau = sign * float(values[0])
        return (v * numpy.exp(-1j * tau * w)) @ v.conj().T

    def generators(self, values, sign=1):
        dense, w, v = self._decomposition(values)
        gens = [-1j * sign * dense]
        if self.trainable:
            tau = sign * float(values[0])
            mean, gap = (w[:, None] + w[None, :]) / 2, (w[:, None] - w[None, :]) / 2
            F = -1j * tau * numpy.exp(-1j * tau * mean) * numpy.sinc(tau * gap / numpy.pi)
            u_dag = (v * numpy.exp(1j * tau * w)) @ v.conj().T
            for p in self.hamiltonian.term_matrices():
                pv = v.conj().T @ (p @ v)
                gens.append(u_dag @ (v @ (F * pv) @ v.conj().T))
        return gens


def time_evolution(hamiltonian: PauliSum, t: float, coefficients: bool = False) -> TimeEvolution:
    """The block ``exp(-i t H)`` on ``hamiltonian.n`` qubits.

    :param t: time (units of 1/energy of ``H``); a parameter of the block.
    :param coefficients: also make ``H``'s coefficients parameters (after ``t``, in the
        order of ``hamiltonian.terms``); first derivatives only.
    """
    return TimeEvolution(hamiltonian, t, coefficients)
