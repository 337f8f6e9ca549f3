"""The quantum geometric tensor and the natural gradient, from second derivatives of fidelity.

The Fubini-Study metric (the real part of the quantum geometric tensor)
``g_ij = Re[<d_i psi|d_j psi> - <d_i psi|psi><psi|d_j psi>]`` is minus half the Hessian of
the fidelity ``F(theta') = |<psi(theta)|psi(theta')>|^2`` at ``theta' = theta``, so it is
``nparameters`` forward-over-adjoint sweeps (``wengert.hessian`` of :func:`fidelity`), with
no state derivatives stored. Quantum natural gradient (Stokes et al., Quantum 4, 269
(2020)): ``theta <- theta - eta (g + damping I)^{-1} grad E``.
"""

from __future__ import annotations

import numpy

import wengert
from wengert_quantum.primitives import apply, expect, fidelity

__all__ = ["fubini_study", "natural_gradient"]


def fubini_study(circuit, params, state=None) -> numpy.ndarray:
    """The ``(P, P)`` Fubini-Study metric of ``psi(params) = U(params) state`` (symmetric, PSD)."""
    params = numpy.asarray(params, dtype=float)
    target = apply(circuit, params, state)
    if numpy.ndim(target) != 1:
        raise ValueError("fubini_study takes a single state, not a batch")
    hess = wengert.hessian(lambda p: fidelity(circuit, p, target, state))(params)
    return -0.5 * (hess + hess.T) / 2


def natural_gradient(hamiltonian, circuit, params, state=None, damping: float = 1e-4):
    """``(g + damping I)^{-1} dE/dparams``, the natural-gradient step direction."""
    params = numpy.asarray(params, dtype=float)
    grad = wengert.grad(lambda p: expect(hamiltonian, circuit, p, state))(params)
    metric = fubini_study(circuit, params, state)
    return numpy.linalg.solve(metric + damping * numpy.eye(len(params)), grad)
