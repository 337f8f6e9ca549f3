"""Lowering: a block tree becomes a flat program of fused operations, then bound to parameters.

The tree is flattened once (per register size) into elementary gates and fused:

* ``LayerOp``: single-qubit gates on distinct qubits (a rotor layer), each qubit's gates
  multiplied into one 2x2 matrix. numpy applies a layer as one Kronecker-factored matrix per
  group of <= 6 qubits (two 32x32 matmuls for 10 qubits); numba applies the 2x2s directly.
* ``PermOp``: a run of constant monomial gates (X, Z, S, T, CNOT, CZ, SWAP, Toffoli, ...)
  is one permutation with phases: ``out[i] = phase[i] * psi[perm[i]]``, one gather.
* ``GateOp``: anything else (controlled rotations, multi-qubit unitaries, time evolution),
  a dense local matrix applied on its targets inside the controlled subspace.

``fuse=False`` keeps every parametric gate in its own ``GateOp`` (parameter-shift rules
shift one gate at a time); constant gates are fused either way.

The layer tables are flat integer arrays (factor kind, matrix, parameter, sign), so a
300,000-gate circuit lowers to a few MB. :mod:`._binding` evaluates a program at parameters.
"""

from __future__ import annotations

from array import array

import numpy

from wengert_quantum.blocks import SCRATCH_LOCK

_GROUP_MAX = 6  # qubits per Kronecker group in the numpy layer kernel


class LayerOp:
    kind = "layer"
    __slots__ = ("layer", "start", "stop", "qubits")

    def __init__(self, layer, start, stop, qubits):
        self.layer, self.start, self.stop, self.qubits = layer, start, stop, qubits


class PermOp:
    kind = "perm"
    __slots__ = ("perm", "phase", "inv_perm", "inv_phase")

    def __init__(self, perm, phase):
        self.perm = perm
        self.phase = None if numpy.allclose(phase, 1.0, rtol=0, atol=1e-15) else phase
        self.inv_perm = numpy.argsort(perm)
        self.inv_phase = None if self.phase is None else self.phase[self.inv_perm].conj()


class GateOp:
    kind = "gate"
    __slots__ = ("gate", "targets", "ctrls", "vals", "sign", "pidx", "matrix", "index")

    def __init__(self, gate, targets, ctrls, vals, sign, pidx):
        self.gate, self.targets, self.ctrls, self.vals = gate, targets, ctrls, vals
        self.sign, self.pidx, self.index = sign, pidx, None
        self.matrix = None
        if pidx is None:
            self.matrix = gate.matrix.conj().T if sign < 0 else gate.matrix

    @property
    def parametric(self):
        return self.pidx is not None


class Program:
    """A lowered circuit on ``n`` qubits: ``ops`` plus the tables that bind its layers."""

    def __init__(self, n, nparams, ops, tables):
        self.n, self.nparams, self.ops = n, nparams, ops
        self.param_gates = [op for op in ops if op.kind == "gate" and op.parametric]
        for i, op in enumerate(self.param_gates):
            op.index = i
        self.__dict__.update(tables)
        self.groups = _groups(n)
        self.nlayers = len(self.layer_start)
        active = numpy.zeros((self.nlayers, len(self.groups)), bool)
        group_of = numpy.concatenate([[i] * g for i, (_, g) in enumerate(self.groups)])
        if self.slot_qubit.size:
            active[self.slot_layer, group_of[self.slot_qubit]] = True
        self.group_active = active

    @property
    def second_order_ok(self) -> bool:
        return all(op.gate.constant_generators for op in self.param_gates)


def lower(block, n: int, fuse: bool = True) -> Program:
    """The program of ``block`` on ``n`` qubits (cached on the block)."""
    if block.nqubits > n:
        raise ValueError(f"circuit acts on {block.nqubits} qubits, the register has {n}")

    def build():
        with SCRATCH_LOCK:  # the builder keeps parameter offsets in gate._pindex
            return _Builder(block, n, fuse).build()

    return block._lowered(("program", n, fuse), build)


class _Builder:
    """Receives the elementary gates in application order (``add``) and fuses them."""

    def __init__(self, block, n, fuse):
        self.block, self.n, self.fuse = block, n, fuse
        self.ops, self.layer, self.run = [], {}, []
        count = 0  # parameter offsets, kept on the gates (an id dict costs ~100 B per gate)
        for gate in block._unique_gates():
            gate._pindex = count
            count += gate.nparams
        self.nparams = count
        # factor tables: kind (0 constant, 1 rotation, 2 shift, 3 phase), index into the
        # matrix table (constants, or rotation generators), parameter index, sign
        self.f_kind, self.f_sign = array("b"), array("b")
        self.f_table, self.f_param = array("i"), array("i")
        self.matrices, self.matrix_index = [], {}
        self.slot_len, self.slot_facs = array("i"), array("i")
        self.slot_qubit, self.slot_layer = array("i"), array("i")
        self.layer_start, self.layer_stop = array("i"), array("i")
        self.perm_cache = {}

    def build(self) -> Program:
        self.block._emit(tuple(range(self.n)), (), (), False, self)
        self.flush_layer()
        self.flush_run()
        for gate in self.block._unique_gates():
            gate._pindex = None  # free the scratch ints (~30 B per gate)
        return Program(self.n, self.nparams, self.ops, self.tables())

    def add(self, gate, targets, ctrls, vals, dag):
        kind = gate.layer_kind
        if gate.k == 1 and not ctrls and (kind == 0 or (kind and self.fuse)):
            if kind == 0 and gate.monomial and self.run:
                self.run.append((gate, targets, ctrls, vals, dag))
                return
            if self.run:
                self.flush_run()
            self.layer.setdefault(targets[0], []).append(self.factor(gate, kind, dag))
        elif kind == 0 and gate.monomial:
            if self.layer:
                self.flush_layer()
            self.run.append((gate, targets, ctrls, vals, dag))
        else:
            self.flush_layer()
            self.flush_run()
            pidx = None
            if kind != 0:
                first = gate._pindex
                pidx = tuple(range(first, first + gate.nparams))
            self.ops.append(GateOp(gate, targets, ctrls, vals, -1 if dag else 1, pidx))

    def factor(self, gate, kind, dag):
        if kind == 0:
            self.f_table.append(self.table_index(gate.matrix, dag))
            self.f_param.append(-1)
            self.f_sign.append(1)
        else:
            self.f_table.append(self.table_index(gate.generator, False) if kind == 1 else 0)
            self.f_param.append(gate._pindex)
            self.f_sign.append(-1 if dag else 1)
        self.f_kind.append(kind)
        return len(self.f_kind) - 1

    def table_index(self, matrix, dag):
        key = (id(matrix), dag)
        if key not in self.matrix_index:
            self.matrix_index[key] = len(self.matrices)
            self.matrices.append(matrix.conj().T if dag else matrix)
        return self.matrix_index[key]

    def flush_layer(self):
        if not self.layer:
            return
        layer_id, start = len(self.layer_start), len(self.slot_len)
        qubits = sorted(self.layer)
        for q in qubits:
            facs = self.layer[q]
            self.slot_len.append(len(facs))
            self.slot_facs.extend(facs)
            self.slot_qubit.append(q)
            self.slot_layer.append(layer_id)
        self.layer_start.append(start)
        self.layer_stop.append(len(self.slot_len))
        self.ops.append(LayerOp(layer_id, start, len(self.slot_len),
                                numpy.array(qubits, dtype=numpy.int64)))
        self.layer = {}

    def flush_run(self):
        if not self.run:
            return
        key = tuple((id(g), t, c, v, d) for g, t, c, v, d in self.run)
        if key not in self.perm_cache:
            self.perm_cache[key] = PermOp(*_monomial(self.run, self.n))
        self.ops.append(self.perm_cache[key])
        self.run = []

    def tables(self) -> dict:
        as_array = _as_numpy
        kind, param = as_array(self.f_kind), as_array(self.f_param)
        slot_len, slot_facs = as_array(self.slot_len), as_array(self.slot_facs)
        slot_start = numpy.cumsum(slot_len) - slot_len
        chains = []
        for length in numpy.unique(slot_len):
            slots = numpy.flatnonzero(slot_len == length)
            chains.append((slots, slot_facs[slot_start[slots, None] + numpy.arange(length)]))
        pf = numpy.flatnonzero(kind > 0)
        factor_slot = numpy.empty(len(kind), dtype=numpy.int32)
        factor_slot[slot_facs] = numpy.repeat(numpy.arange(len(slot_len)), slot_len)
        slot_layer = as_array(self.slot_layer)
        layer_param = numpy.zeros(len(self.layer_start), bool)
        layer_param[slot_layer[factor_slot[pf]]] = True
        matrices = numpy.array(self.matrices or [numpy.eye(2)], dtype=complex)
        return dict(
            f_kind=kind, f_table=as_array(self.f_table), f_param=param,
            f_sign=as_array(self.f_sign), matrices=matrices, chains=chains,
            pf=pf, pf_param=param[pf], factor_slot=factor_slot, layer_param=layer_param,
            slot_qubit=as_array(self.slot_qubit), slot_layer=slot_layer,
            layer_start=as_array(self.layer_start), layer_stop=as_array(self.layer_stop),
        )


def _as_numpy(a: array) -> numpy.ndarray:
    """A read-only numpy view of a compact ``array.array`` (no copy)."""
    dtype = {"b": numpy.int8, "i": numpy.int32}[a.typecode]
    return numpy.frombuffer(a, dtype=dtype) if len(a) else numpy.zeros(0, dtype)


def _monomial(run, n):
    """Permutation and phases of a run of monomial gates: ``out[i] = phase[i] psi[perm[i]]``."""
    idx = numpy.arange(2**n, dtype=numpy.int64)
    perm, phase = idx.copy(), numpy.ones(2**n, complex)
    for gate, targets, ctrls, vals, dag in run:
        matrix = gate.matrix.conj().T if dag else gate.matrix
        col_of_row = numpy.argmax(numpy.abs(matrix) > 1e-14, axis=1)
        loc = numpy.zeros_like(idx)
        cleared = idx.copy()
        for i, t in enumerate(targets):
            loc |= ((idx >> t) & 1) << i
            cleared &= ~(1 << t)
        col = col_of_row[loc]
        source = cleared.copy()
        for i, t in enumerate(targets):
            source |= ((col >> i) & 1) << t
        value = matrix[loc, col]
        active = numpy.ones(idx.shape, bool)
        for c, v in zip(ctrls, vals):
            active &= ((idx >> c) & 1) == v
        source = numpy.where(active, source, idx)
        value = numpy.where(active, value, 1.0)
        perm, phase = perm[source], value * phase[source]
    return perm, phase


def _groups(n):
    """Split qubits 0..n-1 into ``(lowest qubit, size)`` groups of at most ``_GROUP_MAX``."""
    m = -(-n // _GROUP_MAX)
    sizes = [n // m + (1 if i < n % m else 0) for i in range(m)]
    starts = numpy.cumsum([0] + sizes[:-1])
    return [(int(s), g) for s, g in zip(starts, sizes)]
