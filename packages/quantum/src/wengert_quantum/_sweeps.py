"""Sweeps over a lowered program: forward, reversible adjoint, tangent, and second order.

Notation: the circuit is ``U = U_L ... U_1``, ``psi = U psi0``, the loss
``L = sum_b g_b <psi_b|O_b|psi_b>``. An operation with parameters ``theta_j`` has local
generators ``G_j = U^dagger dU/dtheta_j`` (anti-Hermitian).

* Adjoint (Jones & Gacon, arXiv:2009.02823; Yao's ``apply_back``): start from
  ``phi = psi``, ``lam = O psi`` weighted by ``g``; walking backward, uncompute both
  (``phi <- U^dagger phi``, ``lam <- U^dagger lam``, stacked into one ``(2B, N)`` array so
  each operation is one call) and read ``dL/dtheta_j = 2 Re <lam|G_j|phi>`` off the
  reduced matrix of the operation's qubits. Two registers, no tape: memory is independent
  of depth. At the start ``lam = U^dagger O U psi0`` and ``dL/dpsi0 = 2 conj(lam)``
  (autograd's convention ``d/dx - i d/dy``).
* Tangent (forward mode): ``dpsi <- U (dpsi + A psi)`` with ``A = sum_j dtheta_j G_j``
  (``U^dagger dU`` along the direction); ``dE_b = 2 Re <psi_b|O|dpsi_b>``.
* Second order, forward over adjoint (a Hessian-vector product): the adjoint sweep carries
  the tangents ``dphi``, ``dlam`` too. Per operation, with ``xi = U^dagger dphi_a``,
  ``eta = U^dagger dlam_a`` and ``A = U^dagger dU`` along the direction:
  ``d(dL/dtheta_j) = 2 Re [<eta|G_j|phi_b> + <lam_b|G_j|xi> + <lam_b|[A, G_j] + dG_j|phi_b>]``,
  ``dphi_b = xi - A phi_b``, ``dlam_b = eta - A lam_b``. In a fused layer ``G_j`` and ``A``
  are sums of 2x2s per qubit (see ``Binding.second_order``); a lone gate needs
  ``[A, G_j] = dG_j = 0`` (one parameter, constant generator: every gate but a time
  evolution with trainable coefficients).

Batches larger than a cache block are swept a block at a time (every operation on a block
that fits in L2 before the next block), which is what makes wide batches fast.
"""

from __future__ import annotations

import numpy

from wengert_quantum import kernels
from wengert_quantum._binding import Binding
from wengert_quantum._program import lower

_BLOCK_AMPLITUDES = 2**16  # a cache block: 1 MiB of complex128


def apply_block(block, params, states, n):
    """``U(params) states`` for states ``(B, 2**n)`` (no derivatives)."""
    program = lower(block, n)
    return forward(program, Binding(program, params), states)


def forward(program, binding, states):
    """Final states ``(B, N)``; the input is not modified."""
    kern = kernels.module()
    out = []
    for block in _blocks(states):
        X = numpy.array(block, dtype=complex, order="C")
        for op in program.ops:
            X = _apply(op, X, binding, kern, False)
        out.append(X)
    return out[0] if len(out) == 1 else numpy.concatenate(out)


def adjoint(program, binding, psi, lam):
    """Reverse sweep from final states ``psi`` and co-states ``lam`` (both ``(B, N)``).

    Returns ``(dL/dparams, lam0, phi0)``: the gradient, the co-state at the start (so
    ``dL/dpsi0 = 2 conj(lam0)``) and the uncomputed initial state (``psi0`` up to drift).
    """
    kern = kernels.module()
    R = numpy.zeros((len(program.slot_qubit), 2, 2), complex)
    gate_R = [0.0] * len(program.param_gates)
    lam0, phi0 = [], []
    for block_psi, block_lam in zip(_blocks(psi), _blocks(lam)):
        B = block_psi.shape[0]
        X = numpy.concatenate([block_psi, block_lam]).astype(complex, copy=False)
        for op in reversed(program.ops):
            X = _apply(op, X, binding, kern, True)
            if op.kind == "layer" and program.layer_param[op.layer]:
                kern.layer_reduce(X[:B], X[B:], op, binding, R)
            elif op.kind == "gate" and op.parametric:
                gate_R[op.index] += kern.gate_reduce(X[:B], X[B:], op, program.n)
        phi0.append(X[:B])
        lam0.append(X[B:])
    return binding.gradient(R, gate_R), numpy.concatenate(lam0), numpy.concatenate(phi0)


def tangent(program, binding, psi0, dparams, dpsi0):
    """Forward mode: ``(psi, dpsi)`` at the end, for tangents ``dparams`` and ``dpsi0``."""
    kern, B = kernels.module(), psi0.shape[0]
    A = binding.slot_generators(dparams)
    X = numpy.concatenate([psi0, dpsi0]).astype(complex)
    for op in program.ops:
        if _parametric(op, program):
            X[B:] += _generator(X[:B], op, binding, kern, dparams, A)
        X = _apply(op, X, binding, kern, False)
    return X[:B], X[B:]


def tangent2(program, binding, psi0, d1, dpsi1, d2, dpsi2):
    """Second directional derivative of the final state: ``(psi, dpsi, deltapsi, d2psi)``.

    Per operation: ``d2psi <- U [A2 (dpsi + A1 psi) + d2psi + (dA1) psi + A1 deltapsi]``,
    ``dA1`` the derivative of ``A1`` along direction 2 (nonzero within a layer's chains).
    """
    _require_second_order(program)
    kern, B = kernels.module(), psi0.shape[0]
    A1, A2 = binding.slot_generators(d1), binding.slot_generators(d2)
    dA1 = binding.slot_generator_tangents(d1, d2)
    X = numpy.concatenate([psi0, dpsi1, dpsi2, numpy.zeros_like(dpsi1)]).astype(complex)
    for op in program.ops:
        if _parametric(op, program):
            psi, dpsi, delta = X[:B], X[B: 2 * B], X[2 * B: 3 * B]
            a1 = dpsi + _generator(psi, op, binding, kern, d1, A1)
            X[3 * B:] += (_generator(a1, op, binding, kern, d2, A2)
                          + _generator(delta, op, binding, kern, d1, A1))
            if op.kind == "layer":
                X[3 * B:] += kern.layer_local(psi, op, dA1[op.start: op.stop])
            X[2 * B: 3 * B] += _generator(psi, op, binding, kern, d2, A2)
            X[B: 2 * B] = a1
        X = _apply(op, X, binding, kern, False)
    return X[:B], X[B: 2 * B], X[2 * B: 3 * B], X[3 * B:]


def hvp(program, binding, observable, psi0, g, dparams, dpsi0, dg):
    """Forward-over-adjoint. Returns ``(grad, dgrad, gpsi0, dgpsi0, dL)``: the gradient of
    ``L = sum_b g_b E_b`` (params, and state in autograd's convention), its derivative along
    ``(dparams, dpsi0, dg)``, and the per-batch tangents ``dE_b``."""
    _require_second_order(program)
    kern, B, n = kernels.module(), psi0.shape[0], program.n
    psi, dpsi = tangent(program, binding, psi0, dparams, dpsi0)
    o_psi, o_dpsi = observable.apply(psi), observable.apply(dpsi)
    dE = 2 * numpy.einsum("bi,bi->b", psi.conj(), o_dpsi).real
    lam = g[:, None] * o_psi
    dlam = g[:, None] * o_dpsi + dg[:, None] * o_psi
    X = numpy.concatenate([psi, dpsi, lam, dlam])
    A = binding.slot_generators(dparams)
    R, R2 = (numpy.zeros((len(program.slot_qubit), 2, 2), complex) for _ in range(2))
    grad, dgrad = numpy.zeros(program.nparams), numpy.zeros(program.nparams)
    for op in reversed(program.ops):
        X = _apply(op, X, binding, kern, True)
        if not _parametric(op, program):
            continue
        phi, xi, lam_b, eta = X[:B], X[B: 2 * B], X[2 * B: 3 * B], X[3 * B:]
        both = (numpy.concatenate([phi, xi]), numpy.concatenate([eta, lam_b]))
        if op.kind == "layer":
            kern.layer_reduce(phi, lam_b, op, binding, R)
            kern.layer_reduce(*both, op, binding, R2)
        else:  # one parameter, constant generator: [A, G] = dG = 0
            Rg, Rg2 = kern.gate_reduce(phi, lam_b, op, n), kern.gate_reduce(*both, op, n)
            for j, G in zip(op.pidx, binding.generators(op)):
                grad[j] += 2 * numpy.einsum("ba,ab->", G, Rg).real
                dgrad[j] += 2 * numpy.einsum("ba,ab->", G, Rg2).real
        X[B: 2 * B] = xi - _generator(phi, op, binding, kern, dparams, A)
        X[3 * B:] = eta - _generator(lam_b, op, binding, kern, dparams, A)
    layer_grad, layer_dgrad = binding.second_order(R, R2, dparams, A)
    return (grad + layer_grad, dgrad + layer_dgrad, 2 * X[2 * B: 3 * B].conj(),
            2 * X[3 * B:].conj(), dE)


def _apply(op, X, binding, kern, adjoint):
    if op.kind == "layer":
        return kern.layer_apply(X, op, binding, adjoint)
    if op.kind == "perm":
        return kern.perm_apply(X, op, adjoint)
    matrix = binding.gate_matrix(op)
    return kern.gate_apply(X, op, matrix.conj().T if adjoint else matrix, binding.program.n)


def _parametric(op, program):
    return (op.kind == "layer" and program.layer_param[op.layer]) or (
        op.kind == "gate" and op.parametric)


def _generator(X, op, binding, kern, d, A):
    """``U^dagger dU`` along ``d`` applied to ``X``: the layer's local sum, or a gate's
    ``sum_j d_j G_j`` on its qubits (zero outside its controlled subspace)."""
    if op.kind == "layer":
        return kern.layer_local(X, op, A[op.start: op.stop])
    G = sum(d[j] * G for j, G in zip(op.pidx, binding.generators(op)))
    return kern.gate_apply(X, op, G, binding.program.n, outside="zero")


def _blocks(states):
    step = max(1, _BLOCK_AMPLITUDES // states.shape[1])
    if states.shape[0] <= step:
        return [states]
    return [states[i: i + step] for i in range(0, states.shape[0], step)]


def _require_second_order(program):
    if not program.second_order_ok:
        raise NotImplementedError(
            "quantum: second derivatives need gates with constant generators; a "
            "time_evolution with trainable coefficients supports first derivatives only"
        )
