"""The registered primitives ``quantum.expect``, ``quantum.fidelity`` and ``quantum.apply``.

Each is one node of the tape however deep the circuit: its VJP is the reversible adjoint
sweep of :mod:`._sweeps` (two registers, memory independent of depth), its JVP the
tangent sweep. Both rules are themselves primitives with rules (forward-over-adjoint and
second-order tangent sweeps), so ``expect`` and ``fidelity`` are twice differentiable in
every mode: Hessian-vector products, ``wengert.hessian``, the quantum geometric tensor.
Third derivatives are not implemented. ``apply`` (the final state) is first order.

Differentiable arguments: ``params`` (a flat float array) and ``state`` when passed
positionally (a complex array ``(2**n,)`` or a batch ``(B, 2**n)``; gradients follow
autograd's convention ``d/dx - i d/dy``, so ``dE/dstate = 2 conj(U^dagger H U state)``).
Hamiltonians, circuits and fidelity targets are not differentiated (``"none"``).
"""

from __future__ import annotations

import numpy
from autograd.extend import defjvp_argnums, defvjp_argnums

import wengert
from wengert_quantum import _sweeps, kernels
from wengert_quantum._binding import Binding
from wengert_quantum._program import lower
from wengert_quantum.blocks import Block, check_params
from wengert_quantum.observables import PauliSum, Projector
from wengert_quantum.registers import nqubits_of, zero_state

__all__ = ["expect", "fidelity", "apply"]

_METHODS = ("adjoint", "parameter-shift")
_PI, _R2 = numpy.pi, numpy.sqrt(2)
_D_PLUS, _D_MINUS = (_R2 + 1) / (4 * _R2), (_R2 - 1) / (4 * _R2)
#: parameter-shift rules (coefficient, shift) by generator spectrum: two eigenvalues a gap 1
#: apart (f' = [f(t + pi/2) - f(t - pi/2)] / 2), or three equidistant ones with gaps 1/2
#: (controlled rotations; the four-term rule of Anselmetti et al., New J. Phys. 23, 113010
#: (2021)), both exact for the trigonometric polynomials these generators give
_SHIFT_RULES = {
    "two": ((0.5, _PI / 2), (-0.5, -_PI / 2)),
    "three": ((_D_PLUS, _PI / 2), (-_D_PLUS, -_PI / 2),
              (-_D_MINUS, 3 * _PI / 2), (_D_MINUS, -3 * _PI / 2)),
}


# ===================================================================== setup


class _Setup:
    """The arguments normalized: program and binding, initial states as ``(B, N)``."""

    def __init__(self, observable, circuit, params, state, fuse=True):
        if not isinstance(circuit, Block):
            raise TypeError(f"circuit must be a Block, got {type(circuit).__name__}")
        if observable is not None and not isinstance(observable, (PauliSum, Projector)):
            raise TypeError(f"hamiltonian must be a PauliSum, got {type(observable).__name__}")
        self.params = check_params(params, circuit.nparameters)
        if state is None:
            n = max(circuit.nqubits, observable.n if observable is not None else 1)
            self.batched, self.psi0 = False, zero_state(n)[None]
        else:
            arr = numpy.asarray(state)
            n = nqubits_of(arr)
            if arr.dtype.kind not in "fc":
                raise TypeError(f"state must be a float or complex array, got dtype {arr.dtype}")
            self.batched = arr.ndim == 2
            self.psi0 = arr.astype(complex, copy=False).reshape(-1, 2**n)
        self.n, self.obs = n, _sized(observable, n)
        self.program = lower(circuit, n, fuse)
        self.binding = _binding(self.program, self.params)

    @property
    def B(self):
        return self.psi0.shape[0]

    def out(self, values):
        """Per-batch values ``(B,)`` as the output shape: ``(B,)`` or a scalar."""
        return values if self.batched else values[0]

    def state_out(self, states):
        return states if self.batched else states[0]

    def weights(self, g):
        return numpy.broadcast_to(numpy.reshape(numpy.asarray(g, float), -1), (self.B,))

    def params_in(self, d):
        return numpy.zeros(self.program.nparams) if d is None else numpy.asarray(d, float)

    def states_in(self, d):
        if d is None:
            return numpy.zeros_like(self.psi0)
        return numpy.asarray(d, complex).reshape(self.psi0.shape)


def _sized(observable, n):
    if observable is None:
        return None
    if isinstance(observable, PauliSum):
        if observable.n > n:
            raise ValueError(f"hamiltonian acts on {observable.n} qubits, the register has {n}")
        return observable if observable.n == n else observable.resized(n)
    if observable.target.shape[-1] != 2**n:
        raise ValueError(f"target must have 2**{n} = {2**n} amplitudes per state, got "
                         f"shape {observable.target.shape}")
    return observable


def _binding(program, params):
    last = getattr(program, "_last_binding", None)
    if last is not None and numpy.array_equal(last[0], params):
        return last[1]
    binding = Binding(program, params)
    program._last_binding = (params.copy(), binding)
    return binding


def _final_states(s):
    """``U psi0``, remembered for the backward pass that usually follows."""
    key = kernels.get_kernel()
    last = getattr(s.program, "_last_forward", None)
    if (last is not None and last[0] == key and numpy.array_equal(last[1], s.params)
            and last[2].shape == s.psi0.shape and numpy.array_equal(last[2], s.psi0)):
        return last[3]
    psi = _sweeps.forward(s.program, s.binding, s.psi0)
    s.program._last_forward = (key, s.params.copy(), s.psi0.copy(), psi)
    return psi


def _energies(obs, psi):
    return numpy.einsum("bi,bi->b", psi.conj(), obs.apply(psi)).real


def _overlap(a, obs, b):
    return numpy.einsum("bi,bi->b", a.conj(), obs.apply(b)).real


# ===================================================================== sweeps, raw


def _value(observable, circuit, params, state=None):
    s = _Setup(observable, circuit, params, state)
    return s.out(_energies(s.obs, _final_states(s)))


def _adjoint_raw(observable, circuit, params, state, g):
    """``(dL/dparams, dL/dstate)`` for ``L = sum_b g_b E_b``."""
    s = _Setup(observable, circuit, params, state)
    psi = _final_states(s)
    lam = s.weights(g)[:, None] * s.obs.apply(psi)
    grad, lam0, _ = _sweeps.adjoint(s.program, s.binding, psi, lam)
    return grad, s.state_out(2 * lam0.conj())


def _tangent_raw(observable, circuit, params, state, dparams, dstate):
    """``dE_b`` along ``(dparams, dstate)``."""
    s = _Setup(observable, circuit, params, state)
    psi, dpsi = _sweeps.tangent(s.program, s.binding, s.psi0, s.params_in(dparams),
                                s.states_in(dstate))
    return s.out(2 * _overlap(psi, s.obs, dpsi))


def _tangent2_raw(observable, circuit, params, state, d1, ds1, d2, ds2):
    """Second directional derivative ``d^2 E_b`` along ``(d1, ds1)`` and ``(d2, ds2)``."""
    s = _Setup(observable, circuit, params, state)
    psi, dpsi, delta, dd = _sweeps.tangent2(s.program, s.binding, s.psi0, s.params_in(d1),
                                            s.states_in(ds1), s.params_in(d2), s.states_in(ds2))
    return s.out(2 * (_overlap(delta, s.obs, dpsi) + _overlap(psi, s.obs, dd)))


def _hvp_raw(observable, circuit, params, state, g, dparams, dstate, dg):
    """Gradient of ``L = sum g_b E_b``, its derivative along ``(dparams, dstate, dg)``, ``dE``."""
    s = _Setup(observable, circuit, params, state)
    dg = numpy.zeros(s.B) if dg is None else s.weights(dg)
    grad, dgrad, gs, dgs, dE = _sweeps.hvp(s.program, s.binding, s.obs, s.psi0, s.weights(g),
                                           s.params_in(dparams), s.states_in(dstate), dg)
    return grad, dgrad, s.state_out(gs), s.state_out(dgs), s.out(dE)


def _shift_jacobian(observable, circuit, params, state):
    """``dE_b/dparams`` by parameter-shift rules, shape ``(B, nparams)``."""
    s = _Setup(observable, circuit, params, state, fuse=False)
    jac = numpy.zeros((s.B, s.program.nparams))
    binding = Binding(s.program, s.params)  # a private copy: its matrices get shifted
    for op in s.program.param_gates:
        rule = _SHIFT_RULES.get(op.gate.generator_spectrum(bool(op.ctrls)))
        if rule is None or op.gate.nparams != 1:
            raise ValueError(f"parameter-shift: no shift rule for {op.gate.name} (its generator "
                             "has a general spectrum); use gradient='adjoint'")
        values, saved = binding.gate_values[op.index], binding.gate_mats[op.index]
        for coeff, shift in rule:
            binding.gate_mats[op.index] = op.gate.matrix(values + shift, op.sign)
            psi = _sweeps.forward(s.program, binding, s.psi0)
            jac[:, op.pidx[0]] += coeff * _energies(s.obs, psi)
        binding.gate_mats[op.index] = saved
    return jac


# ===================================================================== internal primitives


_adjoint = wengert.primitive("quantum.adjoint_sweep", max_order=1)(_adjoint_raw)
_tangent = wengert.primitive("quantum.tangent_sweep", max_order=1)(_tangent_raw)


@wengert.primitive("quantum.parameter_shift_vjp", max_order=1)
def _shift_vjp(observable, circuit, params, state, g):
    """``sum_b g_b dE_b/dparams`` by parameter shifts (first derivatives only)."""
    jac = _shift_jacobian(observable, circuit, params, state)
    return numpy.broadcast_to(numpy.reshape(numpy.asarray(g, float), -1), jac.shape[:1]) @ jac


def _adjoint_vjp(argnums, ans, args, kwargs):
    obs, circuit, params, state, g = args

    def pullback(w):
        # the Hessian of L is symmetric: the VJP of the gradient map is its JVP along w
        _, dgrad, _, dgs, dE = _hvp_raw(obs, circuit, params, state, g, w[0], w[1], None)
        return tuple({2: dgrad, 3: dgs, 4: dE}[i] for i in argnums)

    return pullback


def _adjoint_jvp(argnums, tangents, ans, args, kwargs):
    obs, circuit, params, state, g = args
    t = dict(zip(argnums, tangents))
    _, dgrad, _, dgs, _ = _hvp_raw(obs, circuit, params, state, g, t.get(2), t.get(3), t.get(4))
    return (dgrad, dgs)


def _tangent_vjp(argnums, ans, args, kwargs):
    obs, circuit, params, state, dparams, dstate = args

    def pullback(u):
        out = {}
        if 2 in argnums or 3 in argnums:
            _, out[2], _, out[3], _ = _hvp_raw(obs, circuit, params, state, u, dparams, dstate,
                                               None)
        if 4 in argnums or 5 in argnums:
            out[4], out[5] = _adjoint_raw(obs, circuit, params, state, u)
        return tuple(out[i] for i in argnums)

    return pullback


def _tangent_jvp(argnums, tangents, ans, args, kwargs):
    obs, circuit, params, state, dparams, dstate = args
    t = dict(zip(argnums, tangents))
    out = 0.0
    if 2 in t or 3 in t:
        out = out + _tangent2_raw(obs, circuit, params, state, dparams, dstate, t.get(2), t.get(3))
    if 4 in t or 5 in t:
        out = out + _tangent_raw(obs, circuit, params, state, t.get(4), t.get(5))
    return out


defvjp_argnums(_adjoint, _adjoint_vjp)
defjvp_argnums(_adjoint, _adjoint_jvp)
defvjp_argnums(_tangent, _tangent_vjp)
defjvp_argnums(_tangent, _tangent_jvp)


# ===================================================================== public primitives


@wengert.primitive("quantum.expect", tangents=("none", "none", "real"))
def expect(hamiltonian, circuit, params, state=None, *, gradient="adjoint"):
    """``<psi|H|psi>`` with ``psi = U(params) state``: a float, or ``(B,)`` for a batch.

    :param hamiltonian: a :class:`PauliSum` (``heisenberg(n)``, ``tfim(n, h)``, ...).
    :param circuit: a block; ``params`` holds its ``nparameters`` values (flat, float64).
    :param state: ``(2**n,)`` or ``(B, 2**n)`` complex; default ``zero_state(n)``.
    :param gradient: ``"adjoint"`` (reversible sweep, the default) or ``"parameter-shift"``
        (two or four circuit runs per gate, as on hardware; first derivatives only).
    """
    _method(gradient)
    return _value(hamiltonian, circuit, params, state)


@wengert.primitive("quantum.fidelity", tangents=("none", "real", "none"))
def fidelity(circuit, params, target, state=None, *, gradient="adjoint"):
    """``|<target|U(params) state>|^2``: a float, or ``(B,)`` for batched states/targets.

    ``target`` has shape ``(2**n,)`` or ``(B, 2**n)``; it is not differentiated.
    """
    _method(gradient)
    return _value(Projector(target), circuit, params, state)


@wengert.primitive("quantum.apply", max_order=1, tangents=("none", "real"))
def apply(circuit, params, state=None):
    """The final state ``U(params) state``, shape of ``state`` (default ``zero_state(n)``).

    Differentiable once (adjoint sweep for the VJP, tangent sweep for the JVP).
    """
    s = _Setup(None, circuit, params, state)
    return s.state_out(_final_states(s).copy())


def _method(gradient):
    if gradient not in _METHODS:
        raise ValueError(f"gradient must be one of {_METHODS}, got {gradient!r}")
    return gradient


def _split_expect(args):
    obs, circuit, params, state = (tuple(args) + (None,))[:4]
    return obs, circuit, params, state


def _split_fidelity(args):
    circuit, params, target, state = (tuple(args) + (None,))[:4]
    return Projector(target), circuit, params, state


def _define_rules(prim, split, p_arg, s_arg):
    """VJP/JVP of an expectation-value primitive through the internal sweep primitives."""

    def resolved(args):
        obs, circuit, params, state = split(args)
        if state is None:
            state = zero_state(max(circuit.nqubits, obs.n))
        return obs, circuit, params, state

    def vjp_maker(argnums, ans, args, kwargs):
        obs, circuit, params, state = resolved(args)
        shift = _method(kwargs.get("gradient", "adjoint")) == "parameter-shift"

        def pullback(g):
            out = {}
            if s_arg in argnums or not shift:
                both = _adjoint(obs, circuit, params, state, g)
                out[p_arg], out[s_arg] = both[0], both[1]
            if shift and p_arg in argnums:
                out[p_arg] = _shift_vjp(obs, circuit, params, state, g)
            return tuple(out[i] for i in argnums)

        return pullback

    def jvp_maker(argnums, tangents, ans, args, kwargs):
        obs, circuit, params, state = resolved(args)
        t = dict(zip(argnums, tangents))
        out = 0.0
        if kwargs.get("gradient", "adjoint") == "parameter-shift" and p_arg in t:
            jac = _shift_jacobian(obs, circuit, params, state)
            out = jac @ numpy.asarray(t.pop(p_arg), float)
            out = out if numpy.ndim(state) == 2 else out[0]
        if t:
            zeros_p = numpy.zeros(numpy.shape(params))
            zeros_s = numpy.zeros(numpy.shape(state), complex)
            out = out + _tangent(obs, circuit, params, state, t.get(p_arg, zeros_p),
                                 t.get(s_arg, zeros_s))
        return out

    defvjp_argnums(prim, vjp_maker)
    defjvp_argnums(prim, jvp_maker)


def _apply_vjp(argnums, ans, args, kwargs):
    circuit, params, state = (tuple(args) + (None,))[:3]

    def pullback(cotangent):
        s = _Setup(None, circuit, params, state)
        lam = numpy.conj(numpy.asarray(cotangent, complex)).reshape(s.psi0.shape) / 2
        grad, lam0, _ = _sweeps.adjoint(s.program, s.binding, _final_states(s), lam)
        return tuple({1: grad, 2: s.state_out(2 * lam0.conj())}[i] for i in argnums)

    return pullback


def _apply_jvp(argnums, tangents, ans, args, kwargs):
    circuit, params, state = (tuple(args) + (None,))[:3]
    t = dict(zip(argnums, tangents))
    s = _Setup(None, circuit, params, state)
    _, dpsi = _sweeps.tangent(s.program, s.binding, s.psi0, s.params_in(t.get(1)),
                              s.states_in(t.get(2)))
    return s.state_out(dpsi)


_define_rules(expect, _split_expect, 2, 3)
_define_rules(fidelity, _split_fidelity, 1, 3)
defvjp_argnums(apply, _apply_vjp)
defjvp_argnums(apply, _apply_jvp)
