"""Corner transfer matrix RG for a C4v-symmetric single-site tensor network.

The environment of one site of the infinite square lattice of a C4v-symmetric tensor
``T[u, l, d, r]`` is four equal corners ``C`` and four equal edges ``E`` (Nishino-Okunishi;
the symmetric scheme of Orus-Vidal, as in PRX 9, 031041, Fig. 4). One step
(:func:`ctmrg_step`) grows the corner by one edge on each side and one ``T``,

    rho[(y2, r), (x2, d)] = sum C[x, y] E[y, u, y2] E[x, l, x2] T[u, l, d, r],

diagonalizes the (symmetric, by C4v) ``rho`` of shape (chi D^2, chi D^2), keeps the ``chi``
eigenvectors ``P`` of largest ``|w|`` (never cutting through a multiplet) and renormalizes

    C' = P^T rho P = diag(w_kept),
    E'[a, r, b] = P[(x, u), a] E[x, l, x2] T[u, l, d, r] P[(x2, d), b].

Conventions (every tensor of this module):

* ``T``: (D2, D2, D2, D2), index order ``(up, left, down, right)``, invariant under the eight
  permutations of C4v (e.g. a double layer from :func:`wengert_tensornet.double_layer`).
* :class:`Environment`: ``corner`` of shape (chi,) is the diagonal of ``C`` (the gauge of this
  module: ``C`` diagonal, entries in decreasing ``|.|``, normalized to unit 2-norm);
  ``edge`` of shape (chi, D2, chi), index order ``(a, m, b)`` with ``m`` the leg towards the
  bulk, ``E[a, m, b] = E[b, m, a]``, unit 2-norm. The signs of the columns of ``P``
  (``E'[a, m, b] -> s_a s_b E'[a, m, b]``) are chosen to agree with the input edge when
  it has the same ``chi`` (a maximum spanning tree over the overlaps
  ``sum_m E'[a, m, b] E[a, m, b]``, in the spirit of Francuz et al., arXiv:2311.11894),
  otherwise so that each column's largest entry is positive. The choice is locally constant,
  and the converged environment is a true fixed point ``step(env*) = env*`` (to the
  CTMRG tolerance), which the implicit (fixed-point) derivative needs.

Two ways to differentiate the converged environment with respect to ``T``
(``gradient=`` of :func:`ctmrg`):

* ``"fixed_point"``: converge untraced, then :func:`wengert.fixed_point` of the step:
  derivatives by the implicit function theorem (a GMRES solve with one VJP of a single
  step per iteration); memory does not grow with the number of CTMRG steps. The step is
  then one primitive with a hand-written pullback (the contractions' adjoints and the
  eigenvector rule ``V (F o V^T V_bar) V^T`` on the kept columns), instead of ~35 traced
  operations (differentiated again, the rule falls back to the traced step, so second
  derivatives work too).
* ``"unrolled"``: trace every step, each a :func:`wengert.checkpoint` (the tape keeps one
  environment per step and recomputes the step in the backward pass), as tensorgrad does
  with ``use_checkpoint``; memory grows linearly with the number of steps.

Limitation of ``"fixed_point"``: the gauge is fixed up to signs only, so the corner
spectrum must be free of exact multiplets. Where a symmetry makes it degenerate (the
classical Ising model's corner spectrum, for instance, has exact multiplets) the basis
inside a multiplet is arbitrary, the environment is no fixed point of the step and
:func:`ctmrg` raises :class:`wengert.ConvergenceError`: use ``"unrolled"`` there.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy
from autograd.extend import defjvp_argnums, defvjp_argnums, primitive
from autograd.tracer import getval, isbox

import wengert
import wengert.numpy as np
from wengert_tensornet import _linalg
from wengert_tensornet._common import check_chi, wide_tensordot

__all__ = ["Environment", "ctmrg", "ctmrg_step", "ctmrg_ln_z", "initial_environment", "GRADIENTS"]

GRADIENTS = ("fixed_point", "unrolled")


class Environment(NamedTuple):
    """A C4v CTMRG environment: ``corner`` (chi,) the diagonal of ``C``; ``edge`` (chi, D2, chi)."""

    corner: object
    edge: object

    @property
    def chi(self) -> int:
        return int(numpy.shape(getval(self.corner))[0])


def _check_tensor(T, where: str) -> None:
    t = numpy.asarray(getval(T))
    if t.ndim != 4 or len(set(t.shape)) != 1:
        raise ValueError(
            f"{where}: T must have shape (D2, D2, D2, D2) with index order "
            f"(up, left, down, right), got {t.shape}"
        )
    if numpy.iscomplexobj(t):
        raise TypeError(f"{where}: T must be real, got dtype {t.dtype}")
    scale = float(numpy.max(numpy.abs(t))) if t.size else 0.0
    for axes in ((1, 0, 3, 2), (0, 3, 2, 1), (3, 0, 1, 2)):
        if numpy.max(numpy.abs(t - numpy.transpose(t, axes))) > 1e-10 * scale:
            raise ValueError(
                f"{where}: T must be C4v-symmetric (invariant under transpositions "
                f"{axes} of (up, left, down, right))"
            )


def initial_environment(T) -> Environment:
    """The open-boundary start: ``C[d, r] = sum_{u,l} T``, ``E[u, r, d] = sum_l T``, gauge-fixed.

    Untraced (the starting point is not differentiated).
    """
    t = numpy.asarray(getval(T))
    c = t.sum(axis=(0, 1))  # (d, r), symmetric by C4v
    e = numpy.transpose(t.sum(axis=1), (0, 2, 1))  # (u, r, d)
    w, v = numpy.linalg.eigh(0.5 * (c + c.T))
    order = numpy.argsort(-numpy.abs(w))
    w, v = w[order], v[:, order] * _column_signs(v[:, order])
    e = numpy.einsum("xa,xmy,yb->amb", v, e, v)
    return Environment(w / numpy.linalg.norm(w), e / numpy.linalg.norm(e))


def _column_signs(p) -> numpy.ndarray:
    """Signs that make each column's entry of largest magnitude positive."""
    rows = numpy.argmax(numpy.abs(p), axis=0)
    signs = numpy.sign(p[rows, numpy.arange(p.shape[1])])
    signs[signs == 0] = 1.0
    return signs


def _relative_signs(new, old):
    """Signs ``s`` with ``s_a s_b new[a, :, b]`` closest to ``old[a, :, b]`` (same shapes).

    Prim's maximum spanning tree over ``|q_ab|``, ``q_ab = <new[a, :, b], old[a, :, b]>``,
    from ``s_0 = +1`` (a global flip leaves the edge unchanged): each sign is fixed through
    its strongest link to the signs already fixed, so entries that vanish (by a symmetry)
    are never relied upon.
    """
    new, old = numpy.asarray(new), numpy.asarray(old)
    q = numpy.einsum("amb,amb->ab", new, old)
    k = q.shape[0]
    weight = numpy.abs(q)
    if numpy.all(weight[0] > 1e-8 * weight.max()):  # the star from index 0 is a spanning tree
        return numpy.where(q[0] >= 0, 1.0, -1.0)
    signs = numpy.zeros(k)
    signs[0] = 1.0
    best, parent = weight[0].copy(), numpy.zeros(k, dtype=int)
    best[0] = -numpy.inf
    for _ in range(k - 1):
        b = int(numpy.argmax(best))
        signs[b] = signs[parent[b]] * (1.0 if q[parent[b], b] >= 0 else -1.0)
        best[b] = -numpy.inf
        better = (signs == 0) & (weight[b] > best)
        best[better], parent[better] = weight[b][better], b
    return signs


def _renormalized_edge(p, et, d2):
    """``E'[a, r, b] = P[(x, u), a] (E T)[x, x2, u, d, r] P[(x2, d), b]``.

    Symmetric in ``a <-> b`` (by the up-down symmetry of ``T`` and that of ``E``) up to
    roundoff, which the contracting map does not let grow. Also returns the half
    contraction ``y[a, x2, d, r]`` (the fused step's backward pass reuses it).
    """
    p3 = np.reshape(p, (p.shape[0] // d2, d2, p.shape[1]))  # (x, u, a)
    tensordot = _tensordot_for(p3, et)
    y = tensordot(p3, et, axes=([0, 1], [0, 2]))  # (a, x2, d, r)
    return tensordot(y, p3, axes=([1, 2], [0, 1])), y  # (a, r, b)


def _tensordot_for(*arrays):
    """``wengert.numpy.tensordot`` when any of ``arrays`` is traced, else the plain-numpy
    :func:`wide_tensordot` (the untraced CTMRG iterations and the fused step)."""
    return np.tensordot if any(isbox(x) for x in arrays) else wide_tensordot


def _step_parts(c, e, T, chi):
    """One step's values and the intermediates of its backward pass (see :func:`ctmrg_step`).

    Written in :mod:`wengert.numpy`: traced by :func:`ctmrg_step` (unrolled gradients),
    called on plain arrays by the fused step of the fixed-point gradient.
    """
    k_in, d2 = e.shape[0], T.shape[0]
    tensordot = _tensordot_for(c, e, T)
    ce = c[:, None, None] * e  # C(x, x) E(x, u, y2): the diagonal corner absorbed
    r1 = tensordot(ce, e, axes=([0], [0]))  # (u, y2, l, x2)
    r = tensordot(r1, T, axes=([0, 2], [0, 1]))  # (y2, x2, d, r)
    # symmetric by C4v up to roundoff; the eigensolver uses its symmetric part
    rho = np.reshape(np.transpose(r, (0, 3, 1, 2)), (k_in * d2, k_in * d2))
    w, v = _linalg.eigh(rho)
    order = numpy.argsort(-numpy.abs(getval(w)), kind="stable")
    k = _linalg.kept(numpy.abs(getval(w))[order], chi)
    order = order[:k]
    corner = w[order]
    et = tensordot(e, T, axes=([1], [1]))  # E(x, l, x2) T(u, l, d, r): (x, x2, u, d, r)
    if k == k_in:  # signs relative to the input edge (they fix all of them)
        p = v[:, order]
        edge, y = _renormalized_edge(p, et, d2)
        signs = _relative_signs(getval(edge), getval(e))
        edge = edge * (signs[:, None, None] * signs[None, None, :])
        y = y * signs[:, None, None, None]
    else:  # no reference of this size: the largest entry of each vector positive
        signs = _column_signs(getval(v)[:, order])
        p = v[:, order] * signs
        edge, y = _renormalized_edge(p, et, d2)
    corner_norm, edge_norm = np.linalg.norm(corner), np.linalg.norm(edge)
    return dict(
        corner=corner / corner_norm,
        edge=edge / edge_norm,
        c=c,
        e=e,
        T=T,
        ce=ce,
        r1=r1,
        w=w,
        v=v,
        order=order,
        signs=signs,
        et=et,
        y=y,
        corner_norm=corner_norm,
        edge_norm=edge_norm,
    )


def ctmrg_step(env: Environment, T, chi: int) -> Environment:
    """One C4v CTMRG step (module docstring), differentiable in ``env`` and ``T``.

    :param env: the current :class:`Environment` (gauge-fixed).
    :param T: (D2, D2, D2, D2) C4v-symmetric tensor, index order ``(up, left, down, right)``.
    :param chi: the most eigenvectors kept; fewer where ``chi`` would cut a multiplet or
        the spectrum has fewer non-zero values.
    :returns: the new, gauge-fixed, normalized :class:`Environment`.
    """
    parts = _step_parts(env.corner, env.edge, T, chi)
    return Environment(parts["corner"], parts["edge"])


# ---------------------------------------------------------------- the fused step
#
# The fixed-point gradient needs many vector-Jacobian products of one step at the same
# point (GMRES). Traced operation by operation that is ~35 autograd nodes per product;
# as one primitive with the hand-written pullback below it is a dozen tensordots and two
# GEMMs of the eigenvector rule, with no per-operation overhead. The environment is one
# flat vector ``x = (corner, edge.ravel())`` (the form wengert.fixed_point works on).


_LAST: dict = {}


def _flat_parts(x, T, chi, k_in):
    """:func:`_step_parts` on plain arrays, remembering the last call: the fixed-point
    gradient traces the step twice at the same point (the adjoint and the parameter
    pullback), the second time it is a lookup."""
    key = (chi, k_in)
    if (
        _LAST.get("key") == key
        and numpy.array_equal(_LAST["x"], x)
        and numpy.array_equal(_LAST["T"], T)
    ):
        return _LAST["parts"]
    d2 = T.shape[0]
    parts = _step_parts(x[:k_in], numpy.reshape(x[k_in:], (k_in, d2, k_in)), T, chi)
    _LAST.update(key=key, x=numpy.array(x), T=numpy.array(T), parts=parts)
    return parts


def _flat_values(parts):
    return numpy.concatenate([parts["corner"], numpy.ravel(parts["edge"])])


def _fused_pullback(parts, g, need_x: bool, need_t: bool):
    """Cotangents ``(x_bar, T_bar)`` of the flat step for the output cotangent ``g``.

    Plain numpy on the stored intermediates (first order); when the rule is differentiated
    again :func:`_fused_step_vjp` uses the traced step instead.
    """
    c, e, T, ce, r1 = parts["c"], parts["e"], parts["T"], parts["ce"], parts["r1"]
    w, v, order, signs = parts["w"], parts["v"], parts["order"], parts["signs"]
    k_in, d2, k = e.shape[0], T.shape[0], order.size
    corner, edge = parts["corner"], parts["edge"]
    g_corner, g_edge = g[:k], numpy.reshape(g[k:], edge.shape)
    # the two normalizations x / |x|
    g_w = (g_corner - corner * (corner @ g_corner)) / parts["corner_norm"]
    g_edge = (g_edge - edge * numpy.vdot(edge, g_edge)) / parts["edge_norm"]
    # the renormalized edge E[a, r, b] = P3[x, u, a] et[x, x2, u, d, r] P3[x2, d, b]
    p3 = numpy.reshape(v[:, order] * signs, (k_in, d2, k))
    et, y = parts["et"], parts["y"]
    g_p3 = wide_tensordot(y, g_edge, axes=([0, 3], [0, 1]))  # second slot: (x2, d, b)
    z = wide_tensordot(et, p3, axes=([1, 3], [0, 1]))  # (x, u, r, b)
    g_p3 += wide_tensordot(z, g_edge, axes=([2, 3], [1, 2]))  # first slot: (x, u, a)
    g_et = wide_tensordot(
        wide_tensordot(p3, g_edge, axes=([2], [0])), p3, axes=([3], [2])
    )  # (x, u, r, x2, d)
    x_bar = t_bar = None
    if need_x:  # et = E(x, l, x2) T(u, l, d, r)
        e_bar = numpy.transpose(wide_tensordot(g_et, T, axes=([1, 2, 4], [0, 3, 2])), (0, 2, 1))
    if need_t:
        t_bar = numpy.transpose(wide_tensordot(g_et, e, axes=([0, 3], [0, 2])), (0, 3, 2, 1))
    # eigh: A_bar = V (diag(w_bar) + F o (V^T V_bar)) V^T, F_ij = 1 / (w_j - w_i), only
    # the kept columns j carry cotangents (kept and dropped values never coincide: kept())
    p = v[:, order]
    g_p = numpy.reshape(g_p3, (k_in * d2, k)) * signs
    gap = w[order][None, :] - w[:, None]
    gap[order, numpy.arange(k)] = numpy.inf
    inner = (v.T @ g_p) / gap
    inner[order, numpy.arange(k)] += g_w
    rho_bar = v @ inner @ p.T
    rho_bar = 0.5 * (rho_bar + rho_bar.T)
    # the enlarged corner rho[(y2, r), (x2, d)] = r[y2, x2, d, r], r = r1 T
    r_bar = numpy.transpose(numpy.reshape(rho_bar, (k_in, d2, k_in, d2)), (0, 2, 3, 1))
    if need_t:
        t_bar = t_bar + wide_tensordot(r1, r_bar, axes=([1, 3], [0, 1]))
    if need_x:
        r1_bar = numpy.transpose(wide_tensordot(r_bar, T, axes=([2, 3], [2, 3])), (2, 0, 3, 1))
        ce_bar = wide_tensordot(e, r1_bar, axes=([1, 2], [2, 3]))  # (x, u, y2)
        e_bar = e_bar + wide_tensordot(ce, r1_bar, axes=([1, 2], [0, 1]))
        e_bar = e_bar + c[:, None, None] * ce_bar
        c_bar = numpy.einsum("xuy,xuy->x", ce_bar, e)
        x_bar = numpy.concatenate([c_bar, numpy.ravel(e_bar)])
    return x_bar, t_bar


# A raw autograd primitive rather than wengert.custom_vjp (as HOTRG's contraction is): the
# pullback computes only the requested cotangents, and GMRES asks for x_bar alone.
_TRACED: dict = {}  # the last traced output and its intermediates (one slot: no leak)


@primitive
def _fused_step(x, T, chi, k_in):
    parts = _flat_parts(x, T, chi, k_in)
    out = _flat_values(parts)
    _TRACED.update(out=out, parts=parts)
    return out


def _fused_step_vjp(argnums, ans, args, kwargs):
    x, T, chi, k_in = args

    def traced_pullback(g):
        # differentiated again (boxed point or cotangent): the operation-by-operation step
        from wengert.operators import vjp

        pullback = vjp(lambda x, T: _flat_values_traced(x, T, chi, k_in), x, T)[1]
        return tuple(pullback(g)[i] for i in argnums)

    if isbox(x) or isbox(T):
        _TRACED.clear()
        return traced_pullback
    parts = _TRACED.pop("parts") if _TRACED.get("out") is ans else _flat_parts(x, T, chi, k_in)
    _TRACED.clear()

    def pullback(g):
        if isbox(g):
            return traced_pullback(g)
        x_bar, t_bar = _fused_pullback(parts, numpy.asarray(g), 0 in argnums, 1 in argnums)
        return tuple(x_bar if i == 0 else t_bar for i in argnums)

    return pullback


def _fused_step_jvp(argnums, tangents, ans, args, kwargs):
    from wengert.operators import jvp

    x, T, chi, k_in = args
    _TRACED.clear()
    full = [numpy.zeros_like(getval(x)), numpy.zeros_like(getval(T))]
    for i, t in zip(argnums, tangents):
        full[i] = t
    traced = lambda x, T: _flat_values_traced(x, T, chi, k_in)  # noqa: E731
    return jvp(traced, (x, T), tuple(full))[1]


def _flat_values_traced(x, T, chi, k_in):
    d2 = T.shape[0]
    parts = _step_parts(x[:k_in], np.reshape(x[k_in:], (k_in, d2, k_in)), T, chi)
    return np.concatenate([parts["corner"], np.ravel(parts["edge"])])


defvjp_argnums(_fused_step, _fused_step_vjp)
defjvp_argnums(_fused_step, _fused_step_jvp)


def _flat_step(x, T, chi: int, k_in: int):
    """The gauge-fixed step on ``x = (corner, edge.ravel())`` (one node when traced)."""
    if isbox(x) or isbox(T):
        return _fused_step(x, T, chi, k_in)
    return _flat_values(_flat_parts(x, T, chi, k_in))


def ctmrg_ln_z(T, env: Environment):
    """``ln Z`` per site of the classical network of ``T`` from its converged environment.

    ``ln(Z_1x1 Z_0x0 / Z_1x0^2)`` with ``Z_0x0 = tr C^4``, ``Z_1x0`` the ring of four corners
    and two edges and ``Z_1x1`` the ring of four corners and four edges around ``T``
    (Nishino-Okunishi; the normalizations of ``C`` and ``E`` cancel). Differentiable in
    ``T`` and ``env``, so ``d lnZ/d beta`` flows through :func:`ctmrg` (``"unrolled"`` for
    the Ising model, whose corner spectrum has exact multiplets).
    """
    c, e = env
    z00 = np.sum(c**4)
    c2 = c * c
    z10 = np.sum(c2[:, None] * c2[None, :] * np.sum(e * e, axis=1))
    ce = c[:, None, None] * e  # (a, u, b'): an edge with the corner on its first leg
    ring = np.tensordot(ce, e, axes=([0], [0]))  # top and left edges: (u, b', l, a')
    ring = np.tensordot(ring, T, axes=([0, 2], [0, 1]))  # (b', a', d, r)
    ring = np.tensordot(ring, ce, axes=([1, 2], [0, 1]))  # bottom edge: (b', r, d')
    z11 = np.sum(ring * ce * c[None, None, :])  # right edge and its two corners
    return np.log(z11) + np.log(z00) - 2.0 * np.log(z10)


def _spectrum(env) -> numpy.ndarray:
    s = numpy.abs(numpy.asarray(getval(env.corner)))
    return s / s[0]


def _spectrum_change(old, new) -> float:
    a, b = _spectrum(old), _spectrum(new)
    if a.shape != b.shape:
        return numpy.inf
    return float(numpy.linalg.norm(a - b))


def ctmrg(
    T,
    chi: int,
    *,
    env0: Environment | None = None,
    tol: float = 1e-12,
    max_steps: int = 500,
    min_steps: int = 0,
    gradient: str = "fixed_point",
    fixed_point_tol: float = 1e-10,
    raise_on_failure: bool = True,
    info: dict | None = None,
) -> Environment:
    """Converge the C4v CTMRG environment of ``T``, differentiably.

    :param T: (D2, D2, D2, D2) C4v-symmetric tensor, index order ``(up, left, down, right)``
        (differentiable).
    :param chi: environment bond dimension (at most; multiplets are never cut).
    :param env0: starting environment (e.g. the converged one of a nearby ``T``: a warm
        start); :func:`initial_environment` if omitted. Not differentiated.
    :param tol: convergence criterion on the corner spectrum: stop when the 2-norm of the
        change of ``|C| / max|C|`` between two steps is below ``tol``.
    :param max_steps: step budget.
    :param min_steps: run at least this many steps (for benchmarks of the step count).
    :param gradient: ``"fixed_point"`` (implicit differentiation; memory independent of
        the number of steps) or ``"unrolled"`` (every step traced and checkpointed).
    :param fixed_point_tol: for ``"fixed_point"``, the tolerance of
        :func:`wengert.fixed_point`, whose solver first makes sure that
        ``|step(env) - env| <= fixed_point_tol * |env|`` and whose adjoint GMRES solve
        uses the same relative tolerance.
    :param raise_on_failure: raise :class:`wengert.ConvergenceError` if ``tol`` is not
        reached in ``max_steps`` (otherwise warn).
    :param info: if a dict is passed, it receives ``steps`` and ``residual`` (the last
        spectrum change).
    :returns: the converged :class:`Environment`.
    """
    _check_tensor(T, "ctmrg")
    chi = check_chi(chi, "ctmrg")
    if gradient not in GRADIENTS:
        raise ValueError(f"ctmrg: gradient must be one of {GRADIENTS}, got {gradient!r}")
    if not tol > 0:
        raise ValueError(f"ctmrg: tol must be positive, got {tol!r}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ValueError(f"ctmrg: max_steps must be a positive int, got {max_steps!r}")
    env = initial_environment(T) if env0 is None else _check_env(env0, T)
    if gradient == "unrolled":
        step = wengert.checkpoint(lambda c, e, t: tuple(ctmrg_step(Environment(c, e), t, chi)))
        advance = lambda env: Environment(*step(env.corner, env.edge, T))
    else:
        t_value = getval(T)
        advance = lambda env: ctmrg_step(env, t_value, chi)
    change, steps = numpy.inf, 0
    while steps < max_steps and (change > tol or steps < min_steps):
        new = advance(env)
        change = _spectrum_change(env, new)
        env, steps = new, steps + 1
    if info is not None:
        info.update(steps=steps, residual=change)
    if change > tol:
        message = f"ctmrg: corner spectrum not converged after {steps} steps"
        if raise_on_failure:
            raise wengert.ConvergenceError(message, change, steps)
        import warnings

        warnings.warn(f"{message} (change {change:.3e})", RuntimeWarning, stacklevel=2)
    if gradient == "fixed_point" and isbox(T):  # untraced T: nothing to differentiate
        k, d2 = env.chi, numpy.shape(getval(T))[0]
        x = wengert.fixed_point(
            lambda x, t: _flat_step(x, t, k, k),
            numpy.concatenate([env.corner, env.edge.ravel()]),
            T,
            tol=fixed_point_tol,
            solver=_settle,
            maxiter=max_steps,
        )
        env = Environment(x[:k], np.reshape(x[k:], (k, d2, k)))
    return env


#: Accept (with a warning) a fixed point whose residual stalls below this relative size:
#: the eigenvectors of tiny corner values carry eigensolver noise of about this order.
NOISE_FLOOR = 1e-7


def _settle(g, x, tol, maxiter):
    """Iterate ``x <- g(x)`` until ``|g(x) - x| <= tol max(1, |x|)`` (the solver handed to
    :func:`wengert.fixed_point`; ``x`` is already converged on the corner spectrum).

    If the residual stops decreasing (20 steps without halving) below ``NOISE_FLOOR``, the
    point is accepted with a :class:`RuntimeWarning` that states the residual; otherwise
    :class:`wengert.ConvergenceError`.
    """
    best, stalled, residual, iterations = numpy.inf, 0, numpy.inf, 0
    while iterations < maxiter:
        iterations += 1
        gx = g(x)
        if gx.shape != x.shape:
            raise wengert.ConvergenceError(
                "ctmrg: the kept dimension changes at the fixed point (a multiplet at the cut)",
                numpy.inf,
                iterations,
            )
        residual = float(numpy.linalg.norm(gx - x))
        scale = max(1.0, float(numpy.linalg.norm(x)))
        x = gx
        if residual <= tol * scale:
            return x
        stalled = 0 if residual < 0.5 * best else stalled + 1
        best = min(best, residual)
        if stalled >= 20:
            if residual <= NOISE_FLOOR * scale:
                import warnings

                warnings.warn(
                    f"ctmrg: environment residual stalls at {residual:.2e} "
                    f"(> fixed_point_tol); differentiating there",
                    RuntimeWarning,
                    stacklevel=2,
                )
                return x
            break
    raise wengert.ConvergenceError(
        "ctmrg: environment is not a fixed point of the step", residual, iterations
    )


def _check_env(env, T) -> Environment:
    if not isinstance(env, tuple) or len(env) != 2:
        raise TypeError("ctmrg: env0 must be an Environment (corner, edge)")
    corner, edge = (numpy.asarray(getval(x)) for x in env)
    d2 = numpy.shape(getval(T))[0]
    if corner.ndim != 1 or edge.shape != (corner.shape[0], d2, corner.shape[0]):
        raise ValueError(
            f"ctmrg: env0 must have corner (chi,) and edge (chi, {d2}, chi), got "
            f"{corner.shape} and {edge.shape}"
        )
    return Environment(corner, edge)
