"""Site tensors of classical lattice models on the square lattice.

The partition function ``Z = sum_{s} prod_<ij> Q(s_i, s_j) prod_i w(s_i)`` is written as
the contraction of one rank-4 tensor per site,

    T[u, l, d, r] = sum_s w(s) W[s, u] W[s, l] W[s, d] W[s, r],    W W^T = Q,

so that each bond carries ``sum_k W[s_i, k] W[s_j, k] = Q(s_i, s_j)``. Index order of every
site tensor in this package: ``(up, left, down, right)``, as in tensorgrad. ``W`` is the
symmetric square root of ``Q``, so ``T`` is invariant under all permutations of its legs
(the lattice's full C4v symmetry and more).
"""

from __future__ import annotations

import numpy
from autograd.tracer import getval

import wengert.numpy as np
from wengert_tensornet import _linalg

__all__ = ["ising_tensor", "site_tensor"]


def _four_legs(w, site):
    """``T[u, l, d, r] = sum_s site[s] W[s, u] W[s, l] W[s, d] W[s, r]`` for ``W`` (q, k)."""
    ww = w[:, :, None] * w[:, None, :]  # (s, u, l)
    pair = ww * site[:, None, None]
    q, k = w.shape[0], w.shape[1]
    t = np.dot(np.transpose(np.reshape(pair, (q, k * k))), np.reshape(ww, (q, k * k)))
    return np.reshape(t, (k, k, k, k))


def ising_tensor(beta, h=0.0):
    """Site tensor of the ferromagnetic Ising model ``H = -sum_<ij> s_i s_j - h sum_i s_i``.

    :param beta: inverse temperature ``1/T`` (``J = k_B = 1``), a positive scalar;
        differentiable (any order, forward and reverse).
    :param h: magnetic field in units of ``J``; differentiable.
    :returns: ``T`` of shape (2, 2, 2, 2), index order ``(up, left, down, right)``, with
        ``W = [[sqrt(cosh beta), sqrt(sinh beta)], [sqrt(cosh beta), -sqrt(sinh beta)]]``
        (rows ``s = +1, -1``; ``W W^T = exp(beta s s')``) and site weight ``exp(beta h s)``.
        Contracting ``N`` copies on a torus gives ``Z``; :func:`wengert_tensornet.hotrg`
        returns ``ln Z / N``.
    :raises ValueError: ``beta <= 0``.

    >>> import numpy
    >>> t = ising_tensor(0.5)
    >>> round(float(numpy.einsum("ulul->", numpy.asarray(t))), 10)   # one site, 1x1 torus
    5.4365636569
    """
    if numpy.ndim(getval(beta)) != 0 or not float(getval(beta)) > 0:
        raise ValueError(f"ising_tensor: beta must be a positive scalar, got {getval(beta)!r}")
    if numpy.ndim(getval(h)) != 0:
        raise ValueError(f"ising_tensor: h must be a scalar, got shape {numpy.shape(getval(h))}")
    c, s = np.sqrt(np.cosh(beta)), np.sqrt(np.sinh(beta))
    w = np.stack([np.stack([c, s]), np.stack([c, -s])])
    site = np.exp(np.stack([beta * h, -beta * h]))
    return _four_legs(w, site)


def site_tensor(bond_weight, site_weight=None):
    """Site tensor of a general classical model with ``q`` states per site.

    :param bond_weight: (q, q) symmetric positive semidefinite matrix of Boltzmann weights
        ``Q[s, s'] = exp(-beta E_bond(s, s'))`` (e.g. the ``q``-state Potts model:
        ``exp(beta * eye(q))``); differentiable. Its square root ``W = Q^{1/2}`` comes from
        :func:`wengert_linalg.sqrtm`, exact through degenerate eigenvalues.
    :param site_weight: (q,) positive weights ``exp(-beta E_site(s))``; ones if omitted.
    :returns: ``T`` of shape (q, q, q, q), index order ``(up, left, down, right)``.
    :raises ValueError: a non-square or non-symmetric ``bond_weight``, or a
        ``site_weight`` of the wrong shape.
    """
    qv = numpy.asarray(getval(bond_weight))
    if qv.ndim != 2 or qv.shape[0] != qv.shape[1]:
        raise ValueError(f"site_tensor: bond_weight must be a square matrix, got {qv.shape}")
    if not numpy.allclose(qv, qv.T, rtol=1e-12, atol=0.0):
        raise ValueError("site_tensor: bond_weight must be symmetric")
    q = qv.shape[0]
    if site_weight is None:
        site_weight = numpy.ones(q)
    if numpy.shape(getval(site_weight)) != (q,):
        raise ValueError(f"site_tensor: site_weight must have shape ({q},), "
                         f"got {numpy.shape(getval(site_weight))}")
    return _four_legs(_linalg.sqrtm(bond_weight), site_weight)
