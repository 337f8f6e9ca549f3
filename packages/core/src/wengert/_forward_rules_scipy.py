"""Forward-mode (JVP) rules for the autograd.scipy primitives that ship only a VJP.

Imported by :mod:`wengert.scipy` (see :mod:`wengert._forward_rules` for the conventions).
Explicit rules for scipy.special, scipy.linalg, scipy.signal, chi2 and odeint; the other
scipy.stats distributions get the transposed-VJP fallback.
"""

import autograd.builtins as ab
import autograd.numpy as anp
import autograd.scipy.integrate as aint
import autograd.scipy.linalg as asla
import autograd.scipy.signal as asig
import autograd.scipy.special as sp
import numpy as onp
from autograd import make_jvp
from autograd.core import primitive_jvps
from autograd.extend import def_linear, defjvp, defjvp_argnums, vspace
from autograd.misc.flatten import flatten
from autograd.scipy.stats import chi2

from wengert._forward_rules import _H, _T, _import_all, apply_fallback

_import_all(("autograd.scipy",))
_JVPS_BEFORE = frozenset(primitive_jvps)

# ---------------------------------------------------------------- scipy.special: elementwise

_SQRT_PI = onp.sqrt(onp.pi)

defjvp(sp.erf, lambda g, ans, x: 2 / _SQRT_PI * anp.exp(-(x**2)) * g)
defjvp(sp.erfc, lambda g, ans, x: -2 / _SQRT_PI * anp.exp(-(x**2)) * g)
defjvp(sp.erfinv, lambda g, ans, x: _SQRT_PI / 2 * anp.exp(ans**2) * g)
defjvp(sp.erfcinv, lambda g, ans, x: -_SQRT_PI / 2 * anp.exp(ans**2) * g)
defjvp(sp.logit, lambda g, ans, x: g / (x * (1 - x)))
defjvp(sp.expit, lambda g, ans, x: g * ans * (1 - ans))
defjvp(sp.gamma, lambda g, ans, x: g * ans * sp.psi(x))
defjvp(sp.gammaln, lambda g, ans, x: g * sp.psi(x))
defjvp(sp.rgamma, lambda g, ans, x: -g * ans * sp.psi(x))
defjvp(sp.gammasgn, None)
defjvp(sp.psi, lambda g, ans, x: g * sp.polygamma(1, x))
defjvp(sp.digamma, lambda g, ans, x: g * sp.polygamma(1, x))
defjvp(sp.polygamma, None, lambda g, ans, n, x: g * sp.polygamma(n + 1, x))
defjvp(
    sp.multigammaln,
    lambda g, ans, a, d: g * anp.sum(sp.digamma(anp.expand_dims(a, -1) - anp.arange(d) / 2), -1),
    None,
)


def _gammainc_rate(a, x):
    """d/dx of the regularized lower incomplete gamma function P(a, x)."""
    return anp.exp(-x) * x ** (a - 1) / sp.gamma(a)


defjvp(sp.gammainc, lambda g, ans, a, x: g * _gammainc_rate(a, x), argnums=[1])
defjvp(sp.gammaincc, lambda g, ans, a, x: -g * _gammainc_rate(a, x), argnums=[1])
defjvp(
    sp.beta,
    lambda g, ans, a, b: g * ans * (sp.psi(a) - sp.psi(a + b)),
    lambda g, ans, a, b: g * ans * (sp.psi(b) - sp.psi(a + b)),
)
defjvp(
    sp.betaln,
    lambda g, ans, a, b: g * (sp.psi(a) - sp.psi(a + b)),
    lambda g, ans, a, b: g * (sp.psi(b) - sp.psi(a + b)),
)
defjvp(
    sp.betainc,
    lambda g, ans, a, b, x: g * x ** (a - 1) * (1 - x) ** (b - 1) / sp.beta(a, b),
    argnums=[2],
)
# Bessel functions (DLMF 10.6.1-2, 10.29.1); the order is an integer (or, for jv/iv/ive,
# a real number without closed-form derivative, hence no rule).
defjvp(sp.j0, lambda g, ans, x: -g * sp.j1(x))
defjvp(sp.y0, lambda g, ans, x: -g * sp.y1(x))
defjvp(sp.j1, lambda g, ans, x: g * (sp.j0(x) - sp.jn(2, x)) / 2)
defjvp(sp.y1, lambda g, ans, x: g * (sp.y0(x) - sp.yn(2, x)) / 2)
defjvp(sp.jn, lambda g, ans, v, x: g * (sp.jn(v - 1, x) - sp.jn(v + 1, x)) / 2, argnums=[1])
defjvp(sp.yn, None, lambda g, ans, n, x: g * (sp.yn(n - 1, x) - sp.yn(n + 1, x)) / 2)
defjvp(sp.i0, lambda g, ans, x: g * sp.i1(x))
defjvp(sp.i1, lambda g, ans, x: g * (sp.i0(x) + sp.iv(2, x)) / 2)
defjvp(sp.iv, lambda g, ans, v, x: g * (sp.iv(v - 1, x) + sp.iv(v + 1, x)) / 2, argnums=[1])
defjvp(
    sp.ive,
    lambda g, ans, v, x: g * ((sp.ive(v - 1, x) + sp.ive(v + 1, x)) / 2 - anp.sign(x) * ans),
    argnums=[1],
)

# ---------------------------------------------------------------- scipy.linalg, signal


def _solve_triangular_jvp_a(g, ans, a, b, trans=0, lower=False, unit_diagonal=False, **kwargs):
    """x = op(A)⁻¹ b ⇒ dx = -op(A)⁻¹ op(dA) x, dA being the part of g that the solve reads."""
    k = int(unit_diagonal)
    da = anp.tril(g, -k) if lower else anp.triu(g, k)
    op_da = {0: da, "N": da, 1: _T(da), "T": _T(da), 2: _H(da), "C": _H(da)}[trans]
    return -asla.solve_triangular(
        a, op_da @ ans, trans=trans, lower=lower, unit_diagonal=unit_diagonal, **kwargs
    )


defjvp(
    asla.solve_triangular,
    _solve_triangular_jvp_a,
    lambda g, ans, a, b, *args, **kwargs: asla.solve_triangular(a, g, *args, **kwargs),
)


def _banded_matmul(l_and_u, ab, x):
    """A @ x for the banded A stored as in solve_banded: ab[u + i - j, j] = A[i, j]."""
    (lower, upper), n, rest = l_and_u, anp.shape(ab)[-1], anp.ndim(x) - 1
    y = 0.0
    for row in range(lower + upper + 1):
        shift = row - upper  # ab[row, j] = A[j + shift, j]
        if abs(shift) < n:
            before, after = max(shift, 0), max(-shift, 0)
            terms = (anp.reshape(ab[row], (n,) + (1,) * rest) * x)[after : n - before]
            y = y + anp.pad(terms, [(before, after)] + [(0, 0)] * rest, "constant")
    return y


defjvp(
    asla.solve_banded,
    lambda g, ans, lu, ab, b, **kw: -asla.solve_banded(lu, ab, _banded_matmul(lu, g, ans), **kw),
    lambda g, ans, lu, ab, b, **kw: asla.solve_banded(lu, ab, g, **kw),
    argnums=[1, 2],
)
def_linear(asig.convolve)  # bilinear: the JVP in one argument is the same convolution

# ---------------------------------------------------------------- scipy.stats
# Only chi2 needs an explicit rule: autograd's VJP of its logpdf/pdf is 0 for non-integer df.
# The other distributions use the fallback below.


def _chi2_dlogpdf(x, df):
    return (df - 2) / (2 * x) - 0.5


defjvp(chi2.logpdf, lambda g, ans, x, df: g * _chi2_dlogpdf(x, df), argnums=[0])
defjvp(chi2.pdf, lambda g, ans, x, df: g * ans * _chi2_dlogpdf(x, df), argnums=[0])

# ---------------------------------------------------------------- odeint and fixed_point


def _odeint_jvp(argnums, gs, yt, args, kwargs):
    """Forward sensitivities of y' = f(y, t, *p), y(t0) = y0 (Hairer, Nørsett & Wanner I.14):
    s = ∂y·(dy0, dp) solves s' = ∂f/∂y s + ∂f/∂p dp, s(t0) = dy0 - f(y0, t0) dt0,
    and the tangent of y(t_i) is s(t_i) + f(y(t_i), t_i) dt_i.
    """
    func, y0, t, func_args = args
    flat_p, unflatten = flatten(func_args)
    tangents = dict(zip(argnums, gs))
    dy0 = tangents.get(1, vspace(y0).zeros())
    dt = tangents.get(2, vspace(t).zeros())
    dp = flatten(tangents[3])[0] if 3 in tangents else vspace(flat_p).zeros()
    size = anp.size(y0)

    def flat_func(y, t, p):
        return func(y, t, *unflatten(p))

    def augmented(z, t, p, dp):
        dydt, dsdt = make_jvp(flat_func, argnum=(0, 2))(z[:size], t, p)((z[size:], dp))
        return anp.concatenate([dydt, dsdt])

    z0 = anp.concatenate([y0, dy0 - flat_func(y0, t[0], flat_p) * dt[0]])
    st = aint.odeint(augmented, z0, t, ab.tuple((flat_p, dp)), **kwargs)[:, size:]
    rates = anp.stack([flat_func(yt[i], t[i], flat_p) for i in range(len(t))])
    return st + rates * dt[:, None]


defjvp_argnums(aint.odeint, _odeint_jvp)


EXPLICIT_RULES, FALLBACK_RULES = apply_fallback(_JVPS_BEFORE)
