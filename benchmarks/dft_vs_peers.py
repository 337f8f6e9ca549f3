"""RHF/6-31G energy + nuclear gradient: wengert-dft vs PySCF vs pyscfad, single thread.

Each row times one call that returns the energy and the gradient dE/dR:

* ``wengert-dft``: ``wengert.value_and_grad(lambda c: energy(mol, coords=c))`` - the SCF in
  numpy, then one reverse pass (fixed-point adjoint + integral derivative primitives).
  There is no JIT: after a warm-up on H2 (module imports, the Boys table), first and later
  calls cost the same.
* ``PySCF``: ``RHF(mol).kernel()`` + ``nuc_grad_method().kernel()`` (analytic gradients,
  libcint).
* ``pyscfad``: ``jax.value_and_grad`` of ``RHF(mol).kernel()`` (PySCF on JAX); the first
  call includes JAX's tracing and compilation, the second is reported separately.

All three use the same basis data (the package's Basis Set Exchange 6-31G, handed to PySCF
and pyscfad as an explicit basis dict) and converge to 1e-10 or tighter; the energies are
printed so the agreement can be seen. Threads are pinned to one before numpy is imported.

Run: ``python benchmarks/dft_vs_peers.py [--skip-benzene] [--skip-pyscfad]``.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      "intra_op_parallelism_threads=1")

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from importlib import metadata  # noqa: E402

import numpy  # noqa: E402

import wengert  # noqa: E402
from wengert_dft import Molecule, energy  # noqa: E402

WATER = "O 0 0 0; H 0 -0.757 0.587; H 0 0.757 0.587"
BENZENE = (
    "C 0.0000 1.3970 0.0; C 1.2098 0.6985 0.0; C 1.2098 -0.6985 0.0; "
    "C 0.0000 -1.3970 0.0; C -1.2098 -0.6985 0.0; C -1.2098 0.6985 0.0; "
    "H 0.0000 2.4810 0.0; H 2.1486 1.2405 0.0; H 2.1486 -1.2405 0.0; "
    "H 0.0000 -2.4810 0.0; H -2.1486 -1.2405 0.0; H -2.1486 1.2405 0.0"
)


def _timed(fun):
    start = time.perf_counter()
    out = fun()
    return time.perf_counter() - start, out


def run_wengert(mol):
    value_and_grad = wengert.value_and_grad(lambda c: energy(mol, coords=c))
    seconds, (e, g) = _timed(lambda: value_and_grad(mol.coords))
    return seconds, float(e), g


def run_pyscf(mol):
    from pyscf import scf

    pmol = mol.to_pyscf()
    pmol.verbose = 0

    def call():
        mf = scf.RHF(pmol)
        mf.conv_tol = 1e-10
        e = mf.kernel()
        return e, mf.nuc_grad_method().kernel()

    seconds, (e, g) = _timed(call)
    return seconds, float(e), g


def run_pyscfad(mol):
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
    first, _ = _timed(lambda: value_and_grad(pmol))
    second, (e, g) = _timed(lambda: value_and_grad(pmol))
    return first, second, float(e), numpy.asarray(g.coords)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-benzene", action="store_true")
    parser.add_argument("--skip-pyscfad", action="store_true")
    args = parser.parse_args()
    versions = {name: metadata.version(name) for name in
                ("wengert", "wengert-dft", "numpy", "pyscf", "pyscfad", "jax")
                if _installed(name)}
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()},"
          f" single thread; " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    # warm-up (imports of scipy.sparse & co., the Boys table): not part of any timing
    run_wengert(Molecule("H 0 0 0; H 0 0 0.74", "sto-3g"))
    systems = [("H2O", WATER)] + ([] if args.skip_benzene else [("benzene", BENZENE)])
    print("| system | nao | wengert-dft (s) | PySCF (s) | pyscfad 1st call (s) | "
          "pyscfad 2nd call (s) | wengert/PySCF | pyscfad 2nd/wengert | max dE, dG |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, atoms in systems:
        mol = Molecule(atoms, "6-31g")
        t_w, e_w, g_w = run_wengert(mol)
        t_p, e_p, g_p = run_pyscf(mol)
        diffs = [abs(e_w - e_p), float(numpy.abs(g_w - g_p).max())]
        if args.skip_pyscfad:
            t_a1 = t_a2 = float("nan")
        else:
            t_a1, t_a2, e_a, g_a = run_pyscfad(mol)
            diffs = [max(diffs[0], abs(e_w - e_a)),
                     max(diffs[1], float(numpy.abs(g_w - g_a).max()))]
        print(f"| {name} | {mol.nao} | {t_w:.2f} | {t_p:.2f} | {t_a1:.2f} | {t_a2:.2f} | "
              f"{t_w / t_p:.1f}x | {t_a2 / t_w:.1f}x | {diffs[0]:.1e}, {diffs[1]:.1e} |",
              flush=True)


def _installed(name):
    try:
        metadata.version(name)
        return True
    except metadata.PackageNotFoundError:
        return False


if __name__ == "__main__":
    main()
