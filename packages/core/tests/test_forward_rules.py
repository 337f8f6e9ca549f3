"""Tests of wengert._forward_rules: every primitive with a VJP has a JVP, and the JVPs are right.

Derivatives along a line t -> f(x + t v) are compared with 4th-order central differences
(float64, relative tolerance 1e-7).
"""

from dataclasses import dataclass, field

import autograd.builtins as ab
import autograd.numpy as anp
import autograd.numpy.fft as afft
import autograd.numpy.linalg as ala
import autograd.scipy.integrate as aint
import autograd.scipy.linalg as asla
import autograd.scipy.signal as asig
import autograd.scipy.special as sp
import autograd.scipy.stats as st
import numpy as np
import pytest
from autograd import grad, hessian, make_jvp, make_vjp
from autograd.core import primitive_jvps, primitive_vjps
from autograd.misc.fixed_points import fixed_point

import wengert  # noqa: F401  (registers the rules)
from wengert._forward_rules import (
    EXPLICIT_RULES,
    FALLBACK_RULES,
    JVP_EXCEPTIONS,
    missing_jvps,
    primitive_names,
)

NAMES = primitive_names()


# ---------------------------------------------------------------- helpers


def randn(rng, like):
    """Random tangent with the structure, shape and dtype of ``like``."""
    if isinstance(like, (list, tuple)):
        return type(like)(randn(rng, x) for x in like)
    x = rng.standard_normal(np.shape(like))
    return x + 1j * rng.standard_normal(np.shape(like)) if np.iscomplexobj(like) else x


def axpy(x, t, v):
    """x + t v, through containers (rebuilt with autograd's list/tuple so they trace)."""
    if isinstance(x, (list, tuple)):
        return (ab.list if isinstance(x, list) else ab.tuple)([axpy(a, t, b) for a, b in zip(x, v)])
    return x + t * v


def flat(out):
    """Concatenate a (nested) container output into one 1-D array."""
    if ab.isinstance(out, dict):
        return flat([out[k] for k in sorted(out)])
    if ab.isinstance(out, (tuple, list)):
        parts = [flat(o) for o in out]
        if any(anp.iscomplexobj(p) for p in parts):  # reverse mode can't concatenate mixed dtypes
            parts = [p + 0j for p in parts]
        return anp.concatenate(parts)
    return anp.ravel(out)


def fd(f, h=1e-4):
    """f'(0) by the 4th-order central difference."""
    return (8 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12 * h)


def fwd(f, t=0.0):
    """f'(t) by forward mode."""
    return make_jvp(f)(t)(1.0)[1]


def assert_close(actual, expected, rtol=1e-7, atol=1e-10):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    err, scale = np.linalg.norm(actual - expected), np.linalg.norm(expected)
    assert err <= rtol * scale + atol, f"error {err:.3g} for a derivative of norm {scale:.3g}"


def check_jvp(f, x, v):
    line = lambda t: f(x + t * v)
    assert_close(fwd(line), fd(line))


# ---------------------------------------------------------------- (a) coverage


# Only autograd's primitives: other tests may define throwaway primitives with a VJP alone.


def test_no_autograd_primitive_with_a_vjp_lacks_a_jvp():
    missing = [name for name in missing_jvps() if name.startswith("autograd.")]
    assert missing == sorted(name for name, _ in JVP_EXCEPTIONS)


def test_enumeration_of_vjp_primitives():
    names = primitive_names()
    missing = {names[f] for f in primitive_vjps if f in names and f not in primitive_jvps}
    assert missing == {name for name, _ in JVP_EXCEPTIONS}
    assert set(EXPLICIT_RULES + FALLBACK_RULES) <= set(primitive_jvps)
    assert {ala.eigh, afft.rfftn, sp.ive, st.t.logcdf, aint.odeint} <= set(primitive_vjps)
    assert NAMES[st.norm.pdf] == "autograd.scipy.stats.norm.pdf"


# ---------------------------------------------------------------- (b) named checks

R = np.random.default_rng(0)
A = R.standard_normal((4, 4)) + 4 * np.eye(4)
A_BATCH = R.standard_normal((2, 3, 3)) + 3 * np.eye(3)
A_COMPLEX = A + 1j * R.standard_normal((4, 4))
TALL, WIDE = R.standard_normal((5, 3)), R.standard_normal((3, 5))
Q = np.linalg.qr(R.standard_normal((4, 4)))[0]
SYM = Q @ np.diag([-1.0, 0.5, 2.0, 4.0]) @ Q.T  # well separated eigenvalues
SPD = SYM + 2 * np.eye(4)
M = R.standard_normal((4, 4))
HERMITIAN = SYM + 0.3j * (M - M.T)
HPD = HERMITIAN + 4 * np.eye(4)
B_VEC, B_MAT, B_BATCH = (R.standard_normal(shape) for shape in (4, (4, 2), (3, 4, 2)))
X8, X3D = R.standard_normal(8), R.standard_normal((3, 4, 5))
Z5 = R.standard_normal(5) + 1j * R.standard_normal(5)
LOWER = np.tril(A)


def _projector(s):
    w, v = ala.eigh(s)
    return v @ anp.diag(anp.sin(w)) @ v.T


def _svd_product(a):
    u, s, vh = ala.svd(a, full_matrices=False)
    return u @ anp.diag(s**3) @ vh


NAMED = {
    "det": (ala.det, A),
    "det-batched": (ala.det, A_BATCH),
    "det-complex": (ala.det, A_COMPLEX),
    "slogdet": (lambda a: ala.slogdet(a)[1], A),
    "slogdet-complex": (lambda a: ala.slogdet(a)[1], A_COMPLEX),
    "slogdet-complex-sign": (lambda a: ala.slogdet(a)[0], A_COMPLEX),
    "inv": (ala.inv, A),
    "inv-complex": (ala.inv, A_COMPLEX),
    "solve-a-vector-b": (lambda a: ala.solve(a, B_VEC), A),
    "solve-a-matrix-b": (lambda a: ala.solve(a, B_MAT), A),
    "solve-a-batched": (lambda a: ala.solve(a, B_VEC[:3]), A_BATCH),
    "solve-b-vector": (lambda b: ala.solve(A, b), B_VEC),
    "solve-b-matrix": (lambda b: ala.solve(A, b), B_MAT),
    "solve-a-batched-b": (lambda a: ala.solve(a, B_BATCH), A),
    "solve-b-batched": (lambda b: ala.solve(A, b), B_BATCH),
    "cholesky": (lambda s: ala.cholesky((s + s.T) / 2), SPD),
    "cholesky-complex": (lambda s: ala.cholesky((s + anp.conj(s.T)) / 2), HPD),
    "eigh-values": (lambda s: ala.eigh(s)[0], SYM),
    "eigh-values-upper": (lambda s: ala.eigh(s, UPLO="U")[0], SYM),
    "eigh-values-complex": (lambda s: ala.eigh(s)[0], HERMITIAN),
    "eigh-projector": (_projector, SYM),
    "eigh-batched": (lambda s: flat(ala.eigh(s)), A_BATCH + np.swapaxes(A_BATCH, -1, -2)),
    "eig-values": (lambda a: ala.eig(a)[0], A),
    "svd-values": (lambda a: ala.svd(a, compute_uv=False), TALL),
    "svd-tall": (_svd_product, TALL),
    "svd-wide": (_svd_product, WIDE),
    "svd-complex": (_svd_product, A_COMPLEX[:, :3]),
    "svd-batched": (lambda a: flat(ala.svd(a, full_matrices=False)), A_BATCH[:, :2]),
    "pinv-tall": (ala.pinv, TALL),
    "pinv-wide": (ala.pinv, WIDE),
    "pinv-complex": (ala.pinv, A_COMPLEX[:3]),
    "fft-n-ortho": (lambda x: afft.fft(x, n=11, norm="ortho"), X8),
    "ifft-axis": (lambda x: afft.ifft(x, 3, axis=1), X3D),
    "rfft-n-forward": (lambda x: afft.rfft(x, n=6, norm="forward"), X8),
    "irfft-n": (lambda z: afft.irfft(z, n=9), Z5),
    "fftn-s-axes": (lambda x: afft.fftn(x, s=(2, 6), axes=(0, 2), norm="backward"), X3D),
    "hypot": (lambda x: anp.hypot(x, 1 - 2 * x), X8),
    "solve_triangular-a": (lambda a: asla.solve_triangular(a, B_MAT, lower=True), LOWER),
    "solve_triangular-a-trans": (lambda a: asla.solve_triangular(a, B_VEC, trans="T"), LOWER.T),
    "solve_triangular-b": (lambda b: asla.solve_triangular(LOWER, b, lower=True), B_VEC),
    "convolve-full": (lambda x: asig.convolve(x, X8[:3]), X8),
    "convolve-valid-axes": (
        lambda x: asig.convolve(x, X3D[:, :2, :3], axes=([1, 2], [1, 2]), mode="valid"),
        X3D[:2],
    ),
}


@pytest.mark.parametrize("name", NAMED)
def test_jvp_matches_finite_differences(name):
    f, x = NAMED[name]
    check_jvp(f, x, randn(np.random.default_rng(1), x))


@pytest.mark.parametrize(("uplo", "tri", "k"), [("L", np.tril, -1), ("U", np.triu, 1)])
def test_eigh_reads_only_its_triangle(uplo, tri, k):
    """The eigh JVP of a non-symmetric tangent is that of the mirrored UPLO triangle."""
    v = randn(np.random.default_rng(2), SYM)
    jvp = make_jvp(lambda s: ala.eigh(s, UPLO=uplo)[0])(SYM)
    assert_close(jvp(v)[1], jvp(tri(v) + tri(v, k).T)[1])


def test_linalg_tangents_keep_numpy_result_types():
    v = randn(np.random.default_rng(2), A)
    for decomposition in (ala.slogdet, ala.eig, ala.eigh, ala.svd):
        _, tangent = make_jvp(decomposition)(A + A.T)(v)
        assert type(tangent) is type(decomposition(A + A.T))


# ---------------------------------------------------------------- sweep over every rule


@dataclass(frozen=True)
class Ex:
    """An example call of a primitive: which positional arguments get a tangent, and any
    tangents that must respect a constraint (symmetric, zero sum), else random ones."""

    args: tuple
    argnums: tuple = (0,)
    kwargs: dict = field(default_factory=dict)
    tangents: tuple = ()


POS = np.array([0.3, 1.2, 2.5])
UNIT = np.array([0.2, 0.45, 0.7])
SIGNED = np.array([-0.8, 0.3, 1.1])
ORDERS = np.array([0.0, 1.0, 2.0])
SYM_TANGENT = M + M.T
SIMPLEX = np.array([0.2, 0.3, 0.5])


def _newton_sqrt(a):
    return lambda x: 0.5 * (x + a / x)


def _decay(y, t, k):
    return -k * y + anp.sin(t) * y[::-1]


EXAMPLES = {
    ab._make_dict: Ex((["a", "b"], [X8[:2], X8[2:5]]), (1,)),
    ab.sequence_extend_right: Ex(((X8[:2], 1.5), X8[2:4], X8[4:]), (0, 1, 2)),
    ab.sequence_extend_left: Ex(((X8[:2], 1.5), X8[2:4], X8[4:]), (0, 1, 2)),
    fixed_point: Ex(
        (_newton_sqrt, POS + 1, np.ones(3), lambda x, y: anp.max(anp.abs(x - y)), 1e-13), (1,)
    ),
    anp.numpy_wrapper._astype: Ex((X8, np.complex128)),
    anp.conjugate: Ex((Z5,)),  # the fallback's on autograd 1.8, which has no JVP for it
    anp.hypot: Ex((X8, X8[::-1]), (0, 1)),
    afft.fft: Ex((X8,), kwargs={"n": 6}),
    afft.ifft: Ex((Z5,), kwargs={"norm": "ortho"}),
    afft.fft2: Ex((X3D,), kwargs={"s": (3, 7)}),
    afft.ifft2: Ex((X3D,), kwargs={"axes": (0, 2)}),
    afft.fftn: Ex((X3D,)),
    afft.ifftn: Ex((X3D,), kwargs={"s": (2, 4), "axes": (1, 2)}),
    afft.rfft: Ex((X8,), kwargs={"n": 10, "norm": "ortho"}),
    afft.irfft: Ex((Z5,)),
    afft.rfft2: Ex((X3D,)),
    afft.irfft2: Ex((X3D + 1j * X3D[::-1],), kwargs={"s": (4, 6)}),
    afft.rfftn: Ex((X3D,), kwargs={"axes": (0, 1)}),
    afft.irfftn: Ex((X3D + 1j * X3D[::-1],)),
    afft.fftshift: Ex((X3D,), kwargs={"axes": 1}),
    afft.ifftshift: Ex((Z5,)),
    afft.truncate_pad: Ex((X3D, (2, 6, 3))),
    ala.det: Ex((A_BATCH,)),
    ala.slogdet: Ex((A_COMPLEX,)),
    ala.inv: Ex((A_BATCH,)),
    ala.pinv: Ex((TALL,)),
    ala.solve: Ex((A_BATCH, B_VEC[:3]), (0, 1)),
    ala.eigh: Ex((SYM,)),
    ala.eig: Ex((A,)),
    ala.cholesky: Ex((SPD,), tangents=(SYM_TANGENT,)),
    ala.svd: Ex((WIDE,), kwargs={"full_matrices": False}),
    aint.odeint: Ex(
        (_decay, X8[:2], np.array([0.0, 0.4, 1.0]), (1.3,)),
        (1, 2, 3),
        {"rtol": 1e-12, "atol": 1e-12},
    ),
    asig.convolve: Ex((X3D[0], X8[:6].reshape(2, 3)), (0, 1)),
    asla.solve_triangular: Ex((LOWER, B_MAT), (0, 1), {"lower": True, "unit_diagonal": True}),
    asla.solve_banded: Ex(((1, 1), A[:3], B_MAT), (1, 2)),
    sp.beta: Ex((POS, POS[::-1]), (0, 1)),
    sp.betaln: Ex((POS, POS[::-1]), (0, 1)),
    sp.betainc: Ex((POS, POS[::-1], UNIT), (2,)),
    sp.gamma: Ex((SIGNED,)),
    sp.gammaln: Ex((POS,)),
    sp.rgamma: Ex((SIGNED,)),
    sp.gammasgn: Ex((SIGNED,)),
    sp.psi: Ex((POS,)),
    sp.digamma: Ex((SIGNED,)),
    sp.polygamma: Ex((ORDERS.astype(int), POS), (1,)),
    sp.multigammaln: Ex((POS + 2, 3)),
    sp.gammainc: Ex((POS, POS[::-1]), (1,)),
    sp.gammaincc: Ex((POS, POS[::-1]), (1,)),
    sp.j0: Ex((SIGNED,)),
    sp.j1: Ex((SIGNED,)),
    sp.y0: Ex((POS,)),
    sp.y1: Ex((POS,)),
    sp.jn: Ex((ORDERS + 0.5, POS), (1,)),
    sp.yn: Ex((ORDERS.astype(int), POS), (1,)),
    sp.i0: Ex((SIGNED,)),
    sp.i1: Ex((SIGNED,)),
    sp.iv: Ex((ORDERS + 0.5, POS), (1,)),
    sp.ive: Ex((ORDERS, SIGNED), (1,)),
    sp.erf: Ex((SIGNED,)),
    sp.erfc: Ex((SIGNED,)),
    sp.erfinv: Ex((SIGNED / 2,)),
    sp.erfcinv: Ex((UNIT,)),
    sp.logit: Ex((UNIT,)),
    sp.expit: Ex((SIGNED,)),
    st.norm.pdf: Ex((SIGNED, 0.2, 1.3), (0, 1, 2)),
    st.norm.cdf: Ex((SIGNED, 0.2, 1.3), (0, 1, 2)),
    st.norm.sf: Ex((SIGNED, 0.2, 1.3), (0, 1, 2)),
    st.norm.logpdf: Ex((SIGNED, 0.2, 1.3), (0, 1, 2)),
    st.norm.logcdf: Ex((SIGNED, 0.2, 1.3), (0, 1, 2)),
    st.norm.logsf: Ex((SIGNED, 0.2, 1.3), (0, 1, 2)),
    st.t.pdf: Ex((SIGNED, 3.5, 0.2, 1.3), (0, 1, 2, 3)),
    st.t.logpdf: Ex((SIGNED, 3.5, 0.2, 1.3), (0, 1, 2, 3)),
    st.t.cdf: Ex((SIGNED, 3.5, 0.2, 1.3), (0, 2)),
    st.t.logcdf: Ex((SIGNED, 3.5, 0.2, 1.3), (0, 2)),
    st.gamma.cdf: Ex((POS, 2.5)),
    st.gamma.pdf: Ex((POS, 2.5), (0, 1)),
    st.gamma.logpdf: Ex((POS, 2.5), (0, 1)),
    st.beta.cdf: Ex((UNIT, 2.5, 1.5)),
    st.beta.pdf: Ex((UNIT, 2.5, 1.5), (0, 1, 2)),
    st.beta.logpdf: Ex((UNIT, 2.5, 1.5), (0, 1, 2)),
    st.chi2.cdf: Ex((POS, 2.5)),
    st.chi2.pdf: Ex((POS, 2.5)),
    st.chi2.logpdf: Ex((POS, 2.5)),
    st.poisson.cdf: Ex((ORDERS, 1.7), (1,)),
    st.poisson.pmf: Ex((ORDERS, 1.7), (1,)),
    st.poisson.logpmf: Ex((ORDERS, 1.7), (1,)),
    st.multivariate_normal.pdf: Ex(
        (B_VEC, X8[:4], SPD), (0, 1, 2), tangents=(None, None, SYM_TANGENT)
    ),
    st.multivariate_normal.logpdf: Ex(
        (B_VEC, X8[:4], SPD), (0, 1, 2), tangents=(None, None, SYM_TANGENT)
    ),
    st.multivariate_normal.entropy: Ex((X8[:4], SPD), (0, 1), tangents=(None, SYM_TANGENT)),
    st.dirichlet.pdf: Ex((SIMPLEX, POS + 1), (0, 1), tangents=(np.array([1.0, -0.4, -0.6]), None)),
    st.dirichlet.logpdf: Ex(
        (SIMPLEX, POS + 1), (0, 1), tangents=(np.array([1.0, -0.4, -0.6]), None)
    ),
}


def test_every_rule_has_an_example():
    assert {NAMES[f] for f in EXPLICIT_RULES + FALLBACK_RULES} <= {NAMES[f] for f in EXAMPLES}


def _line(fun, ex):
    """t -> fun(args + t * tangents), flattened, with the example's tangents (fixed seed)."""
    rng = np.random.default_rng(3)
    tangents = {i: randn(rng, ex.args[i]) for i in ex.argnums}
    tangents.update((i, v) for i, v in zip(ex.argnums, ex.tangents) if v is not None)

    def line(t):
        args = [axpy(a, t, tangents[i]) if i in tangents else a for i, a in enumerate(ex.args)]
        return flat(fun(*args, **ex.kwargs))

    return line


@pytest.mark.parametrize("fun", EXAMPLES, ids=[NAMES[f] for f in EXAMPLES])
def test_sweep_first_order(fun):
    line = _line(fun, EXAMPLES[fun])
    assert_close(fwd(line), fd(line))


@pytest.mark.filterwarnings("ignore:Output seems independent")  # the JVP of a linear map
@pytest.mark.parametrize("fun", EXAMPLES, ids=[NAMES[f] for f in EXAMPLES])
def test_sweep_second_order(fun):
    """Nested forward mode (jvp of jvp) against differences of the first-order JVP."""
    line = _line(fun, EXAMPLES[fun])
    assert_close(fwd(lambda t: fwd(line, t)), fd(lambda t: fwd(line, t)))


VJP_BUGS = {  # examples on which autograd 1.9.1's VJP (not the JVP, checked above) is wrong
    afft.rfft: "the rfft VJP is wrong when n differs from the input length",
    afft.rfft2: "the rfft2 VJP raises NotImplementedError for an odd last axis",
    ala.slogdet: "the slogdet VJP drops the cotangent of the sign (not zero for complex input)",
    ala.eig: "the eig VJP ignores LAPACK's phase normalisation of complex eigenvectors",
    ala.solve: "the solve VJP fails for a batched a with a 1-D b",
    asla.solve_triangular: "the solve_triangular VJP ignores unit_diagonal",
    asla.solve_banded: "the solve_banded VJP fails for a 2-D right-hand side",
    st.chi2.pdf: "the chi2.pdf VJP is 0 for a non-integer df",
    st.chi2.logpdf: "the chi2.logpdf VJP is 0 for a non-integer df",
}


@pytest.mark.parametrize(
    "fun",
    [
        pytest.param(f, marks=pytest.mark.xfail(reason=VJP_BUGS[f], strict=True))
        if f in VJP_BUGS
        else f
        for f in EXAMPLES
    ],
    ids=[NAMES[f] for f in EXAMPLES],
)
@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")  # astype's VJP
def test_sweep_jvp_is_transpose_of_autograd_vjp(fun):
    """<u, J v> computed by the JVP equals <J^T u, v> computed by autograd's VJP."""
    line = _line(fun, EXAMPLES[fun])
    vjp, out = make_vjp(line)(0.0)
    u = randn(np.random.default_rng(4), out)
    assert_close(vjp(u), np.real(np.sum(u * fwd(line))))


# ---------------------------------------------------------------- (c) second order


def _scalar_fn(x):
    a = anp.reshape(x[:9], (3, 3)) + 3 * np.eye(3)
    s = a + a.T
    z = afft.fft(anp.sin(x), n=12)
    return (
        ala.slogdet(a)[1]
        + anp.sum(ala.solve(a, x[9:]) ** 2)
        + anp.sum(ala.eigh(s)[0] ** 3)
        + anp.sum(anp.real(z * anp.conj(z)) * np.arange(12))
    )


def test_hessian_vector_products():
    rng = np.random.default_rng(5)
    x, v, w = rng.standard_normal((3, 12))
    hv = hessian(_scalar_fn)(x) @ v
    assert_close(make_jvp(grad(_scalar_fn))(x)(v)[1], hv)  # forward over reverse
    assert_close(grad(lambda y: make_jvp(_scalar_fn)(y)(v)[1])(x), hv)  # reverse over forward
    nested = make_jvp(lambda y: make_jvp(_scalar_fn)(y)(v)[1])(x)(w)[1]  # forward over forward
    assert_close(nested, w @ hv)


# ---------------------------------------------------------------- (d) high order


def _nth_derivative(f, n):
    return f if n == 0 else _nth_derivative(lambda x: fwd(f, x), n - 1)


def _taylor_exp_sin(x0, n):
    """n-th derivative of exp(sin(x)) at x0 from Taylor coefficients: if u = exp(s) then
    u' = s' u, so k u_k = sum_j j s_j u_(k-j) (coefficients of the series in x - x0)."""
    s = [np.sin(x0 + np.pi * j / 2) / np.prod(np.arange(1.0, j + 1)) for j in range(n + 1)]
    u = [np.exp(np.sin(x0))]
    for k in range(1, n + 1):
        u.append(sum(j * s[j] * u[k - j] for j in range(1, k + 1)) / k)
    return u[n] * np.prod(np.arange(1.0, n + 1))


def test_sixth_derivative_of_exp_sin():
    sixth = _nth_derivative(lambda x: anp.exp(anp.sin(x)), 6)(0.3)
    assert_close(sixth, _taylor_exp_sin(0.3, 6), rtol=1e-12)


def test_fourth_derivatives_of_special_functions():
    """Nested forward through the new rules, against closed forms."""
    x = 0.7
    assert_close(_nth_derivative(sp.gammaln, 4)(x), sp.polygamma(3, x), rtol=1e-12)
    d4_erf = 2 / np.sqrt(np.pi) * np.exp(-(x**2)) * (-8 * x**3 + 12 * x)  # -H_3(x) e^{-x^2}
    assert_close(_nth_derivative(sp.erf, 4)(x), d4_erf, rtol=1e-12)
