"""fixed_point: implicit derivatives against unrolled iterations and finite differences."""

import tracemalloc

import numpy
import pytest

import wengert
import wengert.numpy as np
from wengert.testing import check_grads

RNG = numpy.random.default_rng(7)
A = RNG.standard_normal((4, 4))
A = 0.4 * A / numpy.linalg.norm(A, 2)  # a contraction: spectral norm 0.4


def contraction(x, theta, b):
    """x = tanh(A x * theta) + b, a contraction for |theta| <= 1."""
    return np.tanh(np.dot(A, x) * theta) + b


def solve_implicit(theta, b):
    return wengert.fixed_point(contraction, numpy.zeros(4), theta, b, tol=1e-13)


def solve_unrolled(theta, b, n=120):
    x = numpy.zeros(4)
    for _ in range(n):
        x = contraction(x, theta, b)
    return x


def loss(solver):
    return lambda theta, b: np.sum(np.sin(solver(theta, b)) * np.arange(1.0, 5.0))


THETA, B = 0.8, numpy.array([0.3, -0.5, 0.2, 0.1])


@pytest.mark.parametrize("argnum", [0, 1])
def test_reverse_gradient_matches_unrolled(argnum):
    g_imp = wengert.grad(loss(solve_implicit), argnum)(THETA, B)
    g_unr = wengert.grad(loss(solve_unrolled), argnum)(THETA, B)
    numpy.testing.assert_allclose(g_imp, g_unr, rtol=1e-8, atol=1e-12)


def test_second_derivatives_match_unrolled_in_all_mode_combinations():
    f_imp, f_unr = loss(solve_implicit), loss(solve_unrolled)
    rev_rev = wengert.grad(wengert.grad(f_imp))(THETA, B)
    fwd_rev = wengert.jvp(lambda t: wengert.grad(f_imp)(t, B), (THETA,), (1.0,))[1]
    fwd_fwd = wengert.jvp(
        lambda t: wengert.jvp(lambda s: f_imp(s, B), (t,), (1.0,))[1], (THETA,), (1.0,)
    )[1]
    rev_fwd = wengert.grad(lambda t: wengert.jvp(lambda s: f_imp(s, B), (t,), (1.0,))[1])(THETA)
    exact = wengert.grad(wengert.grad(f_unr))(THETA, B)
    for value in (rev_rev, fwd_rev, fwd_fwd, rev_fwd):
        assert value == pytest.approx(exact, rel=1e-8)
    h_imp = wengert.hessian(lambda b: f_imp(THETA, b))(B)
    h_unr = wengert.hessian(lambda b: f_unr(THETA, b))(B)
    numpy.testing.assert_allclose(h_imp, h_unr, rtol=1e-8, atol=1e-11)


def test_forward_mode_matches_unrolled():
    v = numpy.array([1.0, 0.0, -1.0, 0.5])
    t_imp = wengert.jvp(solve_implicit, (THETA, B), (0.3, v))[1]
    t_unr = wengert.jvp(solve_unrolled, (THETA, B), (0.3, v))[1]
    numpy.testing.assert_allclose(t_imp, t_unr, rtol=1e-8, atol=1e-12)


def expanding(x, p):
    """x = -1.6 x + p - 0.1 x^3: the fixed point has |f'| > 1, plain iteration diverges."""
    return -1.6 * x + p - 0.1 * x**3


def test_non_contractive_map_needs_anderson_and_matches_finite_differences():
    p = numpy.array([0.4, -0.2, 0.9])
    with pytest.raises(wengert.ConvergenceError, match="residual"):
        wengert.fixed_point(expanding, numpy.zeros(3), p, maxiter=200)
    solve = lambda p: wengert.fixed_point(expanding, numpy.zeros(3), p, solver="anderson")  # noqa
    x = solve(p)
    numpy.testing.assert_allclose(expanding(x, p), x, atol=1e-9)
    check_grads(lambda p: solve(p) ** 2, (p,), order=2, rtol=1e-6)


def test_pytree_state_and_parameters():
    def f(state, params):
        return {"u": 0.5 * np.tanh(state["u"]) + params[0], "v": 0.3 * state["v"] + params[1]}

    solve = lambda a, b: wengert.fixed_point(f, {"u": 0.0, "v": 0.0}, (a, b))  # noqa: E731
    g = wengert.grad(lambda a, b: solve(a, b)["u"] + 2 * solve(a, b)["v"], (0, 1))(0.2, 0.7)
    assert g[1] == pytest.approx(2 / 0.7, rel=1e-9)  # v* = b / 0.7
    u = solve(0.2, 0.7)["u"]
    assert g[0] == pytest.approx(1 / (1 - 0.5 * (1 - numpy.tanh(u) ** 2)), rel=1e-9)


def test_custom_solver_callable_is_used():
    calls = []

    def newton_like(g, x0, tol, maxiter):
        calls.append(1)
        x = x0
        for _ in range(maxiter):
            x_new = g(x)
            if numpy.linalg.norm(x_new - x) < tol:
                return x_new
            x = x_new
        raise AssertionError("no convergence")

    x = wengert.fixed_point(contraction, numpy.zeros(4), THETA, B, solver=newton_like)
    assert calls and numpy.allclose(contraction(x, THETA, B), x)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="solver"):
        wengert.fixed_point(contraction, numpy.zeros(4), THETA, B, solver="magic")
    with pytest.raises(ValueError, match="tol"):
        wengert.fixed_point(contraction, numpy.zeros(4), THETA, B, tol=0.0)


def _peak_memory_of_gradient(rate):
    """Peak traced memory of a gradient through a fixed point needing ~log(tol)/log(rate) steps."""
    n = 20000
    b = numpy.linspace(0, 1, n)
    f = lambda x, b: rate * np.sin(x) + b  # noqa: E731
    g = wengert.grad(lambda b: np.sum(wengert.fixed_point(f, numpy.zeros(n), b, tol=1e-12)))
    tracemalloc.start()
    g(b)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_does_not_grow_with_the_number_of_iterations():
    few = _peak_memory_of_gradient(0.1)  # ~12 iterations
    many = _peak_memory_of_gradient(0.9)  # ~260 iterations
    assert many < 1.5 * few  # an unrolled tape would be ~20x larger


# --------------------------------------------------------------- cost: traces and passes


def _counting(rate):
    """``f(x, b) = rate * sin(ident(x)) + b`` with counters of its calls (traces included)
    and of the backward passes through it (the VJP of the identity primitive ``ident``)."""
    counts = {"f": 0, "backward": 0}

    @wengert.primitive("test.counted_identity")
    def ident(x):
        return x

    def ident_vjp(ans, x):
        def pullback(g):
            counts["backward"] += 1
            return g

        return pullback

    ident.defvjp(ident_vjp)
    ident.defjvp(lambda g, ans, x: g)

    def f(x, b):
        counts["f"] += 1
        return rate * np.sin(ident(x)) + b

    return f, counts


def test_gradient_costs_one_trace_per_linearization_and_no_extra_backward_pass():
    f, counts = _counting(0.5)
    solve = lambda b: wengert.fixed_point(f, 0.0, b, tol=1e-13)  # noqa: E731
    x = solve(0.3)
    forward = counts["f"]
    counts.update(f=0, backward=0)
    g = wengert.grad(solve)(0.3)
    assert g == pytest.approx(1 / (1 - 0.5 * numpy.cos(x)), rel=1e-12)
    # one trace of f for A^T (reused by every GMRES step), one for B^T
    assert counts["f"] == forward + 2
    # backward passes through the x-path of f: a scalar GMRES solve takes one Krylov step
    # and scipy's own true-residual check (before: also one for the right-hand side
    # g(0) and one for a second residual check)
    assert counts["backward"] == 2


def test_forward_over_reverse_reuses_the_adjoint_trace_in_every_gmres_step():
    """The tangent of the adjoint solve needs the same A^T, at the same point: tracing f
    again per GMRES step (as before) costs ~k traces instead of 3."""
    n = 24
    rate = numpy.linspace(0.1, 0.95, n)  # a spread spectrum: GMRES needs many steps
    f, counts = _counting(rate)
    b0 = numpy.linspace(-1.0, 1.0, n)
    solve = lambda b: wengert.fixed_point(f, numpy.zeros(n), b, tol=1e-12)  # noqa: E731
    loss = lambda b: np.sum(np.sin(solve(b)))  # noqa: E731
    direction = numpy.cos(numpy.arange(n))
    counts["f"] = 0
    x_dot = wengert.jvp(solve, (b0,), (direction,))[1]
    tangent_solve = counts["f"]  # forward solve + B p_dot + one JVP of f per GMRES step
    counts["f"] = 0
    hvp = wengert.jvp(wengert.grad(loss), (b0,), (direction,))[1]
    # the same + a trace for A^T, one JVP of it for the right-hand side of its tangent
    # solve, one for the tangent of B^T w; no trace inside the tangent solve's iterations
    assert tangent_solve > 20
    assert counts["f"] == tangent_solve + 3
    x = solve(b0)
    s = 1 / (1 - rate * numpy.cos(x))  # dx/db (diagonal)
    numpy.testing.assert_allclose(x_dot, s * direction, rtol=1e-9)
    # d/db [cos(x) s] = -sin(x) s^2 + cos(x) ds/db,  ds/db = -rate sin(x) s^3
    exact = (-numpy.sin(x) * s**2 - numpy.cos(x) * rate * numpy.sin(x) * s**3) * direction
    numpy.testing.assert_allclose(hvp, exact, rtol=1e-8, atol=1e-12)


# ------------------------------------- second derivatives through an eigh-based SCF map


@wengert.primitive("test.eigh")
def _eigh(a):
    """(w, v) of a real symmetric matrix, ascending."""
    return numpy.linalg.eigh(a)


def _gap_inverse(w):
    """F_ij = 1/(w_j - w_i), 0 on (numerically) degenerate pairs (a constant mask)."""
    wv = wengert.stop_gradient(w)
    mask = numpy.abs(wv[None, :] - wv[:, None]) > 1e-10
    return np.where(mask, 1.0 / (w[None, :] - w[:, None] + numpy.where(mask, 0.0, 1.0)), 0.0)


def _eigh_vjp(ans, a):
    """Giles (2008) with degenerate pairs masked (exact for projector losses); a zero
    eigenvector cotangent is skipped, as wengert_linalg.eigh does."""
    w, v = ans

    def pullback(g):
        w_bar, v_bar = g
        if not numpy.any(wengert.stop_gradient(v_bar)):
            return np.dot(v * w_bar, v.T)
        vtv = np.dot(v.T, v_bar)
        return np.dot(v, np.dot(np.diag(w_bar) + _gap_inverse(w) * (vtv - vtv.T) / 2, v.T))

    return pullback


def _eigh_jvp(g, ans, a):
    w, v = ans
    p = np.dot(v.T, np.dot((g + g.T) / 2, v))
    return np.diag(p), np.dot(v, _gap_inverse(w) * p)


_eigh.defvjp(_eigh_vjp)
_eigh.defjvp(_eigh_jvp)

CELLS = 4  # a ring of 4 cells with 2 orbitals each: k = +-1 give exact degenerate pairs
SHIFT = [numpy.roll(numpy.eye(CELLS), d, axis=1) for d in range(3)]
NEIGHBOURS = numpy.kron(SHIFT[1] + SHIFT[1].T, numpy.ones((2, 2)))
WEIGHTS = numpy.random.default_rng(0).standard_normal((8, 8))


def _fock(dm, p):
    """A translation-invariant "Fock" matrix (8, 8) of a translation-invariant density: its
    spectrum has two exactly degenerate pairs (k = +-1) for every p, as N2's pi orbitals."""
    hop = np.kron(SHIFT[1], np.array([[-1.0, 0.3], [0.6, -0.5]]) + p[1] * np.eye(2))
    onsite = numpy.kron(numpy.eye(CELLS), numpy.array([[0.0, 0.4], [0.4, 0.0]]))
    sublattice = numpy.kron(numpy.eye(CELLS), numpy.diag([1.0, -1.0]))
    return (
        p[0] * sublattice
        + onsite
        + hop
        + hop.T
        + numpy.kron(SHIFT[2], [[0.1, 0.05], [0.05, 0.2]])
        + 0.5 * np.diag(np.diag(dm))
        + p[2] * np.tanh(dm) * NEIGHBOURS
    )


def _roothaan_like(dm, p):
    """D -> 2 C_occ C_occ^T, the 3 lowest orbitals of _fock (the lowest and a degenerate
    pair occupied, a degenerate pair among the virtuals)."""
    c = _eigh(_fock(dm, p))[1][:, :3]
    return 2.0 * np.dot(c, c.T)


def _scf_loss(p):
    dm = wengert.fixed_point(_roothaan_like, numpy.eye(8) / 8, p, tol=1e-12, solver="anderson")
    return np.sum(dm * WEIGHTS) + p[0] * np.sum(dm**2)


def test_hessian_through_an_eigh_fixed_point_with_degenerate_pairs_in_both_modes():
    p = numpy.array([0.1, 0.2, 0.2])
    dm = wengert.fixed_point(_roothaan_like, numpy.eye(8) / 8, p, tol=1e-12, solver="anderson")
    w = numpy.linalg.eigvalsh(_fock(dm, p))
    assert abs(w[2] - w[1]) < 1e-12 and w[3] - w[2] > 0.5  # occupied pair, gap open
    assert abs(w[4] - w[3]) < 1e-12  # the lowest virtual pair
    fwd_rev = wengert.hessian(_scf_loss)(p)
    rev_rev = wengert.jacobian(wengert.grad(_scf_loss))(p)
    numpy.testing.assert_allclose(fwd_rev, rev_rev, rtol=1e-9, atol=1e-11)
    numpy.testing.assert_allclose(fwd_rev, fwd_rev.T, rtol=1e-9, atol=1e-11)
    grad, h = wengert.grad(_scf_loss), 1e-4
    fd = numpy.array([(grad(p + h * e) - grad(p - h * e)) / (2 * h) for e in numpy.eye(3)])
    numpy.testing.assert_allclose(fwd_rev, fd, rtol=1e-6, atol=1e-6)
    assert numpy.max(numpy.abs(fwd_rev)) > 0.1  # not a trivially zero Hessian


def test_singular_implicit_system_raises_in_both_modes():
    """f(x, q) = x - (x - q)^3 + (q - p) has the fixed point x* = p at q = p, where
    df/dx = 1 and df/dq = 1: I - A is singular, the implicit derivative does not exist, and
    both GMRES solves (right-hand sides x_bar and q_dot, nonzero) must fail loudly."""
    p = numpy.array([0.5, -0.2])
    f = lambda x, q: x - (x - q) ** 3 + (q - p)  # noqa: E731
    solve = lambda q: wengert.fixed_point(f, p, q)  # noqa: E731  (starts at the solution)
    numpy.testing.assert_allclose(solve(p), p)
    with pytest.raises(wengert.ConvergenceError, match="implicit derivative"):
        wengert.grad(lambda p: np.sum(solve(p)))(p)
    with pytest.raises(wengert.ConvergenceError, match="implicit derivative"):
        wengert.jvp(solve, (p,), (numpy.ones(2),))


def test_unreachable_tolerance_stops_when_gmres_stagnates():
    """tol = 1e-20 is below what float64 resolves: the adjoint solve stagnates after a few
    restart cycles and must say so, not run out ``maxiter`` = 1000 cycles of 60 steps."""
    n = 80  # > 60: GMRES restarts, so stagnation shows over several cycles
    rate = numpy.linspace(0.1, 0.99, n)
    f, counts = _counting(rate)
    b0 = numpy.linspace(-1.0, 1.0, n)
    x = wengert.fixed_point(f, numpy.zeros(n), b0, tol=1e-13)
    counts["backward"] = 0
    solve = lambda b: wengert.fixed_point(f, x, b, tol=1e-20)  # noqa: E731
    with pytest.raises(wengert.ConvergenceError, match="implicit derivative stagnated"):
        wengert.grad(lambda b: np.sum(solve(b)))(b0)
    assert counts["backward"] < 20 * 61  # measured: 99 (6 restart cycles)
