"""``linalg.eigsh``: a few extremal eigenpairs of a dense, sparse or matrix-free Hermitian
operator, differentiable with respect to the operator's parameters.

``eigsh(op, *params, k=1, which="SA", n=None) -> (w, v)``: ``w`` (k,) ascending, ``v`` (n, k).

* ``op`` a dense (n, n) array: differentiable with respect to its entries (the gradient is
  Hermitian, as for :func:`eigh`). The forward pass is LAPACK's full ``eigh``.
* ``op`` a ``scipy.sparse`` matrix or ``LinearOperator``: a constant operator (ARPACK).
* ``op`` a function ``op(v, *params) -> H(params) @ v`` on vectors of length ``n``, written
  with :mod:`wengert.numpy`: differentiable with respect to ``params``; ARPACK (Lanczos)
  forward, and the dense matrix is never formed. Memory is O(n k).

Backward (Xie, Liu & Wang, PRB 101, 245139 (2020), generalized to k pairs): for each pair,
``y_i = w_bar_i v_i + xi_i + sum_{j != i} v_j (v_j^H v_bar_i) / (w_i - w_j)`` with
``xi_i = Q (w_i - H)^-1 Q v_bar_i`` (``Q = 1 - V V^H``) from one projected MINRES solve,
and ``params_bar = sum_i d/dparams <y_i| H(params) |v_i>`` from the VJP of
``params -> op(v_i, *params)`` at fixed ``v_i``. A loss through eigenvalues only needs no
solve. The projected solve is itself a primitive with JVP and VJP rules (its derivative is
another projected solve), so second derivatives (``d^2 E0 / dg^2``) work by differentiating
again; third and higher derivatives are not supported (``max_order = 2``).

Limitations: eigenvalues degenerate *inside* the ``k`` found get the ``F = 0`` treatment of
:func:`eigh` (exact for gauge-invariant losses); a degeneracy *across* the cut
(``w_k = w_{k+1}``) makes the kept subspace ill-defined and is reported. ``which`` is
``"SA"`` (smallest algebraic, default) or ``"LA"``.
"""

from __future__ import annotations

import numpy
import scipy.sparse
import scipy.sparse.linalg
from autograd.core import defjvp_argnums, defvjp_argnums
from autograd.extend import primitive as _ag_primitive
from autograd.tracer import getval

import wengert
import wengert.numpy as np
from wengert.fixed_point import ConvergenceError
from wengert_linalg._common import (
    DEGENERACY_RTOL,
    as_matrix,
    check_hermitian,
    degenerate_groups,
    hermitian_part,
    inverse_gaps,
    is_zero,
    report_gauge,
)

__all__ = ["eigsh", "eigsh_probe"]

SOLVE_RTOL = 1e-13


def _dense_matvec(v, a):
    return np.dot(a, v)


def _resolve(op, params, n, fname="eigsh"):
    """(matvec, params, n, dense) for the accepted kinds of ``op``."""
    value = getval(op)
    if isinstance(value, numpy.ndarray) or (hasattr(value, "shape") and hasattr(value, "dtype")
                                             and not scipy.sparse.issparse(value)
                                             and not callable(value)):
        if params:
            raise TypeError(f"{fname}: a dense op takes no params (got {len(params)})")
        mat = as_matrix(op, "op", fname, square=True)
        check_hermitian(mat, "op", fname)
        return _dense_matvec, (op,), mat.shape[0], True
    if scipy.sparse.issparse(value) or isinstance(value, scipy.sparse.linalg.LinearOperator):
        if params:
            raise TypeError(f"{fname}: a sparse op takes no params; pass a function "
                            "op(v, *params) to differentiate")
        shape = value.shape
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(f"{fname}: op must be square, got shape {shape}")
        return (lambda v: value @ v), (), shape[0], False
    if not callable(op):
        raise TypeError(f"{fname}: op must be an array, a scipy sparse matrix or a function "
                        f"op(v, *params), got {type(op).__name__}")
    if n is None or not isinstance(n, (int, numpy.integer)) or n < 1:
        raise ValueError(f"{fname}: n (the vector length) is required for a matrix-free op, "
                         f"got {n!r}")
    return op, params, int(n), False


def _dtype(matvec, params, n):
    probe = numpy.asarray(getval(matvec(numpy.zeros(n), *[getval(p) for p in params])))
    if probe.shape != (n,):
        raise ValueError(f"eigsh: op(v, *params) must return a vector of shape ({n},), got "
                         f"{probe.shape}")
    complex_ = probe.dtype.kind == "c" or any(numpy.iscomplexobj(getval(p)) for p in params)
    return numpy.complex128 if complex_ else numpy.float64


# ---------------------------------------------------------------- projected solve


def _minres(apply, b, rtol, what):
    """MINRES for a Hermitian operator (complex through its real 2n-dimensional form)."""
    n = b.shape[0]
    bnorm = float(numpy.linalg.norm(b))
    if bnorm == 0.0:
        return numpy.zeros_like(b)
    if numpy.iscomplexobj(b):
        def real_apply(x):
            y = apply(x[:n] + 1j * x[n:])
            return numpy.concatenate([y.real, y.imag])
        lin = scipy.sparse.linalg.LinearOperator((2 * n, 2 * n), matvec=real_apply, dtype=float)
        xr, _ = scipy.sparse.linalg.minres(lin, numpy.concatenate([b.real, b.imag]), rtol=rtol,
                                           maxiter=20 * n + 100)
        x = xr[:n] + 1j * xr[n:]
    else:
        lin = scipy.sparse.linalg.LinearOperator((n, n), matvec=apply, dtype=float)
        x, _ = scipy.sparse.linalg.minres(lin, b, rtol=rtol, maxiter=20 * n + 100)
    residual = float(numpy.linalg.norm(apply(x) - b)) / bnorm
    if not residual <= max(1e3 * rtol, 1e-9):
        raise ConvergenceError(f"eigsh: projected MINRES solve for {what} did not converge",
                               residual, 20 * n + 100)
    return x


@_ag_primitive
def _resolvent_solve(lam, v, b, op, *params):
    """``x`` with ``Q (H - lam) Q x = Q b``, ``V^H x = 0`` (``Q = 1 - V V^H``).

    The derivative rules hold where ``V`` are eigenvectors of ``H`` with ``V^H b = 0``
    (callers pass ``b`` already projected): then ``dx = S Q (db + dlam x - dH x) - V dV^H x``
    with ``S`` the solve itself.
    """
    v_, p_ = numpy.asarray(v), [getval(p) for p in params]
    proj = lambda x: x - v_ @ (v_.conj().T @ x)  # noqa: E731
    lam_ = float(numpy.real(lam))

    def apply(x):
        px = proj(x)
        return proj(numpy.asarray(op(px, *p_)) - lam_ * px)

    return proj(_minres(apply, proj(numpy.asarray(b)), SOLVE_RTOL, "the eigenvector cotangent"))


def _op_vjp(op, x, params, cotangent, argnums):
    """``d/dparams Re sum(cotangent * op(x, *params))`` for the params in ``argnums``."""
    _, pullback = wengert.vjp(lambda *p: op(x, *p), *params)
    grads = pullback(cotangent)
    return [grads[i] for i in argnums]


def _op_jvp(op, x, params, tangents):
    """``sum_j d op(x, *params) / d params_j  tangents_j`` (``None`` tangent: constant)."""
    full = tuple(t if t is not None else None for t in tangents)
    return wengert.jvp(lambda *p: op(x, *p), tuple(params), full)[1]


def _rsolve_vjp(argnums, ans, args, kwargs):
    lam, v, b, op, *params = args
    x = ans
    complex_ = numpy.iscomplexobj(getval(x)) or numpy.iscomplexobj(getval(v))

    def vjp(g):
        xbar = np.conj(g) if complex_ else g  # standard convention
        z = _resolvent_solve(lam, v, xbar, op, *params)
        out = []
        for argnum in argnums:
            if argnum == 0:
                out.append(np.real(np.sum(np.conj(z) * x)))
            elif argnum == 1:
                vbar = -np.outer(x, np.dot(np.conj(xbar), v))
                out.append(np.conj(vbar) if complex_ else vbar)
            elif argnum == 2:
                out.append(np.conj(z) if complex_ else z)
            else:
                out.append(None)
        pnums = [a - 4 for a in argnums if a >= 4]
        if pnums:
            cot = -(np.conj(z) if complex_ else z)
            grads = _op_vjp(op, x, params, cot, pnums)
            it = iter(grads)
            out = [next(it) if a >= 4 else o for a, o in zip(argnums, out)]
        return tuple(out)

    return vjp


def _rsolve_jvp(argnums, gs, ans, args, kwargs):
    lam, v, b, op, *params = args
    x = ans
    rhs = 0.0 * x
    tangent = 0.0 * x
    ptangents = [None] * len(params)
    for argnum, g in zip(argnums, gs):
        if argnum == 0:
            rhs = rhs + g * x
        elif argnum == 1:
            tangent = tangent - np.dot(v, np.dot(np.conj(np.transpose(g)), x))
        elif argnum == 2:
            rhs = rhs + g
        elif argnum >= 4:
            ptangents[argnum - 4] = g
    if any(t is not None for t in ptangents):
        rhs = rhs - _op_jvp(op, x, params, ptangents)
    return tangent + _resolvent_solve(lam, v, rhs, op, *params)


defvjp_argnums(_resolvent_solve, _rsolve_vjp)
defjvp_argnums(_resolvent_solve, _rsolve_jvp)


# ---------------------------------------------------------------- forward


def _eigsh_value(op, *params, k=1, which="SA", n=None, tol=0.0, v0=None, ncv=None,
                 maxiter=None):
    if which not in ("SA", "LA"):
        raise ValueError(f"eigsh: which must be 'SA' or 'LA', got {which!r}")
    matvec, all_params, dim, dense = _resolve(op, params, n)
    if not isinstance(k, (int, numpy.integer)) or not 1 <= k <= dim:
        raise ValueError(f"eigsh: k must be an int in [1, n = {dim}], got {k!r}")
    values = [getval(p) for p in all_params]
    if dense:
        mat = numpy.asarray(values[0])
        w, v = numpy.linalg.eigh(0.5 * (mat + mat.conj().T))
        idx = numpy.arange(k) if which == "SA" else numpy.arange(dim - k, dim)
        w_all = w
        w, v = w[idx], v[:, idx]
    else:
        dtype = _dtype(matvec, values, dim)
        lin = scipy.sparse.linalg.LinearOperator(
            (dim, dim), matvec=lambda x: numpy.asarray(matvec(x, *values)), dtype=dtype)
        if k >= dim - 1:
            raise ValueError(f"eigsh: a matrix-free op needs k < n - 1 (ARPACK); got k={k}, "
                             f"n={dim}")
        try:
            w, v = scipy.sparse.linalg.eigsh(lin, k=k, which=which, tol=tol, v0=v0, ncv=ncv,
                                             maxiter=maxiter)
        except scipy.sparse.linalg.ArpackNoConvergence as exc:
            raise ConvergenceError(f"eigsh: ARPACK did not converge ({exc})", float("nan"),
                                   maxiter or 0) from None
        order = numpy.argsort(w)
        w, v = w[order], v[:, order]
        w_all = None
        residual = max(float(numpy.linalg.norm(lin @ v[:, i] - w[i] * v[:, i]))
                       for i in range(k))
        if residual > 1e-8 * max(1.0, float(numpy.max(numpy.abs(w)))):
            raise ConvergenceError("eigsh: ARPACK returned inaccurate eigenpairs", residual, 0)
    if w_all is not None and k < dim:
        nxt = w_all[k] if which == "SA" else w_all[dim - k - 1]
        edge = w[-1] if which == "SA" else w[0]
        if abs(nxt - edge) <= DEGENERACY_RTOL * max(1.0, float(numpy.max(numpy.abs(w_all)))):
            import warnings

            warnings.warn("eigsh: the k-th and (k+1)-th eigenvalues are degenerate; the kept "
                          "subspace (and its derivatives) is ill-defined", stacklevel=3)
    return w, v


class _EigshPrimitive(wengert.Primitive):
    def tangent_space(self, argnum, value):
        if argnum == 0 and callable(value) and not hasattr(value, "shape"):
            return "none"  # a matrix-free op is a function, not an input to differentiate
        return super().tangent_space(argnum, value)


eigsh = _EigshPrimitive(
    _eigsh_value, "linalg.eigsh", max_order=2,
    tangents={0: lambda d: (d + numpy.conj(d.T)) / 2 if numpy.ndim(d) == 2
              and d.shape[0] == d.shape[1] else d},
)
eigsh.__doc__ = """Extremal eigenpairs of a Hermitian operator (dense, sparse or matrix-free).

:param op: (n, n) dense Hermitian array, scipy sparse matrix / ``LinearOperator``, or
    ``op(v, *params) -> H(params) @ v`` written with :mod:`wengert.numpy`.
:param params: parameters of a matrix-free ``op`` (the differentiable inputs).
:param k: number of eigenpairs.
:param which: ``"SA"`` (lowest, default) or ``"LA"`` (highest).
:param n: vector length (required for a matrix-free ``op``).
:param tol: ARPACK's relative tolerance (0: machine precision).
:param v0, ncv, maxiter: passed to ARPACK.
:returns: ``(w, v)``: ``w`` (k,) ascending, ``v`` (n, k) orthonormal columns.
:raises ConvergenceError: ARPACK or the backward MINRES solve did not converge.

>>> import numpy, wengert, wengert.numpy as np, wengert_linalg as la
>>> def op(v, g):                    # H(g) = [[1, g], [g, -1]] (x) I_3 on 6-vectors
...     v = np.reshape(v, (2, 3))
...     return np.reshape(np.stack([v[0] + g * v[1], g * v[0] - v[1]]), (6,))
>>> e0 = lambda g: la.eigsh(op, g, n=6)[0][0]
>>> round(float(e0(0.75)), 12), round(float(wengert.grad(e0)(0.75)), 12)
(-1.25, -0.6)
"""


def _pair_terms(w, v, gv, complex_, labels):
    """``sum_j v_j (v_j^H vbar_i) / (w_i - w_j)`` for all i (``vbar`` standard)."""
    vh = np.conj(np.transpose(v)) if complex_ else np.transpose(v)
    c = np.dot(vh, gv)  # c_ji = v_j^H vbar_i
    f = inverse_gaps(w, labels)  # F_ji = 1 / (w_i - w_j)
    return np.dot(v, f * c)


def _eigsh_vjp(argnums, ans, args, kwargs):
    op, *params = args
    matvec, all_params, dim, dense = _resolve(op, tuple(params), kwargs.get("n"))
    w, v = ans
    k = numpy.shape(getval(w))[0]
    complex_ = numpy.iscomplexobj(getval(v))
    labels = degenerate_groups(getval(w), DEGENERACY_RTOL,
                               max(1.0, float(numpy.max(numpy.abs(getval(w))))))

    def vjp(g):
        gw, gv = g
        y = v * gw
        if not is_zero(gv):
            vbar = np.conj(gv) if complex_ else gv
            if complex_:
                diag = numpy.einsum("ij,ij->j", numpy.conj(getval(v)), getval(vbar))
                report_gauge("linalg.eigsh", float(numpy.max(numpy.abs(diag.imag))),
                             float(numpy.max(numpy.abs(getval(vbar)))) or 1.0,
                             "eigenvectors (phase)")
            y = y + _pair_terms(w, v, vbar, complex_, labels)
            vh = np.conj(np.transpose(v)) if complex_ else np.transpose(v)
            qvbar = vbar - np.dot(v, np.dot(vh, vbar))  # projected here, differentiably in V
            cols = []
            for i in range(k):
                xi = -_resolvent_solve(w[i], v, qvbar[:, i], matvec, *all_params)
                cols.append(xi)
            y = y + np.stack(cols, axis=1)
        cot = np.conj(y) if complex_ else y
        if dense:
            abar = np.dot(cot, np.transpose(v))
            abar = hermitian_part(abar) if complex_ else 0.5 * (abar + np.transpose(abar))
            return tuple(abar if i == 0 else None for i in argnums)

        def stacked(*p):
            return np.stack([matvec(v[:, i], *p) for i in range(k)], axis=1)

        _, pullback = wengert.vjp(stacked, *all_params)
        grads = pullback(cot)
        return tuple(grads[i - 1] if i >= 1 else None for i in argnums)

    return vjp


def _eigsh_jvp(argnums, gs, ans, args, kwargs):
    op, *params = args
    matvec, all_params, dim, dense = _resolve(op, tuple(params), kwargs.get("n"))
    w, v = ans
    k = numpy.shape(getval(w))[0]
    complex_ = numpy.iscomplexobj(getval(v))
    labels = degenerate_groups(getval(w), DEGENERACY_RTOL,
                               max(1.0, float(numpy.max(numpy.abs(getval(w))))))
    if dense:
        da = dict(zip(argnums, gs)).get(0)
        if da is None:
            dhv = 0.0 * v
        else:
            dhv = np.dot(hermitian_part(da) if complex_ else 0.5 * (da + np.transpose(da)), v)
    else:
        tangents = [None] * len(all_params)
        for argnum, g in zip(argnums, gs):
            if argnum >= 1:
                tangents[argnum - 1] = g

        def stacked(*p):
            return np.stack([matvec(v[:, i], *p) for i in range(k)], axis=1)

        dhv = wengert.jvp(stacked, tuple(all_params), tuple(tangents))[1]
    vh = np.conj(np.transpose(v)) if complex_ else np.transpose(v)
    pmat = np.dot(vh, dhv)  # P_ji = v_j^H dH v_i
    dw = np.real(np.diag(pmat)) if complex_ else np.diag(pmat)
    dv = np.dot(v, inverse_gaps(w, labels) * pmat)
    qdhv = dhv - np.dot(v, pmat)  # Q dH v, projected differentiably in V
    cols = [_resolvent_solve(w[i], v, qdhv[:, i], matvec, *all_params) for i in range(k)]
    dv = dv - np.stack(cols, axis=1)
    return dw, dv


defvjp_argnums(eigsh, _eigsh_vjp)
defjvp_argnums(eigsh, _eigsh_jvp)


# ---------------------------------------------------------------- conformance


def eigsh_probe(out, *args):
    """Eigenvalues and ``V diag(cos w) V^H`` (gauge-invariant) of ``eigsh``'s output."""
    w, v = out
    return w, np.dot(v * np.cos(w), np.conj(np.transpose(v)))


def _chain_op(v, g, h):
    """A small parametrized operator for the examples: ``H = A0 + g A1 + h diag(d)``."""
    n = np.shape(v)[0]
    shift = np.concatenate([v[1:], v[:1]])
    back = np.concatenate([v[-1:], v[:-1]])
    ramp = numpy.linspace(-1.0, 1.0, n) ** 2
    return -(shift + back) + g * ramp * v + h * numpy.cos(numpy.arange(n)) * v


@eigsh.examples
def _eigsh_examples(rng):
    from wengert_linalg.eigh import _with_spectrum

    return [
        wengert.Example((_with_spectrum(rng, [-2.0, -1.1, 0.3, 0.9, 1.6, 2.2]),), {"k": 2},
                        name="dense-k2"),
        wengert.Example((_with_spectrum(rng, [-1.5, -0.2, 0.4, 1.7], True),), {"k": 1},
                        name="dense-complex"),
        wengert.Example((_chain_op, 0.7, 0.3), {"k": 2, "n": 10}, name="matrix-free-k2"),
    ]


eigsh.probe = eigsh_probe
