"""The transverse-field Ising chain, matrix-free: ``H = -sum_i J_i Z_i Z_{i+1} - sum_i h_i X_i``.

Periodic boundaries, ``L`` sites, states are vectors of length ``2**L`` (bit ``i`` of the
index is site ``i``, ``Z = +1`` for bit 0). :class:`TFIM` applies ``H(J, h)`` with numpy
bit tricks in O(L 2^L) time and O(2^L) extra memory, written with :mod:`wengert.numpy` so
that :func:`wengert_linalg.eigsh` differentiates it with respect to ``J`` and ``h``.
:func:`tfim_ground_energy` is the exact free-fermion ground energy of the uniform chain.
"""

from __future__ import annotations

import numpy

import wengert.numpy as np

__all__ = ["TFIM", "tfim_ground_energy", "dense_tfim"]


class TFIM:
    """Matrix-free ``H(J, h) v`` for an ``L``-site periodic chain.

    ``op = TFIM(L)``; ``op(v, J, h)`` with ``J``, ``h`` scalars (uniform) or arrays (L,)
    (bond ``i`` couples sites ``i`` and ``i+1 mod L``). ``op.n = 2**L``.
    """

    def __init__(self, sites: int):
        if not isinstance(sites, int) or sites < 2:
            raise ValueError(f"TFIM: sites must be an int >= 2, got {sites!r}")
        self.sites = sites
        self.n = 2**sites
        idx = numpy.arange(self.n)
        z = 1.0 - 2.0 * ((idx[None, :] >> numpy.arange(sites)[:, None]) & 1)  # (L, 2^L)
        self.zz = z * numpy.roll(z, -1, axis=0)  # bond i: Z_i Z_{i+1}

    def __call__(self, v, coupling, field):
        L, n = self.sites, self.n
        coupling = coupling * numpy.ones(L) if numpy.ndim(coupling) == 0 else coupling
        field = field * numpy.ones(L) if numpy.ndim(field) == 0 else field
        out = -np.dot(coupling, self.zz) * v
        for i in range(L):
            flipped = np.reshape(np.reshape(v, (2 ** (L - 1 - i), 2, 2**i))[:, ::-1, :], (n,))
            out = out - field[i] * flipped
        return out


def dense_tfim(sites: int, coupling, field):
    """The dense ``2^L x 2^L`` matrix of :class:`TFIM` (small ``L`` only), differentiable
    in ``coupling`` and ``field``: ``sum_i J_i ZZ_i + h_i X_i`` from fixed basis matrices."""
    op = TFIM(sites)
    eye = numpy.eye(op.n)
    zz = numpy.stack([numpy.diag(op.zz[i]) for i in range(sites)])
    xs = numpy.stack([numpy.stack([
        numpy.reshape(numpy.reshape(eye[:, c], (2 ** (sites - 1 - i), 2, 2**i))[:, ::-1, :],
                      (op.n,)) for c in range(op.n)], axis=1) for i in range(sites)])
    coupling = coupling * numpy.ones(sites) if numpy.ndim(coupling) == 0 else coupling
    field = field * numpy.ones(sites) if numpy.ndim(field) == 0 else field
    return -np.tensordot(coupling, zz, axes=1) - np.tensordot(field, xs, axes=1)


def tfim_ground_energy(sites: int, g):
    """Exact ground energy of ``H = -sum Z_i Z_{i+1} - g sum X_i`` (periodic, even ``L``):
    ``E0 = -sum_{n=1..L} sqrt(1 + g^2 - 2 g cos((2n - 1) pi / L))`` (even-parity sector,
    Jordan-Wigner; Pfeuty, Ann. Phys. 57, 79 (1970)). Differentiable in ``g``."""
    k = (2 * numpy.arange(1, sites + 1) - 1) * numpy.pi / sites
    return -np.sum(np.sqrt(1 + g * g - 2 * g * numpy.cos(k)))
