"""``linalg.eigh``: eigendecomposition of real symmetric and complex Hermitian matrices.

``eigh(a) -> (w, v)`` with ``a = v @ diag(w) @ v^H``, ``w`` ascending (numpy's convention).
The input is used through its Hermitian part ``(a + a^H)/2`` (as JAX does); an input
further than ``HERMITIAN_RTOL`` from Hermitian is an error.

Derivative rules (Giles 2008; Seeger et al. 2017; REFERENCES.md), autograd convention::

    JVP:  P = V^H dA V,  dw = Re diag(P),  dV = V (F o P)
    VJP:  A_bar = conj(V) [diag(w_bar) + F o (X - X^H)/2] V^T,   X = V^T v_bar

with ``F_ij = 1/(w_j - w_i)``. Degeneracy policy: pairs with
``|w_i - w_j| <= degeneracy_rtol * max|w|`` (default 1e-10) are one degenerate group and
get ``F_ij = 0``. For a loss that is invariant under rotations of the vectors inside each
group the bracket ``(X - X^H)_ij`` vanishes there, so dropping it is exact rather than an
approximation: the gradient is exact, never NaN or inf, for losses through symmetric
functions of a group's eigenvalues (sums, traces) and through group projectors
``V_G V_G^H`` (density matrices, subspaces). For ``V f(W) V^H`` with ``f' != 0`` on a
degenerate group the exact gradient contains the limit ``f'(w) (V^H G V)_ij`` of
``F_ij * bracket_ij`` (0/0) that no first-order cotangent carries: use
:func:`wengert_linalg.eigh_function`, whose Daleckii-Krein rule is exact there.

Second and higher order at exact degeneracy: when a rule is itself being differentiated and
the spectrum holds a multiplet, each group is coupled to the rest of the spectrum through
the smooth ``Q_G H Q_G`` and ``V_G^H H V_G`` (a Sylvester equation, see below) instead of
the individual vectors and eigenvalues of the other groups, whose derivatives are wrong
there. Exact to any order for losses through group projectors (of multiplets and of single
eigenvalues) and linear functions of a group's eigenvalue sum; not for nonlinear symmetric
functions of a multiplet's eigenvalues such as ``sum(w_G**3)`` (their cotangent
``diag(w_bar)`` goes through the individual eigenvalues: use ``eigh_function``).

``broadening=eps > 0`` replaces ``F`` by the Lorentzian ``d/(d^2 + eps)`` (tensorgrad's
regularization): smooth but biased by about ``eps/gap^2`` relative.

Gauge: a loss that depends on the phases of complex eigenvectors (``Im diag X != 0``) or
on the basis inside a degenerate group raises :class:`GaugeError` (see
:func:`set_gauge_check`).
"""

from __future__ import annotations

import numpy
import scipy.linalg
from autograd.extend import defjvp_argnums, defvjp_argnums
from autograd.tracer import getval

import wengert
import wengert.numpy as np
from wengert_linalg._common import (
    DEGENERACY_RTOL,
    as_matrix,
    check_hermitian,
    degenerate_groups,
    hermitian_part,
    inverse_gaps,
    is_complex,
    is_zero,
    report_gauge,
    traced,
)

__all__ = ["eigh", "eigh_probe"]


def _eigh_value(a, broadening: float = 0.0, degeneracy_rtol: float = DEGENERACY_RTOL):
    a = as_matrix(a, "a", "eigh", square=True)
    if broadening < 0:
        raise ValueError(f"eigh: broadening must be >= 0, got {broadening!r}")
    return _lapack_eigh(check_hermitian(a, "a", "eigh", symmetrize=True))


def _lapack_eigh(a):
    """``numpy.linalg.eigh(a)`` by LAPACK's divide-and-conquer ``?syevd``/``?heevd`` through
    scipy: the same algorithm, one Python layer less, and scipy's newer OpenBLAS here
    (n = 1000: 154 ms against numpy's 170 ms; n = 8: 5 against 8 us; one thread)."""
    if a.shape[0] == 0 or a.dtype.kind not in "fc":
        return numpy.linalg.eigh(a)
    name = "heevd" if a.dtype.kind == "c" else "syevd"
    (solver,) = scipy.linalg.get_lapack_funcs((name,), (a,))
    w, v, info = solver(a, compute_v=1, lower=1)
    if info != 0:
        raise numpy.linalg.LinAlgError(f"eigh: LAPACK {name} did not converge (info = {info})")
    return w, v


def _labels(w, degeneracy_rtol):
    wv = getval(w)
    scale = float(numpy.max(numpy.abs(wv))) if wv.size else 0.0
    return degenerate_groups(wv, degeneracy_rtol, scale)


eigh = wengert.primitive("linalg.eigh", tangents={0: "hermitian"})(_eigh_value)
eigh.__doc__ = """Eigenvalues (ascending) and eigenvectors of a Hermitian matrix.

:param a: (n, n) real symmetric or complex Hermitian array; its Hermitian part is used.
:param broadening: Lorentzian broadening ``eps`` of ``1/(w_j - w_i)`` in the derivative
    rules (0, the default, is exact; ``eps > 0`` biases by about ``eps/gap**2``).
:param degeneracy_rtol: relative gap below which eigenvalues count as degenerate in the
    derivative rules (default 1e-10).
:returns: ``(w, v)``: ``w`` shape (n,) real ascending, ``v`` shape (n, n), columns are
    eigenvectors (phases as LAPACK returns them).
:raises ValueError: non-square, non-Hermitian (beyond 1e-8 relative) or non-finite input.

>>> import numpy, wengert, wengert_linalg as la
>>> a = numpy.array([[2.0, 1.0], [1.0, 2.0]])
>>> w, v = la.eigh(a)
>>> w
array([1., 3.])
>>> wengert.grad(lambda a: la.eigh(a)[0][1])(a)   # d w_max / dA = v v^T
array([[0.5, 0.5],
       [0.5, 0.5]])
"""


def _eigh_vjp(ans, a, broadening=0.0, degeneracy_rtol=DEGENERACY_RTOL):
    w, v = ans
    labels = _labels(w, degeneracy_rtol)
    complex_ = is_complex(v) or is_complex(a)

    def vjp(g):
        gw, gv = g
        if broadening == 0 and traced(a, w, v, gw, gv) and labels.max() < len(labels) - 1:
            return _eigh_backward_groups(a, w, v, gw, gv, labels, complex_)
        vc = np.conj(v) if complex_ else v
        if is_zero(gv):
            return np.dot(vc * gw, np.transpose(v))
        x = np.dot(np.transpose(v), gv)
        xh = np.conj(np.transpose(x)) if complex_ else np.transpose(x)
        skew = 0.5 * (x - xh)
        if complex_ or labels.max(initial=-1) < len(labels) - 1:
            _check_eigh_gauge(skew, labels, complex_, x)
        f = inverse_gaps(w, labels, broadening)
        inner = f * skew
        if not is_zero(gw):
            inner = inner + np.diag(gw)
        return np.dot(np.dot(vc, inner), np.transpose(v))

    return vjp


def _check_eigh_gauge(skew, labels, complex_, x):
    s = numpy.asarray(getval(skew))
    xv = numpy.asarray(getval(x))
    scale = float(numpy.max(numpy.abs(xv))) if xv.size else 0.0
    violation = 0.0
    if complex_:
        violation = float(numpy.max(numpy.abs(numpy.diag(s)))) if s.size else 0.0
    if labels.size and labels.max() < len(labels) - 1:  # some degenerate group
        same = labels[:, None] == labels[None, :]
        numpy.fill_diagonal(same, False)
        if same.any():
            violation = max(violation, float(numpy.max(numpy.abs(s[same]))))
    if violation:
        report_gauge(
            "linalg.eigh",
            violation,
            max(scale, 1e-300),
            "eigenvectors (phase, or basis of a degenerate eigenspace)",
        )


def _eigh_jvp(g, ans, a, broadening=0.0, degeneracy_rtol=DEGENERACY_RTOL):
    w, v = ans
    labels = _labels(w, degeneracy_rtol)
    complex_ = is_complex(v) or is_complex(g)
    vh = np.conj(np.transpose(v)) if complex_ else np.transpose(v)
    gh = hermitian_part(g) if complex_ else 0.5 * (g + np.transpose(g))
    p = np.dot(np.dot(vh, gh), v)
    dw = np.real(np.diag(p)) if complex_ else np.diag(p)
    if broadening == 0 and traced(g, a, w, v) and labels.max() < len(labels) - 1:
        return dw, _eigh_jvp_groups(gh, a, w, v, labels, complex_ or is_complex(a))
    dv = np.dot(v, inverse_gaps(w, labels, broadening) * p)
    return dw, dv


eigh.defvjp(_eigh_vjp)
eigh.defjvp(_eigh_jvp)


# ------------------------------------------------- rules against a degenerate complement
#
# Differentiated (second order), the rules above reach the complement of an eigenvector
# through the individual vectors and eigenvalues of the other groups; at a degenerate group
# that derivative is wrong (the perturbed eigenvalues are those of the whole block
# V_G^H dA V_G, not its diagonal; a projector V_G V_G^H was 24% off at second order). So when
# a rule is being differentiated and the spectrum holds a multiplet, each group G is coupled
# to its complement through the smooth A_G' = Q_G H Q_G + mu P_G (H the Hermitian part of A,
# P_G = V_G V_G^H, Q_G = I - P_G, mu a constant shift away from the spectrum) and
# Lambda_G = V_G^H H V_G:   dV_G = Y,  Y Lambda_G - A_G' Y = Q_G dH V_G,
# solved in the constant eigenbasis of A_G' by a primitive whose rules are resolvent
# identities (exact to any order). The value is that of the rules above.


def _sylvester_value(ad, lam, r, spec):
    """``Y Lambda - A_d Y = R`` for ``Lambda`` diagonal (its value is ``diag(spec[2])``).

    :param ad: (n, n) Hermitian ``A_d``; its value is only used through ``spec``.
    :param lam: (c, c) ``Lambda``. :param r: (n, c) right-hand side.
    :param spec: ``(E, e, shifts)``: eigenvectors (n, n) and eigenvalues (n,) of the value
        of ``ad``, and the ``c`` shifts, none equal to an eigenvalue (constants).
    :returns: ``Y = E [(E^H R) / (shifts_j - e_k)]`` (n, c).
    """
    vecs, vals, shifts = spec
    return vecs @ ((vecs.conj().T @ r) / (shifts[None, :] - vals[:, None]))


_sylvester = wengert.Primitive(_sylvester_value, "linalg.eigh_complement_solve")


def _ct(x):
    return np.conj(np.transpose(x))


def _sylvester_jvp(argnums, gs, ans, args, kwargs):
    # L(Y) = Y Lambda - A_d Y:  L(dY) = dR - Y dLambda + dA_d Y
    ad, lam = args[0], args[1]
    rhs = numpy.zeros(numpy.shape(getval(ans)), numpy.result_type(getval(ans)))
    for argnum, g in zip(argnums, gs):
        if argnum == 0:
            rhs = rhs + np.dot(g, ans)
        elif argnum == 1:
            rhs = rhs - np.dot(ans, g)
        else:
            rhs = rhs + g
    return _sylvester(ad, lam, rhs, **kwargs)


def _sylvester_vjp(argnums, ans, args, kwargs):
    # the adjoint of L is Z -> Z Lambda^H - A_d^H Z (the same value: both are Hermitian)
    ad, lam = args[0], args[1]
    complex_ = is_complex(ad) or is_complex(ans) or is_complex(lam)
    cj = np.conj if complex_ else (lambda z: z)

    def vjp(g):
        z = _sylvester(_ct(ad), _ct(lam), cj(g), **kwargs)
        out = []
        for argnum in argnums:
            if argnum == 0:
                out.append(cj(np.dot(z, _ct(ans))))
            elif argnum == 1:
                lbar = -cj(np.dot(_ct(ans), z))
                out.append(lbar if is_complex(lam) or not complex_ else np.real(lbar))
            else:
                out.append(cj(z))
        return tuple(out)

    return vjp


defjvp_argnums(_sylvester, _sylvester_jvp)
defvjp_argnums(_sylvester, _sylvester_vjp)


def _groups(labels):
    """``[(start, stop), ...]`` of the (contiguous, ascending) degenerate groups."""
    bounds = numpy.flatnonzero(numpy.diff(labels)) + 1
    edges = [0, *bounds.tolist(), len(labels)]
    return list(zip(edges[:-1], edges[1:]))


def _group_solve(h, w, v, start, stop, rhs_of, complex_):
    """``Y`` for group ``[start, stop)`` with right-hand side ``rhs_of(V_G) -> (n, g)``
    (projected here onto the complement)."""
    vg = v[:, start:stop]
    vgh = np.conj(np.transpose(vg)) if complex_ else np.transpose(vg)
    wv = numpy.asarray(getval(w))
    mu = float(wv.min()) - max(1.0, float(wv.max() - wv.min()))
    hv = np.dot(h, vg)
    lam = np.dot(vgh, hv)
    hvh = np.conj(np.transpose(hv)) if complex_ else np.transpose(hv)
    shifted = lam + mu * numpy.eye(stop - start)
    ad = h - np.dot(vg, hvh) - np.dot(hv, vgh) + np.dot(np.dot(vg, shifted), vgh)
    vals = wv.copy()
    vals[start:stop] = mu
    spec = (numpy.asarray(getval(v)), vals, wv[start:stop])
    r = rhs_of(vg)
    return _sylvester(ad, lam, r - np.dot(vg, np.dot(vgh, r)), spec=spec), vg


def _eigh_backward_groups(a, w, v, gw, gv, labels, complex_):
    """:func:`_eigh_vjp` (same value) through :data:`_sylvester` per group: exact
    derivatives at degenerate eigenvalues."""
    cj = np.conj if complex_ else (lambda z: z)
    xv = numpy.asarray(getval(v)).T @ numpy.asarray(getval(gv))
    skew = 0.5 * (xv - xv.conj().T)
    _check_eigh_gauge(skew, labels, complex_, xv)
    h = hermitian_part(a) if complex_ else 0.5 * (a + np.transpose(a))
    vbar = cj(gv)
    abar = np.dot(v * gw, _ct(v)) if complex_ else np.dot(v * gw, np.transpose(v))
    for start, stop in _groups(labels):
        z, vg = _group_solve(
            _ct(h) if complex_ else h,
            w,
            v,
            start,
            stop,
            lambda vg, s=start, e=stop: vbar[:, s:e],
            complex_,
        )
        zv = np.dot(z, _ct(vg) if complex_ else np.transpose(vg))
        abar = abar + 0.5 * (zv + (_ct(zv) if complex_ else np.transpose(zv)))
    return cj(abar)


def _eigh_jvp_groups(gh, a, w, v, labels, complex_):
    h = hermitian_part(a) if complex_ else 0.5 * (a + np.transpose(a))
    pieces = [
        _group_solve(h, w, v, start, stop, lambda vg: np.dot(gh, vg), complex_)[0]
        for start, stop in _groups(labels)
    ]
    return np.concatenate(pieces, axis=1)


# ---------------------------------------------------------------- conformance


def eigh_probe(out, a, *rest):
    """Gauge-invariant view of ``eigh``'s output for the derivative checks.

    Eigenvalues are grouped into clusters closer than 1e-2 of the spectral scale (the
    examples keep distinct eigenvalues further apart than that). Returns the cluster sums
    (one entry per cluster, repeated for its members divided by the multiplicity, i.e. the
    cluster means) and, when no cluster has more than one member, ``V diag(sin w) V^H``.
    Both are smooth in ``a`` at exact degeneracy; see the module docstring for why
    eigenvector functions of a degenerate group are checked to first order in the tests.
    """
    w, v = out
    labels = _labels(w, 1e-2)
    if labels.max(initial=-1) == len(labels) - 1:
        vh = np.conj(np.transpose(v))
        return w, np.dot(v * np.sin(w), vh)
    counts = numpy.bincount(labels)
    member = (labels[:, None] == numpy.arange(len(counts))[None, :]).astype(float)
    means = np.dot(member, np.dot(w, member) / counts)
    return (means,)


def _random_hermitian(rng, n, complex_=False):
    x = rng.standard_normal((n, n))
    if complex_:
        x = x + 1j * rng.standard_normal((n, n))
    return x + numpy.conj(x.T)


def _unitary(rng, n, complex_=False):
    q, _ = numpy.linalg.qr(_random_hermitian(rng, n, complex_) + 5 * numpy.eye(n))
    return q


def _with_spectrum(rng, w, complex_=False):
    q = _unitary(rng, len(w), complex_)
    a = (q * numpy.asarray(w)) @ q.conj().T
    return 0.5 * (a + a.conj().T)


@eigh.examples
def _eigh_examples(rng):
    return [
        wengert.Example((_with_spectrum(rng, [-1.3, -0.4, 0.5, 1.1, 2.0]),), name="real"),
        wengert.Example((_with_spectrum(rng, [-1.0, 0.2, 0.9, 1.7], True),), name="complex"),
        wengert.Example((_with_spectrum(rng, [-1.0, 0.5, 0.5, 2.0]),), name="degenerate"),
        wengert.Example(
            (_with_spectrum(rng, [0.7, 0.7, 0.7, -1.0, 1.9], True),), name="degenerate-complex"
        ),
        wengert.Example(
            (_with_spectrum(rng, [-0.8, 0.1, 1.3]),), {"broadening": 1e-14}, name="broadened"
        ),
    ]


eigh.probe = eigh_probe
