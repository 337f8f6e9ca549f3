"""Tensor renormalization group of Levin and Nave (PRL 99, 120601 (2007)).

Each step splits every site tensor along one diagonal by a truncated SVD,
``T[(u l), (d r)] ~ S1[u, l, k] S3[d, r, k]`` on one sublattice and
``T[(l d), (u r)] ~ S2[l, d, k] S4[u, r, k]`` on the other (``S = U sqrt(s)``,
``V sqrt(s)``), and contracts the four half-tensors around each plaquette into the tensor
of a lattice rotated by 45 degrees with half as many sites (tensorgrad's ``trg.py``
layout). Singular values below ``rtol`` of the largest are dropped before ``sqrt`` (the Z2
symmetry of the Ising tensor makes half of them exactly zero at the first step), and
``chi`` never cuts through a multiplet. Differentiable to second order through
:func:`wengert_linalg.svd`, whose truncated backward keeps the coupling to the discarded
singular values.
"""

from __future__ import annotations

from autograd.tracer import getval

import wengert.numpy as np
from wengert_tensornet import _linalg
from wengert_tensornet._common import check_chi, check_site_tensor, check_steps, rg_ln_z

__all__ = ["trg"]


def _split(matrix, shape, chi, rtol):
    """``matrix ~ (U sqrt s) (V sqrt s)^T``: the two halves, shapes ``shape + (k,)``."""
    u, s, vh = _linalg.svd(matrix)
    k = _linalg.kept(getval(s), chi, rtol)
    root = np.sqrt(s[:k])
    left = np.reshape(u[:, :k] * root, shape[:2] + (k,))
    right = np.reshape(np.transpose(vh[:k]) * root, shape[2:] + (k,))
    return left, right


def _step(t, chi, rtol):
    """One TRG step: ``T[u, l, d, r]`` -> the (unnormalized) tensor of the rotated lattice."""
    du, dl = t.shape[0], t.shape[1]
    s1, s3 = _split(np.reshape(t, (du * dl, du * dl)), (du, dl, du, dl), chi, rtol)
    s2, s4 = _split(np.reshape(np.transpose(t, (1, 2, 0, 3)), (dl * du, du * dl)),
                    (dl, du, du, dl), chi, rtol)
    # T'[u, l, d, r] = sum S2[x, w, u] S3[y, x, l] S4[y, z, d] S1[w, z, r]
    x = np.tensordot(s2, s3, axes=([0], [1]))  # (w, u, y, l)
    x = np.tensordot(x, s4, axes=([2], [0]))  # (w, u, l, z, d)
    x = np.tensordot(x, s1, axes=([0, 3], [0, 1]))  # (u, l, d, r)
    return x


def trg(tensor, chi: int, steps: int, *, rtol: float = _linalg.ZERO_RTOL,
          checkpoint: bool = True):
    """``ln Z`` per site of the infinite square lattice of ``tensor`` by Levin-Nave TRG.

    :param tensor: site tensor, shape (D, D', D, D'), index order ``(up, left, down, right)``
        (e.g. :func:`wengert_tensornet.ising_tensor`); differentiable, to second order.
    :param chi: maximal bond dimension kept (>= 1).
    :param steps: number of RG steps; each halves the number of sites, so the result is
        that of a torus of ``2**steps`` sites.
    :param rtol: singular values below ``rtol`` of the largest are dropped.
    :param checkpoint: recompute each step in the backward pass (reverse mode then keeps
        ``O(chi^4)`` numbers per step instead of the step's larger intermediates);
        turn off for forward mode (:func:`wengert.taylor`, :func:`wengert.jvp`), which
        keeps no tape and would only pay for the recomputation.
    :returns: ``ln Z / N``, a scalar.

    >>> from wengert_tensornet import trg, ising_tensor
    >>> round(float(trg(ising_tensor(1 / 3), chi=16, steps=20)), 7)   # Onsager: 0.8158827
    0.8158827
    """
    check_site_tensor(tensor, "trg")
    chi, steps = check_chi(chi, "trg"), check_steps(steps, "trg")
    return rg_ln_z(tensor, lambda t: _step(t, chi, rtol), steps, checkpoint)
