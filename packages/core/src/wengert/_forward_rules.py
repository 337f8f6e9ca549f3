"""Forward-mode (JVP) rules for the autograd primitives that ship only a VJP: numpy part.

Importing this module imports every ``autograd.numpy`` / ``autograd.misc`` submodule and
``autograd.builtins`` and registers a JVP for each of their primitives that has a VJP but no
JVP; :mod:`wengert._forward_rules_scipy` does the same for ``autograd.scipy`` when
:mod:`wengert.scipy` is first imported (scipy.stats and scipy.integrate take ~0.6 s to
import, which ``import wengert`` should not pay). The explicit rules are written with
autograd.numpy operations, so they are differentiable themselves (jvp of jvp, forward over
reverse). Whatever is left gets ``_jvp_from_vjp``: the JVP as the transpose of autograd's VJP.

Tangent conventions: cholesky symmetrizes the tangent (as autograd's VJP does), eigh reads only
its ``UPLO`` triangle (as LAPACK and autograd's VJP do), solve_triangular only the entries that
the solve reads.
"""

import importlib
import inspect
import pkgutil
import sys

import autograd.builtins as ab
import autograd.numpy as anp
import autograd.numpy.fft as afft
import autograd.numpy.linalg as ala
from autograd import make_jvp
from autograd.core import make_vjp, primitive_jvps, primitive_vjps
from autograd.extend import defjvp, defjvp_argnum, defjvp_argnums, vspace
from autograd.misc.fixed_points import fixed_point
from autograd.numpy.numpy_wrapper import _astype
from autograd.tracer import getval


def _import_all(packages):
    """Import every submodule of ``packages`` (and autograd.builtins): they define primitives."""
    importlib.import_module("autograd.builtins")
    for name in packages:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, name + "."):
            importlib.import_module(info.name)


_import_all(("autograd.numpy", "autograd.misc"))
_JVPS_BEFORE = frozenset(primitive_jvps)

# Primitives deliberately left without a JVP, as (qualified name, reason) pairs.
JVP_EXCEPTIONS: tuple[tuple[str, str], ...] = ()


def primitive_names():
    """Name each autograd primitive by the shortest ``autograd.*`` module path that exports it."""
    names = {}
    modules = sorted((m for m in list(sys.modules) if m.split(".")[0] == "autograd"), key=len)
    for module_name in reversed(modules):
        for attr, value in list(vars(sys.modules[module_name]).items()):
            if inspect.isfunction(value) and (value in primitive_vjps or value in primitive_jvps):
                names[value] = f"{module_name}.{attr}"
    return names


def missing_jvps() -> list[str]:
    """Names of the primitives that have a VJP but no JVP, after importing all submodules."""
    import wengert._forward_rules_scipy  # noqa: F401  (registers the scipy rules)

    _import_all(("autograd.numpy", "autograd.scipy", "autograd.misc"))
    names = primitive_names()
    missing = [f for f in primitive_vjps if f not in primitive_jvps]
    return sorted(names.get(f, getattr(f, "__qualname__", repr(f))) for f in missing)


def _like(ans, *parts):
    """A tangent of the same (named)tuple type as the primitive's output ``ans`` (a plain
    tuple for CuPy's ``linalg`` functions, a named tuple for numpy's)."""
    seq_type = vspace(ans).seq_type
    return seq_type(parts) if seq_type in (tuple, list) else seq_type(*parts)


# ---------------------------------------------------------------- numpy and builtins

defjvp(anp.hypot, lambda g, ans, x, y: g * x / ans, lambda g, ans, x, y: g * y / ans)
defjvp(_astype, "same")  # the primitive with a VJP: anp.astype itself on autograd >= 1.9
defjvp(ab._make_dict, lambda g, ans, keys, vals: ab._make_dict(keys, g), argnums=(1,))


def _extend_jvp(left, argnum, g, ans, args, kwargs):
    """Scatter the tangent of one argument of ``seq + elts`` (or ``elts + seq``) into the result."""
    n_seq, n_elts = len(args[0]), len(args) - 1
    if argnum == 0:
        where = slice(n_elts, None) if left else slice(0, n_seq)
    else:
        where = argnum - 1 if left else n_seq + argnum - 1
    return ab.container_untake(g, where, vspace(ans))


defjvp_argnum(ab.sequence_extend_right, lambda *a: _extend_jvp(False, *a))
defjvp_argnum(ab.sequence_extend_left, lambda *a: _extend_jvp(True, *a))

# ---------------------------------------------------------------- numpy.linalg
# Matrix forward derivatives: M. Giles, "An extended collection of matrix derivative results
# for forward and reverse mode algorithmic differentiation" (2008), sec. 3.


def _T(x):
    return anp.swapaxes(x, -1, -2)


def _H(x):
    return anp.conj(_T(x))


def _diag_part(x):
    return anp.diagonal(x, axis1=-1, axis2=-2)


def _trace(x):
    return anp.sum(_diag_part(x), -1)


def _eye_like(x, n):
    """``eye(n)`` (float64) with the array type of ``x`` (numpy, or a device array through
    ``zeros_like``'s ``__array_function__`` dispatch): no host array meets a device one."""
    eye = anp.zeros_like(getval(x), dtype=float, shape=(n, n))
    eye.reshape(-1)[:: n + 1] = 1.0
    return eye


def _inverse_gaps(w):
    """F[..., i, j] = 1 / (w_j - w_i) off the diagonal, 0 on it."""
    eye = _eye_like(w, anp.shape(w)[-1])
    return (1 - eye) / (w[..., None, :] - w[..., :, None] + eye)


defjvp(ala.det, lambda g, ans, x: ans * _trace(ala.solve(x, g)))
defjvp(ala.inv, lambda g, ans, x: -ans @ g @ ans)


def _slogdet_jvp(g, ans, x):
    """t = d log det A = tr(A⁻¹ dA): d log|det A| = Re t, d sign = i Im(t) sign (0 for real A)."""
    sign, _ = ans
    t = _trace(ala.solve(x, g))
    dsign = 1j * anp.imag(t) * sign if anp.iscomplexobj(sign) else anp.zeros_like(sign)
    return _like(ans, dsign, anp.real(t))


defjvp(ala.slogdet, _slogdet_jvp)


def _solve_jvp_a(g, ans, a, b):
    """x = A⁻¹ b ⇒ dx = -A⁻¹ dA x; b is a vector (numpy 2 rule) only when it is 1-D."""
    x = ans[..., None] if anp.ndim(b) == 1 else ans
    return anp.reshape(-ala.solve(a, g @ x), anp.shape(ans))


defjvp(ala.solve, _solve_jvp_a, lambda g, ans, a, b: ala.solve(a, g))


def _cholesky_jvp(g, L, a):
    """dL = L Φ(L⁻¹ dA L⁻ᴴ) with dA = (g + gᴴ)/2 and Φ = lower triangle, halved diagonal.

    I. Murray, "Differentiation of the Cholesky decomposition", arXiv:1602.07527 (2016), eq. 10.
    """
    da = (g + _H(g)) / 2
    phi = _H(ala.solve(L, _H(ala.solve(L, da))))
    return L @ (anp.tril(phi) / (1 + _eye_like(L, anp.shape(L)[-1])))


defjvp(ala.cholesky, _cholesky_jvp)


def _eigh_jvp(g, ans, x, UPLO="L"):
    """A = V diag(w) Vᴴ, P = Vᴴ dA V ⇒ dw = diag(P), dV = V (F ∘ P), F_ij = 1/(w_j - w_i).

    dA is the Hermitian matrix that eigh reads: the UPLO triangle of g, mirrored, with a real
    diagonal (the convention of autograd's VJP). dV is inf/nan for degenerate eigenvalues.
    """
    w, v = ans
    off = anp.tril(g, -1) if UPLO == "L" else anp.triu(g, 1)
    da = off + _H(off) + anp.real(g) * _eye_like(g, anp.shape(g)[-1])
    p = _H(v) @ da @ v
    return _like(ans, anp.real(_diag_part(p)), v @ (_inverse_gaps(w) * p))


defjvp(ala.eigh, _eigh_jvp)


def _eig_jvp(g, ans, x):
    """A V = V diag(w), P = V⁻¹ dA V ⇒ dw = diag(P), dV = V (F ∘ P) + V D, F_ij = 1/(w_j - w_i).

    The diagonal D keeps LAPACK's normalisation (geev): unit-norm columns, whose entry of largest
    modulus is real when they are complex.
    """
    w, v = ans
    p = ala.solve(v, g @ v)
    dv = v @ (_inverse_gaps(w) * p)
    dv = dv - v * anp.real(anp.sum(anp.conj(v) * dv, axis=-2, keepdims=True))
    if anp.iscomplexobj(v):
        rows = (anp.cumsum(anp.ones_like(anp.real(getval(v))[..., :, 0]), axis=-1) - 1)[..., None]
        largest = anp.argmax(anp.abs(v), axis=-2)[..., None, :] == rows
        dv_at, v_at = (anp.sum(m * largest, -2, keepdims=True) for m in (dv, v))
        dv = dv - 1j * v * anp.imag(dv_at) / anp.real(v_at)
    return _like(ans, _diag_part(p), dv)


defjvp(ala.eig, _eig_jvp)


def _svd_jvp(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    """A = U S Vᴴ, P = Uᴴ dA V, F_ij = 1/(s_j² - s_i²) ⇒ ds = Re diag(P),
    dU = U (F ∘ (P S + S Pᴴ) + i Im diag(P) S⁻¹) + (I - U Uᴴ) dA V S⁻¹,
    dV = V (F ∘ (S P + Pᴴ S)) + (I - V Vᴴ) dAᴴ U S⁻¹.

    J. Townsend, "Differentiating the singular value decomposition" (2016); the phase of the
    complex case is put in U, as autograd's VJP does. Full matrices only for square A.
    """
    if not compute_uv:
        u, _, vh = ala.svd(a, full_matrices=False)
        return anp.real(_diag_part(_H(u) @ g @ _H(vh)))
    m, n = anp.shape(a)[-2:]
    if full_matrices and m != n:
        raise NotImplementedError("JVP of svd not implemented for full_matrices=True")
    u, s, vh = ans
    v = _H(vh)
    p = _H(u) @ g @ v
    f, s_row, s_col = _inverse_gaps(s**2), s[..., None, :], s[..., :, None]
    du = u @ (f * (p * s_row + s_col * _H(p)))
    dv = v @ (f * (s_col * p + _H(p) * s_row))
    if anp.iscomplexobj(p):
        du = du + 1j * u * anp.imag(_diag_part(p))[..., None, :] / s_row
    if m > n:
        gv = g @ v
        du = du + (gv - u @ (_H(u) @ gv)) / s_row
    if n > m:
        gu = _H(g) @ u
        dv = dv + (gu - v @ (vh @ gu)) / s_row
    return _like(ans, du, anp.real(_diag_part(p)), _H(dv))


defjvp(ala.svd, _svd_jvp)


def _pinv_jvp(g, ans, a, *args, **kwargs):
    """dA⁺ = -A⁺ dA A⁺ + A⁺A⁺ᴴ dAᴴ (I - A A⁺) + (I - A⁺A) dAᴴ A⁺ᴴA⁺, for A of constant rank.

    G. Golub and V. Pereyra, SIAM J. Numer. Anal. 10 (1973), Theorem 4.3.
    """
    p, gh = ans, _H(g)
    left = p @ (_H(p) @ gh)
    right = gh @ _H(p) @ p
    return -p @ g @ p + left - left @ a @ p + right - p @ (a @ right)


defjvp(ala.pinv, _pinv_jvp)

# ---------------------------------------------------------------- numpy.fft: all linear

_FFT_NAMES = "fft ifft fft2 ifft2 fftn ifftn rfft irfft rfft2 irfft2 rfftn irfftn"
for _name in [*_FFT_NAMES.split(), "fftshift", "ifftshift", "truncate_pad"]:
    defjvp(getattr(afft, _name), "same")

# ---------------------------------------------------------------- autograd.misc.fixed_point


def _fixed_point_jvp(g, ans, f, a, x0, distance, tol):
    """x* = f(a)(x*) ⇒ dx* = ∂ₓf dx* + ∂ₐf da, itself a fixed point (implicit function theorem)."""
    da_term = make_jvp(lambda a: f(a)(ans))(a)(g)[1]

    def tangent_map(params):
        a, x_star, b = params
        return lambda dx: vspace(x_star).add(make_jvp(f(a))(x_star)(dx)[1], b)

    return fixed_point(tangent_map, ab.tuple((a, ans, da_term)), vspace(ans).zeros(), distance, tol)


defjvp(fixed_point, None, _fixed_point_jvp, None)

# ---------------------------------------------------------------- fallback: transpose the VJP


def _jvp_from_vjp(vjpmaker):
    """The VJP is linear in its cotangent u, so J v = ∇_u <VJP(u), v>.

    <c, v> = Re Σ c·v (no conjugation: autograd's complex VJPs are conjugated transposes),
    spelled with the vspace's covector and inner product so that it also works for containers.
    """

    def jvp(argnums, gs, ans, args, kwargs):
        vjp = vjpmaker(argnums, ans, args, kwargs)

        def pairing(u):
            return sum(vspace(v).inner_prod(vspace(v).covector(c), v) for c, v in zip(vjp(u), gs))

        return make_vjp(pairing, vspace(ans).zeros())[0](1.0)

    return jvp


def apply_fallback(jvps_before):
    """Give every primitive still without a JVP the transposed-VJP rule.

    Returns ``(explicit, fallback)``: the primitives that got explicit rules since
    ``jvps_before`` was taken, and those that got the fallback now.
    """
    explicit = tuple(f for f in primitive_jvps if f not in jvps_before)
    fallback = tuple(f for f in primitive_vjps if f not in primitive_jvps)
    for fun in fallback:
        defjvp_argnums(fun, _jvp_from_vjp(primitive_vjps[fun]))
    return explicit, fallback


EXPLICIT_RULES, FALLBACK_RULES = apply_fallback(_JVPS_BEFORE)
