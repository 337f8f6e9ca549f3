"""Self-consistent field: RHF, UHF and RKS (LDA), and the differentiable total energy.

Two layers:

* :func:`scf` runs the SCF in plain numpy (Roothaan-Hall with Pulay DIIS on the commutator
  FDS - SDF, core-Hamiltonian guess) and returns an :class:`SCFResult`, as PySCF's
  ``mf.kernel()`` would; non-convergence raises :class:`wengert.ConvergenceError` with
  the residual.
* :func:`energy` is the one differentiable function every property derives from. It
  builds the integrals with the primitives of :mod:`wengert_dft.integrals.primitives`,
  converges the SCF with :func:`scf`'s solver, and then writes the density as the fixed
  point D* = f(D*; X, h, eri[, grid]) of the Roothaan map f (Fock build, orthogonalized
  eigenproblem, aufbau occupation) with :func:`wengert.fixed_point`: derivatives with
  respect to coordinates, nuclear charges and the field come from the implicit function
  theorem (first and second order), never from unrolled iterations.

Energies (Szabo-Ostlund 3.184, 3.317; Parr-Yang 7.2.14), with J_ab = (ab|cd) D_cd and
K_ab = (ac|bd) D_cd:

    RHF  E = tr D h + 1/2 tr D J(D) - 1/4 tr D K(D) + E_nuc
    UHF  E = tr D h + 1/2 tr D J(D) - 1/2 (tr Da K(Da) + tr Db K(Db)) + E_nuc,  D = Da + Db
    RKS  E = tr D h + 1/2 tr D J(D) + E_xc[rho] + E_nuc

The uniform field F couples as +F.r to the electrons (charge -1) and as -Z_A F.R_A to
the nuclei, so that the dipole is mu = -dE/dF and the polarizability alpha = -d2E/dF2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy

import wengert
import wengert.numpy as np
from wengert_dft import _linalg
from wengert_dft.integrals import primitives as ints

__all__ = ["energy", "scf", "SCFResult", "METHODS", "hcore_parts"]

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
        return (np.sum(dm_tot * h) + 0.5 * np.sum(dm_tot * j)
                - 0.5 * (np.sum(dm[0] * ka) + np.sum(dm[1] * kb)))
    j, k = _jk(eri, dm)
    e = np.sum(dm * h) + 0.5 * np.sum(dm * j)
    if method == "rhf":
        return e - 0.25 * np.sum(dm * k)
    from wengert_dft.xc import lda_energy

    return e + lda_energy(dm, *xc_params)


# ----------------------------------------------------------------- numpy solver


def _guess(method, nocc, s, x, h, eri, xc_params, maxiter):
    """Core-Hamiltonian guess; for UHF, half the RHF density with the alpha orbitals doubly
    occupied (puts the holes of an open shell in the highest orbitals, e.g. OH's 2Pi)."""
    if method != "uhf":
        return 2.0 * _aufbau(h, x, nocc[0])
    try:
        dm = _solve("rhf", nocc[:1], s, x, h, eri, (), maxiter, tol=1e-6)[0]
    except wengert.ConvergenceError:
        dm = 2.0 * _aufbau(h, x, nocc[0])
    return numpy.stack([0.5 * dm, 0.5 * dm])



def _solve(method, nocc, s, x, h, eri, xc_params, maxiter=200, tol=1e-10):
    """Roothaan-Hall iterations with DIIS, untraced. Returns (dm, fock, iterations, res)."""
    dm = _guess(method, nocc, s, x, h, eri, xc_params, maxiter)
    focks, errors = [], []
    residual = numpy.inf
    for it in range(1, maxiter + 1):
        fock = _fock(method, dm, h, eri, xc_params)
        fs = fock if method == "uhf" else fock[None]
        ds = dm if method == "uhf" else (0.5 * dm)[None]
        err = numpy.stack([x.T @ (fi @ di @ s - s @ di @ fi) @ x for fi, di in zip(fs, ds)])
        residual = float(numpy.abs(err).max())
        if residual < tol:
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
    raise wengert.ConvergenceError(
        f"scf: {method.upper()} did not converge (|FDS - SDF| tolerance {tol:g})", residual,
        maxiter)


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


def _inputs(mol, method, xc, coords, charges, field):
    coords = mol.coords if coords is None else coords
    charges = mol.charges if charges is None else charges
    if numpy.shape(coords) != (mol.natm, 3):
        raise ValueError(f"coords must have shape ({mol.natm}, 3) (Bohr), got "
                         f"{numpy.shape(coords)}")
    if numpy.shape(charges) != (mol.natm,):
        raise ValueError(f"charges must have shape ({mol.natm},), got {numpy.shape(charges)}")
    if field is not None and numpy.shape(field) != (3,):
        raise ValueError(f"field must have shape (3,) (atomic units), got {numpy.shape(field)}")
    s, h, e_nuc = hcore_parts(mol, coords, charges, field)
    x = _orthogonalizer(s)
    eri = ints.eri(mol.basis, coords)
    xc_params = ()
    if method == "rks":
        from wengert_dft.xc import lda_params

        xc_params = lda_params(mol, coords)
    return s, x, h, eri, e_nuc, xc_params


def energy(mol, method: str = "rhf", xc: str | None = None, *, coords=None, charges=None,
           field=None):
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
    :func:`wengert.hessian`, :func:`wengert.jvp`).
    """
    method, xc = _check(mol, method, xc)
    s, x, h, eri, e_nuc, xc_params = _inputs(mol, method, xc, coords, charges, field)
    nocc = _nocc(mol, method)
    params = (x, h, eri) + tuple(xc_params)
    values = [wengert.stop_gradient(p) for p in params]
    dm0 = _solve(method, nocc, wengert.stop_gradient(s), *values[:3], tuple(values[3:]))[0]
    dm = wengert.fixed_point(_scf_map(method, nocc), dm0, *params, tol=_TOL,
                             solver="anderson")
    return _electronic_energy(method, dm, h, eri, tuple(xc_params)) + e_nuc


def scf(mol, method: str = "rhf", xc: str | None = None, *, maxiter: int = 200,
        tol: float = 1e-10) -> SCFResult:
    """Run the SCF (plain numpy, not differentiable) and return an :class:`SCFResult`.

    ``tol`` bounds the largest element of the orthogonalized commutator FDS - SDF.
    """
    method, xc = _check(mol, method, xc)
    s, x, h, eri, e_nuc, xc_params = _inputs(mol, method, xc, None, None, None)
    nocc = _nocc(mol, method)
    dm, fock, iterations, residual = _solve(method, nocc, s, x, h, eri, xc_params,
                                            maxiter=maxiter, tol=tol)
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
    return SCFResult(e, mo_e, mo_c, dm[0] + dm[1], iterations, True, residual, method, xc,
                     dm_spin=dm)
