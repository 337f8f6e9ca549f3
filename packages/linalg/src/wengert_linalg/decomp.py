"""``linalg.qr`` (tall and wide; ``lq`` from it) and ``linalg.cholesky``.

QR, ``A = Q R`` with LAPACK's gauge (``diag R`` real, Householder signs), which is a smooth
function of ``A`` wherever ``A[:, :min(m, n)]`` has full rank, so the raw outputs are
differentiated (no probe). Tall (m >= n), standard convention, ``C = Q^H dA R^-1``::

    JVP:  Omega = tril(C, -1) - tril(C, -1)^H + i Im diag(C),  dR = (C - Omega) R,
          dQ = Q Omega + (dA - Q Q^H dA) R^-1
    VJP:  M = Q^H Q_bar - R_bar R^H,
          A_bar = [Q_bar + Q (tril(M, -1) - tril(M^H, -1) + i Im diag(M) - M)] R^-H

(the real case is Eq. 5 of Liao et al., PRX 9, 031041 (2019); the ``i Im diag`` terms keep
``diag R`` real for complex input). Wide (m < n): ``A = [X | Y]``, ``X = Q R_1`` square,
``R_2 = Q^H Y``, so ``Q_bar += Y R_2_bar^H`` and ``Y_bar = Q R_2_bar``.

Cholesky, ``A = L L^H`` (Murray 2016)::

    JVP:  dL = L Phi(L^-1 dA L^-H),     Phi = lower triangle with the diagonal halved
    VJP:  A_bar = L^-H He(Phi(L^H L_bar)) L^-1
"""

from __future__ import annotations

import numpy

import wengert
import wengert.numpy as np
from wengert_linalg._common import (
    as_matrix,
    check_hermitian,
    hermitian_part,
    is_complex,
    solve_triangular,
)

__all__ = ["qr", "lq", "cholesky"]


def _cj(x, complex_):
    return np.conj(x) if complex_ else x


def _h(x, complex_):
    return np.conj(np.transpose(x)) if complex_ else np.transpose(x)


def _right_rinv(b, r, complex_=False):
    """``b R^-1`` for upper-triangular ``R``."""
    return np.transpose(solve_triangular(r, np.transpose(b), False, True))


def _right_rinvh(b, r, complex_):
    """``b R^-H`` for upper-triangular ``R``."""
    return _h(solve_triangular(r, _h(b, complex_), False), complex_)


def _phase_diag(c, complex_):
    return np.diag(1j * np.imag(np.diag(c))) if complex_ else 0.0


def _qr_value(a):
    value = as_matrix(a, "a", "qr")
    q, r = numpy.linalg.qr(value, mode="reduced")
    return q, r


qr = wengert.primitive("linalg.qr")(_qr_value)
qr.__doc__ = """Reduced QR decomposition ``a = q @ r`` (numpy's ``mode="reduced"``).

:param a: (m, n) real or complex; tall (``q`` (m, n), ``r`` (n, n)) or wide (``q`` (m, m),
    ``r`` (m, n), upper trapezoidal).
:returns: ``(q, r)`` with LAPACK's signs (``diag(r)`` real, not necessarily positive).

Derivatives need ``a[:, :min(m, n)]`` of full rank (``r`` invertible).

>>> import numpy, wengert, wengert_linalg as la
>>> q, r = la.qr(numpy.array([[3.0, 1.0], [4.0, 2.0]]))
>>> float(abs(r[0, 0]))
5.0
"""


def _square_jvp(q, r, da, complex_):
    c = _right_rinv(np.dot(_h(q, complex_), da), r)
    low = np.tril(c, -1)
    omega = low - _h(low, complex_) + _phase_diag(c, complex_)
    dr = np.dot(c - omega, r)
    dq = np.dot(q, omega) + _right_rinv(da, r) - np.dot(q, c)
    return dq, dr


def _square_vjp_std(q, r, qbar, rbar, complex_):
    m = np.dot(_h(q, complex_), qbar) - np.dot(rbar, _h(r, complex_))
    inner = np.tril(m, -1) - np.tril(_h(m, complex_), -1) + _phase_diag(m, complex_) - m
    return _right_rinvh(qbar + np.dot(q, inner), r, complex_)


def _qr_jvp(g, ans, a):
    q, r = ans
    complex_ = is_complex(a) or is_complex(g)
    m, n = numpy.shape(a)
    if m >= n:
        return _square_jvp(q, r, g, complex_)
    dq, dr1 = _square_jvp(q, r[:, :m], g[:, :m], complex_)
    dr2 = np.dot(_h(dq, complex_), a[:, m:]) + np.dot(_h(q, complex_), g[:, m:])
    return dq, np.concatenate([dr1, dr2], axis=1)


def _qr_vjp(ans, a):
    q, r = ans
    complex_ = is_complex(a)
    m, n = numpy.shape(a)

    def vjp(g):
        gq, gr = g
        qbar, rbar = _cj(gq, complex_), _cj(gr, complex_)
        if m >= n:
            return _cj(_square_vjp_std(q, r, qbar, rbar, complex_), complex_)
        y, rbar2 = a[:, m:], rbar[:, m:]
        xbar = _square_vjp_std(q, r[:, :m], qbar + np.dot(y, _h(rbar2, complex_)),
                               rbar[:, :m], complex_)
        ybar = np.dot(q, rbar2)
        return _cj(np.concatenate([xbar, ybar], axis=1), complex_)

    return vjp


qr.defvjp(_qr_vjp)
qr.defjvp(_qr_jvp)


def lq(a):
    """LQ decomposition ``a = l @ q`` (``l`` lower triangular, ``q`` with orthonormal rows),
    as the conjugate transpose of ``qr(a^H)``; differentiable through :func:`qr`."""
    value = as_matrix(a, "a", "lq")
    complex_ = numpy.iscomplexobj(value)
    q, r = qr(_h(a, complex_))
    return _h(r, complex_), _h(q, complex_)


# ---------------------------------------------------------------- cholesky


def _cholesky_value(a):
    value = as_matrix(a, "a", "cholesky", square=True)
    check_hermitian(value, "a", "cholesky")
    try:
        return numpy.linalg.cholesky(0.5 * (value + value.conj().T))
    except numpy.linalg.LinAlgError:
        raise ValueError("cholesky: a must be positive definite") from None


cholesky = wengert.primitive("linalg.cholesky", tangents={0: "hermitian"})(_cholesky_value)
cholesky.__doc__ = """Cholesky factor ``L`` (lower, positive diagonal) of ``a = L L^H``.

:param a: (n, n) Hermitian positive definite (its Hermitian part is used).
:raises ValueError: non-square, non-Hermitian or not positive definite input.
"""


def _linv(l_, b):
    return solve_triangular(l_, b, True)


def _lhinv(l_, b, complex_):
    """``L^-H b``."""
    return solve_triangular(_cj(l_, complex_), b, True, True)


def _phi(x):
    return np.tril(x) - 0.5 * np.diag(np.diag(x))


def _cholesky_jvp(g, ans, a):
    complex_ = is_complex(a) or is_complex(g)
    x = _linv(ans, _h(_linv(ans, _h(hermitian_part(g), complex_)), complex_))
    return np.dot(ans, _phi(x))


def _cholesky_vjp(ans, a):
    complex_ = is_complex(a)

    def vjp(g):
        lbar = _cj(g, complex_)
        inner = hermitian_part(_phi(np.dot(_h(ans, complex_), lbar)))
        left = _lhinv(ans, inner, complex_)  # L^-H inner
        abar = _h(_lhinv(ans, _h(left, complex_), complex_), complex_)  # (L^-H left^H)^H
        return _cj(abar, complex_)

    return vjp


cholesky.defvjp(_cholesky_vjp)
cholesky.defjvp(_cholesky_jvp)


# ---------------------------------------------------------------- examples


@qr.examples
def _qr_examples(rng):
    c = lambda *s: rng.standard_normal(s) + 1j * rng.standard_normal(s)  # noqa: E731
    return [
        wengert.Example((rng.standard_normal((5, 3)),), name="tall"),
        wengert.Example((c(4, 3),), name="tall-complex"),
        wengert.Example((rng.standard_normal((3, 3)),), name="square"),
        wengert.Example((rng.standard_normal((3, 5)),), name="wide"),
        wengert.Example((c(2, 4),), name="wide-complex"),
    ]


@cholesky.examples
def _cholesky_examples(rng):
    x = rng.standard_normal((4, 4))
    z = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
    return [
        wengert.Example((x @ x.T + 0.5 * numpy.eye(4),), name="real"),
        wengert.Example((z @ z.conj().T + 0.5 * numpy.eye(3),), name="complex"),
    ]


def _as_tuple_probe(out, *args):
    """The raw outputs as a plain tuple (QR's outputs are smooth; no gauge to remove)."""
    return tuple(out[i] for i in range(2))


qr.probe = _as_tuple_probe
