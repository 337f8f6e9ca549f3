"""Linear systems and determinants: ``solve``, ``inv``, ``det``, ``slogdet``, ``pinv``, ``lstsq``.

Rules (autograd's convention; ``x = A^-1 b``, ``X = A^+``)::

    solve:   b_bar = A^-T g,  A_bar = -b_bar x^T;        JVP  A^-1 (db - dA x)
    inv:     A_bar = -X^T g X^T;                         JVP  -X dA X
    det:     A_bar = g det(A) A^-T (the adjugate);        JVP  det(A) tr(A^-1 dA)
    slogdet: A_bar = (g_log + i Im(g_sign sign)) A^-T;   JVP  tr(A^-1 dA) split in Re/i Im
    pinv:    dX = -X dA X + X X^H dA^H (I - A X) + (I - X A) dA^H X^H X
             (Golub & Pereyra, SIAM J. Numer. Anal. 10, 413 (1973); constant rank)

``lstsq(a, b) = pinv(a) @ b`` (minimum-norm least squares), differentiable through ``pinv``.
"""

from __future__ import annotations

import numpy

import wengert
import wengert.numpy as np
from wengert_linalg._common import as_matrix, is_complex

__all__ = ["solve", "inv", "det", "slogdet", "pinv", "lstsq"]


def _h(x):
    return np.conj(np.transpose(x)) if is_complex(x) else np.transpose(x)


def _outer(x, y):
    return np.outer(x, y) if np.ndim(x) == 1 else np.dot(x, np.transpose(y))


def _check_rhs(a, b, fname):
    bv = numpy.asarray(b) if not hasattr(b, "shape") else b
    if numpy.ndim(bv) not in (1, 2) or numpy.shape(bv)[0] != numpy.shape(a)[0]:
        raise ValueError(f"{fname}: b must have shape ({numpy.shape(a)[0]},) or "
                         f"({numpy.shape(a)[0]}, k), got {numpy.shape(bv)}")


def _singular(fname):
    return ValueError(f"{fname}: a is singular")


# ---------------------------------------------------------------- solve


def _solve_value(a, b):
    value = as_matrix(a, "a", "solve", square=True)
    _check_rhs(value, b, "solve")
    try:
        return numpy.linalg.solve(value, b)
    except numpy.linalg.LinAlgError:
        raise _singular("solve") from None


solve = wengert.primitive("linalg.solve")(_solve_value)
solve.__doc__ = """Solution ``x`` of ``a @ x = b``; ``a`` (n, n), ``b`` (n,) or (n, k)."""
solve.defvjp(
    lambda ans, a, b: lambda g: -_outer(solve(np.transpose(a), g), ans),
    lambda ans, a, b: lambda g: solve(np.transpose(a), g),
)
solve.defjvp(
    lambda g, ans, a, b: -solve(a, np.dot(g, ans)),
    lambda g, ans, a, b: solve(a, g),
)


# ---------------------------------------------------------------- inv


def _inv_value(a):
    value = as_matrix(a, "a", "inv", square=True)
    try:
        return numpy.linalg.inv(value)
    except numpy.linalg.LinAlgError:
        raise _singular("inv") from None


inv = wengert.primitive("linalg.inv")(_inv_value)
inv.__doc__ = """Inverse of a square non-singular matrix."""
inv.defvjp(lambda ans, a: lambda g: -np.dot(np.dot(np.transpose(ans), g), np.transpose(ans)))
inv.defjvp(lambda g, ans, a: -np.dot(np.dot(ans, g), ans))


# ---------------------------------------------------------------- det, slogdet


def _det_value(a):
    value = as_matrix(a, "a", "det", square=True)
    return numpy.linalg.det(value)


det = wengert.primitive("linalg.det")(_det_value)
det.__doc__ = """Determinant. Its gradient is the (transposed) adjugate ``det(A) A^-T``;
for singular ``A`` the first derivative is the adjugate computed from the SVD
(higher derivatives need an invertible ``A``)."""


def _adjugate_t(a, ans):
    value = numpy.asarray(wengert.stop_gradient(a))
    if numpy.linalg.cond(value) < 1e12:
        return ans * np.transpose(inv(a))
    # adj(A) = det(U) det(V^H) V diag(prod_{j != i} s_j) U^H  (A = U S V^H)
    u, s, vh = numpy.linalg.svd(value)
    prods = numpy.array([numpy.prod(numpy.delete(s, i)) for i in range(len(s))])
    phase = numpy.linalg.det(u) * numpy.linalg.det(vh)
    return phase * numpy.conj((u * prods) @ vh)  # adj(A)^T = det(U V^H) conj(U D V^H)


det.defvjp(lambda ans, a: lambda g: g * _adjugate_t(a, ans))
det.defjvp(lambda g, ans, a: ans * np.trace(solve(a, g)))


def _slogdet_value(a):
    value = as_matrix(a, "a", "slogdet", square=True)
    sign, logabs = numpy.linalg.slogdet(value)
    return sign, float(logabs)


slogdet = wengert.primitive("linalg.slogdet")(_slogdet_value)
slogdet.__doc__ = """``(sign, log|det a|)`` as numpy; ``sign`` is a phase for complex ``a``.
Differentiable where ``a`` is invertible."""


def _slogdet_vjp(ans, a):
    sign, _ = ans
    complex_ = is_complex(a)

    def vjp(g):
        g_sign, g_log = g
        coef = g_log
        if complex_:
            coef = coef + 1j * np.imag(g_sign * sign)
        return coef * np.transpose(inv(a))

    return vjp


def _slogdet_jvp(g, ans, a):
    sign, _ = ans
    t = np.trace(solve(a, g))
    if is_complex(a) or is_complex(g):
        return sign * 1j * np.imag(t), np.real(t)
    return 0.0 * sign, t


slogdet.defvjp(_slogdet_vjp)
slogdet.defjvp(_slogdet_jvp)


# ---------------------------------------------------------------- pinv, lstsq


def _pinv_value(a, rcond=None):
    value = as_matrix(a, "a", "pinv")
    if rcond is None:
        rcond = max(value.shape) * numpy.finfo(float).eps
    return numpy.linalg.pinv(value, rcond=rcond)


pinv = wengert.primitive("linalg.pinv")(_pinv_value)
pinv.__doc__ = """Moore-Penrose pseudo-inverse (singular values below ``rcond * s_max``
are treated as zero). Derivatives assume the rank is locally constant."""


def _pinv_jvp(g, ans, a, rcond=None):
    x, gh = ans, _h(g)
    term1 = -np.dot(np.dot(x, g), x)
    ax = np.dot(a, x)
    term2 = np.dot(np.dot(x, _h(x)), gh - np.dot(gh, ax))
    term3 = np.dot(gh, np.dot(_h(x), x))
    term3 = term3 - np.dot(x, np.dot(a, term3))
    return term1 + term2 + term3


def _pinv_vjp(ans, a, rcond=None):
    complex_ = is_complex(a)

    def vjp(g):
        x = ans
        xbar = np.conj(g) if complex_ else g
        xh, xbarh = _h(x), _h(xbar)
        t1 = -np.dot(np.dot(xh, xbar), xh)
        b2 = np.dot(np.dot(xbarh, x), xh)  # X_bar^H X X^H
        t2 = b2 - np.dot(a, np.dot(x, b2))
        b3 = np.dot(np.dot(xh, x), xbarh)
        t3 = b3 - np.dot(np.dot(b3, x), a)
        abar = t1 + t2 + t3
        return np.conj(abar) if complex_ else abar

    return vjp


pinv.defvjp(_pinv_vjp)
pinv.defjvp(_pinv_jvp)


def lstsq(a, b, rcond=None):
    """Minimum-norm least-squares solution ``x = pinv(a) @ b`` of ``a @ x ~ b``.

    Unlike ``numpy.linalg.lstsq`` only ``x`` is returned (residuals, rank and singular
    values are cheap to get from ``x`` or :func:`svd`). Differentiable in ``a`` and ``b``.
    """
    value = as_matrix(a, "a", "lstsq")
    _check_rhs(value, b, "lstsq")
    return np.dot(pinv(a, rcond=rcond), b)


# ---------------------------------------------------------------- examples


def _well_conditioned(rng, n, complex_=False):
    x = rng.standard_normal((n, n)) + (1j * rng.standard_normal((n, n)) if complex_ else 0)
    return x + 3 * numpy.eye(n)


@solve.examples
def _solve_examples(rng):
    return [
        wengert.Example((_well_conditioned(rng, 4), rng.standard_normal(4)), name="vector"),
        wengert.Example((_well_conditioned(rng, 3, True), rng.standard_normal((3, 2)) + 0j),
                        name="matrix-complex"),
    ]


@inv.examples
def _inv_examples(rng):
    return [wengert.Example((_well_conditioned(rng, 4),), name="real"),
            wengert.Example((_well_conditioned(rng, 3, True),), name="complex")]


@det.examples
def _det_examples(rng):
    return [wengert.Example((_well_conditioned(rng, 4),), name="real"),
            wengert.Example((_well_conditioned(rng, 3, True),), name="complex")]


@slogdet.examples
def _slogdet_examples(rng):
    x = _well_conditioned(rng, 4)
    x[0] *= -1
    return [wengert.Example((x,), name="real-negative"),
            wengert.Example((_well_conditioned(rng, 3, True),), name="complex")]


@pinv.examples
def _pinv_examples(rng):
    low = rng.standard_normal((5, 2)) @ rng.standard_normal((2, 4))
    c = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    return [
        wengert.Example((rng.standard_normal((5, 3)),), name="tall"),
        wengert.Example((c.T @ (rng.standard_normal((3, 4)) + 0j),), name="wide-complex"),
        # rcond above the O(h) singular values a finite-difference step creates, so the
        # rank stays constant along the checks' directions
        wengert.Example((low,), {"rcond": 0.05}, name="rank-deficient"),
    ]


slogdet.probe = lambda out, a: (out[0], out[1])
