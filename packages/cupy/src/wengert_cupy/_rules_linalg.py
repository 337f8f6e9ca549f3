"""Device VJPs for ``numpy.linalg.eigh``, ``cholesky`` and ``svd`` (autograd's rules build
their identities with ``numpy.eye``/``numpy.ones``); see :mod:`wengert_cupy._rules`.

Each is autograd's rule (references in the docstrings) with its constants created by the
input's module ``xp``; :func:`replace_linalg_vjp` keeps autograd's own rule for host inputs.
"""

from __future__ import annotations

import autograd.numpy.linalg as ala
import autograd.numpy.numpy_wrapper as anp
from autograd.core import primitive_vjps

from wengert_cupy._xp import device_module

__all__ = ["device_grad_eigh", "device_grad_cholesky", "device_grad_svd", "replace_linalg_vjp"]


def _T(x):
    return anp.swapaxes(x, -1, -2)


def _mdot(a, b):
    return anp.einsum("...ij,...jk->...ik", a, b)


def device_grad_eigh(xp, ans, x, UPLO="L"):
    """autograd's ``grad_eigh`` with device constants; the "eigenvectors unused" shortcut
    (a host ``any``) is replaced by masking ``F * (V^T Vbar)`` where the product is zero."""
    N = x.shape[-1]
    w, v = ans
    vc = anp.conj(v)
    eye = xp.eye(N)
    off_diag = xp.ones((N, N)) - eye
    tri = xp.tril(xp.ones((N, N)), -1) if UPLO == "L" else xp.triu(xp.ones((N, N)), 1)

    def vjp(g):
        wg, vg = g
        w_repeated = anp.repeat(w[..., anp.newaxis], N, axis=-1)
        vjp_temp = _mdot(vc * wg[..., anp.newaxis, :], _T(v))
        f = off_diag / (_T(w_repeated) - w_repeated + eye)
        x_vg = _mdot(_T(v), vg)
        vjp_temp = vjp_temp + _mdot(_mdot(vc, anp.where(x_vg == 0, 0.0, f * x_vg)), _T(v))
        return anp.real(vjp_temp) * eye + (vjp_temp + anp.conj(_T(vjp_temp))) * tri

    return vjp


def device_grad_cholesky(xp, L, A):
    """autograd's ``grad_cholesky`` (Murray 2016, arXiv:1602.07527) with a device identity."""

    def solve_trans(a, b):
        return ala.solve(_T(a), b)

    def vjp(g):
        eye = xp.eye(L.shape[-1])
        phi = anp.tril(anp.einsum("...ki,...kj->...ij", L, g)) / (1.0 + eye)
        S = solve_trans(L, _T(solve_trans(L, _T(phi))))
        return (S + _T(S)) / 2.0

    return vjp


def device_grad_svd(xp, usv, a, full_matrices=True, compute_uv=True):
    """autograd's ``grad_svd`` (Townsend 2016) for 2D inputs with device identities."""
    if not compute_uv or full_matrices or a.ndim != 2:
        raise NotImplementedError(
            "wengert-cupy: the device VJP of numpy.linalg.svd supports 2D inputs with "
            "full_matrices=False and compute_uv=True (use wengert_linalg.svd)"
        )
    u, s, vh = usv
    v = anp.conj(_T(vh))
    m, n = a.shape
    k = min(m, n)
    i = xp.eye(k)

    def vjp(g):
        f = 1 / (s[anp.newaxis, :] ** 2 - s[:, anp.newaxis] ** 2 + i)
        gu, gs, gv = g[0], g[1], anp.conj(_T(g[2]))
        utgu = anp.dot(_T(u), gu)
        vtgv = anp.dot(_T(v), gv)
        t1 = (f * (utgu - anp.conj(_T(utgu)))) * s[anp.newaxis, :]
        t1 = t1 + i * gs[:, anp.newaxis]
        t1 = t1 + s[:, anp.newaxis] * (f * (vtgv - anp.conj(_T(vtgv))))
        if anp.iscomplexobj(u):
            t1 = t1 + 1j * anp.imag(anp.diag(anp.diag(utgu))) / s[anp.newaxis, :]
        t1 = anp.dot(anp.dot(anp.conj(u), t1), _T(v))
        if m < n:
            i_minus_vvt = xp.eye(n) - anp.dot(v, anp.conj(_T(v)))
            t1 = t1 + anp.conj(anp.dot(anp.dot(u / s[anp.newaxis, :], _T(gv)), i_minus_vvt))
        elif m > n:
            i_minus_uut = xp.eye(m) - anp.dot(u, anp.conj(_T(u)))
            t1 = t1 + _T(anp.dot(anp.dot(v / s[anp.newaxis, :], _T(gu)), i_minus_uut))
        return t1

    return vjp


def replace_linalg_vjp(prim, device_maker) -> None:
    """Re-register ``prim``'s VJP: autograd's on host inputs, ``device_maker`` on device ones."""
    original = primitive_vjps[prim]

    def vjp_argnums(argnums, ans, args, kwargs):
        xp = device_module(args[0])
        if xp is None:
            return original(argnums, ans, args, kwargs)
        pullback = device_maker(xp, ans, *args, **kwargs)
        return lambda g: (pullback(g),)

    primitive_vjps[prim] = vjp_argnums
