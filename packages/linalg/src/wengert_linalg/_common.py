"""Shared helpers: input validation, degeneracy groups, gauge policy, small primitives.

Conventions used by every rule in this package
----------------------------------------------
Cotangents follow autograd's (and JAX's) convention: for a real loss ``L`` and a complex
input ``z``, ``grad = dL/dx - i dL/dy``, so ``dL = Re sum(grad * dz)`` (no conjugate).
Rules are derived in the "standard" convention ``dL = Re tr(G^H dZ)`` where the literature
writes them, and converted with one complex conjugation (``G_std = conj(G_autograd)``).
All rules are written with :mod:`wengert.numpy` operations or with primitives of this
package, so that they can be differentiated again.
"""

from __future__ import annotations

import warnings

import numpy
import scipy.linalg
from autograd.extend import primitive as _ag_primitive
from autograd.tracer import Box, getval

import wengert.numpy as np

__all__ = [
    "GaugeError",
    "GaugeWarning",
    "set_gauge_check",
    "DEGENERACY_RTOL",
    "HERMITIAN_RTOL",
]

#: Eigenvalues (singular values) closer than this times the spectral scale are treated as
#: exactly degenerate by the derivative rules (their 1/(w_j - w_i) factor is set to zero).
DEGENERACY_RTOL = 1e-10
#: ``max|A - A^H| <= HERMITIAN_RTOL * max|A|`` is required of "Hermitian" inputs.
HERMITIAN_RTOL = 1e-8
#: A gauge-dependent cotangent is reported when its gauge-violating part exceeds this
#: fraction of the cotangent's size.
GAUGE_RTOL = 1e-6

_GAUGE_POLICY = {"mode": "raise"}


class GaugeError(ValueError):
    """The loss depends on the arbitrary phase (or basis) of eigen/singular vectors.

    Its derivative is then not defined: LAPACK picks the phase of each vector arbitrarily,
    so the loss itself is not a function of the input matrix.
    """


class GaugeWarning(UserWarning):
    """Issued instead of :class:`GaugeError` after ``set_gauge_check("warn")``."""


def set_gauge_check(mode: str) -> str:
    """Set what a gauge-dependent loss triggers: ``"raise"`` (default), ``"warn"`` or ``"off"``.

    Returns the previous mode.
    """
    if mode not in ("raise", "warn", "off"):
        raise ValueError(f"mode must be 'raise', 'warn' or 'off', got {mode!r}")
    previous = _GAUGE_POLICY["mode"]
    _GAUGE_POLICY["mode"] = mode
    return previous


def report_gauge(name: str, violation: float, scale: float, what: str) -> None:
    """Raise or warn when ``violation > GAUGE_RTOL * scale`` (policy: :func:`set_gauge_check`)."""
    mode = _GAUGE_POLICY["mode"]
    if mode == "off" or not violation > GAUGE_RTOL * max(scale, 1e-300):
        return
    message = (
        f"{name}: the loss depends on the gauge of the {what} (violation {violation:.2e} "
        f"relative to cotangent size {scale:.2e}); its derivative is undefined. Use a "
        "gauge-invariant function of the vectors (|v|^2, projectors V V^H, U S V^H, ...)."
    )
    if mode == "raise":
        raise GaugeError(message)
    warnings.warn(message, GaugeWarning, stacklevel=4)


# ---------------------------------------------------------------- validation


def as_matrix(a, name: str, fname: str, *, square: bool = False):
    """Check that ``a`` is a finite 2D float/complex array (boxes allowed); return its value."""
    value = getval(a)
    if not hasattr(value, "shape"):
        value = numpy.asarray(value)
    if value.ndim != 2:
        raise ValueError(f"{fname}: {name} must be a 2D matrix, got shape {value.shape}")
    if value.dtype.kind not in "fc":
        if value.dtype.kind in "iub":
            value = value.astype(float)
        else:
            raise TypeError(f"{fname}: {name} must be a float or complex array, got {value.dtype}")
    if square and value.shape[0] != value.shape[1]:
        raise ValueError(f"{fname}: {name} must be square, got shape {value.shape}")
    if value.size and not numpy.isfinite(value).all():
        raise ValueError(f"{fname}: {name} contains NaN or inf")
    return value


def check_hermitian(
    value, name: str, fname: str, rtol: float = HERMITIAN_RTOL, symmetrize: bool = False
):
    """Raise ``ValueError`` unless ``value`` is Hermitian within ``rtol`` (relative);
    with ``symmetrize`` return its Hermitian part ``(value + value^H)/2``."""
    if value.size == 0:
        return value if symmetrize else None
    scale = float(numpy.max(numpy.abs(value)))
    diff = value - (value.conj().T if value.dtype.kind == "c" else value.T)
    asym = float(numpy.max(numpy.abs(diff)))
    if asym > rtol * scale:
        kind = "Hermitian" if numpy.iscomplexobj(value) else "symmetric"
        raise ValueError(
            f"{fname}: {name} must be {kind}: max|{name} - {name}^H| = {asym:.3e} exceeds "
            f"{rtol:g} x max|{name}| = {rtol * scale:.3e}"
        )
    if symmetrize:
        diff *= 0.5
        return value - diff


def hermitian_part(a):
    """``(a + a^H) / 2`` (differentiable)."""
    return 0.5 * (a + np.conj(np.transpose(a)))


def is_complex(x) -> bool:
    return numpy.iscomplexobj(getval(x))


def conj(x):
    """Conjugate that is free for real arrays."""
    return np.conj(x) if is_complex(x) else x


def herm(x):
    """Conjugate transpose (plain transpose for real arrays)."""
    return np.conj(np.transpose(x)) if is_complex(x) else np.transpose(x)


def traced(*xs) -> bool:
    """Whether any argument (or tuple element) is an autograd box, i.e. whether a derivative
    rule that receives them is itself being differentiated (second or higher order)."""
    for x in xs:
        if isinstance(x, Box):
            return True
        if isinstance(x, (tuple, list)) and any(isinstance(y, Box) for y in x):
            return True
    return False


def is_zero(g) -> bool:
    """Whether a cotangent/tangent is identically zero (cheap check on the value)."""
    value = getval(g)
    if value is None:
        return True
    return not numpy.any(value)


# ---------------------------------------------------------------- degeneracy


def degenerate_groups(w, rtol: float, scale: float | None = None) -> numpy.ndarray:
    """Group labels of the sorted-or-not values ``w``: values within ``rtol*scale`` chain.

    Returns an int array ``labels`` with ``labels[i] == labels[j]`` for values of one group.
    """
    w = numpy.asarray(getval(w)).real
    n = w.shape[0]
    if n == 0:
        return numpy.zeros(0, dtype=int)
    if scale is None:
        scale = float(numpy.max(numpy.abs(w))) if n else 0.0
    tol = rtol * max(scale, 1e-300)
    order = numpy.argsort(w, kind="stable")
    sorted_w = w[order]
    new_group = numpy.concatenate([[True], numpy.diff(sorted_w) > tol])
    labels_sorted = numpy.cumsum(new_group) - 1
    labels = numpy.empty(n, dtype=int)
    labels[order] = labels_sorted
    return labels


def inverse_gaps(w, labels, broadening: float = 0.0):
    """``F_ij = 1/(w_j - w_i)`` (Lorentzian ``d/(d^2 + eps)`` if ``broadening``), zero where
    ``i``, ``j`` belong to one degenerate group (including the diagonal). Differentiable in w."""
    diff = w[None, :] - w[:, None]
    n = len(getval(w))
    if labels is None or labels.max(initial=-1) == n - 1:
        if not broadening:  # no degenerate pair: 1/(diff + I) - I, two passes
            eye = numpy.eye(n)
            return 1.0 / (diff + eye) - eye
        same = numpy.eye(n, dtype=bool)
    else:
        same = labels[:, None] == labels[None, :]
    if broadening:
        f = diff / (diff * diff + broadening)
    else:
        f = 1.0 / np.where(same, 1.0, diff)
    return np.where(same, 0.0, f)


# ---------------------------------------------------------------- triangular solve


@_ag_primitive
def solve_triangular(t, b, lower: bool, trans: bool = False):
    """``T^{-1} b`` (``T^{-T} b`` with ``trans``) for triangular ``T`` (differentiable)."""
    return scipy.linalg.solve_triangular(
        t, b, lower=lower, trans="T" if trans else "N", check_finite=False
    )


def _tri_mask(t, lower):
    return np.tril(t) if lower else np.triu(t)


def _outer(x, y):
    """x y^T for vectors or matrices of right-hand sides."""
    if np.ndim(x) == 1:
        return np.outer(x, y)
    return np.dot(x, np.transpose(y))


def _solve_tri_vjp_t(ans, t, b, lower, trans=False):
    def vjp(g):
        bbar = solve_triangular(t, g, lower, not trans)
        # x = T^-1 b: T-bar = -bbar x^T ; x = T^-T b: T-bar = -x bbar^T
        tbar = -_outer(bbar, ans) if not trans else -_outer(ans, bbar)
        return _tri_mask(tbar, lower)

    return vjp


def _solve_tri_vjp_b(ans, t, b, lower, trans=False):
    return lambda g: solve_triangular(t, g, lower, not trans)


def _solve_tri_jvp_t(g, ans, t, b, lower, trans=False):
    dt = _tri_mask(g, lower)
    return -solve_triangular(t, np.dot(np.transpose(dt) if trans else dt, ans), lower, trans)


def _solve_tri_jvp_b(g, ans, t, b, lower, trans=False):
    return solve_triangular(t, g, lower, trans)


from autograd.extend import defjvp as _defjvp  # noqa: E402
from autograd.extend import defvjp as _defvjp  # noqa: E402

_defvjp(solve_triangular, _solve_tri_vjp_t, _solve_tri_vjp_b)
_defjvp(solve_triangular, _solve_tri_jvp_t, _solve_tri_jvp_b)


def single_threaded_blas():
    """A context manager limiting BLAS to one thread (small matrices run many times faster
    that way on a loaded machine), or a no-op without ``threadpoolctl``."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
