"""Single-site C4v-symmetric iPEPS: energies, magnetization and ground states by gradient.

The state is one tensor ``A[s, u, l, d, r]`` (physical index ``s`` of dimension ``d``,
virtual legs of dimension ``D`` in the order up, left, down, right) repeated on every site
of the infinite square lattice, made C4v-symmetric by :func:`symmetrize`. Its norm network
is made of the double-layer tensor ``T = sum_s A[s] (x) A[s]`` (:func:`double_layer`), whose
environment comes from :func:`wengert_tensornet.ctmrg`. The energy of a two-site
Hamiltonian is measured on a horizontal bond (by symmetry all bonds are equal) and,
differentiated through CTMRG, minimized with :func:`wengert.optimize.minimize` (L-BFGS),
as in Liao, Liu, Wang, Xiang, PRX 9, 031041 (2019).

A single-site ansatz needs a Hamiltonian that is uniform on the lattice: the
antiferromagnet is written after a sublattice rotation (by pi about the spin y axis on one
sublattice), under which the Neel state becomes a ferromagnet. :func:`heisenberg` returns
this rotated bond operator; staggered quantities of the original model are uniform ones of
the rotated model.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy
from autograd.tracer import getval

import wengert
import wengert.numpy as np
from wengert import ConvergenceError
from wengert_tensornet import _linalg
from wengert_tensornet._common import check_chi
from wengert_tensornet.ctmrg import GRADIENTS, Environment, ctmrg

__all__ = [
    "heisenberg",
    "symmetrize",
    "double_layer",
    "bond_density_matrix",
    "energy",
    "magnetization",
    "ipeps",
    "IpepsResult",
    "random_tensor",
    "c4v_basis",
    "QMC_ENERGY",
    "D2_ENERGY",
]

#: Heisenberg antiferromagnet on the square lattice, energy per site, QMC (Sandvik, PRB 56,
#: 11678 (1997)): -0.669437(5).
QMC_ENERGY = -0.669437
#: Converged single-site C4v iPEPS energy per site at D = 2 (PRX 9, 031041; REFERENCES.md).
D2_ENERGY = -0.66023109348

_C4V = tuple(
    (0,) + tuple(1 + p for p in perm)
    for k in range(4)
    for perm in ([(i + k) % 4 for i in range(4)], [(k - i) % 4 for i in range(4)])
)


def heisenberg(J: float = 1.0) -> numpy.ndarray:
    """The spin-1/2 Heisenberg bond ``J S_i . S_j`` after the sublattice rotation.

    Rotating the second site by pi about the y axis (``S^x -> -S^x``, ``S^z -> -S^z``)
    turns ``S_i . S_j`` into ``-S^x S^x + S^y S^y - S^z S^z``; with ``S = sigma / 2`` and the
    real matrix ``sigma^y (x) sigma^y`` this is real (tensorgrad's convention).

    :returns: (4, 4) matrix ``h[(o1 o2), (i1 i2)] = <o1 o2| h |i1 i2>``; the energy per site
        of the square lattice (two bonds per site) is ``2 <h>``.
    """
    sx = numpy.array([[0.0, 1.0], [1.0, 0.0]])
    sz = numpy.array([[1.0, 0.0], [0.0, -1.0]])
    a = numpy.array([[0.0, -1.0], [1.0, 0.0]])  # sigma^y = i a, so sigma^y (x) sigma^y = -a (x) a
    return 0.25 * J * (-numpy.kron(sx, sx) - numpy.kron(a, a) - numpy.kron(sz, sz))


def symmetrize(a):
    """The C4v group average of ``a[s, u, l, d, r]`` (all 8 permutations of the virtual legs)."""
    return sum(np.transpose(a, axes) for axes in _C4V) / 8.0


def double_layer(a):
    """``T[(u u'), (l l'), (d d'), (r r')] = sum_s a[s, u, l, d, r] a[s, u', l', d', r']``.

    :param a: (d, D, D, D, D) site tensor, index order ``(phys, up, left, down, right)``.
    :returns: (D^2, D^2, D^2, D^2), index order ``(up, left, down, right)``, each fused
        leg ``(ket, bra)`` with the ket index slowest.
    """
    d, dim = a.shape[0], a.shape[1]
    flat = np.reshape(a, (d, dim**4))
    t = np.dot(np.transpose(flat), flat)  # (u l d r, u' l' d' r')
    t = np.reshape(t, (dim,) * 8)
    t = np.transpose(t, (0, 4, 1, 5, 2, 6, 3, 7))
    return np.reshape(t, (dim * dim,) * 4)


def _open_double_layer(a):
    """``T[(u u'), (l l'), (d d'), (r r'), s, s']`` with the physical legs left open."""
    d, dim = a.shape[0], a.shape[1]
    t = np.tensordot(a, a, axes=0)  # (s, u, l, d, r, s', u', l', d', r')
    t = np.transpose(t, (1, 6, 2, 7, 3, 8, 4, 9, 0, 5))
    return np.reshape(t, (dim * dim,) * 4 + (d, d))


def bond_density_matrix(a, env: Environment):
    """Reduced density matrix of two horizontal neighbours, trace 1.

    :param a: (d, D, D, D, D) C4v-symmetric site tensor.
    :param env: the converged :class:`Environment` of ``double_layer(a)`` (any normalization).
    :returns: ``rho[s1, s1', s2, s2']`` of shape (d, d, d, d): ket then bra index of the
        left site, then of the right site.
    """
    c, e = env
    ce = c[:, None, None] * e  # corner absorbed into the edge: (x, u, y2)
    half = np.tensordot(ce, e, axes=([0], [0]))  # top edge, left edge: (u, y2, l, x2)
    half = np.tensordot(half, _open_double_layer(a), axes=([0, 2], [0, 1]))
    # (y2, x2, d, r, s, s'); bottom-left corner and bottom edge:
    half = np.tensordot(half, ce, axes=([1, 2], [0, 1]))  # (y2, r, s, s', z2)
    rho = np.tensordot(half, half, axes=([0, 1, 4], [0, 1, 4]))  # (s1, s1', s2, s2')
    d = rho.shape[0]
    norm = np.trace(np.reshape(np.transpose(rho, (0, 2, 1, 3)), (d * d, d * d)))
    return rho / norm


def energy(a, env: Environment, hamiltonian):
    """Energy per site ``2 <h>`` of the square lattice (two bonds per site).

    :param a: (d, D, D, D, D) C4v-symmetric site tensor; differentiable.
    :param env: the converged :class:`Environment` of ``double_layer(a)``; differentiable.
    :param hamiltonian: (d^2, d^2) bond operator ``h[(o1 o2), (i1 i2)]`` (e.g.
        :func:`heisenberg`), symmetric under exchange of the two sites.
    """
    rho = bond_density_matrix(a, env)
    d = rho.shape[0]
    rho = np.reshape(np.transpose(rho, (0, 2, 1, 3)), (d * d, d * d))  # (ket, bra)
    return 2.0 * np.sum(hamiltonian * np.transpose(rho))


def magnetization(a, env: Environment) -> numpy.ndarray:
    """``(<S^x>, <S^y>, <S^z>)`` of one site (spin 1/2, ``S = sigma/2``); untraced.

    After the sublattice rotation of :func:`heisenberg` this is the staggered magnetization
    of the antiferromagnet; its norm is the order parameter ``m_s``.
    """
    rho = numpy.asarray(getval(bond_density_matrix(a, env)))
    rho1 = numpy.einsum("abcc->ab", rho)  # (ket, bra)
    paulis = (
        numpy.array([[0, 1], [1, 0]]),
        numpy.array([[0, -1j], [1j, 0]]),
        numpy.array([[1, 0], [0, -1]]),
    )
    return numpy.array([0.5 * numpy.real(numpy.trace(p @ rho1)) for p in paulis])


@functools.cache
def c4v_basis(d: int, D: int) -> numpy.ndarray:
    """Orthonormal basis of the C4v-invariant ``(d, D, D, D, D)`` tensors.

    One element per physical state ``s`` and orbit of virtual configurations
    ``(u, l, d, r)`` under the eight symmetries of the square: the orbit's indicator,
    normalized. Ordered by ``s``, then by the orbit's first configuration in lexicographic
    order. ``symmetrize(x) == tensordot(basis.reshape(n, -1) @ x.ravel(), basis, 1)``.

    :returns: read-only array of shape ``(n, d, D, D, D, D)`` (``n = 2 * 21`` for d=2, D=3).
    """
    perms = [axes[1:] for axes in _C4V]
    orbit_of: dict = {}
    orbits: list = []
    for config in itertools.product(range(D), repeat=4):
        key = min(tuple(config[i - 1] for i in p) for p in perms)
        if key not in orbit_of:
            orbit_of[key] = len(orbits)
            orbits.append([])
        orbits[orbit_of[key]].append(config)
    basis = numpy.zeros((d * len(orbits), d) + (D,) * 4)
    for s in range(d):
        for k, members in enumerate(orbits):
            for config in members:
                basis[(s * len(orbits) + k, s) + config] = 1.0 / math.sqrt(len(members))
    basis.flags.writeable = False
    return basis


def random_tensor(d: int, D: int, seed: int | numpy.random.Generator = 0, *,
                  signed: bool = False) -> numpy.ndarray:
    """A random ``(d, D, D, D, D)`` start.

    ``signed=False``: entries uniform in [0, 1) (tensorgrad's ``rand``; not ``randn``, see
    REFERENCES.md: a symmetrized Gaussian start gives an exactly degenerate corner
    spectrum). All entries positive, so every such start lies near the product state.
    ``signed=True``: a C4v-symmetric tensor whose coordinates in :func:`c4v_basis` are
    uniform in [-1, 1): mixed signs reach other basins (at D = 3 a lower minimum than any
    ``signed=False`` start found; see the package README).
    """
    rng = numpy.random.default_rng(seed)
    if not signed:
        return rng.uniform(size=(d, D, D, D, D))
    basis = c4v_basis(d, D)
    return numpy.tensordot(rng.uniform(-1.0, 1.0, size=len(basis)), basis, axes=1)


@dataclass
class IpepsResult:
    """Outcome of :func:`ipeps`.

    ``params`` the optimized tensor (d, D, D, D, D), C4v-symmetric, of norm
    :data:`START_NORM` (pass it back as ``a0`` to resume);
    ``a`` its normalized C4v-symmetric version; ``energy`` per site; ``magnetization``
    ``(<S^x>, <S^y>, <S^z>)``; ``env`` the converged environment; ``history`` the energy
    after every iteration; ``evaluations`` of energy and gradient (of which
    ``unrolled_fallbacks`` used the unrolled gradient because the corner spectrum was
    degenerate or the implicit gradient failed); ``energy`` is measured in an environment
    converged from scratch (a warm-started one can differ by ~1e-6 at large ``chi``:
    CTMRG has more than one fixed point there); ``seconds`` of wall time.
    """

    params: numpy.ndarray
    a: numpy.ndarray
    energy: float
    magnetization: numpy.ndarray
    env: Environment
    D: int
    chi: int
    history: list = field(default_factory=list)
    evaluations: int = 0
    unrolled_fallbacks: int = 0
    seconds: float = 0.0
    message: str = ""


#: The optimizer works on the coordinates of the tensor in :func:`c4v_basis`, scaled to this
#: norm (the energy does not depend on the norm): L-BFGS's first step, of unit length, then
#: changes the tensor by about 1 %.
START_NORM = 100.0


def _normalized_symmetric(params):
    a = symmetrize(params)
    return a / np.sqrt(np.sum(a * a))


def ipeps(
    hamiltonian=None,
    D: int = 2,
    chi: int = 16,
    *,
    a0=None,
    seed: int = 0,
    maxiter: int = 500,
    gradient: str = "fixed_point",
    ctm_tol: float = 1e-12,
    ctm_max_steps: int = 500,
    ftol: float = 1e-13,
    gtol: float = 1e-10,
    init: str = "uniform",
    save: str | Path | None = None,
    callback=None,
    progress: bool = True,
) -> IpepsResult:
    """Minimize the energy per site of a single-site C4v iPEPS with L-BFGS.

    :param hamiltonian: (d^2, d^2) bond operator (see :func:`energy`); :func:`heisenberg` if
        omitted.
    :param D: virtual bond dimension.
    :param chi: CTMRG environment dimension.
    :param a0: starting raw tensor (d, D, D, D, D) (e.g. ``IpepsResult.params`` or
        :func:`wengert_tensornet.load_state`'s ``"params"`` to resume); a random tensor
        from ``seed`` if omitted. A smaller ``D`` is padded with 1e-3 noise. Only its
        C4v-symmetric part counts.
    :param init: the random start when ``a0`` is omitted: ``"uniform"`` (entries in [0, 1),
        tensorgrad's) or ``"signed"`` (symmetric, coordinates uniform in [-1, 1)); see
        :func:`random_tensor`.
    :param gradient: ``"fixed_point"`` (implicit differentiation of the converged
        environment; the environment is warm-started from the previous evaluation) or
        ``"unrolled"`` (checkpointed steps from the initial environment, as tensorgrad).
        An evaluation whose corner spectrum is degenerate (no fixed point in the gauge of
        :mod:`wengert_tensornet.ctmrg`), or whose implicit gradient's linear solve fails
        (``ConvergenceError``, seen at far line-search trial points), falls back to
        ``"unrolled"``; with
        ``"fixed_point"`` the optimization runs with :func:`wengert_linalg.set_gauge_check`
        ``"off"``, as such fallbacks (line-search trial points) differentiate ``eigh``
        through exact multiplets, where tiny cotangents show a ~1e-6-relative gauge
        dependence that would otherwise end the run with ``GaugeError``.
    :param ctm_tol: CTMRG convergence on the corner spectrum.
    :param ftol, gtol: L-BFGS-B stopping criteria (scipy's meaning). L-BFGS runs on the
        tensor's coordinates in :func:`c4v_basis` (no redundant directions), scaled to
        norm :data:`START_NORM` so that its first step changes the tensor by ~1 %; ``gtol``
        applies to that scale.
    :param save: an ``.npz`` path written after every iteration (:func:`save_state`).
    :param callback: ``callback(iteration, energy)``; returning ``True`` stops.
    :param progress: show a progress bar.
    :returns: :class:`IpepsResult`.
    """
    from wengert.optimize import minimize
    from wengert_tensornet.io import save_state

    h = heisenberg() if hamiltonian is None else numpy.asarray(hamiltonian, dtype=float)
    d = math.isqrt(h.shape[0]) if h.ndim == 2 else 0
    if h.ndim != 2 or h.shape[0] != h.shape[1] or d * d != h.shape[0]:
        raise ValueError(f"ipeps: hamiltonian must be a (d^2, d^2) matrix, got {h.shape}")
    if isinstance(D, bool) or not isinstance(D, int) or D < 1:
        raise ValueError(f"ipeps: D must be a positive int, got {D!r}")
    chi = check_chi(chi, "ipeps")
    if gradient not in GRADIENTS:
        raise ValueError(f"ipeps: gradient must be one of {GRADIENTS}, got {gradient!r}")
    if init not in ("uniform", "signed"):
        raise ValueError(f"ipeps: init must be 'uniform' or 'signed', got {init!r}")
    if a0 is None:
        params0 = random_tensor(d, D, seed, signed=init == "signed")
    else:
        params0 = _padded(a0, d, D, seed)
    basis = c4v_basis(d, D).reshape(-1, params0.size)  # (n, d D^4), orthonormal rows
    coords0 = basis @ params0.ravel()  # the coordinates of symmetrize(params0)
    if not numpy.linalg.norm(coords0) > 0:
        raise ValueError("ipeps: a0 has no C4v-symmetric part (symmetrize(a0) == 0)")
    coords0 = coords0 * (START_NORM / numpy.linalg.norm(coords0))
    # CTMRG is warm-started from the environment of the last accepted iterate, not from the
    # last evaluation: at D >= 3 it can have several fixed points, and an environment
    # carried over from a far line-search trial point can converge to another one, which
    # makes the energy jump between nearby points and ends L-BFGS's line search.
    warm = {"env": None, "recent": {}}
    counter = {"evaluations": 0, "unrolled_fallbacks": 0}

    def tensor(coords):
        return np.reshape(np.dot(coords, basis), params0.shape)

    def loss(coords, mode=gradient):
        a = tensor(coords)
        a = a / np.sqrt(np.sum(a * a))
        t = double_layer(a)
        t = t / np.sqrt(np.sum(t * t))
        if mode == "fixed_point":
            try:
                env = ctmrg(
                    t,
                    chi,
                    env0=warm["env"],
                    tol=ctm_tol,
                    max_steps=ctm_max_steps,
                    raise_on_failure=False,
                )
            except ConvergenceError:  # degenerate corner spectrum: see ctmrg's docstring
                counter["unrolled_fallbacks"] += 1
                mode = "unrolled"
        if mode == "unrolled":
            env = ctmrg(
                t,
                chi,
                tol=ctm_tol,
                max_steps=ctm_max_steps,
                gradient="unrolled",
                raise_on_failure=False,
            )
        recent = warm["recent"]  # the environments of the current line search
        recent[numpy.asarray(getval(coords)).tobytes()] = Environment(
            getval(env.corner), getval(env.edge)
        )
        if len(recent) > 32:
            del recent[next(iter(recent))]
        counter["evaluations"] += 1
        return energy(a, env, h)

    def value_and_grad(coords):
        try:
            return wengert.value_and_grad(loss)(coords)
        except ConvergenceError:  # the implicit gradient's GMRES solve failed (a trial point)
            if gradient != "fixed_point":
                raise
            counter["unrolled_fallbacks"] += 1
            return wengert.value_and_grad(lambda c: loss(c, "unrolled"))(coords)

    history: list[float] = []
    start = time.perf_counter()

    def after_iteration(coords, value):
        accepted = warm["recent"].get(numpy.asarray(coords).tobytes())
        if accepted is not None:
            warm["env"] = accepted
        warm["recent"].clear()
        history.append(float(value))
        if save is not None:
            save_state(save, tensor(coords), env=warm["env"], energy=float(value), D=D, chi=chi,
                       history=history)
        return bool(callback(len(history), float(value))) if callback is not None else False

    # A fallback evaluation differentiates eigh through exactly degenerate corner values
    # (tensorgrad's way): the tiny gauge dependence of its cotangents (~1e-6 relative, from
    # the truncation) would raise GaugeError and end the run at a line-search trial point.
    mode = "off" if gradient == "fixed_point" else None
    with _linalg.gauge_check(mode) if mode else contextlib.nullcontext():
        result = minimize(
            None,
            coords0,
            value_and_grad=value_and_grad,
            method="L-BFGS-B",
            maxiter=maxiter,
            callback=after_iteration,
            progress=progress,
            options={"ftol": ftol, "gtol": gtol, "maxcor": 30},
        )
    params = tensor(numpy.asarray(result.x))
    a = numpy.asarray(getval(_normalized_symmetric(params)))
    t = double_layer(a)
    env = ctmrg(
        t / numpy.linalg.norm(t),
        chi,
        tol=ctm_tol,
        max_steps=ctm_max_steps,
        raise_on_failure=False,
    )
    e = float(energy(a, env, h))
    out = IpepsResult(
        params=params,
        a=a,
        energy=e,
        magnetization=magnetization(a, env),
        env=Environment(numpy.asarray(getval(env.corner)), numpy.asarray(getval(env.edge))),
        D=D,
        chi=chi,
        history=history,
        evaluations=counter["evaluations"],
        unrolled_fallbacks=counter["unrolled_fallbacks"],
        seconds=time.perf_counter() - start,
        message=str(result.message),
    )
    if save is not None:
        save_state(save, params, env=out.env, energy=e, D=D, chi=chi, history=history)
    return out


def _padded(a0, d: int, D: int, seed) -> numpy.ndarray:
    a0 = numpy.asarray(a0, dtype=float)
    if a0.ndim != 5 or a0.shape[0] != d or len(set(a0.shape[1:])) != 1 or a0.shape[1] > D:
        raise ValueError(
            f"ipeps: a0 must have shape ({d}, D0, D0, D0, D0) with D0 <= {D}, got {a0.shape}"
        )
    if a0.shape[1] == D:
        return a0
    rng = numpy.random.default_rng(seed)
    out = 1e-3 * rng.uniform(size=(d, D, D, D, D)) * numpy.max(numpy.abs(a0))
    d0 = a0.shape[1]
    out[:, :d0, :d0, :d0, :d0] = a0
    return out
