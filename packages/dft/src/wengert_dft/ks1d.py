"""One-dimensional Kohn-Sham DFT with exponential Coulomb interactions (jax_dft's model).

Conventions of Li et al., PRL 126, 036401 (2021) and Baker et al., PRB 91, 235141 (2015):
electrons interact through v(x) = A exp(-kappa |x|) (A = 1.071295, kappa = 1/2.385345), a
nucleus of charge Z at X attracts with -Z v(x - X); the kinetic energy is the 5-point
finite-difference Laplacian; the grid is ``arange(-256, 257) * 0.08`` by default. Spin-
unpolarized, orbitals doubly occupied.

* :func:`exact_two_electron` diagonalizes the two-electron Hamiltonian on the product grid
  (exact references: energy and density of H2 at any bond length);
* :func:`kohn_sham` solves the KS equations as the fixed point n = F(n; theta, v_ext) with
  :func:`wengert.fixed_point`, so energies and densities are differentiable with respect to
  the functional's parameters theta by the implicit function theorem;
* :class:`LDA` is the exponential-Coulomb LDA (Baker et al., eq. 24 for correlation);
  :class:`LearnedXC` is LDA times (1 + a small network) of the local and two smoothed
  densities, a semi-local learnable functional in plain :mod:`wengert.numpy`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy

import wengert
import wengert.numpy as np
from wengert_dft import _linalg

__all__ = [
    "AMPLITUDE",
    "KAPPA",
    "make_grid",
    "exp_coulomb",
    "external_potential",
    "kinetic_matrix",
    "lda_energy_density",
    "LDA",
    "LearnedXC",
    "kohn_sham",
    "KSResult",
    "exact_two_electron",
    "h2_potential",
    "xc_energy_from_exact",
]

AMPLITUDE = 1.071295
KAPPA = 1.0 / 2.385345


def make_grid(num: int = 513, spacing: float = 0.08) -> numpy.ndarray:
    """Symmetric grid ``arange(-(num//2), num//2 + 1) * spacing`` (num odd), Bohr."""
    if num % 2 != 1 or num < 5:
        raise ValueError(f"num must be an odd integer >= 5, got {num!r}")
    return numpy.arange(-(num // 2), num // 2 + 1) * float(spacing)


def exp_coulomb(x):
    """The exponential Coulomb interaction A exp(-kappa |x|) (Eh)."""
    return AMPLITUDE * np.exp(-KAPPA * np.abs(x))


def external_potential(grid, locations, charges):
    """v_ext(x) = -sum_I Z_I v(x - X_I), shape (num,)."""
    return -sum(z * exp_coulomb(grid - loc) for loc, z in zip(locations, charges))


def h2_potential(grid, bond_length: float):
    """(v_ext, nuclear repulsion) of H2 with the nuclei at +-R/2."""
    v = external_potential(grid, (-bond_length / 2, bond_length / 2), (1.0, 1.0))
    return v, float(exp_coulomb(bond_length))


def kinetic_matrix(grid) -> numpy.ndarray:
    """-1/2 d^2/dx^2 with the 5-point stencil and zero boundary values, (num, num)."""
    h = grid[1] - grid[0]
    n = len(grid)
    stencil = {0: -5 / 2, 1: 4 / 3, 2: -1 / 12}
    t = numpy.zeros((n, n))
    for k, c in stencil.items():
        t += numpy.diag(numpy.full(n - k, c), k) + (
            numpy.diag(numpy.full(n - k, c), -k) if k else 0
        )
    return -0.5 * t / h**2


def lda_energy_density(density):
    """eps_xc per electron (Eh) of the uniform 1D exponential-Coulomb gas.

    Exchange: A/(2 pi) [ln(1 + y^2)/y - 2 arctan y], y = pi n / kappa; correlation:
    Baker et al., PRB 91, 235141 (2015), eq. 24 (the parameters jax_dft uses).
    """
    y = numpy.pi * density / KAPPA
    safe = np.where(y > 1e-10, y, 1e-10)
    e_x = np.where(
        y > 1e-10,
        AMPLITUDE / (2 * numpy.pi) * (np.log(1 + safe**2) / safe - 2 * np.arctan(safe)),
        AMPLITUDE / (2 * numpy.pi) * (-y),
    )
    alpha, beta, gamma, delta, eta, sigma, nu = (
        2.0,
        -1.00077,
        6.26099,
        -11.9041,
        9.62614,
        -1.48334,
        1.0,
    )
    root = np.sqrt(safe)
    denom = (
        alpha
        + beta * root
        + gamma * safe
        + delta * safe * root
        + eta * safe**2
        + sigma * safe**2 * root
        + nu * numpy.pi * KAPPA**2 / AMPLITUDE * safe**3
    )
    e_c = np.where(
        y > 1e-10, -AMPLITUDE * safe / numpy.pi / denom, -AMPLITUDE * y / (numpy.pi * alpha)
    )
    return e_x + e_c


class LDA:
    """The exponential-Coulomb LDA; ``params`` is ignored (an empty array)."""

    def init(self, grid) -> numpy.ndarray:
        return numpy.zeros(0)

    def energy_density(self, density, params, grid):
        return lda_energy_density(density)


class LearnedXC:
    """eps_xc = eps_LDA(n) (1 + g_theta(features)): a learnable semi-local functional.

    Features per grid point: n(x) and the density smoothed with Gaussians of widths
    ``widths`` (Bohr), each as log(n + 1e-3); g is a network with ``hidden`` SiLU units
    in two layers whose last layer starts at zero, so training starts from the LDA.
    """

    def __init__(self, widths=(0.5, 2.0), hidden: int = 8, seed: int = 0):
        self.widths, self.hidden, self.seed = tuple(widths), int(hidden), int(seed)
        self._kernels = None

    def _features(self, density, grid):
        if self._kernels is None or self._kernels[0] is not grid:
            h = grid[1] - grid[0]
            d = grid[:, None] - grid[None, :]
            kernels = [
                numpy.exp(-0.5 * (d / w) ** 2) / (numpy.sqrt(2 * numpy.pi) * w) * h
                for w in self.widths
            ]
            self._kernels = (grid, kernels)
        feats = [density] + [np.dot(k, density) for k in self._kernels[1]]
        return np.stack([np.log(f + 1e-3) for f in feats], axis=1)

    def init(self, grid) -> dict:
        rng = numpy.random.default_rng(self.seed)
        nin = 1 + len(self.widths)
        return {
            "w1": rng.normal(size=(nin, self.hidden)) / numpy.sqrt(nin),
            "b1": numpy.zeros(self.hidden),
            "w2": rng.normal(size=(self.hidden, self.hidden)) / numpy.sqrt(self.hidden),
            "b2": numpy.zeros(self.hidden),
            "w3": numpy.zeros((self.hidden, 1)),
            "b3": numpy.zeros(1),
        }

    def energy_density(self, density, params, grid):
        silu = lambda z: z / (1 + np.exp(-z))
        a = silu(np.dot(self._features(density, grid), params["w1"]) + params["b1"])
        a = silu(np.dot(a, params["w2"]) + params["b2"])
        g = np.dot(a, params["w3"])[:, 0] + params["b3"][0]
        return lda_energy_density(density) * (1.0 + g)


def _hartree(grid):
    h = grid[1] - grid[0]
    return exp_coulomb(grid[:, None] - grid[None, :]) * h


@dataclass
class KSResult:
    """Total energy (Eh, with nuclear repulsion), density (num,) and orbital energies."""

    energy: object
    density: object
    eigenvalues: object


def _xc_energy(functional, density, params, grid):
    h = grid[1] - grid[0]
    return np.sum(density * functional.energy_density(density, params, grid)) * h


def _ks_density(v_s, t, n_occ, h):
    w, c = _linalg.eigh(t + np.diag(v_s))
    occ = c[:, :n_occ]
    return 2.0 * np.sum(occ**2, axis=1) / h, w, occ


def kohn_sham(
    grid,
    v_ext,
    num_electrons: int,
    functional,
    params,
    *,
    e_nuc: float = 0.0,
    density0=None,
    tol: float = 1e-9,
    maxiter: int = 500,
) -> KSResult:
    """Self-consistent KS solution, differentiable in ``params`` and ``v_ext``.

    The density is the fixed point n = F(n) (Anderson mixing forward, IFT backward) of
    F(n) = 2 sum_i |phi_i|^2 with phi_i the lowest num_electrons/2 eigenvectors of
    T + v_ext + v_H[n] + v_xc[n], v_xc = (1/h) dE_xc/dn (AD of the functional).
    """
    if num_electrons % 2:
        raise ValueError(f"num_electrons must be even (spin-unpolarized), got {num_electrons}")
    h = grid[1] - grid[0]
    t = kinetic_matrix(grid)
    hartree = _hartree(grid)
    n_occ = num_electrons // 2

    def potential(density, params, v_ext):
        v_xc = wengert.grad(lambda n: _xc_energy(functional, n, params, grid))(density) / h
        return v_ext + np.dot(hartree, density) + v_xc

    def ks_map(density, params, v_ext):
        return _ks_density(potential(density, params, v_ext), t, n_occ, h)[0]

    if density0 is None:
        density0 = _ks_density(wengert.stop_gradient(v_ext), t, n_occ, h)[0]
    density = wengert.fixed_point(
        ks_map, density0, params, v_ext, tol=tol, maxiter=maxiter, solver="anderson"
    )
    _, eigenvalues, occ = _ks_density(potential(density, params, v_ext), t, n_occ, h)
    t_s = 2.0 * np.sum(occ * np.dot(t, occ))
    e = (
        t_s
        + np.sum(v_ext * density) * h
        + 0.5 * np.dot(density, np.dot(hartree, density)) * h
        + _xc_energy(functional, density, params, grid)
        + e_nuc
    )
    return KSResult(e, density, eigenvalues)


def exact_two_electron(grid, v_ext, e_nuc: float = 0.0):
    """Exact singlet ground state of two electrons: (energy (Eh, with e_nuc), density).

    Lanczos (scipy eigsh) on H = T x 1 + 1 x T + v_ext(x1) + v_ext(x2) + v(x1 - x2) over
    the product grid, with the same 5-point kinetic energy as :func:`kohn_sham`.
    """
    import scipy.sparse as sp
    from scipy.sparse.linalg import eigsh

    n = len(grid)
    h = grid[1] - grid[0]
    t = sp.csr_matrix(kinetic_matrix(grid))
    eye = sp.identity(n, format="csr")
    pot = (
        numpy.asarray(v_ext)[:, None]
        + numpy.asarray(v_ext)[None, :]
        + numpy.asarray(exp_coulomb(grid[:, None] - grid[None, :]))
    )
    ham = sp.kron(t, eye) + sp.kron(eye, t) + sp.diags(pot.ravel())
    v0 = numpy.exp(-0.5 * (grid[:, None] ** 2 + grid[None, :] ** 2)).ravel()
    w, v = eigsh(ham, k=1, which="SA", v0=v0, tol=1e-12)
    psi = v[:, 0].reshape(n, n)
    psi = psi / numpy.sqrt(numpy.sum(psi**2) * h * h)
    density = 2.0 * numpy.sum(psi**2, axis=1) * h
    return float(w[0]) + e_nuc, density


def xc_energy_from_exact(grid, v_ext, energy, density, e_nuc: float = 0.0) -> float:
    """Exact E_xc of a two-electron singlet: E - T_s - V_ext - E_H - E_nuc, with the KS
    orbital phi = sqrt(n/2) (so T_s is von Weizsaecker's on the grid)."""
    h = grid[1] - grid[0]
    phi = numpy.sqrt(numpy.maximum(density, 0.0) / 2.0) * numpy.sqrt(h)
    t_s = 2.0 * phi @ kinetic_matrix(grid) @ phi
    e_h = 0.5 * density @ numpy.asarray(_hartree(grid)) @ density * h
    return float(energy - e_nuc - t_s - numpy.sum(v_ext * density) * h - e_h)
