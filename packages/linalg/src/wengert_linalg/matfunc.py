"""Matrix functions whose derivatives stay exact at exact degeneracy.

* ``eigh_function(a, f)``: ``f(A) = V f(W) V^H`` for Hermitian ``A`` and a scalar function
  ``f`` written with :mod:`wengert.numpy`. Derivatives by the Daleckii-Krein formulas:
  ``L_f(A, E) = V (G1 o V^H E V) V^H`` with the first divided differences
  ``G1_ij = f[w_i, w_j]`` (``f'(w)`` where eigenvalues coincide), and the second Frechet
  derivative ``V [sum_k f[w_i, w_k, w_j] (E~_ik D~_kj + D~_ik E~_kj)] V^H``. Both are smooth
  through degeneracy, which first-order eigenvector cotangents are not (see
  :mod:`wengert_linalg.eigh`). First and second derivatives are exact at exact
  degeneracy; higher orders go through ``eigh`` and are exact away from it.
* ``eigh_frechet(a, e, f)``: the Frechet derivative ``L_f(A, E)`` itself, a primitive.
* ``expm(a)`` for any square matrix, with ``expm_frechet(a, e)``: the Frechet derivative is
  the top-right block of ``expm([[A, E], [0, A]])`` (Mathias 1996; Al-Mohy & Higham 2009,
  scipy's ``expm_frechet``); every rule is again an ``expm_frechet`` of a block matrix, so
  all orders are exact (the matrix size doubles per order).
* ``sqrtm``, ``logm``: Hermitian positive definite inputs, through ``eigh_function``.
* ``lowrank(a, k)``: the best rank-``k`` approximation ``U_k S_k V_k^H = A P_k``, with
  ``P_k`` the spectral projector of ``A^H A`` onto its top ``k`` eigenvalues, an
  ``eigh_function`` of a step: exact at degeneracy inside the kept or the discarded
  singular values (not through a cut inside a multiplet, which is an error).
"""

from __future__ import annotations

import numpy
import scipy.linalg
from autograd.tracer import getval

import wengert
import wengert.numpy as np
from wengert_linalg._common import (
    as_matrix,
    check_hermitian,
    conj,
    herm,
    hermitian_part,
)
from wengert_linalg._divdiff import (
    derivatives,
    first_divided_differences,
    needed_order,
    second_dd_contract,
)
from wengert_linalg.eigh import _random_hermitian, _with_spectrum, eigh

__all__ = ["eigh_function", "eigh_frechet", "expm", "expm_frechet", "sqrtm", "logm", "lowrank"]


def _check_f(f, fname):
    if not callable(f):
        raise TypeError(f"{fname}: f must be a callable f(x) written with wengert.numpy, got {f!r}")


def _decompose(a, fname):
    """(w, V) of the Hermitian part of ``a`` through the differentiable ``eigh``."""
    return eigh(hermitian_part(a) if numpy.iscomplexobj(getval(a)) else 0.5 * (a + np.transpose(a)))


def _values(f, w, fname):
    with numpy.errstate(invalid="ignore", divide="ignore"):  # reported below, by name
        fw = f(w) + 0.0 * w
    bad = ~numpy.isfinite(numpy.asarray(getval(fw)))
    if bad.any():
        at = numpy.asarray(getval(w))[bad]
        raise ValueError(
            f"{fname}: f is not finite at eigenvalue(s) {at[:5]} of a "
            f"(f={getattr(f, '__name__', f)!r}); check its domain"
        )
    return fw


# ---------------------------------------------------------------- eigh_function


def _eigh_function_value(a, f):
    value = as_matrix(a, "a", "eigh_function", square=True)
    check_hermitian(value, "a", "eigh_function")
    _check_f(f, "eigh_function")
    w, v = numpy.linalg.eigh(0.5 * (value + value.conj().T))
    fw = numpy.asarray(_values(f, w, "eigh_function"))
    return (v * fw) @ v.conj().T


eigh_function = wengert.primitive("linalg.eigh_function", tangents={0: "hermitian", 1: "none"})(
    _eigh_function_value
)
eigh_function.__doc__ = """``f(A) = V diag(f(w)) V^H`` for Hermitian ``A``, exact at degeneracy.

:param a: (n, n) real symmetric or complex Hermitian matrix.
:param f: elementwise scalar function written with :mod:`wengert.numpy` (its derivatives
    come from AD); it may return complex values (e.g. ``lambda x: np.exp(-1j * t * x)``).
:returns: (n, n) array ``f(A)``.

>>> import numpy, wengert, wengert.numpy as np, wengert_linalg as la
>>> a = numpy.diag([1.0, 1.0, 2.0])                 # exactly degenerate
>>> g = wengert.grad(lambda a: la.eigh_function(a, np.exp)[0, 1])(a)
>>> round(float(g[0, 1] + g[1, 0]), 12)             # d exp(A)_01 / dA_01 = e
2.718281828459
"""


def _eigh_function_vjp(ans, a, f):
    return lambda g: hermitian_part(eigh_frechet(np.transpose(a), g, f))


def _eigh_function_jvp(g, ans, a, f):
    return eigh_frechet(a, hermitian_part(g), f)


eigh_function.defvjp(_eigh_function_vjp, None)
eigh_function.defjvp(_eigh_function_jvp, None)


# ---------------------------------------------------------------- eigh_frechet


def _frechet_parts(a, f):
    w, v = _decompose(a, "eigh_frechet")
    derivs = derivatives(f, w, needed_order(w))
    _, g1 = first_divided_differences(w, f, derivs)
    return w, v, derivs, g1


def _eigh_frechet_value(a, e, f):
    value = as_matrix(a, "a", "eigh_frechet", square=True)
    check_hermitian(value, "a", "eigh_frechet")
    as_matrix(e, "e", "eigh_frechet", square=True)
    if numpy.shape(e) != value.shape:
        raise ValueError(f"eigh_frechet: e must have the shape of a {value.shape}, got "
                         f"{numpy.shape(e)}")
    _check_f(f, "eigh_frechet")
    w, v = numpy.linalg.eigh(0.5 * (value + value.conj().T))
    _values(f, w, "eigh_frechet")
    _, g1 = first_divided_differences(w, f, derivatives(f, w, 6 if needed_order(w) > 2 else 1))
    vh = v.conj().T
    return v @ (numpy.asarray(g1) * (vh @ e @ v)) @ vh


eigh_frechet = wengert.primitive("linalg.eigh_frechet", tangents={0: "hermitian", 2: "none"})(
    _eigh_frechet_value
)
eigh_frechet.__doc__ = """Frechet derivative ``L_f(A, E) = d/dt f(A + t E)`` of ``eigh_function``.

``E`` may be any (n, n) matrix (the formula ``V (G1 o V^H E V) V^H`` is linear in it).
"""


def _frechet_jvp_a(g, ans, a, e, f):
    w, v, derivs, g1 = _frechet_parts(a, f)
    vh = herm(v)
    et = np.dot(np.dot(vh, e), v)
    dt = np.dot(np.dot(vh, hermitian_part(g)), v)
    z = second_dd_contract(w, derivs, g1, et, dt) + second_dd_contract(w, derivs, g1, dt, et)
    return np.dot(np.dot(v, z), vh)


def _frechet_jvp_e(g, ans, a, e, f):
    return eigh_frechet(a, g, f)


def _frechet_vjp_a(ans, a, e, f):
    def vjp(u):
        w, v, derivs, g1 = _frechet_parts(a, f)
        vh = herm(v)
        et_t = np.transpose(np.dot(np.dot(vh, e), v))
        ut = np.dot(np.dot(np.transpose(v), u), conj(v))
        c = (second_dd_contract(w, derivs, g1, et_t, ut)
             + second_dd_contract(w, derivs, g1, ut, et_t))
        return hermitian_part(np.dot(np.dot(conj(v), c), np.transpose(v)))

    return vjp


def _frechet_vjp_e(ans, a, e, f):
    return lambda u: eigh_frechet(np.transpose(a), u, f)


eigh_frechet.defvjp(_frechet_vjp_a, _frechet_vjp_e, None)
eigh_frechet.defjvp(_frechet_jvp_a, _frechet_jvp_e, None)


# ---------------------------------------------------------------- expm


def _expm_value(a):
    value = as_matrix(a, "a", "expm", square=True)
    return scipy.linalg.expm(value)


expm = wengert.primitive("linalg.expm")(_expm_value)
expm.__doc__ = """Matrix exponential of any square (real or complex) matrix (scipy's Pade).

Derivatives: ``JVP = expm_frechet(A, dA)``, ``VJP = expm_frechet(A^T, G)`` (autograd's
convention), exact at every order.
"""


def _expm_frechet_value(a, e):
    value = as_matrix(a, "a", "expm_frechet", square=True)
    ev = as_matrix(e, "e", "expm_frechet", square=True)
    if ev.shape != value.shape:
        raise ValueError(f"expm_frechet: e must have the shape of a {value.shape}, got {ev.shape}")
    return scipy.linalg.expm_frechet(value, ev, compute_expm=False, check_finite=False)


expm_frechet = wengert.primitive("linalg.expm_frechet")(_expm_frechet_value)
expm_frechet.__doc__ = """Frechet derivative ``L(A, E) = d/dt expm(A + t E)`` (Al-Mohy & Higham
2009)."""

expm.defvjp(lambda ans, a: lambda g: expm_frechet(np.transpose(a), g))
expm.defjvp(lambda g, ans, a: expm_frechet(a, g))


def _block(a, e):
    z = 0.0 * a
    return np.concatenate([np.concatenate([a, e], axis=1), np.concatenate([z, a], axis=1)], axis=0)


def _ef_jvp_a(g, ans, a, e):
    n = numpy.shape(a)[0]
    z = 0.0 * g
    d2 = np.concatenate([np.concatenate([g, z], axis=1), np.concatenate([z, g], axis=1)], axis=0)
    return expm_frechet(_block(a, e), d2)[:n, n:]


def _ef_vjp_a(ans, a, e):
    n = numpy.shape(a)[0]

    def vjp(u):
        z = 0.0 * u
        u2 = np.concatenate([np.concatenate([z, u], axis=1), np.concatenate([z, z], axis=1)],
                            axis=0)
        b = expm_frechet(np.transpose(_block(a, e)), u2)
        return b[:n, :n] + b[n:, n:]

    return vjp


expm_frechet.defvjp(_ef_vjp_a, lambda ans, a, e: lambda u: expm_frechet(np.transpose(a), u))
expm_frechet.defjvp(_ef_jvp_a, lambda g, ans, a, e: expm_frechet(a, g))


# ---------------------------------------------------------------- sqrtm, logm, lowrank


def sqrtm(a):
    """Principal square root of a Hermitian positive (semi)definite matrix, ``V sqrt(W) V^H``.

    Differentiable (exactly, through degeneracy) for positive definite ``a``; raises
    ``ValueError`` for a negative eigenvalue.
    """
    return eigh_function(a, np.sqrt)


def logm(a):
    """Principal logarithm of a Hermitian positive definite matrix, ``V log(W) V^H``."""
    return eigh_function(a, np.log)


def lowrank(a, k: int):
    """Best rank-``k`` approximation ``U_k S_k V_k^H`` of ``a`` (m, n), differentiable.

    Computed as ``A P_k`` (or ``P_k A`` for wide ``a``) with ``P_k`` the projector onto the
    top-``k`` eigenvectors of the smaller Gram matrix, via :func:`eigh_function` of a step
    function, so derivatives are exact at exact degeneracy inside the kept (or discarded)
    singular values, including rank-deficient inputs. Forming the Gram matrix squares the
    condition number: the projector is accurate to about ``eps s_1^2 / (s_k^2 - s_{k+1}^2)``.

    :raises ValueError: if ``k`` is out of range or the cut ``s_k = s_{k+1}`` splits a
        degenerate multiplet (the approximation is then not unique).
    """
    value = as_matrix(a, "a", "lowrank")
    m, n = value.shape
    p = min(m, n)
    if not isinstance(k, (int, numpy.integer)) or not 1 <= k <= p:
        raise ValueError(f"lowrank: k must be an int in [1, {p}], got {k!r}")
    if k == p:
        return a
    tall = m >= n
    gram = np.dot(herm(a), a) if tall else np.dot(a, herm(a))
    lam = numpy.linalg.eigvalsh(getval(gram))[::-1]
    gap = lam[k - 1] - lam[k]
    if not gap > 1e-10 * max(lam[0], 1e-300):
        raise ValueError(
            f"lowrank: the cut k={k} splits a degenerate multiplet (s_k^2 = {lam[k - 1]:.6g}, "
            f"s_(k+1)^2 = {lam[k]:.6g}); choose k at a gap"
        )
    threshold = 0.5 * (lam[k - 1] + lam[k])

    def step(x):
        return np.where(x > threshold, 1.0, 0.0) + 0.0 * x

    proj = eigh_function(gram, step)
    return np.dot(a, proj) if tall else np.dot(proj, a)


# ---------------------------------------------------------------- conformance examples


@eigh_function.examples
def _eigh_function_examples(rng):
    return [
        wengert.Example((_with_spectrum(rng, [-1.2, -0.3, 0.4, 1.5]), np.exp), name="exp"),
        wengert.Example((_with_spectrum(rng, [0.5, 0.5, 0.5, 1.5]), np.exp), name="degenerate"),
        wengert.Example((_with_spectrum(rng, [0.6, 0.6, 1.3, 1.3 + 1e-9], True), np.sin),
                        name="near-degenerate-complex"),
        wengert.Example((_with_spectrum(rng, [0.3, 1.2, 1.2, 2.5]), np.sqrt), name="sqrt"),
    ]


@eigh_frechet.examples
def _eigh_frechet_examples(rng):
    return [
        wengert.Example((_with_spectrum(rng, [-0.9, 0.2, 1.1]), rng.standard_normal((3, 3)),
                         np.tanh), name="tanh"),
        wengert.Example((_with_spectrum(rng, [0.4, -0.3, 1.0], True),
                         _random_hermitian(rng, 3, True), np.exp), name="complex"),
    ]


@expm.examples
def _expm_examples(rng):
    return [
        wengert.Example((0.5 * rng.standard_normal((4, 4)),), name="real"),
        wengert.Example((0.4 * (rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))),),
                        name="complex"),
        wengert.Example((_with_spectrum(rng, [0.3, 0.3, -0.5]),), name="degenerate-symmetric"),
    ]


@expm_frechet.examples
def _expm_frechet_examples(rng):
    return [
        wengert.Example((0.5 * rng.standard_normal((3, 3)), rng.standard_normal((3, 3))),
                        name="real"),
    ]
