"""wengert-quantum vs PennyLane lightning.qubit (adjoint) and qulacs, in the same run.

The task of Yao.jl's headline (Luo et al., Quantum 4, 341 (2020)): value and full gradient
of ``<heisenberg(10)>`` on ``variational_circuit(10, depth)`` (``10 (3 depth + 1)``
parameters) from ``|0...0>``, one thread. Every case runs in its own subprocess, so its
peak RSS (``ru_maxrss``) is its own; CPU time is ``time.process_time`` around the call. The
first call includes one-time work (wengert: lowering the circuit, loading numba kernels;
PennyLane: tape construction happens on every call); ratios use the best later call, each
with fresh parameters (so no cache can help). Gradients are checked against wengert's.

Peers: PennyLane pins ``autograd<1.9`` (wengert needs 1.9), so install them elsewhere::

    python -m venv ~/.venvs/quantum-peers
    ~/.venvs/quantum-peers/bin/pip install numpy pennylane pennylane-lightning qulacs
    python benchmarks/quantum_vs_peers.py --peer-python ~/.venvs/quantum-peers/bin/python

Also: the batched forward of B = 1000 states through ``variational_circuit(10, 9)`` (370
gates), in microseconds per gate per state. ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` are
unset for the subprocesses (they slow numpy's BLAS here); the output says if they were set.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy

N_QUBITS = 10
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
UNSET_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
CASES = ("wengert-numba", "wengert-numpy", "pennylane-lightning", "qulacs")


def yao_layout(n, depth):
    """Per rotor set, the gate axes applied to every qubit: Yao's variational_circuit."""
    return [("x", "z")] + [("z", "x", "z")] * (depth - 1) + [("z", "x")]


def initial_params(depth, shift=0.0):
    count = N_QUBITS * (3 * depth + 1)
    return numpy.random.default_rng(0).uniform(0, 2 * numpy.pi, count) + shift


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ===================================================================== workers


def run_wengert(depth, repeat, kernel):
    import wengert
    import wengert_quantum as wq

    wq.set_kernel(kernel)
    circuit, h = wq.variational_circuit(N_QUBITS, depth), wq.heisenberg(N_QUBITS)
    value_and_grad = wengert.value_and_grad(lambda p: wq.expect(h, circuit, p))
    return _timed(lambda p: value_and_grad(p), depth, repeat)


def run_pennylane(depth, repeat):
    import pennylane as qml
    from pennylane import numpy as pnp

    wires = range(N_QUBITS)
    bonds = [(i, (i + 1) % N_QUBITS) for i in wires]
    ops = [P(i) @ P(j) for i, j in bonds for P in (qml.PauliX, qml.PauliY, qml.PauliZ)]
    h = qml.Hamiltonian([1.0] * len(ops), ops)
    dev = qml.device("lightning.qubit", wires=N_QUBITS)
    gate = {"x": qml.RX, "z": qml.RZ}

    @qml.qnode(dev, diff_method="adjoint")
    def energy(params):
        k = 0
        for layer, axes in enumerate(yao_layout(N_QUBITS, depth)):
            if layer:
                for i, j in bonds:
                    qml.CNOT(wires=[i, j])
            for q in wires:
                for axis in axes:
                    gate[axis](params[k], wires=q)
                    k += 1
        return qml.expval(h)

    grad = qml.grad(energy)

    def value_and_grad(p):
        p = pnp.array(p, requires_grad=True)
        return float(energy(p)), numpy.asarray(grad(p))

    return _timed(value_and_grad, depth, repeat)


def run_qulacs(depth, repeat):
    from qulacs import Observable, ParametricQuantumCircuit, QuantumState

    h = Observable(N_QUBITS)
    for i in range(N_QUBITS):
        for axis in "XYZ":
            h.add_operator(1.0, f"{axis} {i} {axis} {(i + 1) % N_QUBITS}")

    def value_and_grad(p):
        # qulacs' RX(a) is exp(+i a X / 2): build with -theta, negate the gradient
        circuit = ParametricQuantumCircuit(N_QUBITS)
        k = 0
        for layer, axes in enumerate(yao_layout(N_QUBITS, depth)):
            if layer:
                for i in range(N_QUBITS):
                    circuit.add_CNOT_gate(i, (i + 1) % N_QUBITS)
            for q in range(N_QUBITS):
                for axis in axes:
                    add = circuit.add_parametric_RX_gate if axis == "x" else \
                        circuit.add_parametric_RZ_gate
                    add(q, -p[k])
                    k += 1
        state = QuantumState(N_QUBITS)
        circuit.update_quantum_state(state)
        value = h.get_expectation_value(state)
        return value, -numpy.asarray(circuit.backprop(h))

    return _timed(value_and_grad, depth, repeat)


def _timed(value_and_grad, depth, repeat):
    rss_before = rss_mb()
    times, first = [], None
    for k in range(repeat):
        p = initial_params(depth, shift=1e-7 * k)
        start = time.process_time()
        value, grad = value_and_grad(p)
        times.append(time.process_time() - start)
        if k == 0:
            first = (float(value), numpy.asarray(grad, dtype=float))
    return {"cpu_first": times[0], "cpu_best": min(times[1:] or times), "energy": first[0],
            "grad": first[1], "rss_before_mb": rss_before, "rss_peak_mb": rss_mb()}


def run_batched(kernel, nbatch=1000):
    import wengert_quantum as wq

    wq.set_kernel(kernel)
    circuit = wq.dispatch(wq.variational_circuit(N_QUBITS, 9), "random", seed=0)
    states = wq.rand_state(N_QUBITS, nbatch=nbatch, seed=1)
    params = circuit.parameters()
    wq.apply(circuit, params, states)  # lowering, kernels
    times = []
    for k in range(5):
        start = time.process_time()
        wq.apply(circuit, params + 1e-9 * (k + 1), states)
        times.append(time.process_time() - start)
    return {"cpu_best": min(times), "us_per_gate_state": min(times) / (370 * nbatch) * 1e6}


def worker(case, depth, repeat, out):
    if case == "batched":
        result = {kernel: run_batched(kernel) for kernel in ("numpy", "numba")}
    elif case.startswith("wengert"):
        result = run_wengert(depth, repeat, case.split("-")[1])
    elif case == "pennylane-lightning":
        result = run_pennylane(depth, repeat)
    else:
        result = run_qulacs(depth, repeat)
    if "grad" in result:
        numpy.save(out, result.pop("grad"))
    result["versions"] = _versions(case)
    print(json.dumps(result))


def _versions(case):
    from importlib import metadata

    names = {"wengert-numba": ["wengert-quantum", "numpy", "numba"],
             "wengert-numpy": ["wengert-quantum", "numpy"], "batched": ["numpy", "numba"],
             "pennylane-lightning": ["pennylane", "pennylane-lightning"], "qulacs": ["qulacs"]}
    found = {}
    for name in names[case]:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "?"
    return found


# ===================================================================== driver


def spawn(python, case, depth, repeat, timeout):
    env = {k: v for k, v in os.environ.items() if k not in UNSET_VARS}
    env.update({var: "1" for var in THREAD_VARS})
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "grad.npy"
        cmd = [python, __file__, "--worker", case, "--depth", str(depth), "--repeat",
               str(repeat), "--out", str(out)]
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout} s"}
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
            return {"error": tail[:120]}
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        if out.exists():
            result["grad"] = numpy.load(out)
        return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--depths", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="calls per case (best of the rest)")
    parser.add_argument("--peer-python", default=os.environ.get("WENGERT_PEER_PYTHON",
                                                                sys.executable))
    parser.add_argument("--skip", nargs="*", default=[], choices=CASES)
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--depth", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.depth, args.repeat, args.out)

    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d')}, Python {platform.python_version()}; one thread "
          f"({', '.join(v + '=1' for v in THREAD_VARS)})")
    was_set = [v for v in UNSET_VARS if v in os.environ]
    print(f"# unset for the subprocesses: {', '.join(was_set) or 'none were set'}")
    print("# heisenberg(10) on variational_circuit(10, depth): value + full gradient")
    header = (f"{'depth':>6} {'library':<22} {'CPU 1st (s)':>11} {'CPU best (s)':>12} "
              f"{'peak RSS (MB)':>13} {'energy':>12} {'max|dgrad|':>10} {'vs numba':>9} "
              f"{'vs numpy':>9}")
    print(header)
    for depth in args.depths:
        results = {}
        for case in CASES:
            if case in args.skip:
                continue
            python = sys.executable if case.startswith("wengert") else args.peer_python
            results[case] = spawn(python, case, depth, args.repeat, args.timeout)
        reference = results.get("wengert-numba", results.get("wengert-numpy", {}))
        for case, r in results.items():
            if "error" in r:
                print(f"{depth:>6} {case:<22} unavailable: {r['error']}")
                continue
            dgrad = numpy.abs(r["grad"] - reference["grad"]).max() if "grad" in reference else 0
            ratios = [r["cpu_best"] / results[k]["cpu_best"] if "cpu_best" in results.get(k, {})
                      else float("nan") for k in ("wengert-numba", "wengert-numpy")]
            print(f"{depth:>6} {case:<22} {r['cpu_first']:>11.3f} {r['cpu_best']:>12.3f} "
                  f"{r['rss_peak_mb']:>13.0f} {r['energy']:>12.8f} {dgrad:>10.1e} "
                  f"{ratios[0]:>8.2f}x {ratios[1]:>8.2f}x   {r['versions']}")
        sys.stdout.flush()
    batched = spawn(sys.executable, "batched", 9, 1, args.timeout)
    print("# batched forward, B = 1000 states, variational_circuit(10, 9) (370 gates):")
    for kernel in ("numpy", "numba"):
        if "error" in batched:
            print(f"#   unavailable: {batched['error']}")
            break
        b = batched[kernel]
        print(f"#   {kernel:<6} {b['cpu_best']:.3f} s CPU = {b['us_per_gate_state']:.3f} us "
              "per gate per state")


if __name__ == "__main__":
    main()
