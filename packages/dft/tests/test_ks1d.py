"""1D Kohn-Sham: exact two-electron references, the exponential-Coulomb LDA (limits from
Baker et al., PRB 91, 235141 (2015), as jax_dft tests them), and implicit derivatives."""

import numpy
import pytest

import wengert
import wengert.testing
from wengert_dft import ks1d

GRID = ks1d.make_grid(61, 0.3)


class HartreeFock:
    """E_x = -E_H / 2 for a two-electron singlet: KS with it is restricted Hartree-Fock."""

    def energy_density(self, density, params, grid):
        h = grid[1] - grid[0]
        return -0.25 * wengert.numpy.dot(
            ks1d.exp_coulomb(grid[:, None] - grid[None, :]) * h, density
        )


def test_default_grid_is_jax_dfts():
    grid = ks1d.make_grid()
    assert len(grid) == 513 and numpy.isclose(grid[-1], 256 * 0.08)
    with pytest.raises(ValueError, match="num"):
        ks1d.make_grid(100)


def test_lda_limits():
    y_to_n = ks1d.KAPPA / numpy.pi
    high = ks1d.lda_energy_density(numpy.array([1e3, 1e4]))
    assert numpy.allclose(high, -ks1d.AMPLITUDE / 2, atol=2e-3)  # exchange -> -A/2, corr -> 0
    y = numpy.linspace(1e-4, 2e-3, 4)
    low_c = -ks1d.AMPLITUDE / (numpy.pi * 2.0) * y * (1 + 1.00077 / 2.0 * numpy.sqrt(y))
    low_x = ks1d.AMPLITUDE / (2 * numpy.pi) * (-y + y**3 / 6)
    assert numpy.allclose(ks1d.lda_energy_density(y * y_to_n), low_c + low_x, atol=3e-6)


def test_exact_two_electron_is_below_hartree_fock_and_normalized():
    v, e_nuc = ks1d.h2_potential(GRID, 1.6)
    e_exact, n_exact = ks1d.exact_two_electron(GRID, v, e_nuc)
    h = GRID[1] - GRID[0]
    assert numpy.isclose(n_exact.sum() * h, 2.0)
    assert numpy.allclose(n_exact, n_exact[::-1], atol=1e-8)
    hf = ks1d.kohn_sham(GRID, v, 2, HartreeFock(), numpy.zeros(0), e_nuc=e_nuc)
    correlation = e_exact - float(hf.energy)
    assert -0.05 < correlation < 0.0


def test_exact_xc_energy_reproduces_the_exact_energy():
    v, e_nuc = ks1d.h2_potential(GRID, 2.0)
    e, n = ks1d.exact_two_electron(GRID, v, e_nuc)
    e_xc = ks1d.xc_energy_from_exact(GRID, v, e, n, e_nuc)
    assert -1.0 < e_xc < 0.0


def test_kohn_sham_energy_is_differentiable_in_the_functional_parameters():
    functional = ks1d.LearnedXC(hidden=3)
    theta = functional.init(GRID)
    theta["w3"] = 0.1 * numpy.ones_like(theta["w3"])
    v, e_nuc = ks1d.h2_potential(GRID, 1.4)
    f = lambda b: ks1d.kohn_sham(GRID, v, 2, functional, dict(theta, b3=b), e_nuc=e_nuc).energy
    wengert.testing.check_grads(
        f, (numpy.array([0.05]),), modes=("rev",), order=1, rtol=1e-5, atol=1e-8
    )


def test_kohn_sham_rejects_odd_electron_counts():
    v, _ = ks1d.h2_potential(GRID, 1.4)
    with pytest.raises(ValueError, match="num_electrons"):
        ks1d.kohn_sham(GRID, v, 3, ks1d.LDA(), numpy.zeros(0))
