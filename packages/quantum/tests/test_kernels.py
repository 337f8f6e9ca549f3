"""numpy and numba kernels agree; reversible uncomputation drifts below 1e-12 in 400k gates."""

import numpy
import pytest

import wengert
import wengert.numpy as np
import wengert_quantum as wq
from wengert_quantum import _sweeps
from wengert_quantum._binding import Binding
from wengert_quantum._program import lower
from wengert_quantum.kernels import numba_available

needs_numba = pytest.mark.skipif(not numba_available(), reason="numba not installed")


@needs_numba
@pytest.mark.parametrize("nbatch", [None, 3, 300])
def test_numba_and_numpy_kernels_agree(nbatch):
    c, h = wq.random_circuit(6, 2, seed=1), wq.heisenberg(6)
    p = c.parameters()
    states = None if nbatch is None else wq.rand_state(6, nbatch=nbatch, seed=0)
    f = lambda p: np.sum(wq.expect(h, c, p, states))
    results = {}
    for kernel in ("numpy", "numba"):
        with wq.use_kernel(kernel):
            results[kernel] = wengert.value_and_grad(f)(p), wq.apply(c, p, states)
    (e1, g1), psi1 = results["numpy"]
    (e2, g2), psi2 = results["numba"]
    assert abs(e1 - e2) < 1e-12 and numpy.abs(g1 - g2).max() < 1e-12
    assert numpy.abs(psi1 - psi2).max() < 1e-13


def test_wide_circuits_use_several_kronecker_groups():
    # 13 qubits: three groups in the numpy layer kernel; compare with per-gate application
    c = wq.dispatch(wq.variational_circuit(13, 2), "random", seed=0)
    psi = wq.rand_state(13, nbatch=2, seed=1)
    fused = _sweeps.forward(lower(c, 13), Binding(lower(c, 13), c.parameters()), psi)
    program = lower(c, 13, fuse=False)  # parametric gates one by one, no Kronecker products
    with wq.use_kernel("numpy"):
        single = _sweeps.forward(program, Binding(program, c.parameters()), psi)
    assert numpy.abs(fused - single).max() < 1e-13


@pytest.fixture(scope="module")
def deep_circuit():
    """variational_circuit(4, 25000): 300,004 rotations + 100,000 CNOTs = 400,004 gates."""
    return wq.dispatch(wq.variational_circuit(4, 25000), "random", seed=0)


def test_uncompute_drift_after_400k_gates_is_below_1e_12(kernel, deep_circuit):
    # the adjoint sweep uncomputes psi back to psi0 operation by operation; Yao reports
    # 4.9e-14 after 400k gates (REFERENCES.md)
    program = lower(deep_circuit, 4)
    binding = Binding(program, deep_circuit.parameters())
    psi0 = wq.rand_state(4, seed=2)[None]
    psi = _sweeps.forward(program, binding, psi0)
    _, _, phi0 = _sweeps.adjoint(program, binding, psi, wq.heisenberg(4).apply(psi))
    assert numpy.linalg.norm(phi0 - psi0) < 1e-12


def test_set_kernel_validates():
    with pytest.raises(ValueError, match="kernel must be one of"):
        wq.set_kernel("cuda")
    before = wq.get_kernel()
    with wq.use_kernel("numpy"):
        assert wq.get_kernel() == "numpy"
    assert wq.get_kernel() == before
