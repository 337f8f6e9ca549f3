"""GPU vs CPU for wengert-cupy (issue 8): value + gradient of the same differentiable code.

Two modes, so that the CPU side is measured on a CPU machine and the GPU side on the GPU
machine (the issue forbids timing the CPU path on the GPU machine's clock):

    python benchmarks/gpu.py --cpu-baseline [--threads 1]   # writes gpu_cpu_baseline.json
    python benchmarks/gpu.py --gpu [--out DIR/gpu.json]     # reads gpu_cpu_baseline.json

``--cpu-baseline`` measures each benchmark on the CPU, at the issue's size when that takes
at most about a minute, otherwise at smaller sizes, and extrapolates with the algorithm's
scaling: ``time = a + b * model(size)`` fitted to the measured points (``a`` is the
per-call Python overhead, ``model`` is n**3 for a dense eigensolver, 2**n for a state
vector, B for a batch), recording the measured points, the fit and the model. ``--gpu``
measures the GPU side only, reads the baseline, prints speedups and writes them with the
card, date and versions (copy them into packages/cupy/README.md).

Benchmarks (the issue's letters):

(a) ``eigh-loss``: ``L(A) = sum(sin(w)) + sum(V[:, -8:]**4)``, ``(w, V) = eigh(A)``,
    value and gradient, n = 1024, 4096. CPU: ``wengert_linalg.eigh`` (the fastest CPU
    path: its VJP is BLAS matmuls). GPU: ``wengert_linalg.eigh`` on CuPy when its rules run
    there, otherwise autograd's ``numpy.linalg.eigh`` with this plugin's device VJP (the
    variant used is recorded).
(b) ``quantum``: ``wengert_quantum.expect(heisenberg(n), variational_circuit(n, 100), p)``,
    value and gradient (reversible adjoint), n = 20, 22.
(c) ``quantum-batched``: the same with B = 1024 initial states of 12 qubits.
(b') ``ref-circuit``, (c') ``ref-circuit-batched``: a hardware-efficient circuit (RY layers,
    CZ ring, sum of Z_i Z_i+1) written directly in ``wengert.numpy`` with one
    ``wengert.checkpoint`` per layer: the plugin's generic path (NumPy protocols, device
    rules), independent of wengert-quantum's own GPU support; depth 100.
(d) ``hotrg``: wengert-tensornet HOTRG, chi = 48, 20 steps, value and gradient with respect
    to the Ising site tensor (when installed; its CPU cost grows as chi**7).

A benchmark that cannot run says why (``skipped: <reason>``) and the others go on.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import sys
import time
from importlib import metadata

DEPTH = 100
SIZES = {
    "eigh-loss": (1024, 4096),
    "quantum": (20, 22),
    "quantum-batched": (1024,),  # batch size B, 12 qubits
    "ref-circuit": (20, 22),
    "ref-circuit-batched": (1024,),
    "hotrg": (48,),
}
# sizes measured on the CPU when the size would take too long, and the scaling
# model used to extrapolate from the largest of them: time ~ c * model(size)
CPU_PLAN = {
    "eigh-loss": {"measure": (1024, 2048, 4096), "model": "n**3", "repeat": 3},
    "quantum": {"measure": (14, 16, 18, 20), "model": "2**n", "repeat": 2},
    "quantum-batched": {"measure": (32, 64, 128), "model": "B", "repeat": 2},
    "ref-circuit": {"measure": (12, 14, 16), "model": "2**n", "repeat": 1},
    "ref-circuit-batched": {"measure": (16, 32, 64), "model": "B", "repeat": 1},
    "hotrg": {"measure": (8, 12, 16, 20), "model": "chi**7", "repeat": 2},
}
BATCH_QUBITS = 12


def _model(name: str, size: int) -> float:
    return {"n**3": lambda s: float(s) ** 3, "2**n": lambda s: 2.0**s,
            "B": float, "chi**7": lambda s: float(s) ** 7}[CPU_PLAN[name]["model"]](size)


# ---------------------------------------------------------------- the benchmarks


class Skip(Exception):
    """The benchmark cannot run here; the message says why."""


def _eigh_loss(eigh):
    import wengert.numpy as np

    def loss(a):
        w, v = eigh(a)
        return np.sum(np.sin(w)) + np.sum(v[:, -8:] ** 4)

    return loss


def _symmetric(n: int, seed: int = 0):
    import numpy

    a = numpy.random.default_rng(seed).standard_normal((n, n)) / math.sqrt(n)
    return 0.5 * (a + a.T)


def make_eigh(xp, n: int, device: bool):
    """(function of the input, input, variant)."""
    import wengert
    import wengert.numpy as np

    a = _symmetric(n)
    try:
        import wengert_linalg
    except ImportError:
        wengert_linalg = None
    if not device:
        if wengert_linalg is None:
            return _eigh_loss(np.linalg.eigh), a, "numpy.linalg.eigh (autograd)"
        return _eigh_loss(wengert_linalg.eigh), a, "wengert_linalg.eigh"
    x = xp.asarray(a)
    if wengert_linalg is not None and "cupy" in wengert_linalg.eigh.backends:
        small = xp.asarray(_symmetric(16, 1))
        try:
            wengert.value_and_grad(_eigh_loss(wengert_linalg.eigh))(small)
        except TypeError as exc:
            why = str(exc).split(".")[0]
            variant = f"numpy.linalg.eigh + device VJP (wengert_linalg.eigh: {why})"
        else:
            return _eigh_loss(wengert_linalg.eigh), x, "wengert_linalg.eigh"
    else:
        variant = "numpy.linalg.eigh + device VJP (wengert_linalg.eigh has no cupy implementation)"
    return _eigh_loss(np.linalg.eigh), x, variant


def make_quantum(xp, size: int, device: bool, batched: bool):
    import numpy

    try:
        import wengert_quantum as wq
    except ImportError as exc:
        raise Skip(f"wengert-quantum is not installed ({exc})") from None
    import wengert

    if device and "cupy" not in wengert.registry().primitives["quantum.expect"].backends:
        raise Skip("quantum.expect has no cupy implementation (wengert-quantum's sweeps "
                   "convert states to host arrays; see packages/cupy/README.md)")
    n = BATCH_QUBITS if batched else size
    circuit = wq.variational_circuit(n, DEPTH)
    ham = wq.heisenberg(n)
    rng = numpy.random.default_rng(0)
    params = 0.1 * rng.standard_normal(circuit.nparameters)
    state = None
    if batched:
        state = rng.standard_normal((size, 2**n)) + 1j * rng.standard_normal((size, 2**n))
        state /= numpy.linalg.norm(state, axis=1, keepdims=True)
    if device:
        params = xp.asarray(params)
        state = None if state is None else xp.asarray(state)
    import wengert.numpy as np

    def loss(p):
        value = wq.expect(ham, circuit, p, state) if batched else wq.expect(ham, circuit, p)
        return np.sum(value)

    kernel = wq.get_kernel() if hasattr(wq, "get_kernel") else "?"
    return loss, params, f"wengert_quantum.expect ({'cupy' if device else kernel} kernels)"


def _ref_constants(xp, n: int):
    """``sum_i Z_i Z_{i+1}`` (ring) as a diagonal, and the CZ-ring phases, on ``xp``."""
    idx = xp.arange(2**n)
    zz = xp.zeros(2**n)
    cz = xp.ones(2**n)
    for i in range(n):
        j = (i + 1) % n
        bi, bj = (idx >> i) & 1, (idx >> j) & 1
        zz += (1 - 2 * bi) * (1 - 2 * bj)
        cz *= 1 - 2 * (bi & bj)
    return zz, cz


def make_ref_circuit(xp, size: int, device: bool, batched: bool):
    import numpy

    import wengert
    import wengert.numpy as np

    n = BATCH_QUBITS if batched else size
    batch = size if batched else 1
    zz, cz = _ref_constants(xp, n)
    psi0 = xp.zeros((batch, 2**n))
    psi0[:, 0] = 1.0
    theta = numpy.random.default_rng(0).uniform(0, 2 * numpy.pi, (DEPTH, n))
    if device:
        theta = xp.asarray(theta)

    def layer(psi, angles):
        for q in range(n):
            c, s = np.cos(angles[q] / 2), np.sin(angles[q] / 2)
            r = np.reshape(np.stack([c, -s, s, c]), (2, 2))
            psi = np.einsum("ab,ibj->iaj", r, np.reshape(psi, (-1, 2, 2**q)))
        return np.reshape(psi, (batch, 2**n)) * cz

    step = wengert.checkpoint(layer)

    def loss(angles):
        psi = psi0
        for k in range(DEPTH):
            psi = step(psi, angles[k])
        return np.sum(zz * psi**2) / batch

    return loss, theta, "wengert.numpy reference circuit (checkpointed layers)"


def make_hotrg(xp, chi: int, device: bool):
    """``ln Z`` per site of the Ising model at beta = 0.44 by HOTRG (20 steps), differentiated
    with respect to the site tensor."""
    try:
        import wengert_tensornet as tn
    except ImportError as exc:
        raise Skip(f"wengert-tensornet is not installed ({exc})") from None
    import wengert

    tensor = tn.ising_tensor(0.44)
    loss = lambda t: tn.hotrg(t, chi, 20)  # noqa: E731
    if not device:
        return loss, tensor, "wengert_tensornet.hotrg"
    x = xp.asarray(tensor)
    try:
        wengert.value_and_grad(lambda t: tn.hotrg(t, 4, 4))(x)
    except Exception as exc:
        raise Skip(f"HOTRG does not run on the device yet: {type(exc).__name__}: "
                   f"{str(exc)[:200]}") from None
    return loss, x, "wengert_tensornet.hotrg"


def make(name: str, size: int, xp, device: bool):
    if name == "eigh-loss":
        return make_eigh(xp, size, device)
    if name.startswith("quantum"):
        return make_quantum(xp, size, device, batched=name.endswith("batched"))
    if name.startswith("ref-circuit"):
        return make_ref_circuit(xp, size, device, batched=name.endswith("batched"))
    if name == "hotrg":
        return make_hotrg(xp, size, device)
    raise ValueError(name)


# ---------------------------------------------------------------- timing


def time_value_and_grad(fun, x, *, sync, repeat: int, budget_s: float) -> dict:
    """Median and best of ``repeat`` timed runs after one warm-up (stops at the budget)."""
    import wengert

    vg = wengert.value_and_grad(fun)
    start = time.perf_counter()
    value, _ = vg(x)
    sync()
    warm = time.perf_counter() - start
    runs = []
    while len(runs) < repeat and sum(runs) + warm < budget_s:
        start = time.perf_counter()
        value, grad = vg(x)
        sync()
        runs.append(time.perf_counter() - start)
    runs = runs or [warm]
    runs.sort()
    return {"median_s": runs[len(runs) // 2], "best_s": runs[0], "runs": len(runs),
            "warmup_s": warm, "value": float(wengert.to_numpy(value))}


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for dist in ("wengert", "wengert-cupy", "wengert-linalg", "wengert-quantum",
                 "wengert-tensornet", "autograd", "numpy", "scipy", "cupy-cuda13x",
                 "cupy-cuda12x", "numba"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# ---------------------------------------------------------------- modes


def cpu_baseline(args) -> dict:
    import numpy

    out = {"mode": "cpu-baseline", "date": datetime.date.today().isoformat(),
           "machine": {"cpu": _cpu_name(), "cores_visible": os.cpu_count(),
                       "threads": args.threads}, "versions": _versions(),
           "note": "shared machine: expect a few percent of noise", "benchmarks": {}}
    for name in args.only or SIZES:
        plan = CPU_PLAN[name]
        entry = {"model": f"time ~ c * {plan['model']}", "measured": {}, "targets": {}}
        out["benchmarks"][name] = entry
        print(f"[cpu] {name}", flush=True)
        for size in plan["measure"]:
            try:
                fun, x, variant = make(name, size, numpy, device=False)
                timing = time_value_and_grad(fun, x, sync=lambda: None,
                                             repeat=min(args.repeat, plan["repeat"]),
                                             budget_s=args.budget_s)
            except Skip as exc:
                entry["skipped"] = str(exc)
                print(f"  skipped: {exc}", flush=True)
                break
            timing["variant"] = variant
            entry["measured"][str(size)] = timing
            print(f"  size {size}: {timing['median_s']:.3f} s ({variant})", flush=True)
            if timing["median_s"] > args.stop_after_s:
                break
        if not entry["measured"]:
            continue
        a, b, how = _fit(name, {int(k): v["median_s"] for k, v in entry["measured"].items()})
        entry["fit"] = {"a_s": a, "b_s": b, "how": how}
        for size in SIZES[name]:
            if str(size) in entry["measured"]:
                entry["targets"][str(size)] = {"seconds": entry["measured"][str(size)]["median_s"],
                                               "how": "measured"}
            else:
                entry["targets"][str(size)] = {"seconds": a + b * _model(name, size),
                                               "how": f"extrapolated: {how}"}
    return out


def _fit(name: str, points: dict[int, float]) -> tuple[float, float, str]:
    """``time = a + b * model(size)`` by least squares (``a >= 0``); one point: ``a = 0``."""
    import numpy

    sizes = sorted(points)
    model = CPU_PLAN[name]["model"]
    span = f"sizes {sizes[0]}..{sizes[-1]}" if len(sizes) > 1 else f"size {sizes[0]}"
    if len(sizes) > 1:
        m = numpy.array([[1.0, _model(name, s)] for s in sizes])
        (a, b), *_ = numpy.linalg.lstsq(m, numpy.array([points[s] for s in sizes]), rcond=None)
        if a >= 0 and b > 0:
            return float(a), float(b), f"a + b*{model} fitted to {span}"
    largest = sizes[-1]
    return 0.0, points[largest] / _model(name, largest), f"b*{model} through size {largest}"


def gpu_run(args) -> dict:
    import wengert_cupy

    ok, reason = wengert_cupy.available()
    if not ok:
        raise SystemExit(f"the cupy backend is unavailable here: {reason}")
    import cupy

    wengert_cupy.enable()
    baseline = {}
    if args.baseline and os.path.exists(args.baseline):
        with open(args.baseline) as f:
            baseline = json.load(f)
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    out = {"mode": "gpu", "date": datetime.date.today().isoformat(),
           "machine": {"gpu": name, "cpu_of_baseline": baseline.get("machine", {})},
           "versions": _versions(), "benchmarks": {}}
    out["versions"]["cuda_runtime"] = cupy.cuda.runtime.runtimeGetVersion()
    out["versions"]["cuda_driver"] = cupy.cuda.runtime.driverGetVersion()

    def sync():
        cupy.cuda.Device().synchronize()

    deadline = time.perf_counter() + args.budget_s
    for bench in args.only or SIZES:
        entry = out["benchmarks"].setdefault(bench, {})
        for size in SIZES[bench]:
            key = str(size)
            if time.perf_counter() > deadline:
                entry[key] = {"skipped": "GPU time budget spent"}
                continue
            print(f"[gpu] {bench} size {size}", flush=True)
            try:
                fun, x, variant = make(bench, size, cupy, device=True)
                timing = time_value_and_grad(
                    fun, x, sync=sync, repeat=args.repeat,
                    budget_s=max(1.0, min(args.budget_s / 4, deadline - time.perf_counter())))
            except Skip as exc:
                entry[key] = {"skipped": str(exc)}
                print(f"  skipped: {exc}", flush=True)
                continue
            except Exception as exc:  # report and go on with the others
                entry[key] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
                print(f"  error: {type(exc).__name__}: {exc}"[:500], flush=True)
                continue
            timing["variant"] = variant
            cpu = baseline.get("benchmarks", {}).get(bench, {}).get("targets", {}).get(key)
            if cpu:
                timing["cpu_s"], timing["cpu_how"] = cpu["seconds"], cpu["how"]
                timing["speedup"] = cpu["seconds"] / timing["median_s"]
            entry[key] = timing
            print(f"  {timing['median_s']:.4f} s ({variant})"
                  + (f", CPU {cpu['seconds']:.2f} s ({cpu['how']}): "
                     f"{timing['speedup']:.1f}x" if cpu else ""), flush=True)
            cupy.get_default_memory_pool().free_all_blocks()
    return out


def _table(result: dict) -> str:
    rows = [("benchmark", "size", "CPU s", "GPU s", "speedup", "note")]
    for bench, entry in result["benchmarks"].items():
        for size, t in entry.items():
            if not isinstance(t, dict) or size in ("measured", "targets", "model"):
                continue
            if "skipped" in t or "error" in t:
                rows.append((bench, size, "", "", "", t.get("skipped") or t.get("error")))
                continue
            rows.append((bench, size, f"{t.get('cpu_s', float('nan')):.3f}",
                         f"{t['median_s']:.4f}", f"{t.get('speedup', float('nan')):.1f}x",
                         t.get("cpu_how", "")))
    widths = [max(len(str(r[i])) for r in rows) for i in range(5)]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r[:5], widths)) + "  " + r[5]
                     for r in rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--cpu-baseline", action="store_true", help="measure the CPU side")
    mode.add_argument("--gpu", action="store_true", help="measure the GPU side")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (baseline mode)")
    parser.add_argument("--baseline", default=os.path.join(os.path.dirname(__file__),
                                                           "gpu_cpu_baseline.json"))
    parser.add_argument("--out", default=None, help="JSON file to write")
    parser.add_argument("--only", nargs="*", choices=sorted(SIZES), help="these benchmarks")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget-s", type=float, default=120.0,
                        help="time budget: per size on the CPU, for the whole run on the GPU")
    parser.add_argument("--stop-after-s", type=float, default=45.0,
                        help="CPU: measure no larger size once one takes this long")
    args = parser.parse_args(argv)
    if args.cpu_baseline:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMBA_NUM_THREADS"):
            os.environ[var] = str(args.threads)
        result = cpu_baseline(args)
        default_out = args.baseline
        target = args.out or default_out
        if args.only and os.path.exists(target):  # update these benchmarks, keep the others
            with open(target) as f:
                merged = json.load(f)
            merged["benchmarks"].update(result["benchmarks"])
            merged.setdefault("updates", []).append(
                {"date": result["date"], "benchmarks": sorted(result["benchmarks"]),
                 "versions": result["versions"]})
            result = merged
    else:
        result = gpu_run(args)
        default_out = None
        print("\n" + _table(result))
    out = args.out or default_out
    if out:
        with open(out, "w") as f:
            json.dump(result, f, indent=1, sort_keys=True)
        print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
