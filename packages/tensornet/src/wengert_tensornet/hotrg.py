"""Higher-order tensor renormalization group (Xie et al., PRB 86, 045139 (2012)).

One step contracts two neighbouring site tensors along the vertical bond and squeezes each
pair of parallel horizontal legs back to ``chi`` with an isometry ``U`` from the higher-order
SVD: the leading eigenvectors of the Gram matrix ``M M^T`` of the pair of legs (Xie et al.,
Eqs. (5)-(8)). Of the left and the right pair, the one with the smaller truncation error
``eps = sum of the discarded eigenvalues`` supplies ``U`` for both. The tensor is then
reflected about the lattice diagonal, so that steps alternate between the two directions;
after ``steps`` steps one tensor stands for ``2**steps`` sites.

Everything, the eigendecompositions included (:func:`wengert_linalg.eigh`, exact for
degenerate eigenvalues), is differentiated: ``ln Z`` has first and second derivatives with
respect to every parameter of the site tensor, in forward and reverse mode. By default each
step is a :func:`wengert.checkpoint`, so the tape holds ``O(chi^4)`` numbers per step
instead of the ``O(chi^5)`` intermediates of the ``O(chi^7)`` contraction.

The ``O(chi^7)`` contraction of a step is one primitive: its value and first-order pullback
are GEMMs on contiguous matrices laid out for each other (two transposing ``chi^5`` copies
each way; value and gradient of the contraction ~20% faster than tensordot by tensordot
at chi = 20); forward mode and higher derivatives differentiate the three-tensordot
reference rule instead.
"""

from __future__ import annotations

import numpy
from autograd.tracer import getval, isbox

import wengert
import wengert.numpy as np
from wengert_tensornet import _linalg
from wengert_tensornet._common import check_chi, check_site_tensor, check_steps, rg_ln_z

__all__ = ["hotrg"]


def _gram_left(t):
    """``G[(l1 l2), (l1' l2')]`` of the left legs of two tensors stacked vertically.

    ``M[u, l1, l2, d, r1, r2] = sum_i t[u, l1, i, r1] t[i, l2, d, r2]`` and ``G = M M^T``
    over the left legs, computed without forming ``M`` (cost ``chi^6``).
    """
    dl = t.shape[1]
    upper = np.tensordot(t, t, axes=([0, 3], [0, 3]))  # (l1, i, l1', i')
    lower = np.tensordot(t, t, axes=([2, 3], [2, 3]))  # (i, l2, i', l2')
    g = np.tensordot(upper, lower, axes=([1, 3], [0, 2]))  # (l1, l1', l2, l2')
    return np.reshape(np.transpose(g, (0, 2, 1, 3)), (dl * dl, dl * dl))


def _reflect_lr(t):
    """The tensor mirrored left <-> right: ``t[u, r, d, l]``."""
    return np.transpose(t, (0, 3, 2, 1))


def _isometry(t, chi, rtol):
    """The (l1 l2, k) isometry of Xie et al. from the left legs, or the right if better."""
    grams = (_gram_left(t), _gram_left(_reflect_lr(t)))
    eps = []
    for g in grams:
        w = numpy.linalg.eigvalsh(getval(g))[::-1]
        eps.append(numpy.sum(w[_linalg.kept(w, chi, rtol) :]))
    # ties (mirror-symmetric tensors, up to a gauge) go to the left pair
    gram = grams[1] if eps[1] < eps[0] * (1.0 - 1e-8) else grams[0]
    w, v = _linalg.eigh(gram)
    k = _linalg.kept(getval(w)[::-1], chi, rtol)
    return v[:, v.shape[1] - k :]


def _coarse_reference(u, t):
    """``t'[k, u, d, k'] = U[l1, l2, k] t[u, l1, i, r1] t[i, l2, d, r2] U[r1, r2, k']``.

    Three tensordots (cost ``chi^7``), traced operation by operation: the rule that
    forward mode and higher derivatives differentiate.
    """
    x = np.tensordot(u, t, axes=([0], [1]))  # (l2, k, u, i, r1)
    y = np.tensordot(x, t, axes=([0, 3], [1, 0]))  # (k, u, r1, d, r2)
    return np.tensordot(y, u, axes=([2, 4], [0, 1]))  # (k, u, d, k')


# OpenBLAS runs a (chi^3 x chi^2) @ (chi^2 x chi^2) product ~1.4x faster when it writes the
# transposed result, a C-contiguous (chi^2, chi^3) matrix (chi = 20, one thread: 34 ms
# instead of 48 ms; MKL takes ~36 ms either way): both chi^7 GEMMs with a chi^3 x chi^2
# result are therefore computed transposed, and the layouts around them follow.


def _coarse_forward(u, t):
    """:func:`_coarse_reference` as three GEMMs on contiguous matrices (plain numpy), with
    the two ``chi^5`` intermediates the pullback needs, already in its layouts."""
    dl, k = u.shape[0], u.shape[2]
    du, dd, dr = t.shape[0], t.shape[2], t.shape[3]
    t_l = numpy.ascontiguousarray(numpy.transpose(t, (1, 0, 2, 3)))  # (l, u, d, r)
    x = u.reshape(dl, dl * k).T @ t_l.reshape(dl, du * dd * dr)  # ((l2 k), (u i r1))
    xp_t = x.reshape(dl, k, du, dd, dr).transpose(0, 3, 1, 2, 4).reshape(dl * dd, k * du * dr)
    y_t = t_l.reshape(dl * du, dd * dr).T @ xp_t  # ((d r2), (k u r1)), the chi^7 product
    yp = y_t.reshape(dd, dr, k, du, dr).transpose(2, 3, 0, 4, 1).reshape(k * du * dd, dr * dr)
    out = (yp @ u.reshape(dr * dr, k)).reshape(k, du, dd, k)
    return out, (t_l, xp_t, yp)


def _coarse_pullback(u, t, residuals, g):
    """``(u_bar, t_bar)`` of :func:`_coarse_reference` (first order, plain numpy): five
    GEMMs (two of cost ``chi^7``) and two ``chi^5`` transposing copies."""
    t_l, xp_t, yp = residuals
    dl, k = u.shape[0], u.shape[2]
    du, dd, dr = t.shape[0], t.shape[2], t.shape[3]
    tm = t_l.reshape(dl * du, dd * dr)
    gm = numpy.ascontiguousarray(g).reshape(k * du * dd, k)
    u_bar = (yp.T @ gm).reshape(dl, dl, k)  # second U: (r1, r2, k')
    y_bar = (gm @ u.reshape(dr * dr, k).T).reshape(k, du, dd, dr, dr)
    y_bar_t = y_bar.transpose(2, 4, 0, 1, 3).reshape(dd * dr, k * du * dr)  # ((d r2), (k u r1))
    t_bar = xp_t @ y_bar_t.T  # lower t: ((l2 i), (d r2))
    x_bar_t = (tm @ y_bar_t).reshape(dl, dd, k, du, dr)  # ((l2 i), (k u r1)), transposed
    x_bar = x_bar_t.transpose(0, 2, 3, 1, 4).reshape(dl * k, du * dd * dr)  # ((l2 k), (u i r1))
    u_bar = u_bar + (t_l.reshape(dl, du * dd * dr) @ x_bar.T).reshape(dl, dl, k)  # first U
    t_bar = t_bar + (u.reshape(dl, dl * k) @ x_bar).reshape(dl * du, dd * dr)  # upper t
    return u_bar, numpy.transpose(t_bar.reshape(dl, du, dd, dr), (1, 0, 2, 3))


@wengert.custom_vjp
def _coarse(u, t):
    """The coarse tensor ``(k, u, d, k')`` of one step: one node when traced, with the
    layout-aware first-order pullback of :func:`_coarse_pullback` (forward mode and higher
    orders differentiate :func:`_coarse_reference`)."""
    if isbox(u) or isbox(t):  # forward mode differentiates this function itself
        return _coarse_reference(u, t)
    return _coarse_forward(u, t)[0]


def _coarse_fwd(u, t):
    if isbox(u) or isbox(t):  # a nested trace level: the reference rule, traced
        return _coarse_reference(u, t), (u, t, None)
    out, residuals = _coarse_forward(u, t)
    return out, (u, t, residuals)


def _coarse_bwd(res, g):
    u, t, residuals = res
    if residuals is None or isbox(g):  # differentiated again: pull back the reference
        return wengert.vjp(_coarse_reference, u, t)[1](g)
    return _coarse_pullback(u, t, residuals, g)


_coarse.defvjp(_coarse_fwd, _coarse_bwd)


def _step(t, chi, rtol):
    """One HOTRG step: contract two tensors vertically, truncate, reflect.

    :returns: the coarse tensor (not normalized), reflected about the diagonal
        (``(up, left, down, right) -> (left, up, right, down)``) for the next step.
    """
    dl = t.shape[1]
    u = _isometry(t, chi, rtol)
    u = np.reshape(u, (dl, dl, u.shape[1]))  # (l1, l2, l')
    t_new = _coarse(u, t)  # (l', u, d, r')
    # (l', u, d, r') -> reflected about the diagonal: (up, left, down, right) = (l', u, r', d)
    return np.transpose(t_new, (0, 1, 3, 2))


def hotrg(
    tensor, chi: int, steps: int, *, rtol: float = _linalg.ZERO_RTOL, checkpoint: bool = True
):
    """``ln Z`` per site of the infinite square lattice of ``tensor`` by HOTRG.

    :param tensor: site tensor, shape (D, D', D, D'), index order ``(up, left, down, right)``
        (e.g. :func:`wengert_tensornet.ising_tensor`); differentiable, to second order.
    :param chi: maximal bond dimension kept (>= 1). Fewer are kept where the spectrum has
        fewer non-zero values (below ``rtol`` of the largest) or where ``chi`` would cut
        through a multiplet.
    :param steps: number of RG steps; the result is that of a torus of ``2**steps`` sites
        (``32`` is the thermodynamic limit to double precision even at ``T_c``).
    :param rtol: eigenvalues of the Gram matrices below ``rtol`` of the largest are dropped.
    :param checkpoint: recompute each step in the backward pass (reverse mode then keeps
        ``O(chi^4)`` numbers per step instead of the step's larger intermediates);
        turn off for forward mode (:func:`wengert.taylor`, :func:`wengert.jvp`), which
        keeps no tape and would only pay for the recomputation.
    :returns: ``ln Z / N``, a scalar (``ln`` of the contraction of ``N`` copies of ``tensor``
        on the torus, divided by ``N``).

    >>> from wengert_tensornet import hotrg, ising_tensor
    >>> round(float(hotrg(ising_tensor(1 / 3), chi=16, steps=20)), 9)   # Onsager: 0.815882732
    0.815882731
    """
    check_site_tensor(tensor, "hotrg")
    chi, steps = check_chi(chi, "hotrg"), check_steps(steps, "hotrg")
    return rg_ln_z(tensor, lambda t: _step(t, chi, rtol), steps, checkpoint)
