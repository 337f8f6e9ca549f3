"""wengert-coils vs simsopt: Biot-Savart field and its gradient with respect to every coil dof.

The task: 16 coils, each a Fourier curve of order 6 sampled at 128 points (perturbed
circles of radius 0.5 m around R = 1 m, 100 kA), and a 64 x 64 grid on the full torus of a
rotating-ellipse surface (4096 points). Timed:

* ``field``: ``B`` at the 4096 points (simsopt: ``set_points`` + ``B()``, the cache
  invalidated by ``set_points``; ours: ``coils.biot_savart``);
* ``field + gradient``: ``J = sum_i w_i (B_i . n_i)^2`` (the unnormalized quadratic flux)
  and its gradient with respect to all 16 x 3 x 13 Fourier coefficients and the 16
  currents (simsopt: ``B()`` then ``B_vjp(2 w (B.n) n)`` contracted to the coil dofs, its
  analytic C++ derivative; ours: ``wengert.value_and_grad`` through ``FourierCurve.points``
  and the primitive's hand-written VJP).

One thread for both (``OMP_NUM_THREADS=1`` etc.; simsopt is OpenMP-parallel otherwise),
wall time, best of ``--repeat`` calls in each of ``--rounds`` interleaved rounds. The peer
runs in its own interpreter so it can live in another venv::

    python -m venv ~/.venvs/coils-peers && ~/.venvs/coils-peers/bin/pip install simsopt
    python benchmarks/coils.py --peer-python ~/.venvs/coils-peers/bin/python

The peer's field and gradient are compared with ours (max relative difference).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
NCOILS, ORDER, NQUAD, NGRID = 16, 6, 128, 64


def problem(path: Path) -> None:
    """Write the coils (our coefficient layout), currents and surface data to ``path``."""
    from wengert_coils import CoilSet, Surface

    coils = CoilSet.circular(NCOILS, 1.0, 0.5, 1e5, order=ORDER, nquad=NQUAD)
    rng = numpy.random.default_rng(0)
    coef = coils.coefficients + rng.normal(scale=0.02, size=coils.coefficients.shape)
    currents = coils.currents * rng.uniform(0.9, 1.1, NCOILS)
    surface = Surface.rotating_ellipse(1.0, 0.15, 0.05, nfp=2, nphi=NGRID, ntheta=NGRID)
    numpy.savez(
        path,
        coefficients=coef,
        currents=currents,
        points=surface.points.reshape(-1, 3),
        normals=surface.unit_normal.reshape(-1, 3),
        weights=surface.area_weights.reshape(-1),
    )


def _best(fun, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fun()
        times.append(time.perf_counter() - start)
    return min(times), out


# ===================================================================== workers


def run_wengert(data, repeat):
    import wengert
    import wengert.numpy as np
    from wengert_coils import FourierCurve, biot_savart

    curve = FourierCurve(ORDER, NQUAD)
    x, n, w = data["points"], data["normals"], data["weights"]

    def flux(coef, currents):
        b = biot_savart(curve.points(coef), currents, x)
        return np.sum(w * np.sum(b * n, axis=1) ** 2)

    value_and_grad = wengert.value_and_grad(flux, (0, 1))
    coef, currents = data["coefficients"], data["currents"]
    t_field, b = _best(lambda: biot_savart(curve.points(coef), currents, x), repeat)
    t_grad, (value, (g_coef, g_cur)) = _best(lambda: value_and_grad(coef, currents), repeat)
    return {
        "field": t_field,
        "grad": t_grad,
        "B": b,
        "J": float(value),
        "g_coef": g_coef,
        "g_cur": g_cur,
    }


def run_simsopt(data, repeat):
    from simsopt.field import BiotSavart, Coil, Current
    from simsopt.geo import CurveXYZFourier

    coils = []
    for coef, current in zip(data["coefficients"], data["currents"]):
        curve = CurveXYZFourier(NQUAD, ORDER)
        curve.x = _to_simsopt(coef)
        coils.append(Coil(curve, Current(current)))
    bs = BiotSavart(coils)
    x, n, w = data["points"], data["normals"], data["weights"]

    def field():
        bs.set_points(x)
        return bs.B().copy()

    def value_and_grad():
        b = field()
        bn = numpy.sum(b * n, axis=1)
        grad = bs.B_vjp(2.0 * (w * bn)[:, None] * n)(bs)
        return numpy.sum(w * bn**2), grad

    t_field, b = _best(field, repeat)
    t_grad, (value, grad) = _best(value_and_grad, repeat)
    g_coef, g_cur = _from_simsopt(bs.dof_names, grad)
    return {
        "field": t_field,
        "grad": t_grad,
        "B": b,
        "J": float(value),
        "g_coef": g_coef,
        "g_cur": g_cur,
    }


def _to_simsopt(coef):
    """Our ``(3, 2 order + 1)`` ``[c_0, c_1..c_o, s_1..s_o]`` to simsopt's ``xc(0), xs(1), ...``."""
    out = []
    for row in coef:
        out.append(row[0])
        for m in range(1, ORDER + 1):
            out += [row[ORDER + m], row[m]]
    return numpy.array(out)


def _from_simsopt(names, grad):
    """simsopt's gradient (by dof name) in our layout: ``(ncoils, 3, ncoef)``, ``(ncoils,)``."""
    curves, currents = {}, {}
    for name, value in zip(names, grad):
        owner, dof = name.split(":")  # "CurveXYZFourier3:ys(2)", "Current3:x0"
        if owner.startswith("Current"):
            currents[owner] = value
            continue
        m = int(dof[3:-1])
        index = m if dof[1] == "c" else ORDER + m
        coef = curves.setdefault(owner, numpy.zeros((3, 2 * ORDER + 1)))
        coef["xyz".index(dof[0]), index] = value
    return numpy.array(list(curves.values())), numpy.array(list(currents.values()))


def _versions(case):
    from importlib import metadata

    names = {
        "wengert": ["wengert", "wengert-coils", "numpy", "autograd"],
        "simsopt": ["simsopt", "numpy"],
    }[case]
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "?"
    return found


def worker(case, data_path, repeat, out):
    data = dict(numpy.load(data_path))
    result = (run_wengert if case == "wengert" else run_simsopt)(data, repeat)
    numpy.savez(out, **{k: result.pop(k) for k in ("B", "g_coef", "g_cur")})
    result["versions"] = _versions(case)
    print(json.dumps(result))


# ===================================================================== driver


def spawn(python, case, data_path, repeat, timeout):
    env = dict(os.environ)
    env.update({var: "1" for var in THREAD_VARS})
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "arrays.npz"
        cmd = [
            python,
            __file__,
            "--worker",
            case,
            "--data",
            str(data_path),
            "--repeat",
            str(repeat),
            "--out",
            str(out),
        ]
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout} s"}
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
            return {"error": tail[:160]}
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result.update(dict(numpy.load(out)))
        return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="calls per round (best counts)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per library")
    parser.add_argument(
        "--peer-python", default=os.environ.get("WENGERT_PEER_PYTHON", sys.executable)
    )
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.data, args.repeat, args.out)

    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d %H:%M')}, Python {platform.python_version()}; one thread; "
        f"load average {os.getloadavg()[0]:.2f} at start"
    )
    print(
        f"# {NCOILS} coils x {NQUAD} points (Fourier order {ORDER}), {NGRID}x{NGRID} surface "
        "points; wall time, best of repeat x rounds"
    )
    with tempfile.TemporaryDirectory() as tmp:
        data_path = Path(tmp) / "problem.npz"
        problem(data_path)
        best = {}
        for _ in range(args.rounds):
            for case, python in (("wengert", sys.executable), ("simsopt", args.peer_python)):
                r = spawn(python, case, data_path, args.repeat, args.timeout)
                if "error" in r:
                    best.setdefault(case, r)
                    continue
                prev = best.get(case)
                if prev is None or "error" in prev:
                    best[case] = r
                else:
                    prev["field"] = min(prev["field"], r["field"])
                    prev["grad"] = min(prev["grad"], r["grad"])
    print(f"# load average {os.getloadavg()[0]:.2f} at end")
    ours = best["wengert"]
    if "error" in ours:
        raise SystemExit(f"wengert-coils failed: {ours['error']}")
    print("# ratios: wengert-coils time / this library's time (> 1: wengert-coils is slower)")
    print(
        f"{'library':<10} {'field (ms)':>11} {'field+grad (ms)':>16} {'ratio field':>12} "
        f"{'ratio f+g':>10} {'max|dB|/max|B|':>15} {'max|dgrad|/max|grad|':>21}  versions"
    )
    for case in ("wengert", "simsopt"):
        r = best.get(case, {"error": "not run"})
        if "error" in r:
            print(f"{case:<10} unavailable: {r['error']}")
            continue
        db = numpy.abs(r["B"] - ours["B"]).max() / numpy.abs(ours["B"]).max()
        grads = [(r[k], ours[k]) for k in ("g_coef", "g_cur")]
        dg = max(numpy.abs(a - b).max() / numpy.abs(b).max() for a, b in grads)
        print(
            f"{case:<10} {1e3 * r['field']:>11.1f} {1e3 * r['grad']:>16.1f} "
            f"{ours['field'] / r['field']:>11.2f}x {ours['grad'] / r['grad']:>9.2f}x "
            f"{db:>15.1e} {dg:>21.1e}  {r['versions']}"
        )


if __name__ == "__main__":
    sys.exit(main())
