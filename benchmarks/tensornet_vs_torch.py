"""wengert-tensornet against PyTorch written the way tensorgrad does it (CPU, one thread).

Same algorithms, same inputs, one process:

1. HOTRG ``ln Z`` of the 2D Ising model and its gradient with respect to beta (HOTRG with
   the isometry from the Gram matrix's eigenvectors; the torch side differentiates
   ``eigh`` with tensorgrad's ``adlib/eigh.py`` rule: a symmetric adjoint with a safe
   inverse, since torch's own rule gives NaN at the exactly zero eigenvalues here).
2. The gradient of the D = 2 iPEPS Heisenberg energy (chi = 16) with respect to the site
   tensor: tensorgrad's ``ipeps.py`` / ``ctmrg.py`` / ``measure.py`` (symmetrize, double
   layer, CTMRG unrolled from the T-sum start until the corner spectrum changes by less
   than 1e-12, backpropagation through all steps) against wengert's fixed-point gradient
   (the default of ``wengert_tensornet.ipeps``) and its unrolled one.

Each timing is the minimum over repetitions; the ratio printed is wengert / torch (below 1:
wengert faster). ``--precision`` also runs the accuracy targets of issue 4 (HOTRG chi=32 at
T_c, u and c at chi=24) and prints them (several minutes).

Run (torch==2.13.0 CPU wheel)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/tensornet_vs_torch.py [--precision]

(the two OPENBLAS_* variables, where the environment sets them, slow numpy's BLAS down).
"""

import argparse
import os
import platform
import time
from importlib import metadata

import numpy
import torch

import wengert
import wengert.numpy as np
from wengert_tensornet import (
    _linalg,
    ctmrg,
    double_layer,
    energy,
    heisenberg,
    hotrg,
    ising_tensor,
    onsager,
    random_tensor,
    symmetrize,
)

torch.set_num_threads(1)
DTYPE = torch.float64


def best(contenders: dict, repeat: int) -> dict:
    """``{name: (min seconds, output)}``, the contenders run in turn, ``repeat`` rounds
    (interleaved, so that a change of machine load hits every contender alike)."""
    times = {name: [] for name in contenders}
    outputs = {}
    for _ in range(repeat):
        for name, fn in contenders.items():
            start = time.perf_counter()
            outputs[name] = fn()
            times[name].append(time.perf_counter() - start)
    return {name: (min(times[name]), outputs[name]) for name in contenders}


# ---------------------------------------------------------------- torch, tensorgrad style


class EigenSolver(torch.autograd.Function):
    """tensorgrad/tensornets/adlib/eigh.py: symmetric adjoint, safe inverse of the gaps."""

    @staticmethod
    def forward(ctx, a):
        w, v = torch.linalg.eigh(a)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, dw, dv):
        w, v = ctx.saved_tensors
        f = w - w[:, None]
        f.diagonal().fill_(numpy.inf)
        f[torch.abs(f) < 1e-20] += 1e-20
        f = 1.0 / f
        vdv = v.t() @ dv
        return v @ (torch.diag(dw) + f * (vdv - vdv.t()) / 2) @ v.t()


symeig = EigenSolver.apply


def torch_ising_tensor(beta):
    c, s = torch.sqrt(torch.cosh(beta)), torch.sqrt(torch.sinh(beta))
    w = torch.stack([torch.stack([c, s]), torch.stack([c, -s])])
    return torch.einsum("su,sl,sd,sr->uldr", w, w, w, w)


def torch_gram_left(t):
    dl = t.shape[1]
    upper = torch.tensordot(t, t, dims=([0, 3], [0, 3]))
    lower = torch.tensordot(t, t, dims=([2, 3], [2, 3]))
    g = torch.tensordot(upper, lower, dims=([1, 3], [0, 2]))
    return g.permute(0, 2, 1, 3).reshape(dl * dl, dl * dl)


def torch_hotrg(tensor, chi, steps):
    """The same HOTRG as wengert_tensornet.hotrg (same contractions, same truncation rule)."""
    norm = tensor.norm()
    t = tensor / norm
    ln_z = torch.log(norm)
    for n in range(1, steps + 1):
        grams = (torch_gram_left(t), torch_gram_left(t.permute(0, 3, 2, 1)))
        eps = []
        for g in grams:
            w = torch.linalg.eigvalsh(g.detach()).numpy()[::-1]
            eps.append(w[_linalg.kept(w, chi):].sum())
        gram = grams[1] if eps[1] < eps[0] * (1 - 1e-8) else grams[0]
        w, v = symeig(gram)
        k = _linalg.kept(w.detach().numpy()[::-1], chi)
        dl = t.shape[1]
        u = v[:, v.shape[1] - k:].reshape(dl, dl, k)
        x = torch.tensordot(u, t, dims=([0], [1]))
        y = torch.tensordot(x, t, dims=([0, 3], [1, 0]))
        t = torch.tensordot(y, u, dims=([2, 4], [0, 1])).permute(0, 1, 3, 2)
        norm = t.norm()
        t = t / norm
        ln_z = ln_z + torch.log(norm) / 2.0**n
    du, dl = t.shape[0], t.shape[1]
    return ln_z + torch.log(torch.trace(t.reshape(du * dl, du * dl))) / 2.0**steps


def torch_symmetrize(a):
    """tensorgrad 2_variational_iPEPS/utils.py: symmetrize (the four reflections)."""
    a = (a + a.permute(0, 1, 4, 3, 2)) / 2.0
    a = (a + a.permute(0, 3, 2, 1, 4)) / 2.0
    a = (a + a.permute(0, 4, 3, 2, 1)) / 2.0
    a = (a + a.permute(0, 2, 1, 4, 3)) / 2.0
    return a / a.norm()


def torch_renormalize(c, e, t, chi):
    """tensorgrad tensornets/ctmrg.py: renormalize."""
    dim_t, dim_e = t.shape[0], e.shape[0]
    d_new = min(dim_e * dim_t, chi)
    rho = torch.tensordot(c, e, ([1], [0]))
    rho = torch.tensordot(rho, e, ([0], [0]))
    rho = torch.tensordot(rho, t, ([0, 2], [0, 1]))
    rho = rho.permute(0, 3, 1, 2).contiguous().view(dim_e * dim_t, dim_e * dim_t)
    rho = rho + rho.t()
    rho = rho / rho.norm()
    s, u = symeig(rho)
    _, indices = torch.sort(s.abs(), descending=True)
    s = s[indices][:d_new]
    p = u[:, indices][:, :d_new]
    c = p.t() @ rho @ p
    p = p.view(dim_e, dim_t, d_new)
    e = torch.tensordot(e, p, ([0], [0]))
    e = torch.tensordot(e, t, ([0, 2], [1, 0]))
    e = torch.tensordot(e, p, ([0, 2], [0, 1]))
    c = 0.5 * (c + c.t())
    e = 0.5 * (e + e.permute(2, 1, 0))
    return c / c.norm(), e, s.abs() / s.abs().max()


def torch_ctmrg(t, chi, max_iter=500, threshold=1e-12):
    c = t.sum((0, 1))
    e = t.sum(1).permute(0, 2, 1)
    s_old = torch.zeros(chi, dtype=t.dtype)
    steps = 0
    while steps < max_iter:
        steps += 1
        c, e, s = torch_renormalize(c, e, t, chi)
        e = e / e.norm()
        diff = (s - s_old).norm().item() if s.numel() == s_old.numel() else 1.0
        if diff < threshold:
            break
        s_old = s
    return c, e, steps


def torch_energy(asymm, h, c, e):
    """tensorgrad measure.py: get_obs (energy only)."""
    da = asymm.size()
    td = torch.einsum("mefgh,nabcd->eafbgchdmn", asymm, asymm).contiguous().view(
        da[1] ** 2, da[2] ** 2, da[3] ** 2, da[4] ** 2, da[0], da[0])
    ce = torch.tensordot(c, e, ([1], [0]))
    el = torch.tensordot(e, ce, ([2], [0]))
    el = torch.tensordot(el, td, ([1, 2], [1, 0]))
    el = torch.tensordot(el, ce, ([0, 2], [0, 1]))
    rho = torch.tensordot(el, el, ([0, 1, 4], [0, 1, 4])).permute(0, 2, 1, 3).contiguous().view(
        da[0] ** 2, da[0] ** 2)
    rho = 0.5 * (rho + rho.t())
    return 2.0 * torch.mm(rho, h).trace() / rho.trace()


def torch_ipeps_value_and_grad(a_raw, h, chi):
    a = torch.tensor(a_raw, dtype=DTYPE, requires_grad=True)
    asymm = torch_symmetrize(a)
    d, D = asymm.shape[0], asymm.shape[1]
    t = (asymm.view(d, -1).t() @ asymm.view(d, -1)).contiguous().view((D,) * 8)
    t = t.permute(0, 4, 1, 5, 2, 6, 3, 7).contiguous().view(D**2, D**2, D**2, D**2)
    t = t / t.norm()
    c, e, steps = torch_ctmrg(t, chi)
    loss = torch_energy(asymm, h, c, e)
    loss.backward()
    return loss.item(), a.grad.numpy(), steps


# ---------------------------------------------------------------- wengert


def wengert_ipeps_energy(a_raw, h, chi, gradient):
    a = symmetrize(a_raw)
    a = a / np.sqrt(np.sum(a * a))
    t = double_layer(a)
    t = t / np.sqrt(np.sum(t * t))
    return energy(a, ctmrg(t, chi, gradient=gradient), h)


# ---------------------------------------------------------------- runs


def bench_hotrg(chi, steps, repeat):
    beta = onsager.BETA_C

    def run_torch():
        b = torch.tensor(beta, dtype=DTYPE, requires_grad=True)
        value = torch_hotrg(torch_ising_tensor(b), chi, steps)
        value.backward()
        return value.item(), b.grad.item()

    def run_wengert(checkpoint):
        f = lambda b: hotrg(ising_tensor(b), chi, steps, checkpoint=checkpoint)
        value, g = wengert.value_and_grad(f)(beta)
        return float(value), float(g)

    runs = best({"torch": run_torch, "wengert": lambda: run_wengert(False),
                 "wengert_checkpoint": lambda: run_wengert(True)}, repeat)
    t_torch, (v_t, g_t) = runs["torch"]
    t_w, (v_w, g_w) = runs["wengert"]
    t_wc = runs["wengert_checkpoint"][0]
    print(f"\n1. HOTRG ln Z and d lnZ/d beta at T_c, chi={chi}, {steps} steps")
    print(f"   torch (tensorgrad-style eigh)   {t_torch:8.3f} s   lnZ={v_t:.15f}  dlnZ={g_t:.12f}")
    print(f"   wengert (no checkpoint)         {t_w:8.3f} s   lnZ={v_w:.15f}  dlnZ={g_w:.12f}")
    print(f"   wengert (checkpoint per step)   {t_wc:8.3f} s")
    print(f"   ratio wengert/torch: {t_w / t_torch:.2f} (checkpointed: {t_wc / t_torch:.2f}); "
          f"|value diff| {abs(v_t - v_w):.1e}, |grad diff| {abs(g_t - g_w):.1e}")
    return t_w / t_torch


def bench_ipeps(chi, repeat):
    h = heisenberg()
    a_raw = random_tensor(2, 2, seed=0)
    h_torch = torch.tensor(h, dtype=DTYPE)
    vg = wengert.value_and_grad(wengert_ipeps_energy)
    runs = best({
        "torch": lambda: torch_ipeps_value_and_grad(a_raw, h_torch, chi),
        "fixed_point": lambda: vg(a_raw, h, chi, "fixed_point"),
        "unrolled": lambda: vg(a_raw, h, chi, "unrolled"),
    }, repeat)
    t_torch, (e_t, g_t, steps) = runs.pop("torch")
    results = runs
    print(f"\n2. D=2 iPEPS Heisenberg energy and gradient, chi={chi} (torch: {steps} CTMRG steps)")
    print(f"   torch (tensorgrad, unrolled)    {t_torch:8.3f} s   E={e_t:.12f}")
    for mode, (t, (e, g)) in results.items():
        diff = numpy.max(numpy.abs(numpy.asarray(g) - g_t)) / numpy.max(numpy.abs(g_t))
        print(f"   wengert ({mode:11s})       {t:8.3f} s   E={float(e):.12f}  "
              f"max|grad diff|/max|grad| {diff:.1e}  ratio {t / t_torch:.2f}")
    return results["fixed_point"][0] / t_torch, results["unrolled"][0] / t_torch


def precision():
    print("\n3. Accuracy targets (HOTRG, 2**steps sites)")
    exact = onsager.LN_Z_C
    for chi in (16, 32):
        start = time.process_time()
        value = float(hotrg(ising_tensor(onsager.BETA_C), chi, 32))
        print(f"   T_c, chi={chi}, 32 steps: ln Z rel. error {abs(value - exact) / exact:.2e} "
              f"({time.process_time() - start:.0f} s CPU)")
    for temperature, steps in ((2.0, 14), (3.0, 12)):
        ref = onsager.thermodynamics(temperature)
        beta = 1 / temperature

        def f(b, steps=steps):
            return hotrg(ising_tensor(b), 24, steps)

        start = time.process_time()
        u = -float(wengert.grad(f)(beta))
        c = beta**2 * float(wengert.hessian(f)(beta))
        print(f"   T={temperature}, chi=24, {steps} steps: u (reverse) rel. error "
              f"{abs(u - ref['u']) / abs(ref['u']):.2e}, c (forward-over-reverse) rel. error "
              f"{abs(c - ref['c']) / ref['c']:.2e} ({time.process_time() - start:.0f} s CPU)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chi-hotrg", type=int, default=20)
    parser.add_argument("--steps-hotrg", type=int, default=16)
    parser.add_argument("--chi-ipeps", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--precision", action="store_true", help="also run the accuracy targets")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, numpy {numpy.__version__}, torch "
          f"{torch.__version__}, wengert {metadata.version('wengert')}, wengert-tensornet "
          f"{metadata.version('wengert-tensornet')}; {platform.processor() or platform.machine()}"
          f", {os.cpu_count()} cores; torch threads {torch.get_num_threads()}, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE')}")
    r_hotrg = bench_hotrg(args.chi_hotrg, args.steps_hotrg, args.repeat)
    r_fixed, r_unrolled = bench_ipeps(args.chi_ipeps, args.repeat)
    print(f"\nratios wengert/torch: HOTRG value+grad {r_hotrg:.2f}; iPEPS gradient fixed-point "
          f"{r_fixed:.2f}, unrolled {r_unrolled:.2f} (target <= 1.2)")
    if args.precision:
        precision()
    return 0 if max(r_hotrg, min(r_fixed, r_unrolled)) <= 1.2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
