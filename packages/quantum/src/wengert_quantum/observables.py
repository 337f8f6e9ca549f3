"""Observables: real linear combinations of Pauli strings, and the model Hamiltonians.

A Pauli string is a tuple of ``(qubit, letter)`` pairs (letters ``X``, ``Y``, ``Z``; the
identity is the empty tuple); strings are written ``"X0 X1"``, ``"Z3"`` or ``""``. Bit order
as everywhere in this package: qubit 0 is the least significant bit of the basis index.

>>> from wengert_quantum import pauli_sum, heisenberg
>>> h = pauli_sum({"Z0 Z1": 1.0, "X0": 0.5})
>>> h.n, len(h.terms)
(2, 2)
>>> float(heisenberg(4).ground_energy())   # 4-site ring, exact: -8
-8.0
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy
import scipy.sparse
import scipy.sparse.linalg

__all__ = ["PauliSum", "pauli_sum", "heisenberg", "tfim"]

_LETTERS = "XYZ"


class PauliSum:
    """``H = sum_k c_k P_k`` on ``n`` qubits, real ``c_k`` (so ``H`` is Hermitian).

    :param terms: iterable of ``(coefficient, word)``, ``word`` a string ``"X0 Y2"``, a dict
        ``{qubit: letter}`` or a tuple of ``(qubit, letter)``; equal words are merged.
    :param n: number of qubits (default: one more than the highest qubit named).
    """

    __slots__ = ("n", "terms", "_sparse", "_resized")

    def __init__(self, terms: Iterable, n: int | None = None):
        merged: dict = {}
        for item in terms:
            try:
                coeff, word = item
            except (TypeError, ValueError):
                raise TypeError(f"terms must be (coefficient, word) pairs, got {item!r}") from None
            if numpy.iscomplexobj(coeff) or numpy.ndim(coeff) != 0:
                raise TypeError(f"coefficient of {word!r} must be a real number (H Hermitian)")
            word = _parse_word(word)
            merged[word] = merged.get(word, 0.0) + float(coeff)
        self.terms = tuple((c, w) for w, c in merged.items())
        top = max((q + 1 for _, w in self.terms for q, _ in w), default=1)
        if n is not None and (not isinstance(n, (int, numpy.integer)) or n < top):
            raise ValueError(f"n must be an int >= {top} (the qubits named), got {n!r}")
        self.n = top if n is None else int(n)
        self._sparse, self._resized = None, {}

    # ----------------------------------------------------------------- algebra

    def __add__(self, other):
        if isinstance(other, (int, float)) and other == 0:
            return self
        if not isinstance(other, PauliSum):
            return NotImplemented
        return PauliSum(self.terms + other.terms, max(self.n, other.n))

    __radd__ = __add__

    def __mul__(self, scale):
        if not isinstance(scale, (int, float, numpy.floating, numpy.integer)):
            return NotImplemented
        return PauliSum([(c * float(scale), w) for c, w in self.terms], self.n)

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    @property
    def coefficients(self) -> numpy.ndarray:
        """The coefficients ``c_k``, shape ``(len(terms),)``."""
        return numpy.array([c for c, _ in self.terms])

    def with_coefficients(self, coefficients) -> PauliSum:
        """The same Pauli strings with new coefficients."""
        coefficients = numpy.asarray(coefficients, dtype=float)
        if coefficients.shape != (len(self.terms),):
            raise ValueError(f"coefficients must have shape ({len(self.terms)},), "
                             f"got {coefficients.shape}")
        return PauliSum(zip(coefficients, (w for _, w in self.terms)), self.n)

    def resized(self, n: int) -> PauliSum:
        """The same operator on a larger register of ``n`` qubits (cached)."""
        if n not in self._resized:
            self._resized[n] = PauliSum(self.terms, n)
        return self._resized[n]

    # ----------------------------------------------------------------- matrices

    def sparse(self) -> scipy.sparse.csr_matrix:
        """The ``2**n x 2**n`` matrix in CSR form (cached)."""
        if self._sparse is None:
            self._sparse = _to_sparse(self.terms, self.n)
        return self._sparse

    def dense(self) -> numpy.ndarray:
        """The dense ``2**n x 2**n`` matrix."""
        return self.sparse().toarray()

    def term_matrices(self) -> list:
        """Each ``P_k`` as a sparse matrix (coefficient 1)."""
        return [_to_sparse([(1.0, w)], self.n) for _, w in self.terms]

    def apply(self, states: numpy.ndarray) -> numpy.ndarray:
        """``H |psi_b>`` for states of shape ``(B, 2**n)``."""
        return numpy.ascontiguousarray((self.sparse() @ states.T).T)

    def ground_energy(self) -> float:
        """Lowest eigenvalue (dense ``eigvalsh`` up to 10 qubits, Lanczos above)."""
        if self.n <= 10:
            return float(numpy.linalg.eigvalsh(self.dense())[0])
        w = scipy.sparse.linalg.eigsh(self.sparse(), k=1, which="SA", tol=1e-12)[0]
        return float(w[0])

    def __repr__(self) -> str:
        shown = " + ".join(f"{c:g}*{_word_str(w) or 'I'}" for c, w in self.terms[:6])
        more = f" + ... ({len(self.terms)} terms)" if len(self.terms) > 6 else ""
        return f"PauliSum(n={self.n}: {shown}{more})"


def pauli_sum(terms, n: int | None = None) -> PauliSum:
    """A :class:`PauliSum` from ``{word: coefficient}`` or ``[(coefficient, word), ...]``."""
    if isinstance(terms, dict):
        terms = [(c, w) for w, c in terms.items()]
    return PauliSum(terms, n)


def heisenberg(n: int, periodic: bool = True) -> PauliSum:
    """``sum_i X_i X_{i+1} + Y_i Y_{i+1} + Z_i Z_{i+1}`` (Pauli matrices, no 1/4).

    Bonds ``i -> i+1 (mod n)`` for ``i < n`` (periodic) or ``i < n - 1``, exactly as Yao's
    ``heisenberg(n; periodic)`` (so ``n = 2`` periodic counts its bond twice).
    """
    _check_sites(n, "n")
    bonds = range(n if periodic else n - 1)
    return PauliSum([(1.0, ((i, a), ((i + 1) % n, a))) for i in bonds for a in _LETTERS], n)


def tfim(n: int, h: float, periodic: bool = True) -> PauliSum:
    """Transverse-field Ising chain ``-sum_i Z_i Z_{i+1} - h sum_i X_i``.

    Ferromagnetic sign convention (Yao's ``transverse_ising`` uses ``+ZZ + hX``; the spectra
    agree for even periodic ``n``). For periodic ``n`` and ``h > 0`` the ground energy is
    ``-sum_k sqrt(1 + h^2 - 2 h cos((2k-1) pi / n))``, ``k = 1..n`` (free fermions).
    """
    _check_sites(n, "n")
    if numpy.iscomplexobj(h) or numpy.ndim(h) != 0:
        raise TypeError(f"h must be a real number, got {h!r}")
    bonds = range(n if periodic else n - 1)
    zz = [(-1.0, ((i, "Z"), ((i + 1) % n, "Z"))) for i in bonds]
    return PauliSum(zz + [(-float(h), ((i, "X"),)) for i in range(n)], n)


class Projector:
    """``|t_b><t_b|`` for target states of shape ``(N,)`` or ``(B, N)`` (fidelity's observable)."""

    __slots__ = ("target", "n")

    def __init__(self, target):
        self.target = numpy.asarray(target, dtype=complex)
        self.n = int(numpy.log2(self.target.shape[-1]))

    def apply(self, states):
        target = numpy.broadcast_to(self.target, states.shape)
        overlap = numpy.einsum("bi,bi->b", target.conj(), states)
        return target * overlap[:, None]


# ===================================================================== helpers


def _parse_word(word) -> tuple:
    if isinstance(word, str):
        pairs = []
        for token in word.split():
            letter, qubit = token[0].upper(), token[1:]
            if not qubit.isdigit():
                raise ValueError(f"Pauli word {word!r}: expected tokens like 'X0 Z3', "
                                 f"got {token!r}")
            pairs.append((int(qubit), letter))
    elif isinstance(word, dict):
        pairs = list(word.items())
    else:
        pairs = list(word)
    pairs = [(int(q), str(a).upper()) for q, a in pairs if str(a).upper() != "I"]
    qubits = [q for q, _ in pairs]
    if any(a not in _LETTERS for _, a in pairs) or len(set(qubits)) != len(qubits) or any(
            q < 0 for q in qubits):
        raise ValueError(f"Pauli word {word!r}: letters must be X, Y, Z (or I) on distinct qubits")
    return tuple(sorted(pairs))


def _word_str(word) -> str:
    return " ".join(f"{a}{q}" for q, a in word)


def _masks(word) -> tuple[int, int, int]:
    xmask = sum(1 << q for q, a in word if a in "XY")
    zmask = sum(1 << q for q, a in word if a in "YZ")
    return xmask, zmask, sum(a == "Y" for _, a in word)


def _parity(x: numpy.ndarray) -> numpy.ndarray:
    x = x.copy()
    shift = 32
    while shift:
        x ^= x >> shift
        shift //= 2
    return x & 1


def _to_sparse(terms, n: int) -> scipy.sparse.csr_matrix:
    """CSR of ``sum c P``: ``P|j> = i^{nY} (-1)^{popcount(j & zmask)} |j ^ xmask>``."""
    dim = 2**n
    cols = numpy.arange(dim, dtype=numpy.int64)
    by_xmask: dict = {}
    for coeff, word in terms:
        xmask, zmask, ny = _masks(word)
        sign = 1 - 2 * _parity(cols & zmask)
        by_xmask[xmask] = by_xmask.get(xmask, 0) + coeff * (1j**ny) * sign
    rows, cs, data = [], [], []
    for xmask, values in by_xmask.items():
        rows.append(cols ^ xmask)
        cs.append(cols)
        data.append(values)
    data = numpy.concatenate(data) if data else numpy.zeros(0)
    if numpy.all(numpy.imag(data) == 0):
        data = numpy.real(data)
    coo = scipy.sparse.coo_matrix(
        (data, (numpy.concatenate(rows or [cols[:0]]), numpy.concatenate(cs or [cols[:0]]))),
        shape=(dim, dim),
    )
    matrix = coo.tocsr()
    matrix.eliminate_zeros()
    return matrix


def _check_sites(n, what):
    if not isinstance(n, (int, numpy.integer)) or n < 2:
        raise ValueError(f"{what} must be an int >= 2, got {n!r}")
