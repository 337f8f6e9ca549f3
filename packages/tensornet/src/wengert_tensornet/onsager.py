"""Onsager's exact solution of the 2D Ising model, differentiated by forward-mode AD.

Model: ``H = -sum_<ij> s_i s_j`` on the infinite square lattice (J = 1, k_B = 1,
``s = +-1``), inverse temperature ``beta = 1/T``. Per site (Onsager 1944; in the form of
REFERENCES.md)::

    ln Z / N = ln(2 cosh 2K) + (1/pi) int_0^{pi/2} ln[(1 + sqrt(1 - kappa^2 sin^2 phi)) / 2] dphi
    kappa = 2 sinh 2K / cosh^2 2K,    K = beta

The integrand is even and pi-periodic in ``phi``, so the integral is half the mean over
one period, which the trapezoidal rule computes with exponential accuracy: the error
falls like ``exp(-2 n a)`` for ``n`` nodes, where ``a = arccosh(1/kappa)`` is the distance of
the integrand's branch points ``phi = pi/2 +- i a`` from the real axis. :func:`ln_z` picks
``n`` from ``a`` so that the quadrature error is below 1e-17 (``n`` grows like
``1/|T - T_c|`` close to the critical point; at ``T_c`` itself the closed form
``ln 2 / 2 + 2 G / pi`` is returned). Everything is written in :mod:`wengert.numpy`, so
the internal energy ``u = -d lnZ/d beta`` and the specific heat
``c = beta^2 d^2 lnZ / d beta^2`` come from :func:`wengert.taylor` (nested forward mode),
not from hand-derived formulas; :func:`internal_energy_elliptic` is the textbook
closed form, kept as an independent check.

>>> from wengert_tensornet import onsager
>>> round(float(onsager.ln_z(1 / onsager.T_C)), 12)   # ln 2 / 2 + 2 G / pi
0.929695398342
"""

from __future__ import annotations

import math

import numpy
from autograd.tracer import getval

import wengert
import wengert.numpy as np

__all__ = ["T_C", "BETA_C", "ln_z", "thermodynamics", "internal_energy_elliptic"]

#: Critical temperature 2 / ln(1 + sqrt 2) (Kramers-Wannier).
T_C = 2.0 / math.log(1.0 + math.sqrt(2.0))
#: Critical inverse temperature.
BETA_C = 1.0 / T_C
#: Catalan's constant.
CATALAN = 0.915965594177219015054603514932384110774

#: ``ln Z / N`` at ``T_c`` (closed form).
LN_Z_C = math.log(2.0) / 2.0 + 2.0 * CATALAN / math.pi

_MAX_NODES = 1 << 22


def _kappa(beta):
    return 2.0 * np.sinh(2.0 * beta) / np.cosh(2.0 * beta) ** 2


def _nodes(beta: float) -> int:
    """Trapezoidal nodes for an error below ~1e-17 (see the module docstring)."""
    kappa = float(_kappa(beta))
    if kappa >= 1.0:
        return _MAX_NODES
    a = math.acosh(1.0 / kappa)
    return int(min(_MAX_NODES, max(64, math.ceil(20.0 / a))))


def ln_z(beta):
    """``ln Z`` per site of the infinite 2D Ising model (J = 1, no field).

    :param beta: inverse temperature ``1/T`` (a positive scalar; may be traced by
        :mod:`wengert`'s forward or reverse mode to any order).
    :returns: ``ln Z / N``, a scalar.
    :raises ValueError: ``beta <= 0``.
    """
    b = float(getval(beta))
    if not b > 0:
        raise ValueError(f"ln_z: beta must be positive, got {b!r}")
    if b == BETA_C:
        # kappa = 1: the integrand has a kink at pi/2, so use the closed form for the
        # integral; kappa is maximal at beta_c, so its first derivative does not contribute
        # (u = -2 tanh 2K_c = -sqrt 2) while the second diverges (not represented here).
        return np.log(2.0 * np.cosh(2.0 * beta)) + (LN_Z_C - 1.5 * math.log(2.0))
    n = _nodes(b)
    phi = numpy.pi * (numpy.arange(n) + 0.5) / n
    kappa = _kappa(beta)
    integrand = np.log(0.5 * (1.0 + np.sqrt(1.0 - kappa**2 * numpy.sin(phi) ** 2)))
    return np.log(2.0 * np.cosh(2.0 * beta)) + 0.5 * np.mean(integrand)


def thermodynamics(temperature: float) -> dict:
    """Exact ``ln Z``, internal energy and specific heat per site at ``temperature``.

    ``u = -d lnZ/d beta`` and ``c = du/dT = beta^2 d^2 lnZ/d beta^2`` come from
    :func:`wengert.taylor` applied to :func:`ln_z` (nested forward mode).

    :param temperature: ``T > 0`` in units of ``J / k_B``; ``c`` diverges at ``T_C`` and is
        returned as ``inf`` there.
    :returns: ``{"T", "beta", "ln_z", "u", "c"}`` (floats).
    """
    if not temperature > 0:
        raise ValueError(f"thermodynamics: temperature must be positive, got {temperature!r}")
    beta = 1.0 / float(temperature)
    if beta == BETA_C:
        return {"T": float(temperature), "beta": beta, "ln_z": LN_Z_C, "u": -math.sqrt(2.0),
                "c": math.inf}
    f0, f1, f2 = wengert.taylor(ln_z, beta, 2)
    return {"T": float(temperature), "beta": beta, "ln_z": float(f0), "u": -float(f1),
            "c": beta**2 * float(f2)}


def internal_energy_elliptic(temperature: float) -> float:
    """Textbook internal energy per site, ``u = -coth 2K [1 + (2/pi) kappa' K_1(kappa)]``.

    ``kappa' = 2 tanh^2 2K - 1`` and ``K_1`` the complete elliptic integral of the first kind
    of modulus ``kappa`` (scipy's ``ellipk(m = kappa^2)``). Used to check :func:`ln_z`.
    """
    from scipy.special import ellipk

    k = 1.0 / float(temperature)
    kappa = float(_kappa(k))
    kappa_prime = 2.0 * math.tanh(2.0 * k) ** 2 - 1.0
    return -1.0 / math.tanh(2.0 * k) * (1.0 + 2.0 / math.pi * kappa_prime * ellipk(kappa**2))
