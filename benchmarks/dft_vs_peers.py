"""RHF/6-31G energy + nuclear gradient: wengert-dft vs PySCF vs pyscfad, single thread.

Each row times one call that returns the energy and the gradient dE/dR:

* ``wengert-dft``: ``wengert.value_and_grad(lambda c: energy(mol, coords=c))`` - the SCF in
  numpy, then one reverse pass (the variational gradient rule: integral derivative
  primitives contracted with the density, energy-weighted density and two-particle
  density; no response is needed at first order).
  There is no JIT: after a warm-up on H2 (module imports, the Boys table), first and later
  calls cost the same.
* ``PySCF``: ``RHF(mol).kernel()`` + ``nuc_grad_method().kernel()`` (analytic gradients,
  libcint).
* ``pyscfad``: ``jax.value_and_grad`` of ``RHF(mol).kernel()`` (PySCF on JAX); the first
  call includes JAX's tracing and compilation and is reported separately from the warm
  calls.
* ``wengert-dft, libcint values``: the same with ``set_integral_provider("pyscf")`` (integral
  values from libcint, every derivative still from the package's numpy engine).

The calls run in interleaved rounds (``--repeats``, default 3) and each column reports the
minimum wall time, with the process CPU time in parentheses, and the 1-minute load average
seen at the start of the rounds: on a shared machine the minima and the CPU times are the
numbers to compare.

All use the same basis data (the package's Basis Set Exchange 6-31G, handed to PySCF and
pyscfad as an explicit basis dict) and converge to 1e-10 or tighter; the largest energy and
gradient differences to the wengert-dft result are printed so the agreement can be seen.
Threads are pinned to one before numpy is imported.

Run: ``python benchmarks/dft_vs_peers.py [--skip-benzene] [--skip-pyscfad] [--repeats N]``.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from importlib import metadata  # noqa: E402

import numpy  # noqa: E402

import wengert  # noqa: E402
from wengert_dft import Molecule, energy, set_integral_provider  # noqa: E402

WATER = "O 0 0 0; H 0 -0.757 0.587; H 0 0.757 0.587"
BENZENE = (
    "C 0.0000 1.3970 0.0; C 1.2098 0.6985 0.0; C 1.2098 -0.6985 0.0; "
    "C 0.0000 -1.3970 0.0; C -1.2098 -0.6985 0.0; C -1.2098 0.6985 0.0; "
    "H 0.0000 2.4810 0.0; H 2.1486 1.2405 0.0; H 2.1486 -1.2405 0.0; "
    "H 0.0000 -2.4810 0.0; H -2.1486 -1.2405 0.0; H -2.1486 1.2405 0.0"
)


def _timed(fun):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fun()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def wengert_call(mol, provider="numpy"):
    value_and_grad = wengert.value_and_grad(lambda c: energy(mol, coords=c))

    def call():
        previous = set_integral_provider(provider)
        try:
            e, g = value_and_grad(mol.coords)
        finally:
            set_integral_provider(previous)
        return float(e), numpy.asarray(g)

    return call


def pyscf_call(mol):
    from pyscf import scf

    pmol = mol.to_pyscf()
    pmol.verbose = 0

    def call():
        mf = scf.RHF(pmol)
        mf.conv_tol = 1e-10
        e = mf.kernel()
        return float(e), numpy.asarray(mf.nuc_grad_method().kernel())

    return call


def pyscfad_call(mol):
    import jax

    jax.config.update("jax_enable_x64", True)
    from pyscfad import gto, scf

    pmol = gto.Mole()
    pmol.atom = [(s, tuple(c)) for s, c in zip(mol.symbols, mol.coords)]
    pmol.unit = "Bohr"
    pmol.basis = mol.basis.pyscf_basis()
    pmol.verbose = 0
    pmol.build(trace_exp=False, trace_ctr_coeff=False)

    def e_fun(m):
        mf = scf.RHF(m)
        mf.conv_tol = 1e-10
        return mf.kernel()

    value_and_grad = jax.value_and_grad(e_fun)

    def call():
        e, g = value_and_grad(pmol)
        return float(e), numpy.asarray(g.coords)

    return call


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-benzene", action="store_true")
    parser.add_argument("--skip-pyscfad", action="store_true")
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="interleaved rounds; minima are reported (pyscfad's first call "
        "is its round 1, its warm time the minimum over the later rounds)",
    )
    args = parser.parse_args()
    if args.repeats < 2:
        parser.error("--repeats must be at least 2 (pyscfad needs a warm round)")
    versions = {
        name: metadata.version(name)
        for name in ("wengert", "wengert-dft", "numpy", "pyscf", "pyscfad", "jax")
        if _installed(name)
    }
    print(
        f"# {platform.processor() or platform.machine()}, Python {platform.python_version()},"
        f" single thread, {args.repeats} interleaved rounds, minimum wall time (CPU time); "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
    )
    # warm-up (imports of scipy.sparse & co., the Boys table): not part of any timing
    wengert_call(Molecule("H 0 0 0; H 0 0 0.74", "sto-3g"))()
    systems = [("H2O", WATER)] + ([] if args.skip_benzene else [("benzene", BENZENE)])
    print(
        "| system | nao | wengert-dft (s) | wengert-dft, libcint values (s) | PySCF (s) | "
        "pyscfad 1st call (s) | pyscfad warm (s) | wengert/PySCF | pyscfad warm/wengert | "
        "max dE, dG | load |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, atoms in systems:
        mol = Molecule(atoms, "6-31g")
        calls = {"w": wengert_call(mol), "wl": wengert_call(mol, "pyscf"), "p": pyscf_call(mol)}
        if not args.skip_pyscfad:
            calls["a"] = pyscfad_call(mol)
        times = {k: [] for k in calls}
        results = {}
        loads = []
        for _ in range(args.repeats):
            loads.append(os.getloadavg()[0])
            for key, call in calls.items():
                wall, cpu, results[key] = _timed(call)
                times[key].append((wall, cpu))
        e_w, g_w = results["w"]
        diffs = [
            max(abs(e_w - e) for e, _ in results.values()),
            max(float(numpy.abs(g_w - g).max()) for _, g in results.values()),
        ]

        def best(key, rounds=slice(None), times=times):
            if key not in times:
                return (float("nan"),) * 2
            return min(times[key][rounds])

        w, wl, p = best("w"), best("wl"), best("p")
        a1, a2 = best("a", slice(0, 1)), best("a", slice(1, None))
        cell = lambda t: f"{t[0]:.2f} ({t[1]:.2f})"  # noqa: E731
        print(
            f"| {name} | {mol.nao} | {cell(w)} | {cell(wl)} | {cell(p)} | {cell(a1)} | "
            f"{cell(a2)} | {w[0] / p[0]:.1f}x ({w[1] / p[1]:.1f}x) | "
            f"{a2[0] / w[0]:.1f}x ({a2[1] / w[1]:.1f}x) | "
            f"{diffs[0]:.1e}, {diffs[1]:.1e} | {min(loads):.1f}-{max(loads):.1f} |",
            flush=True,
        )


def _installed(name):
    try:
        metadata.version(name)
        return True
    except metadata.PackageNotFoundError:
        return False


if __name__ == "__main__":
    main()
