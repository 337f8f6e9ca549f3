"""A lowered program evaluated at a parameter vector, vectorized over all gates of a kind.

:class:`Binding` holds each layer qubit's 2x2 matrix ``U`` (the product of its factors, the
factors computed per kind: rotations, shifts, phases, constants), the parametric gates'
matrices, the layers' Kronecker factors for the numpy kernel (built 128 layers at a time,
a bounded cache), and turns the sweeps' reduced matrices into gradients and second
derivatives. For a factor ``f`` of a qubit's chain ``u = F_L ... F_1``, ``P_f`` is the
product of the factors before it and ``K_f = F_f^dagger dF_f/dtheta`` its generator.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy

_KRON_CHUNK = 128  # layers per vectorized Kronecker build
_KRON_CACHE_BYTES = 16 * 2**20


class Binding:
    """A program evaluated at ``params``: layer matrices and generator tables, gate matrices."""

    def __init__(self, program, params: numpy.ndarray):
        self.program, self.params = program, params
        p = program
        self.U = numpy.empty((len(p.slot_qubit), 2, 2), complex)
        for slots, facs in _chunks(p.chains):
            u = self._factors(facs[:, 0])
            for j in range(1, facs.shape[1]):
                u = _mm(self._factors(facs[:, j]), u)
            self.U[slots] = u
        self._U_dag = None
        self.gate_values = [params[list(op.pidx)] for op in p.param_gates]
        self.gate_mats = [op.gate.matrix(v, op.sign) for op, v in
                          zip(p.param_gates, self.gate_values)]
        self._krons: OrderedDict = OrderedDict()

    def _factors(self, f):
        """The 2x2 matrices of layer factors ``f``, vectorized by kind, shape ``(len(f), 2, 2)``."""
        p = self.program
        F = p.matrices[p.f_table[f]]
        kind = p.f_kind[f]
        if (kind > 0).any():
            theta = p.f_sign[f] * self.params[p.f_param[f]]
            for code, fill in ((1, _rotations), (2, _shifts), (3, _phases)):
                sel = numpy.flatnonzero(kind == code)
                if sel.size:
                    F[sel] = fill(theta[sel], F[sel])
        return F

    def _generators(self, f):
        """``K_f = u_f^dagger du_f/dparam`` of the parametric layer factors ``f``."""
        p = self.program
        kind, sign = p.f_kind[f], p.f_sign[f][:, None, None]
        K = -0.5j * sign * p.matrices[p.f_table[f]]
        K[kind == 2] = 1j * sign[kind == 2] * numpy.diag([0.0, 1.0])
        K[kind == 3] = 1j * sign[kind == 3] * numpy.eye(2)
        return K

    @property
    def U_dag(self):
        if self._U_dag is None:
            self._U_dag = numpy.ascontiguousarray(_dagger(self.U))
        return self._U_dag

    def gate_matrix(self, op) -> numpy.ndarray:
        return op.matrix if op.index is None else self.gate_mats[op.index]

    def generators(self, op) -> list:
        return op.gate.generators(self.gate_values[op.index], op.sign)

    def layer_krons(self, layer: int, adjoint: bool) -> list:
        """Per qubit group, the Kronecker product of the layer's 2x2s (``None``: identity);
        conjugated (not transposed) for ``adjoint``. Built a chunk of layers at a time."""
        chunk = layer // _KRON_CHUNK
        key = (chunk, adjoint)
        if key not in self._krons:
            self._krons[key] = self._build_krons(chunk, adjoint)
            size = sum(a.nbytes for v in self._krons.values() for a in v if a is not None)
            while size > _KRON_CACHE_BYTES and len(self._krons) > 1:
                _, old = self._krons.popitem(last=False)
                size -= sum(a.nbytes for a in old if a is not None)
        else:
            self._krons.move_to_end(key)
        row = layer - chunk * _KRON_CHUNK
        active = self.program.group_active[layer]
        return [k[row] if on else None for k, on in zip(self._krons[key], active)]

    def _build_krons(self, chunk, adjoint):
        p = self.program
        first = chunk * _KRON_CHUNK
        last = min(first + _KRON_CHUNK, p.nlayers)
        full = numpy.tile(numpy.eye(2, dtype=complex), (last - first, p.n, 1, 1))
        s0, s1 = p.layer_start[first], p.layer_stop[last - 1]
        full[p.slot_layer[s0:s1] - first, p.slot_qubit[s0:s1]] = self.U[s0:s1]
        if adjoint:
            full = full.conj()
        krons = []
        for lo, g in p.groups:
            if not p.group_active[first:last, len(krons)].any():
                krons.append(None)
                continue
            k = full[:, lo]
            for q in range(lo + 1, lo + g):  # kron(u_q, k): the long axes innermost
                d = k.shape[-1]
                k = full[:, q, :, None, :, None] * k[:, None, :, None, :]
                k = k.reshape(-1, 2 * d, 2 * d)
            krons.append(k)
        return krons

    def gradient(self, R_slots, gate_R) -> numpy.ndarray:
        """``dE/dparams`` from the layers' reduced matrices and the gates' ``R``s.

        For factor ``f`` of a qubit's chain ``u = F_L ... F_1`` with prefix ``P_f`` (the
        factors before it): ``dE/dtheta_f = 2 Re tr(K_f P_f R P_f^dagger)``.
        """
        p = self.program
        grad = numpy.zeros(p.nparams)
        if p.pf.size:
            per_factor = numpy.zeros(len(p.f_kind))
            for slots, facs in _chunks(p.chains):
                M = R_slots[slots]
                for j in range(facs.shape[1]):
                    f = facs[:, j]
                    param = p.f_kind[f] > 0
                    if param.any():
                        K = self._generators(f[param])
                        per_factor[f[param]] = 2 * _trace(K, M[param]).real
                    if j + 1 < facs.shape[1]:
                        F = self._factors(f)
                        M = _mm(_mm(F, M), _dagger(F))
            grad += numpy.bincount(p.f_param[p.pf], per_factor[p.pf], minlength=p.nparams)
        for op, R in zip(p.param_gates, gate_R):
            for j, G in zip(op.pidx, self.generators(op)):
                grad[j] += 2 * numpy.einsum("ba,ab->", G, R).real
        return grad


    # ------------------------------------------------------------- forward mode, 2nd order
    #
    # With C_f = P_f^dagger K_f P_f (a factor's generator moved to the front of its chain),
    # a layer's U^dagger dU along a direction d is A = sum_q (A_q)_q, A_q = sum_f d_f C_f.

    def _walk(self, d=None):
        """Per chain position, the parametric factors' ``C_f`` and (with ``d``) ``dC_f``.

        Yields ``(slots, fs, C, dC)``: ``slots`` of the factors ``fs``. ``dC`` is the
        derivative of ``C_f`` along ``d`` (through the earlier factors of the chain).
        """
        p = self.program
        for slots, facs in _chunks(p.chains):
            P = numpy.tile(numpy.eye(2, dtype=complex), (len(slots), 1, 1))
            dP = numpy.zeros_like(P) if d is not None else None
            for j in range(facs.shape[1]):
                f = facs[:, j]
                rows = numpy.flatnonzero(p.f_kind[f] > 0)
                if rows.size:
                    K, Pr = self._generators(f[rows]), P[rows]
                    C = _mm(_mm(_dagger(Pr), K), Pr)
                    dC = None
                    if d is not None:
                        dPr = dP[rows]
                        dC = _mm(_mm(_dagger(dPr), K), Pr) + _mm(_mm(_dagger(Pr), K), dPr)
                    yield slots[rows], f[rows], C, dC
                if j + 1 < facs.shape[1]:
                    F = self._factors(f)
                    if d is not None:
                        if rows.size:  # d(F P) = F (dP + d_f K_f P)
                            dP[rows] += d[p.f_param[f[rows]]][:, None, None] * _mm(K, Pr)
                        dP = _mm(F, dP)
                    P = _mm(F, P)

    def slot_generators(self, d) -> numpy.ndarray:
        """``A_s = sum_f d_f C_f`` per layer slot, shape ``(slots, 2, 2)``."""
        A = numpy.zeros((len(self.program.slot_qubit), 2, 2), complex)
        for slots, fs, C, _ in self._walk():
            A[slots] += self.params_of(d, fs) * C
        return A

    def slot_generator_tangents(self, d, delta) -> numpy.ndarray:
        """Derivative of :meth:`slot_generators` ``(d)`` along ``delta``."""
        dA = numpy.zeros((len(self.program.slot_qubit), 2, 2), complex)
        for slots, fs, _, dC in self._walk(delta):
            dA[slots] += self.params_of(d, fs) * dC
        return dA

    def second_order(self, R, R2, d, A):
        """Layer gradients and their derivatives along ``d`` (forward over adjoint).

        ``R = R[phi_b, lam_b]``, ``R2 = R[phi_b, eta] + R[xi, lam_b]`` per slot, ``A`` the
        slot generators along ``d``: ``f = 2 Re tr(C R)``,
        ``df = 2 Re [tr(C R2) + tr(([A, C] + dC) R)]``.
        """
        p = self.program
        grad, dgrad = numpy.zeros(len(p.f_kind)), numpy.zeros(len(p.f_kind))
        for slots, fs, C, dC in self._walk(d):
            Rs, As = R[slots], A[slots]
            grad[fs] = 2 * _trace(C, Rs).real
            M = _mm(As, C) - _mm(C, As) + dC
            dgrad[fs] = 2 * (_trace(C, R2[slots]) + _trace(M, Rs)).real
        count = p.nparams
        return (numpy.bincount(p.f_param[p.pf], grad[p.pf], minlength=count),
                numpy.bincount(p.f_param[p.pf], dgrad[p.pf], minlength=count))

    def params_of(self, d, fs):
        """``d`` at the parameters of layer factors ``fs``, shaped to scale 2x2 matrices."""
        return d[self.program.f_param[fs]][:, None, None]


def _trace(a, b):
    """``tr(a_k b_k)`` for batches of 2x2 matrices."""
    return (a[:, 0, 0] * b[:, 0, 0] + a[:, 0, 1] * b[:, 1, 0]
            + a[:, 1, 0] * b[:, 0, 1] + a[:, 1, 1] * b[:, 1, 1])


def _chunks(chains, size=8192):
    """The chains table cut into pieces of at most ``size`` slots (bounded temporaries)."""
    for slots, facs in chains:
        for i in range(0, len(slots), size):
            yield slots[i: i + size], facs[i: i + size]


def _mm(a, b):
    """Batched 2x2 complex products ``a @ b`` (shape ``(m, 2, 2)``), 5x faster than matmul."""
    out = numpy.empty(numpy.broadcast_shapes(a.shape, b.shape), complex)
    out[:, 0, 0] = a[:, 0, 0] * b[:, 0, 0] + a[:, 0, 1] * b[:, 1, 0]
    out[:, 0, 1] = a[:, 0, 0] * b[:, 0, 1] + a[:, 0, 1] * b[:, 1, 1]
    out[:, 1, 0] = a[:, 1, 0] * b[:, 0, 0] + a[:, 1, 1] * b[:, 1, 0]
    out[:, 1, 1] = a[:, 1, 0] * b[:, 0, 1] + a[:, 1, 1] * b[:, 1, 1]
    return out


def _dagger(m):
    return m.conj().swapaxes(-1, -2)


def _rotations(theta, generators):
    c, s = numpy.cos(0.5 * theta), numpy.sin(0.5 * theta)
    return c[:, None, None] * numpy.eye(2) - 1j * s[:, None, None] * generators


def _shifts(theta, _):
    out = numpy.zeros((theta.size, 2, 2), complex)
    out[:, 0, 0] = 1.0
    out[:, 1, 1] = numpy.exp(1j * theta)
    return out


def _phases(theta, _):
    return numpy.exp(1j * theta)[:, None, None] * numpy.eye(2)
