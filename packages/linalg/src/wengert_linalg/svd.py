"""``linalg.svd``: singular value decomposition, real and complex, tall and wide, full,
thin or truncated to ``k``.

``svd(a, k=None, full_matrices=False) -> (u, s, vh)`` in numpy's convention
(``a = u @ diag(s) @ vh``, ``s`` descending); with ``k`` only the ``k`` largest triplets
are returned.

Derivative rules (Townsend 2016; Wan & Zhang 2019; Seeger et al. 2017), standard
convention ``G_std = conj(G_autograd)``, ``F_ij = 1/(s_j^2 - s_i^2)``, ``M = U^H U_bar``,
``N = V^H V_bar``::

    P_bar = (F o (M - M^H)) S + S (F o (N - N^H)) + diag(s_bar) + i Im diag(M - N) / (2S)
          = [E o (K_M + K_N) + G o (K_M - K_N)] / 2 + ...,  K_M = M - M^H, K_N = N - N^H
    A_bar = U P_bar V^H + (I - U U^H) U_bar S+ V^H + U S+ V_bar^H (I - V V^H)
            - U_perp U_perp_bar^H U S+ V^H - U S+ V^H V_perp_bar V_perp^H     (full_matrices)

* Truncation. The rule is applied to the full thin decomposition, with zero cotangents for
  the discarded triplets: the kept-discarded block of ``F`` (``1/(s_j^2 - s_i^2)``, ``i``
  kept, ``j`` discarded) is the diagonalized solution of the Sylvester equation that
  couples the kept vectors to the discarded subspace (Francuz et al., PRR 7, 013237
  (2025)). A backward from the kept triplets alone drops it (10% off on a 12x9, k=4 case).
  The truncation is a slice taken after the (one) SVD node, so this costs no second SVD.
* Degeneracy: ``F = 1/(s_j^2 - s_i^2)`` is split as ``E_ij = 1/(s_j - s_i)`` and
  ``G_ij = 1/(s_j + s_i)``; only ``E`` is singular, and it multiplies ``K_M + K_N``, which
  vanishes inside a multiplet for any loss invariant under the joint rotation
  ``U_G -> U_G Q, V_G -> V_G Q``. So pairs with ``|s_i - s_j| <= degeneracy_rtol * s_max``
  get ``E_ij = 0`` while ``G`` (the relative rotation of U against V, e.g. of the polar
  factor ``U_G V_G^H``) is kept: exact, never NaN, for such losses (projectors, polar
  factors, subspaces of a multiplet, symmetric functions of its values). A reconstruction
  ``U f(S) V^H`` weights each vector of a multiplet by its own value: its exact gradient at
  exact degeneracy contains the 0/0 limit ``f'(s) (U^H G V)_ij`` that no cotangent carries
  (as for ``V f(W) V^H`` in :mod:`wengert_linalg.eigh`); use :func:`lowrank` (a
  Daleckii-Krein matrix function) for ``U_k S_k V_k^H``.
* Rank deficiency: ``S+`` is the pseudo-inverse (``1/s`` above ``4 p eps s_max``, else 0).
  A zero singular value itself has a kink; smooth functions (s^2, reconstructions, range
  projectors) are differentiated exactly.
* Second and higher order. Differentiating the rules above through the individual vectors
  and values of a multiplet or of zero singular values is wrong (2-50% in the tests): the
  perturbed values are the singular values of the whole block ``U_G^H dA V_G``, the left and
  right vectors of a zero value rotate independently, and ``(I - U U^H) dA V S+`` drops their
  ``1/s``. So when a rule is itself being differentiated (an argument is an autograd box) and
  the spectrum holds a multiplet or a zero value, each nonzero group ``G`` is coupled to its
  complement through the smooth ``A_G' = (I - U_G U_G^H) A`` and ``Sigma_G = U_G^H A V_G``
  by the Sylvester equation of the truncated-SVD adjoint (Francuz et al. 2025), solved in
  the eigenbasis of ``A_G'`` by a primitive whose rules are resolvent identities (same
  value, same cost order; first-order calls keep the rules above). Exact to any order for
  smooth gauge-invariant losses of the nonzero triplets: truncations ``U_k S_k V_k^H`` with
  discarded zeros or multiplets, split factors ``U_k sqrt(S_k)``, ``s_k^2``, range and
  multiplet projectors. Not exact at second order: losses through the vectors of zero
  values, and the relative phase/rotation of U against V inside a *complex* multiplet
  (polar factor ``U_G V_G^H``).
* Gauge: the joint phase ``U -> U L, V -> V L`` of complex vectors is fixed only up to the
  loss: a loss with ``Im diag(M + N) != 0`` (or one depending on the basis inside a
  multiplet or inside the ``full_matrices`` complements) raises :class:`GaugeError`.
"""

from __future__ import annotations

import numpy
import scipy.linalg
from autograd.extend import defjvp_argnums, defvjp_argnums
from autograd.tracer import Box, getval

import wengert
import wengert.numpy as np
from wengert_linalg._common import (
    DEGENERACY_RTOL,
    as_matrix,
    degenerate_groups,
    inverse_gaps,
    is_complex,
    is_zero,
    report_gauge,
    traced,
)

__all__ = ["svd", "svd_probe"]


def _svd_value(a, full_matrices=False, degeneracy_rtol=DEGENERACY_RTOL):
    value = as_matrix(a, "a", "svd")
    return _lapack_svd(value, bool(full_matrices))


def _lapack_svd(a, full_matrices: bool):
    """``numpy.linalg.svd(a, full_matrices)`` by LAPACK's divide-and-conquer ``?gesdd``
    through scipy: the same algorithm, one Python layer less, and scipy's newer OpenBLAS
    here (n = 1000: 593 ms against numpy's 645 ms; n = 8: 9 against 13 us; one thread).
    Where ``gesdd`` does not converge, the QR-iteration ``?gesvd`` is tried before raising."""
    if a.size == 0 or a.dtype.kind not in "fc":
        return numpy.linalg.svd(a, full_matrices=full_matrices)
    for name in ("gesdd", "gesvd"):
        (solver,) = scipy.linalg.get_lapack_funcs((name,), (a,))
        u, s, vh, info = solver(a, compute_uv=1, full_matrices=int(full_matrices))
        if info == 0:
            return u, s, vh
    raise numpy.linalg.LinAlgError(f"svd: LAPACK gesdd and gesvd did not converge (info = {info})")


class _SVDPrimitive(wengert.Primitive):
    """``linalg.svd``: one autograd node for the full thin (or full) decomposition; the
    truncation to ``k`` is a slice taken after it, so the backward pass sees the discarded
    triplets with zero cotangents and keeps their coupling to the kept ones."""

    def __call__(self, a, k=None, full_matrices=False, **kwargs):
        if k is None:
            return super().__call__(a, full_matrices=full_matrices, **kwargs)
        shape = numpy.shape(getval(a))
        p = min(shape) if len(shape) == 2 else 0
        if not isinstance(k, (int, numpy.integer)) or isinstance(k, bool) or not 1 <= k <= p:
            raise ValueError(f"svd: k must be None or an int in [1, min(m, n) = {p}], got {k!r}")
        if full_matrices:
            raise ValueError(
                "svd: k and full_matrices=True exclude each other "
                "(full_matrices returns all m (n) left (right) vectors)"
            )
        u, s, vh = super().__call__(a, **kwargs)
        if k == p:
            return u, s, vh
        return u[:, :k], s[:k], vh[:k]


svd = _SVDPrimitive(_svd_value, "linalg.svd")
svd.__doc__ = """Singular value decomposition ``a = u @ diag(s) @ vh`` (numpy's convention).

:param a: (m, n) real or complex matrix, tall or wide.
:param k: keep the ``k`` largest singular triplets (``u`` (m, k), ``s`` (k,), ``vh`` (k, n));
    the backward pass still couples them to the discarded ones, exactly.
:param full_matrices: return ``u`` (m, m) and ``vh`` (n, n) as numpy does.
:param degeneracy_rtol: relative gap below which singular values count as degenerate in
    the derivative rules (default 1e-10).
:returns: ``(u, s, vh)``, ``s`` real and descending.
:raises ValueError: non-2D or non-finite input, bad ``k``.
:raises GaugeError: in the backward pass, if the loss depends on the vectors' phases.

>>> import numpy, wengert, wengert_linalg as la
>>> a = numpy.array([[3.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
>>> u, s, vh = la.svd(a)
>>> s
array([3., 1.])
>>> wengert.grad(lambda a: la.svd(a)[1][0])(a)   # d s_max / dA = u_1 v_1^T
array([[1., 0.],
       [0., 0.],
       [0., 0.]])
"""


def _gap_factors(s, degeneracy_rtol):
    """``E_ij = 1/(s_j - s_i)`` (zero inside a degenerate multiplet) and
    ``G_ij = 1/(s_j + s_i)`` (zero on the diagonal and between two zero singular values);
    ``1/(s_j^2 - s_i^2) = (E + G)/(2 s_j) = (E - G)/(2 s_i)``. Only ``E`` is singular at a
    degeneracy; ``G`` carries the relative rotation of U and V inside a multiplet."""
    sv = numpy.asarray(getval(s))
    labels = degenerate_groups(sv, degeneracy_rtol)
    e = inverse_gaps(s, labels)
    total = sv[:, None] + sv[None, :]
    tol = degeneracy_rtol * max(float(sv.max()) if sv.size else 0.0, 1e-300)
    mask = (total <= tol) | numpy.eye(len(sv), dtype=bool)
    gg = np.where(mask, 0.0, 1.0 / np.where(mask, 1.0, s[:, None] + s[None, :]))
    return e, gg


def _pinv_s(s):
    sv = numpy.asarray(getval(s))
    if sv.size == 0:
        return s, numpy.ones(0, dtype=bool)
    tol = max(sv.shape[0], 1) * numpy.finfo(float).eps * float(sv.max()) * 4
    keep = sv > tol
    return np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0), keep


def _svd_vjp(ans, a, full_matrices=False, degeneracy_rtol=DEGENERACY_RTOL):
    u_all, s, vh_all = ans
    complex_ = is_complex(a) or is_complex(u_all)

    def vjp(g):
        gu, gs, gvh = g
        if not full_matrices and traced(a, u_all, s, vh_all, gu, gs, gvh):
            groups = _smooth_groups(s, degeneracy_rtol)
            if groups is not None:
                return _svd_backward_groups(
                    a, u_all, s, vh_all, gu, gs, gvh, complex_, degeneracy_rtol, groups
                )
        return _svd_backward(u_all, s, vh_all, gu, gs, gvh, complex_, degeneracy_rtol)

    return vjp


def _split(u_all, vh_all, p):
    u, u_perp = u_all[:, :p], (u_all[:, p:] if numpy.shape(u_all)[1] > p else None)
    vh, vh_perp = vh_all[:p], (vh_all[p:] if numpy.shape(vh_all)[0] > p else None)
    return u, u_perp, vh, vh_perp


def _absent(x) -> bool:
    """A cotangent that contributes nothing to any order: None, or an untraced zero (a traced
    zero may have a nonzero derivative, so it goes through the rule)."""
    return x is None or (not isinstance(x, Box) and is_zero(x))


def _svd_backward(u_all, s, vh_all, gu, gs, gvh, complex_, degeneracy_rtol, check=True):
    p = numpy.shape(getval(s))[0]
    u, u_perp, vh, vh_perp = _split(u_all, vh_all, p)
    cj = np.conj if complex_ else (lambda x: x)
    ubar_all = cj(gu)  # standard-convention cotangents
    vbar_all = np.transpose(gvh)  # V_bar = gvh^T (V = vh^H)
    ubar, ubar_perp = ubar_all[:, :p], (ubar_all[:, p:] if u_perp is not None else None)
    vbar, vbar_perp = vbar_all[:, :p], (vbar_all[:, p:] if vh_perp is not None else None)
    zero_u, zero_v = _absent(ubar), _absent(vbar)
    zero_up, zero_vp = _absent(ubar_perp), _absent(vbar_perp)
    if zero_u and zero_v and zero_up and zero_vp:
        return cj(np.dot(u * gs, vh)) if complex_ else np.dot(u * gs, vh)
    v = cj(np.transpose(vh))
    uh = cj(np.transpose(u))
    sinv, _ = _pinv_s(s)
    e, gg = _gap_factors(s, degeneracy_rtol)
    labels = degenerate_groups(getval(s), degeneracy_rtol)
    mm = np.dot(uh, ubar) if not zero_u else None
    nn = np.dot(vh, vbar) if not zero_v else None
    if check:
        _check_svd_gauge(mm, nn, labels, complex_, u_perp, ubar_perp, vh_perp, vbar_perp)
    pbar = np.diag(gs + 0.0 * s)
    k_m = mm - cj(np.transpose(mm)) if mm is not None else 0.0
    k_n = nn - cj(np.transpose(nn)) if nn is not None else 0.0
    if mm is not None or nn is not None:
        # (F o K_M) S + S (F o K_N) = [E o (K_M + K_N) + G o (K_M - K_N)] / 2
        pbar = pbar + 0.5 * (e * (k_m + k_n) + gg * (k_m - k_n))
    if complex_ and (mm is not None or nn is not None):
        im = 0.0
        if mm is not None:
            im = im + np.imag(np.diag(mm))
        if nn is not None:
            im = im - np.imag(np.diag(nn))
        pbar = pbar + np.diag(0.5j * im * sinv)
    inner_right = np.dot(pbar, vh)
    m_rows, n_cols = numpy.shape(getval(u))[0], numpy.shape(getval(vh))[1]
    if not zero_v and n_cols > p:
        # U S+ V_bar^H (I - V V^H)   (zero when V is square)
        vbar_h = cj(np.transpose(vbar))
        inner_right = inner_right + sinv[:, None] * (vbar_h - np.dot(cj(np.transpose(nn)), vh))
    if not zero_vp:
        # - U S+ V^H V_perp_bar V_perp^H   (V_perp^H = vh_perp)
        inner_right = inner_right - sinv[:, None] * np.dot(
            np.dot(cj(np.transpose(v)), vbar_perp), vh_perp
        )
    abar = np.dot(u, inner_right)
    if not zero_u and m_rows > p:
        # (I - U U^H) U_bar S+ V^H   (zero when U is square)
        abar = abar + np.dot((ubar - np.dot(u, mm)) * sinv, vh)
    if not zero_up:
        # - U_perp U_perp_bar^H U S+ V^H
        left = np.dot(u_perp, np.dot(cj(np.transpose(ubar_perp)), u))
        abar = abar - np.dot(left * sinv, vh)
    return cj(abar)


def _check_svd_gauge(mm, nn, labels, complex_, u_perp, ubar_perp, vh_perp, vbar_perp):
    scale = 0.0
    for x in (mm, nn):
        if x is not None:
            scale = max(scale, float(numpy.max(numpy.abs(getval(x)))))
    violation = 0.0
    total = None
    if mm is not None or nn is not None:
        mv = getval(mm) if mm is not None else 0.0
        nv = getval(nn) if nn is not None else 0.0
        total = numpy.asarray(mv + nv)
        if complex_:
            violation = float(numpy.max(numpy.abs(numpy.imag(numpy.diag(total)))))
        if labels.size and labels.max() < len(labels) - 1:
            same = labels[:, None] == labels[None, :]
            numpy.fill_diagonal(same, False)
            if same.any():
                skew = total - total.conj().T
                violation = max(violation, float(numpy.max(numpy.abs(skew[same]))) / 2)
    for basis, bar in ((u_perp, ubar_perp), (vh_perp, vbar_perp)):
        if basis is None or bar is None or is_zero(bar):
            continue
        b = numpy.asarray(getval(basis))
        if b.shape[0] != numpy.shape(getval(bar))[0]:
            b = b.conj().T  # vh_perp rows -> V_perp columns
        x = b.conj().T @ numpy.asarray(getval(bar))
        scale = max(scale, float(numpy.max(numpy.abs(x))))
        violation = max(violation, float(numpy.max(numpy.abs(x - x.conj().T))) / 2)
    if violation:
        report_gauge(
            "linalg.svd",
            violation,
            scale,
            "singular vectors (joint phase, basis of a degenerate multiplet, or "
            "basis of the full_matrices complement)",
        )


def _svd_jvp(g, ans, a, full_matrices=False, degeneracy_rtol=DEGENERACY_RTOL):
    u_all, s, vh_all = ans
    if not full_matrices and traced(g, a, u_all, s, vh_all):
        groups = _smooth_groups(s, degeneracy_rtol)
        if groups is not None:
            return _svd_jvp_groups(g, ans, a, degeneracy_rtol, groups)
    return _svd_jvp_thin(g, ans, a, full_matrices, degeneracy_rtol)


def _svd_jvp_thin(g, ans, a, full_matrices=False, degeneracy_rtol=DEGENERACY_RTOL):
    u_all, s, vh_all = ans
    p = numpy.shape(getval(s))[0]
    complex_ = is_complex(a) or is_complex(u_all) or is_complex(g)
    cj = np.conj if complex_ else (lambda x: x)
    u, u_perp, vh, vh_perp = _split(u_all, vh_all, p)
    v = cj(np.transpose(vh))
    uh = cj(np.transpose(u))
    sinv, _ = _pinv_s(s)
    e, gg = _gap_factors(s, degeneracy_rtol)
    dp = np.dot(np.dot(uh, g), v)
    dph = cj(np.transpose(dp))
    ds = np.real(np.diag(dp)) if complex_ else np.diag(dp)
    sym, skew = dp + dph, dp - dph
    om_u = 0.5 * (e * sym + gg * skew)
    om_v = 0.5 * (e * sym - gg * skew)
    if complex_:
        phase = np.diag(0.5j * np.imag(np.diag(dp)) * sinv)
        om_u, om_v = om_u + phase, om_v - phase
    gh = cj(np.transpose(g))
    du, dv = np.dot(u, om_u), np.dot(v, om_v)
    # (I - U U^H) dA V S+ and (I - V V^H) dA^H U S+ vanish for a square U (V); computed,
    # their rounding (eps |dA|) would be amplified by 1/s of a tiny singular value
    if numpy.shape(getval(u))[0] > p:
        du = du + (np.dot(g, v) - np.dot(u, dp)) * sinv
    if numpy.shape(getval(vh))[1] > p:
        dv = dv + (np.dot(gh, u) - np.dot(v, dph)) * sinv
    if u_perp is not None:
        # dU_perp = - U S+ V^H dA^H U_perp
        du = np.concatenate([du, -np.dot(u * sinv, np.dot(vh, np.dot(gh, u_perp)))], axis=1)
    dvh = cj(np.transpose(dv))
    if vh_perp is not None:
        # dV_perp = - V S+ U^H dA V_perp  ->  dVh_perp = dV_perp^H
        v_perp = cj(np.transpose(vh_perp))
        dv_perp = -np.dot(v * sinv, np.dot(uh, np.dot(g, v_perp)))
        dvh = np.concatenate([dvh, cj(np.transpose(dv_perp))], axis=0)
    return du, ds, dvh


svd.defvjp(_svd_vjp)
svd.defjvp(_svd_jvp)


# ------------------------------------------------- rules against a degenerate complement
#
# The rules above reach the complement of a triplet through the individual vectors and values
# of the other triplets. That is exact to first order, but their derivatives (second order:
# autograd differentiating the rules) are not where the spectrum holds a multiplet or a zero
# singular value: there the perturbed values are those of the whole block U_G^H dA V_G (not
# its diagonal), the vectors of a zero value rotate independently on the left and the right,
# and the (I - U U^H) dA V / s terms of zero values are dropped. So while the rules are being
# differentiated and the spectrum has such a group, each nonzero group G (a multiplet or a
# single value) is coupled to its complement through A_G' = (I - U_G U_G^H) A and
# Sigma_G = U_G^H A V_G, both smooth:
#
#     X Sigma_G - A_G' Y = (I - U_G U_G^H) R,   -A_G'^H X + Y Sigma_G^H = (I - V_G V_G^H) T
#
# (the Sylvester equation of the truncated-SVD adjoint, Francuz et al. 2025), solved by
# :data:`_complement_solve`, whose rules are resolvent identities written with itself: exact
# to any order however degenerate the complement. Zero values keep the rules above (their
# own vectors are not functions of A).


def _smooth_groups(s, degeneracy_rtol):
    """``[(start, stop), ...]``: index ranges of the nonzero groups (single values and
    multiplets) if the spectrum holds a multiplet or a zero value; ``None`` if it holds
    neither (then the individual-vector rules are smooth and exact to any order)."""
    sv = numpy.asarray(getval(s))
    if sv.size < 2:
        return None
    labels = degenerate_groups(sv, degeneracy_rtol)
    nonzero = _pinv_s(sv)[1]
    if labels.max() == sv.size - 1 and nonzero.all():
        return None
    groups, start = [], 0
    for i in range(1, sv.size + 1):
        if i == sv.size or labels[i] != labels[start]:
            if nonzero[start:i].all():
                groups.append((start, i))
            start = i
    return groups


def _complement_solve_value(ad, sig, r, t, spec):
    """Columns of ``X Sigma - A_d Y = R``, ``-A_d^H X + Y Sigma^H = T`` for ``Sigma``
    diagonal: ``[x_i; y_i] = [[sig_i, -A_d], [-A_d^H, sig_i]]^-1 [r_i; t_i]``.

    :param ad: (m, n) ``A_d``; its value is only used through ``spec``.
    :param sig: (c, c) ``Sigma``, whose value is ``diag(spec[3])``.
    :param r: (m, c), ``t``: (n, c) right-hand sides.
    :param spec: ``(U_d, s_d, V_d, shifts)``: a thin SVD of the value of ``ad`` and the
        ``c`` shifts, each larger than ``max(s_d)`` (constants).
    :returns: ``(x, y)``, (m, c) and (n, c):
        ``x = r/sig + U_d [s_d (sig V_d^H t + s_d U_d^H r) / (sig (sig^2 - s_d^2))]`` and
        ``y = t/sig + V_d [s_d (sig U_d^H r + s_d V_d^H t) / (sig (sig^2 - s_d^2))]``.
    """
    u_d, s_d, v_d, shifts = spec
    alpha, beta = u_d.conj().T @ r, v_d.conj().T @ t
    sd, sg = s_d[:, None], shifts[None, :]
    scale = sd / (sg * (sg * sg - sd * sd))
    x = r / sg + u_d @ (scale * (sg * beta + sd * alpha))
    y = t / sg + v_d @ (scale * (sg * alpha + sd * beta))
    return x, y


_complement_solve = wengert.Primitive(_complement_solve_value, "linalg.svd_complement_solve")


def _ct(x):
    return np.conj(np.transpose(x))


def _zeros_like(x):
    return numpy.zeros(numpy.shape(getval(x)), numpy.result_type(getval(x)))


def _complement_solve_jvp(argnums, gs, ans, args, kwargs):
    # L(X, Y) = (X Sigma - A_d Y, -A_d^H X + Y Sigma^H): dL(X, Y) + L(dX, dY) = (dR, dT)
    ad, sig = args[0], args[1]
    x, y = ans
    rhs_r, rhs_t = _zeros_like(x), _zeros_like(y)
    for argnum, g in zip(argnums, gs):
        if argnum == 0:
            rhs_r, rhs_t = rhs_r + np.dot(g, y), rhs_t + np.dot(_ct(g), x)
        elif argnum == 1:
            rhs_r, rhs_t = rhs_r - np.dot(x, g), rhs_t - np.dot(y, _ct(g))
        elif argnum == 2:
            rhs_r = rhs_r + g
        else:
            rhs_t = rhs_t + g
    return _complement_solve(ad, sig, rhs_r, rhs_t, **kwargs)


def _complement_solve_vjp(argnums, ans, args, kwargs):
    # the adjoint of L is L with Sigma -> Sigma^H (the same value: Sigma is diagonal, real)
    ad, sig = args[0], args[1]
    x, y = ans
    complex_ = is_complex(ad) or is_complex(x) or is_complex(sig)
    cj = np.conj if complex_ else (lambda z: z)

    def vjp(g):
        gx, gy = g
        zx, zy = _complement_solve(ad, _ct(sig), cj(gx), cj(gy), **kwargs)
        out = []
        for argnum in argnums:
            if argnum == 0:
                out.append(cj(np.dot(zx, _ct(y)) + np.dot(x, _ct(zy))))
            elif argnum == 1:
                sbar = -cj(np.dot(_ct(x), zx) + np.dot(_ct(zy), y))
                out.append(sbar if is_complex(sig) or not complex_ else np.real(sbar))
            else:
                out.append(cj(zx) if argnum == 2 else cj(zy))
        return tuple(out)

    return vjp


defjvp_argnums(_complement_solve, _complement_solve_jvp)
defvjp_argnums(_complement_solve, _complement_solve_vjp)


def _group_setup(a, u_all, s, vh_all, start, stop, complex_, degeneracy_rtol):
    """Tracked ``U_G, V_G^H, V_G, Sigma_G, A_G'``, the constant spectrum of ``A_G'``, and
    ``G_ab = 1/(s_a + s_b)`` inside the group (None for a single value)."""
    cj = np.conj if complex_ else (lambda x: x)
    ug, vhg = u_all[:, start:stop], vh_all[start:stop]
    vg = cj(np.transpose(vhg))
    uha = np.dot(cj(np.transpose(ug)), a)
    sigma = np.dot(uha, vg)
    ad = a - np.dot(ug, uha)
    p = numpy.shape(getval(s))[0]
    rest = numpy.r_[0:start, stop:p]
    sv = numpy.asarray(getval(s))
    spec = (
        numpy.asarray(getval(u_all))[:, :p][:, rest],
        sv[rest],
        numpy.asarray(getval(vh_all))[:p][rest].conj().T,
        sv[start:stop],
    )
    gg = _gap_factors(s[start:stop], degeneracy_rtol)[1] if stop - start > 1 else None
    return ug, vhg, vg, sigma, ad, spec, gg


def _svd_backward_groups(a, u_all, s, vh_all, gu, gs, gvh, complex_, degeneracy_rtol, groups):
    """:func:`_svd_backward` (same value) with each nonzero group's vector cotangents coupled
    to its complement through ``A_G'`` and ``Sigma_G``: exact derivatives at multiplets and
    zero singular values."""
    cj = np.conj if complex_ else (lambda x: x)
    p = numpy.shape(getval(s))[0]
    # gauge check on the whole cotangent (values)
    u_v, vh_v = numpy.asarray(getval(u_all))[:, :p], numpy.asarray(getval(vh_all))[:p]
    gu_v, gvh_v = numpy.asarray(getval(gu)), numpy.asarray(getval(gvh))
    mm = u_v.conj().T @ (gu_v.conj() if complex_ else gu_v)
    _check_svd_gauge(
        mm,
        vh_v @ gvh_v.T,
        degenerate_groups(numpy.asarray(getval(s)), degeneracy_rtol),
        complex_,
        None,
        None,
        None,
        None,
    )
    handled = [(i, j) for i, j in groups if not (_absent(gu[:, i:j]) and _absent(gvh[i:j]))]
    # zero values' vector cotangents and all of s_bar: the individual-vector rule
    rest = numpy.ones(p)
    for i, j in handled:
        rest[i:j] = 0.0
    total = _svd_backward(
        u_all, s, vh_all, gu * rest, gs, gvh * rest[:, None], complex_, degeneracy_rtol, check=False
    )
    for i, j in handled:
        ug, vhg, vg, sigma, ad, spec, gg = _group_setup(
            a, u_all, s, vh_all, i, j, complex_, degeneracy_rtol
        )
        ubar, vbar = cj(gu[:, i:j]), np.transpose(gvh[i:j])
        mm, nn = np.dot(cj(np.transpose(ug)), ubar), np.dot(vhg, vbar)
        pbar = 0.0
        if gg is not None:  # relative rotation of U_G against V_G
            pbar = 0.5 * gg * ((mm - cj(np.transpose(mm))) - (nn - cj(np.transpose(nn))))
        if complex_:
            pbar = pbar + np.diag(0.5j * np.imag(np.diag(mm) - np.diag(nn)) / s[i:j])
        x, y = _complement_solve(
            ad, _ct(sigma), ubar - np.dot(ug, mm), vbar - np.dot(vg, nn), spec=spec
        )
        inner = cj(np.transpose(y)) if isinstance(pbar, float) else np.dot(pbar, vhg) + _ct(y)
        total = total + cj(np.dot(ug, inner) + np.dot(x, vhg))
    return total


def _svd_jvp_groups(g, ans, a, degeneracy_rtol, groups):
    """:func:`_svd_jvp_thin` (same value) with each nonzero group's tangents coupled to its
    complement through ``A_G'`` and ``Sigma_G``."""
    u_all, s, vh_all = ans
    du, ds, dvh = _svd_jvp_thin(g, ans, a, False, degeneracy_rtol)
    complex_ = is_complex(a) or is_complex(u_all) or is_complex(g)
    cj = np.conj if complex_ else (lambda x: x)
    gh = cj(np.transpose(g))
    p = numpy.shape(getval(s))[0]
    pieces_u, pieces_vh, pos = [], [], 0
    for i, j in groups:
        if pos < i:
            pieces_u.append(du[:, pos:i])
            pieces_vh.append(dvh[pos:i])
        ug, vhg, vg, sigma, ad, spec, gg = _group_setup(
            a, u_all, s, vh_all, i, j, complex_, degeneracy_rtol
        )
        dp = np.dot(np.dot(cj(np.transpose(ug)), g), vg)
        dph = cj(np.transpose(dp))
        x, y = _complement_solve(
            ad, sigma, np.dot(g, vg) - np.dot(ug, dp), np.dot(gh, ug) - np.dot(vg, dph), spec=spec
        )
        om = 0.0
        if gg is not None:  # relative rotation of U_G against V_G
            om = 0.5 * gg * (dp - dph)
        if complex_:
            om = om + np.diag(0.5j * np.imag(np.diag(dp)) / s[i:j])
        if isinstance(om, float):
            pieces_u.append(x)
            pieces_vh.append(cj(np.transpose(y)))
        else:
            pieces_u.append(np.dot(ug, om) + x)
            pieces_vh.append(cj(np.transpose(y - np.dot(vg, om))))
        pos = j
    if pos < p:
        pieces_u.append(du[:, pos:])
        pieces_vh.append(dvh[pos:])
    return np.concatenate(pieces_u, axis=1), ds, np.concatenate(pieces_vh, axis=0)


# ---------------------------------------------------------------- conformance


def svd_probe(out, a, *rest):
    """Gauge-invariant, smooth view of ``svd``'s output for the derivative checks.

    Singular values are clustered at 1e-2 of ``s_max``; the sum of each nonzero cluster is
    returned (smooth at exact degeneracy; values below 1e-2 ``s_max``, which have a kink
    at zero, are left out). When every cluster is a single nonzero value, its square,
    ``U diag(sin s) V^H``, ``U diag(cos s) U^H``, ``V diag(s) V^H`` and, for
    ``full_matrices``, ``0.7 U_perp U_perp^H`` (and ``V_perp``) are added.
    """
    u, s, vh = out
    sv = numpy.asarray(getval(s))
    labels = degenerate_groups(sv, 1e-2, float(sv.max()))
    counts = numpy.bincount(labels)
    nonzero = sv > 1e-2 * sv.max()
    groups = numpy.unique(labels[nonzero])
    member = (labels[:, None] == groups[None, :]).astype(float)
    sums = np.dot(s, member)
    if (counts[labels[nonzero]] > 1).any() or not nonzero.all():
        # a degenerate multiplet or a zero singular value: vector functions are exact to first
        # order only there (tests/test_svd.py checks them); cluster sums are exact to second
        return (sums,)
    r = int(nonzero.sum())
    p = sv.shape[0]
    ur, sr, vhr = u[:, :r], s[:r], vh[:r]
    vr = np.conj(np.transpose(vhr))
    outs = [
        sums * sums,
        np.dot(ur * np.sin(sr), vhr),
        np.dot(ur * np.cos(sr), np.conj(np.transpose(ur))),
        np.dot(vr * sr, vhr),
    ]
    if r == p and numpy.shape(u)[1] > p:
        up = u[:, p:]
        outs.append(0.7 * np.dot(up, np.conj(np.transpose(up))))
    if r == p and numpy.shape(vh)[0] > p:
        vp = vh[p:]
        outs.append(0.7 * np.dot(np.conj(np.transpose(vp)), vp))
    return tuple(outs)


def _with_singular_values(rng, m, n, s, complex_=False):
    def unitary(d):
        x = rng.standard_normal((d, d))
        if complex_:
            x = x + 1j * rng.standard_normal((d, d))
        return numpy.linalg.qr(x)[0]

    p = min(m, n)
    smat = numpy.zeros((m, n))
    smat[:p, :p] = numpy.diag(s)
    return unitary(m) @ smat @ unitary(n).conj().T


@svd.examples
def _svd_examples(rng):
    c = lambda *shape: rng.standard_normal(shape) + 1j * rng.standard_normal(shape)  # noqa: E731
    return [
        wengert.Example((_with_singular_values(rng, 5, 3, [2.5, 1.4, 0.6]),), name="tall"),
        wengert.Example(
            (_with_singular_values(rng, 3, 5, [2.0, 1.1, 0.5], True),), name="wide-complex"
        ),
        wengert.Example(
            (_with_singular_values(rng, 12, 9, numpy.linspace(3.0, 0.4, 9)),),
            {"k": 4},
            name="truncated-12x9-k4",
        ),
        wengert.Example(
            (_with_singular_values(rng, 4, 6, [2.2, 1.5, 0.9, 0.3], True),),
            {"k": 2},
            name="truncated-wide-complex",
        ),
        wengert.Example(
            (_with_singular_values(rng, 5, 3, [2.1, 1.3, 0.7]),),
            {"full_matrices": True},
            name="full-matrices-tall",
        ),
        wengert.Example(
            (_with_singular_values(rng, 2, 4, [1.7, 0.8], True),),
            {"full_matrices": True},
            name="full-matrices-wide-complex",
        ),
        wengert.Example(
            (_with_singular_values(rng, 4, 4, [2.0, 1.0, 1.0, 0.4]),), name="degenerate"
        ),
        wengert.Example(
            (_with_singular_values(rng, 5, 4, [2.2, 1.2, 0.5, 0.0]),), name="rank-deficient"
        ),
        wengert.Example((c(3, 3) * 0.5,), name="square-complex"),
        # truncations whose discarded values hold exact zeros / a multiplet (second order)
        wengert.Example(
            (_with_singular_values(rng, 4, 4, [3.0, 1.5, 0.0, 0.0]),),
            {"k": 1},
            name="truncated-rank2-k1",
        ),
        wengert.Example(
            (_with_singular_values(rng, 6, 4, [2.5, 1.2, 0.0, 0.0], True),),
            {"k": 2},
            name="truncated-tall-complex-zero-pair",
        ),
        wengert.Example(
            (_with_singular_values(rng, 5, 7, [2.4, 1.3, 0.8, 0.8, 0.0]),),
            {"k": 2},
            name="truncated-wide-multiplet-and-zero",
        ),
    ]


svd.probe = svd_probe
