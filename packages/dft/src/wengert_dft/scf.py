"""Self-consistent field: RHF, UHF and RKS (LDA), and the differentiable total energy.

Two layers:

* :func:`scf` runs the SCF in plain numpy (Roothaan-Hall with Pulay DIIS on the commutator
  FDS - SDF, from a superposition of atomic densities) and returns an :class:`SCFResult`,
  as PySCF's ``mf.kernel()`` would; non-convergence, or convergence to a state that is not
  aufbau (an occupied orbital above a virtual one), raises
  :class:`wengert.ConvergenceError` with the residual.
* :func:`energy` is the one differentiable function every property derives from. It
  builds the integrals with the primitives of :mod:`wengert_dft.integrals.primitives`,
  converges the SCF with :func:`scf`'s solver, and then writes the density as the fixed
  point D* = f(D*; X, h, eri[, grid]) of the Roothaan map f (Fock build, orthogonalized
  eigenproblem, aufbau occupation) with :func:`wengert.fixed_point`: derivatives with
  respect to coordinates, nuclear charges and the field come from the implicit function
  theorem (first and second order), never from unrolled iterations. For RHF and UHF the
  reverse-mode rule is the variational gradient (no response at first order; the rule
  differentiated through the fixed point at second order), see
  :func:`_variational_energy`.

Energies (Szabo-Ostlund 3.184, 3.317; Parr-Yang 7.2.14), with J_ab = (ab|cd) D_cd and
K_ab = (ac|bd) D_cd:

    RHF  E = tr D h + 1/2 tr D J(D) - 1/4 tr D K(D) + E_nuc
    UHF  E = tr D h + 1/2 tr D J(D) - 1/2 (tr Da K(Da) + tr Db K(Db)) + E_nuc,  D = Da + Db
    RKS  E = tr D h + 1/2 tr D J(D) + E_xc[rho] + E_nuc

The uniform field F couples as +F.r to the electrons (charge -1) and as -Z_A F.R_A to
the nuclei, so that the dipole is mu = -dE/dF and the polarizability alpha = -d2E/dF2.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy
import scipy.linalg
from autograd.tracer import isbox

import wengert
import wengert.numpy as np
from wengert_dft import _linalg
from wengert_dft.integrals import primitives as ints
from wengert_dft.integrals.two_electron import eri as _eri_engine

__all__ = ["energy", "scf", "SCFResult", "METHODS", "hcore_parts", "aufbau_gap", "rhf_stability"]

METHODS = ("rhf", "uhf", "rks")
_TOL = 1e-10  # fixed-point tolerance of the density (|f(D) - D| <= tol max(1, |D|))


@dataclass
class SCFResult:
    """A converged SCF, PySCF-style.

    ``energy`` (Eh), ``mo_energy`` (nao,) or (2, nao) for UHF, ``mo_coeff`` (nao, nao) or
    (2, nao, nao), ``dm`` total density matrix (nao, nao) (alpha+beta), ``dm_spin``
    (2, nao, nao) for UHF, ``iterations``, ``converged``, ``residual`` (final |FDS - SDF|),
    ``method``, ``xc``.
    """

    energy: float
    mo_energy: numpy.ndarray
    mo_coeff: numpy.ndarray
    dm: numpy.ndarray
    iterations: int
    converged: bool
    residual: float
    method: str
    xc: str | None = None
    dm_spin: numpy.ndarray | None = None

    # PySCF-style aliases
    @property
    def e_tot(self) -> float:
        return self.energy

    def make_rdm1(self) -> numpy.ndarray:
        return self.dm


def _check(mol, method, xc):
    from wengert_dft.molecule import Molecule

    if not isinstance(mol, Molecule):
        raise TypeError(f"mol must be a wengert_dft.Molecule, got {type(mol).__name__}")
    if not isinstance(method, str) or method.lower() not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    method = method.lower()
    if method == "rks":
        from wengert_dft.xc import check_xc

        xc = check_xc(xc)
    elif xc is not None:
        raise ValueError(f"xc is only used with method='rks', got xc={xc!r} for {method!r}")
    if method in ("rhf", "rks") and mol.spin != 0:
        raise ValueError(f"method={method!r} needs a closed shell (spin=0); use 'uhf'")
    return method, xc


# ----------------------------------------------------------------- the Roothaan map


def _jk(eri, dm):
    """Coulomb and exchange matrices J_ab = (ab|cd) D_cd, K_ab = (ac|bd) D_cd."""
    return np.einsum("abcd,cd->ab", eri, dm), np.einsum("acbd,cd->ab", eri, dm)


def _aufbau(fock, x, nocc):
    """Density 2-> C_occ C_occ^T of the lowest ``nocc`` orbitals of fock in basis x."""
    _, c = _linalg.eigh(np.dot(x.T, np.dot(fock, x)))
    c_occ = np.dot(x, c[:, :nocc])
    return np.dot(c_occ, c_occ.T)


def _fock(method, dm, h, eri, xc_params):
    """Fock matrix (matrices for UHF) of the density ``dm``."""
    if method == "uhf":
        j, ka = _jk(eri, dm[0])
        jb, kb = _jk(eri, dm[1])
        return np.stack([h + j + jb - ka, h + j + jb - kb])
    j, k = _jk(eri, dm)
    if method == "rhf":
        return h + j - 0.5 * k
    from wengert_dft.xc import lda_potential

    return h + j + lda_potential(dm, *xc_params)


def _scf_map(method, nocc):
    def f(dm, x, h, eri, *xc_params):
        fock = _fock(method, dm, h, eri, xc_params)
        if method == "uhf":
            return np.stack([_aufbau(fock[0], x, nocc[0]), _aufbau(fock[1], x, nocc[1])])
        return 2.0 * _aufbau(fock, x, nocc[0])

    return f


def _electronic_energy(method, dm, h, eri, xc_params):
    if method == "uhf":
        dm_tot = dm[0] + dm[1]
        j, ka = _jk(eri, dm[0])
        kb = _jk(eri, dm[1])[1]
        j = j + _jk(eri, dm[1])[0]
        return (
            np.sum(dm_tot * h)
            + 0.5 * np.sum(dm_tot * j)
            - 0.5 * (np.sum(dm[0] * ka) + np.sum(dm[1] * kb))
        )
    j, k = _jk(eri, dm)
    e = np.sum(dm * h) + 0.5 * np.sum(dm * j)
    if method == "rhf":
        return e - 0.25 * np.sum(dm * k)
    from wengert_dft.xc import lda_energy

    return e + lda_energy(dm, *xc_params)


# ----------------------------------------------------------------- numpy solver

_SHELL = 1e-6  # Eh: atomic orbitals closer than this in energy are filled as one shell
_MIN_GAP = 1e-6  # Eh: smallest accepted gap between the virtual and occupied orbitals


@functools.cache
def _atomic_density(symbol, basis_name, cart):
    """Spherically averaged density of the neutral atom ``symbol`` in its own basis
    functions, (nao_atom, nao_atom), trace(D S) = Z.

    Restricted Hartree-Fock of the atom with fractional occupation: orbitals are filled by
    energy two electrons at a time, and a degenerate shell at the Fermi level (the 2p of N:
    three electrons in three orbitals) is occupied evenly, so the density stays spherical
    (the "atom" guess of PySCF, ``pyscf.scf.atom_hf``). Damped iterations from the core
    Hamiltonian until the density changes by < 1e-8 (measured: |FDS - SDF| < 4e-8 for H-Ar
    in all four bases; it is only a guess, so the last iterate is used in any case).
    Cached per (element, basis); not differentiated.
    """
    from wengert_dft.molecule import ELEMENTS, Molecule

    z = ELEMENTS.index(symbol)
    atom = Molecule([(symbol, (0.0, 0.0, 0.0))], basis_name, unit="bohr", spin=z % 2, cart=cart)
    b, c = atom.basis, atom.coords
    s = numpy.asarray(ints.overlap(b, c))
    h = numpy.asarray(ints.kinetic(b, c)) + z * numpy.asarray(ints.nuclear(b, c))[0]
    eri = numpy.asarray(ints.eri(b, c))
    x = numpy.linalg.inv(numpy.linalg.cholesky(s)).T

    def density(fock):
        w, v = numpy.linalg.eigh(x.T @ fock @ x)
        occ = numpy.zeros_like(w)
        left, i = float(z), 0
        while left > 0:
            shell = numpy.flatnonzero(numpy.abs(w - w[i]) <= _SHELL)
            shell = shell[shell >= i]
            put = min(left, 2.0 * len(shell))
            occ[shell] = put / len(shell)
            left, i = left - put, shell[-1] + 1
        cv = x @ v
        return (cv * occ) @ cv.T

    dm = density(h)
    for _ in range(200):
        new = density(
            h + numpy.einsum("abcd,cd->ab", eri, dm) - 0.5 * numpy.einsum("acbd,cd->ab", eri, dm)
        )
        done = numpy.abs(new - dm).max() < 1e-8
        dm = 0.5 * (dm + new)
        if done:
            break
    return dm


def _atomic_guess(mol):
    """Superposition of spherically averaged neutral-atom densities, (nao, nao), block
    diagonal by atom (independent of coordinates and of the charges passed to
    :func:`energy`; not differentiated)."""
    b = mol.basis
    sizes = [s.ncart if b.cart else 2 * s.ell + 1 for s in b.shells]
    ao_atom = numpy.repeat([s.atom for s in b.shells], sizes)
    dm = numpy.zeros((mol.nao, mol.nao))
    for a, symbol in enumerate(mol.symbols):
        idx = numpy.flatnonzero(ao_atom == a)
        dm[numpy.ix_(idx, idx)] = _atomic_density(symbol, b.name, b.cart)
    return dm


def aufbau_gap(fock, dm_spin, s):
    """Lowest virtual minus highest occupied orbital energy (Eh) of a converged one-spin
    density ``dm_spin`` = C_occ C_occ^T (nao, nao) in its Fock matrix ``fock`` (nao, nao),
    overlap ``s``: the orbital energies are those of F projected on the occupied space of
    D and on its complement, so a degenerate pair split by the occupation gives ~0.
    Negative when the state is not the aufbau state of its own Fock matrix; ``inf``
    without occupied or virtual orbitals."""
    lower = numpy.linalg.cholesky(s)  # orthonormal basis: D' = L^T D L, F' = L^-1 F L^-T
    w, u = numpy.linalg.eigh(lower.T @ dm_spin @ lower)
    occupied = w > 0.5
    if occupied.all() or not occupied.any():
        return numpy.inf
    fp = scipy.linalg.solve_triangular(lower, fock, lower=True)
    fp = scipy.linalg.solve_triangular(lower, fp.T, lower=True)
    uo, uv = u[:, occupied], u[:, ~occupied]
    e_occ = numpy.linalg.eigvalsh(uo.T @ fp @ uo)
    e_vir = numpy.linalg.eigvalsh(uv.T @ fp @ uv)
    return float(e_vir.min() - e_occ.max())


def _solve(method, nocc, s, x, h, eri, xc_params, guess, maxiter=200, tol=1e-10):
    """Roothaan-Hall iterations with DIIS from the total density ``guess`` (nao, nao),
    split evenly between the spins for UHF (as PySCF does), untraced.
    Returns (dm, fock, iterations, residual). Raises ConvergenceError when it does not
    converge or converges to a state that is not aufbau (:func:`aufbau_gap` <= 1e-6 Eh in
    either spin).

    UHF only: when the iterations from ``guess`` do not converge, they are repeated from
    the core-Hamiltonian guess (the CN radical in 6-31G oscillates from the atomic-density
    guess, and converges from the core guess to a state 21 mEh below PySCF's);
    ``iterations`` then counts both attempts.
    """
    result = _iterate(method, nocc, s, x, h, eri, xc_params, guess, maxiter, tol)
    if result[0] is None and method == "uhf":
        core = 2.0 * _aufbau(h, x, nocc[0])
        retry = _iterate(method, nocc, s, x, h, eri, xc_params, core, maxiter, tol)
        result = (*retry[:2], result[2] + retry[2], retry[3])
    if result[0] is None:
        raise wengert.ConvergenceError(
            f"scf: {method.upper()} did not converge (|FDS - SDF| tolerance {tol:g})",
            result[3],
            result[2],
        )
    return result


def _iterate(method, nocc, s, x, h, eri, xc_params, guess, maxiter, tol):
    """:func:`_solve`'s iterations from one guess; ``(None, None, maxiter, residual)`` when
    they do not converge (a non-aufbau converged state raises)."""
    dm = numpy.stack([0.5 * guess, 0.5 * guess]) if method == "uhf" else guess
    focks, errors = [], []
    residual = numpy.inf
    for it in range(1, maxiter + 1):
        fock = _fock(method, dm, h, eri, xc_params)
        fs = fock if method == "uhf" else fock[None]
        ds = dm if method == "uhf" else (0.5 * dm)[None]
        err = numpy.stack([x.T @ (fi @ di @ s - s @ di @ fi) @ x for fi, di in zip(fs, ds)])
        residual = float(numpy.abs(err).max())
        if residual < tol and it > 1:
            gap = min(aufbau_gap(fi, di, s) for fi, di in zip(fs, ds))
            if gap <= _MIN_GAP:
                raise wengert.ConvergenceError(
                    f"scf: {method.upper()} converged to a state that is not aufbau: gap "
                    f"{gap:.3e} Eh between the lowest virtual and the highest occupied "
                    f"orbital (needs > {_MIN_GAP:g}; occupied orbitals above virtual ones, or "
                    "a degenerate shell split at the Fermi level)",
                    residual,
                    it,
                )
            return dm, fock, it, residual
        focks.append(fock)
        errors.append(err.ravel())
        focks, errors = focks[-8:], errors[-8:]
        n = len(focks)
        b = -numpy.ones((n + 1, n + 1))
        b[n, n] = 0.0
        b[:n, :n] = numpy.array(errors) @ numpy.array(errors).T
        rhs = numpy.zeros(n + 1)
        rhs[n] = -1.0
        try:
            coef = numpy.linalg.solve(b, rhs)[:n]
        except numpy.linalg.LinAlgError:
            coef = numpy.eye(n)[-1]
        fock = sum(c * fi for c, fi in zip(coef, focks))
        if method == "uhf":
            dm = numpy.stack([_aufbau(fock[0], x, nocc[0]), _aufbau(fock[1], x, nocc[1])])
        else:
            dm = 2.0 * _aufbau(fock, x, nocc[0])
    return None, None, maxiter, residual


# ----------------------------------------------------------------- integrals and energy


def hcore_parts(mol, coords, charges, field):
    """Differentiable (S, h, E_nuc): overlap, core Hamiltonian (with the field term) and
    nuclear repulsion (with -F.sum Z_A R_A) at ``coords`` (Bohr) and ``charges``."""
    b = mol.basis
    s = ints.overlap(b, coords)
    h = ints.kinetic(b, coords) + np.tensordot(charges, ints.nuclear(b, coords), 1)
    diff = coords[:, None, :] - coords[None, :, :]
    natm = mol.natm
    iu = numpy.triu_indices(natm, 1)
    if natm > 1:
        dist = np.sqrt(np.sum(diff[iu] ** 2, axis=-1))
        e_nuc = np.sum(charges[iu[0]] * charges[iu[1]] / dist)
    else:
        e_nuc = 0.0
    if field is not None:
        h = h + np.tensordot(field, ints.dipole_integrals(b, coords), 1)
        e_nuc = e_nuc - np.dot(field, np.dot(charges, coords))
    return s, h, e_nuc


def _orthogonalizer(s):
    """X = L^{-T} with S = L L^T, so that X^T S X = 1 (differentiable)."""
    return np.transpose(np.linalg.inv(np.linalg.cholesky(s)))


def _nocc(mol, method):
    return (mol.nalpha, mol.nbeta) if method == "uhf" else (mol.nelectron // 2,)


def _validate(mol, coords, charges, field):
    if coords is not None and numpy.shape(coords) != (mol.natm, 3):
        raise ValueError(
            f"coords must have shape ({mol.natm}, 3) (Bohr), got {numpy.shape(coords)}"
        )
    if charges is not None and numpy.shape(charges) != (mol.natm,):
        raise ValueError(f"charges must have shape ({mol.natm},), got {numpy.shape(charges)}")
    if field is not None and numpy.shape(field) != (3,):
        raise ValueError(f"field must have shape (3,) (atomic units), got {numpy.shape(field)}")


def _inputs(mol, method, xc, coords, charges, field):
    coords = mol.coords if coords is None else coords
    charges = mol.charges if charges is None else charges
    s, h, e_nuc = hcore_parts(mol, coords, charges, field)
    x = _orthogonalizer(s)
    eri = ints.eri(mol.basis, coords)
    xc_params = ()
    if method == "rks":
        from wengert_dft.xc import lda_params

        xc_params = lda_params(mol, coords)
    return s, x, h, eri, e_nuc, xc_params


def energy(
    mol, method: str = "rhf", xc: str | None = None, *, coords=None, charges=None, field=None
):
    """Total energy (Eh) of ``mol``, differentiable in ``coords``, ``charges`` and ``field``.

    :param mol: a :class:`wengert_dft.Molecule`.
    :param method: ``"rhf"``, ``"uhf"`` or ``"rks"``.
    :param xc: for ``"rks"``: ``"lda,vwn5"`` (Slater exchange + VWN5 correlation; libxc
        ids 1 and 7; aliases ``"lda"``, ``"svwn5"``, ``"LDA_X,LDA_C_VWN"``).
    :param coords: nuclear positions in Bohr, shape (natm, 3) (default ``mol.coords``).
    :param charges: nuclear charges, shape (natm,) (default ``mol.charges``); the basis and
        the electron count stay those of ``mol`` (alchemical perturbation at fixed basis).
    :param field: uniform electric field (atomic units), shape (3,), coupling as +F.r to
        electrons; ``None`` for no field term.

    Forward and reverse mode, first and second order (:func:`wengert.grad`,
    :func:`wengert.hessian`, :func:`wengert.jvp`). For RHF and UHF, reverse mode uses the
    variational gradient (:func:`_variational_energy`): no response equations at first
    order, the implicit fixed point at second order.
    """
    method, xc = _check(mol, method, xc)
    inputs = {"coords": coords, "charges": charges, "field": field}
    _validate(mol, coords, charges, field)
    active = tuple(k for k, v in inputs.items() if v is not None and isbox(v))
    if method != "rks" and active:
        return _variational_energy(mol, method, inputs, active)(*(inputs[k] for k in active))
    return _implicit_energy(mol, method, xc, coords, charges, field)


def _implicit_energy(mol, method, xc, coords, charges, field):
    """The energy with the density as the implicitly differentiated SCF fixed point."""
    s, x, h, eri, e_nuc, xc_params = _inputs(mol, method, xc, coords, charges, field)
    nocc = _nocc(mol, method)
    params = (x, h, eri) + tuple(xc_params)
    values = [wengert.stop_gradient(p) for p in params]
    s0 = wengert.stop_gradient(s)
    dm0 = _solve(method, nocc, s0, *values[:3], tuple(values[3:]), _atomic_guess(mol))[0]
    dm = wengert.fixed_point(_scf_map(method, nocc), dm0, *params, tol=_TOL, solver="anderson")
    return _electronic_energy(method, dm, h, eri, tuple(xc_params)) + e_nuc


# ----------------------------------------------------------------- variational gradient


def _variational_energy(mol, method, inputs, active):
    """RHF/UHF energy as a function of the ``active`` inputs with a hand-written VJP.

    The SCF energy is stationary in the orbitals, so its gradient needs no response: with
    the converged density D, Fock matrix F and energy-weighted density W (RHF: D F D / 2,
    UHF: sum_s D_s F_s D_s),

        dE/dlambda = tr(D dh/dlambda) + sum Gamma_abcd d(ab|cd)/dlambda - tr(W dS/dlambda)
                     + dE_nuc/dlambda,

    Gamma = dE/d(ab|cd) at fixed D (Pople et al., Int. J. Quantum Chem. S13, 225 (1979)).
    This holds at every geometry, charge and field, so differentiating it again, with D
    the implicitly differentiated fixed point (the nested-level forward below), gives the
    exact second derivatives (the coupled-perturbed response comes from the IFT there).
    Forward mode differentiates :func:`_implicit_energy` directly.
    """

    def merge(args):
        full = dict(inputs)
        full.update(zip(active, args))
        return full["coords"], full["charges"], full["field"]

    def fun(*args):
        return _implicit_energy(mol, method, None, *merge(args))

    def fwd(*args):
        coords, charges, field = merge(args)
        if not any(isbox(a) for a in args):  # first order: plain numpy SCF, no fixed point
            s, x, h, eri, e_nuc, _ = _inputs(mol, method, None, coords, charges, field)
            nocc = _nocc(mol, method)
            dm, fock = _solve(method, nocc, s, x, h, eri, (), _atomic_guess(mol))[:2]  # F(D)
            e = _electronic_energy(method, dm, h, eri, ()) + e_nuc
            return e, (coords, charges, field, dm, fock)
        # nested trace level (second derivatives): D(lambda) is the differentiable fixed
        # point, so the gradient below is differentiated with the full response
        s, x, h, eri, e_nuc, _ = _inputs(mol, method, None, coords, charges, field)
        nocc = _nocc(mol, method)
        values = [wengert.stop_gradient(p) for p in (s, x, h, eri)]
        dm0 = _solve(method, nocc, *values, (), _atomic_guess(mol))[0]
        dm = wengert.fixed_point(
            _scf_map(method, nocc), dm0, x, h, eri, tol=_TOL, solver="anderson"
        )
        e = _electronic_energy(method, dm, h, eri, ()) + e_nuc
        return e, (coords, charges, field, dm, _fock(method, dm, h, eri, ()))

    def bwd(res, g):
        grads = _variational_gradient(mol, method, *res, active)
        return tuple(g * grads[k] for k in active)

    return wengert.custom_vjp(fun).defvjp(fwd, bwd)


def _two_particle_density(method, dm):
    """Gamma_abcd = dE_2e/d(ab|cd) at fixed density, shape (nao,)*4 (chemists' order)."""
    if method == "uhf":
        dt = dm[0] + dm[1]
        return 0.5 * np.einsum("ab,cd->abcd", dt, dt) - 0.5 * (
            np.einsum("ac,bd->abcd", dm[0], dm[0]) + np.einsum("ac,bd->abcd", dm[1], dm[1])
        )
    return 0.5 * np.einsum("ab,cd->abcd", dm, dm) - 0.25 * np.einsum("ac,bd->abcd", dm, dm)


def _eri_gradient(b, coords, method, dm):
    """sum_abcd Gamma_abcd d(ab|cd)/dR, (natm, 3): through the differentiable primitive
    when traced (second derivatives), else straight from the density matrices."""
    if isbox(coords) or isbox(dm):
        return ints.eri_cotangent(b, coords, _two_particle_density(method, dm))
    if method == "uhf":
        density = (dm[0] + dm[1], [(dm[0], 0.5), (dm[1], 0.5)])
    else:
        density = (dm, [(dm, 0.25)])
    return _eri_engine(b, coords, "cotangent", density=density)


def _variational_gradient(mol, method, coords, charges, field, dm, fock, active):
    """{input: dE/dinput} for the ``active`` inputs from the converged ``dm`` and ``fock``
    (:func:`_variational_energy`); written in wengert.numpy, so differentiable."""
    b = mol.basis
    coords = mol.coords if coords is None else coords
    charges = mol.charges if charges is None else charges
    if method == "uhf":
        d = dm[0] + dm[1]
        w = sum(np.dot(dm[i], np.dot(fock[i], dm[i])) for i in range(2))
    else:
        d = dm
        w = 0.5 * np.dot(dm, np.dot(fock, dm))
    natm = mol.natm
    eye = numpy.eye(natm)
    diff = coords[:, None, :] - coords[None, :, :]
    inv_r = (1.0 - eye) / np.sqrt(np.sum(diff**2, axis=-1) + eye)  # 1/R_AB, 0 on the diagonal
    out = {}
    if "coords" in active:
        zz = charges[:, None] * charges[None, :] * inv_r**3
        grad = (
            ints.kinetic_cotangent(b, coords, d)
            + ints.nuclear_cotangent(b, coords, charges[:, None, None] * d[None])
            + _eri_gradient(b, coords, method, dm)
            - ints.overlap_cotangent(b, coords, w)
            - np.sum(zz[:, :, None] * diff, axis=1)
        )
        if field is not None:
            grad = (
                grad
                + ints.dipole_cotangent(b, coords, field[:, None, None] * d[None])
                - charges[:, None] * field[None, :]
            )
        out["coords"] = grad
    if "charges" in active:
        gz = np.einsum("cab,ab->c", ints.nuclear(b, coords), d) + np.dot(inv_r, charges)
        if field is not None:
            gz = gz - np.dot(coords, field)
        out["charges"] = gz
    if "field" in active:
        out["field"] = np.einsum("kab,ab->k", ints.dipole_integrals(b, coords), d) - np.dot(
            charges, coords
        )
    return out


def scf(
    mol,
    method: str = "rhf",
    xc: str | None = None,
    *,
    maxiter: int = 200,
    tol: float = 1e-10,
    guess: str = "atom",
) -> SCFResult:
    """Run the SCF (plain numpy, not differentiable) and return an :class:`SCFResult`.

    ``tol`` bounds the largest element of the orthogonalized commutator FDS - SDF.
    ``guess``: ``"atom"`` (default; superposition of spherically averaged atomic densities,
    what :func:`energy` uses) or ``"core"`` (orbitals of the core Hamiltonian; for N2 in
    STO-3G it leads to an excited, symmetry-broken stationary state, kept for comparison).
    The converged state must be aufbau (:func:`aufbau_gap` > 1e-6 Eh), else ConvergenceError.
    """
    method, xc = _check(mol, method, xc)
    if guess not in ("atom", "core"):
        raise ValueError(f"guess must be 'atom' or 'core', got {guess!r}")
    s, x, h, eri, e_nuc, xc_params = _inputs(mol, method, xc, None, None, None)
    nocc = _nocc(mol, method)
    dm0 = _atomic_guess(mol) if guess == "atom" else 2.0 * _aufbau(h, x, nocc[0])
    dm, fock, iterations, residual = _solve(
        method, nocc, s, x, h, eri, xc_params, dm0, maxiter=maxiter, tol=tol
    )
    e = float(_electronic_energy(method, dm, h, eri, xc_params) + e_nuc)
    fock = fock if method == "uhf" else fock[None]
    mo_e, mo_c = [], []
    for fi in fock:
        w, c = numpy.linalg.eigh(x.T @ fi @ x)
        mo_e.append(w)
        mo_c.append(x @ c)
    mo_e, mo_c = numpy.array(mo_e), numpy.array(mo_c)
    if method != "uhf":
        return SCFResult(e, mo_e[0], mo_c[0], dm, iterations, True, residual, method, xc)
    return SCFResult(
        e, mo_e, mo_c, dm[0] + dm[1], iterations, True, residual, method, xc, dm_spin=dm
    )


def rhf_stability(mol, result: SCFResult | None = None) -> numpy.ndarray:
    """Eigenvalues (ascending, Eh) of the real RHF -> RHF orbital Hessian of a converged
    closed-shell RHF ``result`` (default: :func:`scf` of ``mol``),

        (A + B)_{ia,jb} = delta_ij delta_ab (e_a - e_i) + 4 (ia|jb) - (ib|ja) - (ij|ab),

    over occupied i, j and virtual a, b (Seeger and Pople, JCP 66, 3045 (1977)), shape
    (nocc * nvir,). All positive at a local minimum of the RHF energy; a negative one marks
    a saddle point (an excited or symmetry-broken state, which the aufbau check cannot
    see), a zero one a continuous family of solutions. O(nao^5) time, (nao)^4 memory; not
    differentiable.
    """
    if result is None:
        result = scf(mol)
    if result.method != "rhf":
        raise ValueError(f"result must be an RHF result, got method={result.method!r}")
    n = mol.nelectron // 2
    o, v = result.mo_coeff[:, :n], result.mo_coeff[:, n:]
    g = numpy.asarray(ints.eri(mol.basis, mol.coords))
    ovov = numpy.einsum("pqrs,pi,qa,rj,sb->iajb", g, o, v, o, v, optimize=True)
    oovv = numpy.einsum("pqrs,pi,qj,ra,sb->ijab", g, o, o, v, v, optimize=True)
    e_occ, e_vir = result.mo_energy[:n], result.mo_energy[n:]
    a = 4.0 * ovov - ovov.transpose(0, 3, 2, 1) - oovv.transpose(0, 2, 1, 3)
    a += numpy.einsum("ij,ab->iajb", numpy.eye(n), numpy.diag(e_vir))
    a -= numpy.einsum("ij,ab->iajb", numpy.diag(e_occ), numpy.eye(len(e_vir)))
    return numpy.linalg.eigvalsh(a.reshape(n * len(e_vir), -1))
