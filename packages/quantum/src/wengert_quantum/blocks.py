"""The block IR: composites that place, control, chain, kron and repeat blocks.

Conventions (those of Yao.jl, counted from 0):

* Qubit ``q`` is bit ``q`` of the basis index, the least significant bit first: in a
  3-qubit register the amplitude at index ``6 = 0b110`` is that of ``|q2 q1 q0> = |110>``.
* ``put(n, (a, b), G)`` sends the gate's local qubit 0 to qubit ``a`` and 1 to ``b``
  (so ``put(n, (c, t), CNOT)`` flips ``t`` when ``c`` is 1).
* ``chain(A, B)`` applies ``A`` first: its matrix is ``mat(B) @ mat(A)``.
* Parameters are listed in tree order (depth first, children in order), one entry per
  distinct parametric gate *object*: a gate object used twice shares its parameter, whose
  gradient is then the sum over its uses (``repeat(n, Rx(0.1))`` has one parameter).

The leaves (gates) are in :mod:`.gates`. Blocks are immutable apart from their parameter
values (``dispatch``). A circuit is lowered once (per register size) to a flat program of
fused operations; see :mod:`._program`.

>>> import numpy
>>> from wengert_quantum import chain, put, control, H, X
>>> bell = chain(put(2, 0, H), control(2, 0, 1, X))
>>> numpy.round(bell.mat()[:, 0].real, 3)   # |00> -> (|00> + |11>)/sqrt(2)
array([0.707, 0.   , 0.   , 0.707])
"""

from __future__ import annotations

import threading

import numpy

__all__ = [
    "Block", "Put", "Control", "Chain", "Kron", "Repeat", "Dagger",
    "put", "control", "chain", "kron", "repeat", "dagger",
    "parameters", "nparameters", "dispatch", "mat",
]

_MAX_MAT_QUBITS = 14
#: guards ParametricGate._pindex, scratch space of the tree walks (``_unique_gates``, lowering)
SCRATCH_LOCK = threading.RLock()


class Block:
    """Base class of every block. ``nqubits`` is the declared size, or the smallest one fitting."""

    __slots__ = ("_cache",)

    # ----------------------------------------------------------------- structure

    @property
    def nqubits(self) -> int:
        """Number of qubits: the declared ``n``, else one more than the highest qubit used."""
        n = getattr(self, "n", None)
        return n if n is not None else self._support()

    def _support(self) -> int:  # the smallest register the block fits in
        raise NotImplementedError

    def _collect(self, out: list) -> None:
        """Append the parametric gates in tree order, repeats included."""
        raise NotImplementedError

    def _emit(self, qmap: tuple, ctrls: tuple, vals: tuple, dag: bool, out) -> None:
        """Call ``out.add(gate, targets, ctrls, ctrl_vals, dagger)`` in application order."""
        raise NotImplementedError

    def _lowered(self, key, build):
        cache = getattr(self, "_cache", None)
        if cache is None:
            cache = self._cache = {}
        if key not in cache:
            cache[key] = build()
        return cache[key]

    def _unique_gates(self) -> list:
        """Distinct parametric gates in tree order (cached)."""
        def build():
            every, gates = [], []
            self._collect(every)
            with SCRATCH_LOCK:  # mark gates through a slot: a set of ids costs ~90 B per gate
                for gate in every:
                    gate._pindex = -1
                for gate in every:
                    if gate._pindex == -1:
                        gate._pindex = None
                        gates.append(gate)
            return gates

        return self._lowered("gates", build)

    # ----------------------------------------------------------------- parameters

    @property
    def nparameters(self) -> int:
        """Number of free parameters (shared gates counted once)."""
        return self._lowered("nparameters", lambda: sum(g.nparams for g in self._unique_gates()))

    def parameters(self) -> numpy.ndarray:
        """Current parameter values, a flat float64 array in tree order."""
        gates = self._unique_gates()
        return numpy.fromiter((v for g in gates for v in g.values), float, self.nparameters)

    def dispatch(self, params, seed=None) -> Block:
        """Set the parameter values in place (Yao's ``dispatch!``); returns the block.

        ``params`` is a flat array of length ``nparameters``, ``"random"`` (uniform in
        ``[0, 2 pi)`` from ``numpy.random.default_rng(seed)``) or ``"zero"``.
        """
        return dispatch(self, params, seed)

    # ----------------------------------------------------------------- matrices

    def mat(self, params=None, n: int | None = None) -> numpy.ndarray:
        """The dense ``2**n x 2**n`` matrix (``n`` defaults to ``nqubits``), for small circuits."""
        return mat(self, params, n)

    def dagger(self) -> Block:
        """The inverse (conjugate transpose) block; parameters stay shared with ``self``."""
        return Dagger(self)

    def __repr__(self) -> str:
        return _render(self, 0)

    def _head(self) -> str:
        return f"{type(self).__name__.lower()}(n={self.nqubits})"

    def _kids(self) -> tuple:
        return ()


# ===================================================================== composites


class Put(Block):
    """``block`` placed on qubits ``locs`` of an ``n``-qubit register."""

    __slots__ = ("n", "locs", "block")

    def __init__(self, n, locs, block):
        self.block = _check_block(block, "block")
        self.locs = _locs(locs, "locs")
        if len(self.locs) != block.nqubits:
            raise ValueError(f"put: block acts on {block.nqubits} qubits but locs={self.locs}")
        self.n = _check_n(n, self._support())

    def _support(self):
        return max(self.locs) + 1

    def _head(self):
        return f"put{self.locs}"

    def _kids(self):
        return (self.block,)

    def _collect(self, out):
        self.block._collect(out)

    def _emit(self, qmap, ctrls, vals, dag, out):
        locs = self.locs
        targets = (qmap[locs[0]],) if len(locs) == 1 else tuple([qmap[q] for q in locs])
        self.block._emit(targets, ctrls, vals, dag, out)


class Control(Block):
    """``block`` on ``locs``, applied where the qubits ``ctrl_locs`` read ``ctrl_vals``."""

    __slots__ = ("n", "ctrl_locs", "ctrl_vals", "locs", "block")

    def __init__(self, n, ctrl_locs, locs, block, ctrl_vals=None):
        self.block = _check_block(block, "block")
        self.ctrl_locs, self.locs = _locs(ctrl_locs, "ctrl"), _locs(locs, "target")
        if set(self.ctrl_locs) & set(self.locs):
            raise ValueError(f"control: control qubits {self.ctrl_locs} overlap targets "
                             f"{self.locs}")
        if len(self.locs) != block.nqubits:
            raise ValueError(f"control: block acts on {block.nqubits} qubits, targets {self.locs}")
        vals = (1,) * len(self.ctrl_locs) if ctrl_vals is None else tuple(ctrl_vals)
        if len(vals) != len(self.ctrl_locs) or any(v not in (0, 1) for v in vals):
            raise ValueError(f"ctrl_vals must be one 0 or 1 per control qubit, got {ctrl_vals!r}")
        self.ctrl_vals = tuple(int(v) for v in vals)
        self.n = _check_n(n, self._support())

    def _support(self):
        return max(self.ctrl_locs + self.locs) + 1

    def _head(self):
        return f"control{self.ctrl_locs}->{self.locs}"

    def _kids(self):
        return (self.block,)

    def _collect(self, out):
        self.block._collect(out)

    def _emit(self, qmap, ctrls, vals, dag, out):
        self.block._emit(
            tuple(qmap[q] for q in self.locs),
            ctrls + tuple(qmap[q] for q in self.ctrl_locs), vals + self.ctrl_vals, dag, out,
        )


class Chain(Block):
    """Blocks applied one after another (the first one first)."""

    __slots__ = ("n", "blocks", "_nmin")

    def __init__(self, n, blocks):
        self.blocks = tuple(blocks)
        for b in self.blocks:
            _check_block(b, "blocks")
        self._nmin = max([b.nqubits for b in self.blocks], default=1)
        self.n = _check_n(n, self._nmin)

    def _support(self):
        return self._nmin

    def _kids(self):
        return self.blocks

    def _collect(self, out):
        for b in self.blocks:
            b._collect(out)

    def _emit(self, qmap, ctrls, vals, dag, out):
        for b in reversed(self.blocks) if dag else self.blocks:
            b._emit(qmap, ctrls, vals, dag, out)


class Kron(Block):
    """Blocks on disjoint qubits, side by side: ``placements`` is ``((locs, block), ...)``."""

    __slots__ = ("n", "placements")

    def __init__(self, n, placements):
        self.placements = tuple(Put(None, locs, b) for locs, b in placements)
        used = [q for p in self.placements for q in p.locs]
        if len(used) != len(set(used)):
            raise ValueError(f"kron: blocks overlap on qubits {sorted(used)}")
        self.n = _check_n(n, self._support())

    def _support(self):
        return max((p._support() for p in self.placements), default=1)

    def _kids(self):
        return self.placements

    def _collect(self, out):
        for p in self.placements:
            p._collect(out)

    def _emit(self, qmap, ctrls, vals, dag, out):
        for p in self.placements:
            p._emit(qmap, ctrls, vals, dag, out)


class Repeat(Kron):
    """The same block (one shared parameter set) on each of ``locs``."""

    __slots__ = ("block",)

    def __init__(self, n, block, locs):
        self.block = _check_block(block, "block")
        k = block.nqubits
        groups = [(loc,) if k == 1 else loc for loc in locs]
        super().__init__(n, [(g, block) for g in groups])


class Dagger(Block):
    """The inverse of ``block``."""

    __slots__ = ("block",)

    def __init__(self, block):
        self.block = _check_block(block, "block")

    @property
    def n(self):
        return getattr(self.block, "n", None)

    def _support(self):
        return self.block.nqubits

    def _head(self):
        return "dagger"

    def _kids(self):
        return (self.block,)

    def _collect(self, out):
        self.block._collect(out)

    def _emit(self, qmap, ctrls, vals, dag, out):
        self.block._emit(qmap, ctrls, vals, not dag, out)

    def dagger(self) -> Block:
        return self.block


# ===================================================================== helpers


def check_params(params, count: int) -> numpy.ndarray:
    """``params`` as a float64 vector of length ``count`` (ValueError naming ``params``)."""
    arr = numpy.asarray(params)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"params must be a real float array, got dtype {arr.dtype}")
    if arr.shape != (count,):
        raise ValueError(f"params must have shape ({count},) (nparameters), got {arr.shape}")
    return arr.astype(float, copy=False)


def split_n(args, count, usage):
    if len(args) == count + 1:
        return args[0], args[1:]
    if len(args) == count:
        return None, args
    raise TypeError(f"expected {usage} (n optional), got {len(args)} arguments")


def _check_n(n, support):
    if n is None:
        return None
    if not isinstance(n, (int, numpy.integer)) or n < support:
        raise ValueError(f"n must be an int >= {support} (the qubits used), got {n!r}")
    return int(n)


def _check_block(block, what):
    if not isinstance(block, Block):
        raise TypeError(f"{what} must be a Block, got {type(block).__name__}")
    return block


def _locs(locs, what):
    if type(locs) is int and locs >= 0:
        return (locs,)
    if isinstance(locs, (int, numpy.integer)):
        locs = (locs,)
    locs = tuple([int(q) for q in locs])
    if not locs or min(locs) < 0 or (len(locs) > 1 and len(set(locs)) != len(locs)):
        raise ValueError(f"{what} qubits must be distinct non-negative ints, got {locs!r}")
    return locs


def check_real(x, what):
    if type(x) is float or type(x) is int:
        return float(x)
    if isinstance(x, complex) or numpy.iscomplexobj(x) or numpy.ndim(x) != 0:
        raise TypeError(f"{what} must be a real number, got {x!r}")
    return float(x)


def matrix_qubits(matrix, what):
    d = matrix.shape[0] if matrix.ndim == 2 else 0
    k = int(numpy.log2(d)) if d else 0
    if matrix.ndim != 2 or matrix.shape != (d, d) or d < 2 or 2**k != d:
        raise ValueError(f"{what} must be a 2**k x 2**k matrix, got shape {matrix.shape}")
    return k


def _render(block, depth):
    pad = "  " * depth
    kids = block._kids()
    if len(kids) == 1 and not kids[0]._kids():
        return f"{pad}{block._head()} {kids[0]._head()}"
    shown = [_render(c, depth + 1) for c in kids[:12]]
    if len(kids) > 12:
        shown.append(f"{pad}  ... {len(kids) - 12} more")
    return "\n".join([pad + block._head()] + shown)


# ===================================================================== constructors


def put(*args) -> Put:
    """``put(n, locs, block)`` or ``put(locs, block)``: ``block`` on qubits ``locs``."""
    n, (locs, block) = split_n(args, 2, "put(n, locs, block)")
    return Put(n, locs, block)


def control(*args, ctrl_vals=None) -> Control:
    """``control(n, ctrl, locs, block)`` or ``control(ctrl, locs, block)``.

    ``ctrl`` is a qubit or a tuple of qubits; the block acts when they are all 1, or read
    ``ctrl_vals`` (a tuple of 0/1) when given.
    """
    n, (ctrl, locs, block) = split_n(args, 3, "control(n, ctrl, locs, block)")
    return Control(n, ctrl, locs, block, ctrl_vals)


def chain(*args) -> Chain:
    """``chain(b1, b2, ...)`` or ``chain(n, b1, b2, ...)``; a single list argument works too."""
    n, blocks = (args[0], args[1:]) if args and isinstance(args[0], (int, numpy.integer)) else (
        None, args)
    if len(blocks) == 1 and isinstance(blocks[0], (list, tuple)):
        blocks = blocks[0]
    return Chain(n, blocks)


def kron(*args) -> Kron:
    """``kron(b0, b1, ...)`` (block ``i`` on the next qubits, ``b0`` lowest) or
    ``kron(n, (locs, block), ...)``."""
    if args and isinstance(args[0], (int, numpy.integer)):
        return Kron(args[0], args[1:])
    placements, q = [], 0
    for b in args:
        _check_block(b, "kron argument")
        placements.append((tuple(range(q, q + b.nqubits)), b))
        q += b.nqubits
    return Kron(None, placements)


def repeat(*args) -> Repeat:
    """``repeat(n, block, locs=None)`` or ``repeat(block, locs)``: ``block`` on each of ``locs``
    (all qubits when ``locs`` is None), one shared parameter set."""
    if args and isinstance(args[0], (int, numpy.integer)):
        n, block, *rest = args
        locs = rest[0] if rest and rest[0] is not None else range(n)
    elif len(args) == 2:
        n, (block, locs) = None, args
    else:
        raise TypeError("use repeat(n, block, locs=None) or repeat(block, locs)")
    return Repeat(n, block, list(locs))


def dagger(block: Block) -> Block:
    """The inverse of ``block`` (parameters shared with ``block``)."""
    return _check_block(block, "block").dagger()


def parameters(block: Block) -> numpy.ndarray:
    """Flat parameter values of ``block`` (tree order, shared gates once)."""
    return _check_block(block, "block").parameters()


def nparameters(block: Block) -> int:
    """Number of parameters of ``block``."""
    return _check_block(block, "block").nparameters


def dispatch(block: Block, params, seed=None) -> Block:
    """Set ``block``'s parameters in place from a flat array, ``"random"`` or ``"zero"``."""
    _check_block(block, "block")
    count = block.nparameters
    if isinstance(params, str):
        if params == "random":
            params = numpy.random.default_rng(seed).uniform(0, 2 * numpy.pi, count)
        elif params == "zero":
            params = numpy.zeros(count)
        else:
            raise ValueError(f"params must be an array, 'random' or 'zero', got {params!r}")
    params = check_params(params, count)
    i = 0
    for gate in block._unique_gates():
        gate.values = tuple([float(v) for v in params[i: i + gate.nparams]])
        i += gate.nparams
    return block


def mat(block: Block, params=None, n: int | None = None) -> numpy.ndarray:
    """Dense matrix of ``block`` on ``n`` qubits (default ``nqubits``) at ``params`` (default:
    its current values); column ``j`` is the image of basis state ``j``."""
    from wengert_quantum._sweeps import apply_block

    _check_block(block, "block")
    n = block.nqubits if n is None else n
    if n > _MAX_MAT_QUBITS:
        raise ValueError(f"mat: {n} qubits is too many for a dense matrix (max {_MAX_MAT_QUBITS})")
    params = block.parameters() if params is None else params
    return apply_block(block, params, numpy.eye(2**n, dtype=complex), n).T
