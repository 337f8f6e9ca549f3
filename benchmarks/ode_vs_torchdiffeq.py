"""wengert-ode against torchdiffeq: a 64-unit MLP neural ODE, value + gradient.

Vector field: ``f(y) = W2 tanh(W1 y + b1) + b2`` with ``y`` in R^2 and 64 hidden units,
float64, weights drawn once (seed 0) with the Hamiltonian structure
``W2 = J W1^T diag(c)``, ``b2 = 0`` (``J`` the 2x2 rotation), so that every orbit is a
closed level curve of ``H = sum_i c_i log cosh(w_i . y + b_i)``: the solution stays bounded
and oscillates for any ``t1``, the step count grows linearly with ``t1``. All 322 weights
(and ``y0``) are differentiated as independent parameters. Loss ``L = |y(t1)|^2 / 2``,
``y0 = (1, 0.5)``, dopri5 at ``rtol = atol = 1e-6`` for ``t1`` in 10, 100, 1000.

Each configuration runs in its own subprocess (one thread: ``OMP_NUM_THREADS=1``,
``torch.set_num_threads(1)``); the peak RSS is that child's ``ru_maxrss`` (``os.wait4``),
the time is the wall time of one value+gradient call after one warm-up forward solve at
``t1 = 1``. Function evaluations: forward solve and reverse pass counted separately (for
wengert the reverse pass counts evaluations of f and VJPs of f; torchdiffeq's adjoint calls
``f`` with autograd, one VJP per call).

Accuracy: two adaptive solvers give different discrete solutions, so each gradient is
compared with a reference at tight tolerance: wengert's checkpointed discrete adjoint with
dopri5 at ``rtol = atol = 1e-10`` (itself checked against dop853 at 1e-12, printed). The
timing table's "grad err" is for the one MLP of seed 0; since an error of order one (at
``t1 = 1000`` neither library has a correct digit) is a coin toss between two solvers, the
accuracy section then repeats the comparison for ``--accuracy-seeds`` MLPs (seeds 0..N-1,
wengert's checkpoint mode against torchdiffeq's ``odeint``): per seed the gradient's
relative error, the relative error of ``y(t1)`` and the relative drift of the conserved
energy ``H`` (a measure of the solution's accuracy that does not saturate when the phase
is lost), then medians, geometric means and how often wengert's error is the smaller;
at each ``--accuracy-rtol`` (the same for both libraries), and with ``--beta`` also for
wengert with ``PIController(beta=BETA)``.

Usage::

    python benchmarks/ode_vs_torchdiffeq.py [--t1 10 100 1000] [--budget 1800] [--out F.json]
        [--accuracy-seeds 8] [--accuracy-only] [--accuracy-rtol 1e-6 1e-8] [--beta 0.08]

A configuration that exceeds ``--budget`` seconds is stopped and reported as such.
Needs ``pip install torch==2.13.0 torchdiffeq`` (CPU) and wengert-ode.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time

import numpy

HIDDEN = 64
Y0 = (1.0, 0.5)
TOL = 1e-6
WENGERT_MODES = ("checkpoint", "interpolating", "adjoint", "backprop")
TORCH_MODES = ("torchdiffeq-backprop", "torchdiffeq-adjoint")


def _draw(seed: int) -> tuple:
    rng = numpy.random.default_rng(seed)
    w1 = 1.5 * rng.standard_normal((HIDDEN, 2)) / numpy.sqrt(2)
    b1 = 0.5 * rng.standard_normal(HIDDEN)
    c = 4.0 * rng.uniform(0.5, 1.5, HIDDEN) / HIDDEN
    return w1, b1, c


def weights(seed: int = 0) -> tuple:
    """``(W1, b1, W2, b2)``: the Hamiltonian-structured MLP drawn with ``seed``."""
    w1, b1, c = _draw(seed)
    rotation = numpy.array([[0.0, -1.0], [1.0, 0.0]])
    return w1, b1, rotation @ w1.T @ numpy.diag(c), numpy.zeros(2)


def energy(seed: int, y) -> float:
    """The conserved ``H(y) = sum_i c_i log cosh(w_i . y + b_i)`` of the MLP ``seed``."""
    w1, b1, c = _draw(seed)
    z = numpy.abs(w1 @ numpy.asarray(y) + b1)
    return float(c @ (z + numpy.log1p(numpy.exp(-2 * z)) - numpy.log(2)))


# ---------------------------------------------------------------- children


def _run_wengert(mode: str, t1: float, rtol: float, method: str = "dopri5",
                 seed: int = 0, beta: float | None = None) -> dict:
    import wengert
    import wengert.numpy as np
    from wengert_ode import PIController, odeint
    from wengert_ode.nn import mlp_field, mlp_field_vjp

    params = weights(seed)
    y0 = numpy.array(Y0)
    fast = {} if mode == "backprop" else {"f_vjp": mlp_field_vjp}
    if beta is not None:
        fast["controller"] = PIController(beta=beta)
    odeint(mlp_field, y0, numpy.array([0.0, 1.0]), params, rtol=rtol, atol=rtol, **fast)
    holder = {}

    def loss(y0, params):
        ys, stats = odeint(mlp_field, y0, numpy.array([0.0, t1]), params, method=method,
                           rtol=rtol, atol=rtol, gradient=mode, max_steps=10_000_000,
                           return_stats=True, **fast)
        holder["stats"], holder["y1"] = stats, wengert.stop_gradient(ys[-1])
        return 0.5 * np.sum(ys[-1] ** 2)

    start = time.perf_counter()
    value, (g_y0, g_params) = wengert.value_and_grad(loss, (0, 1))(y0, params)
    seconds = time.perf_counter() - start
    stats = holder["stats"]
    grad = numpy.concatenate([numpy.ravel(g) for g in (g_y0, *g_params)])
    y1 = numpy.asarray(holder["y1"], dtype=float)
    return dict(seconds=seconds, loss=float(value), grad=grad.tolist(), y1=y1.tolist(),
                nfev_forward=stats.nfev, steps=stats.n_accepted,
                nfev_backward=stats.backward_nfev, nvjp_backward=stats.backward_nvjp)


def _run_torch(mode: str, t1: float, rtol: float, seed: int = 0) -> dict:
    import torch
    import torchdiffeq

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    w1, b1, w2, b2 = (torch.tensor(w) for w in weights(seed))

    class Field(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = torch.nn.Linear(2, HIDDEN)
            self.l2 = torch.nn.Linear(HIDDEN, 2)
            with torch.no_grad():
                self.l1.weight.copy_(w1)
                self.l1.bias.copy_(b1)
                self.l2.weight.copy_(w2)
                self.l2.bias.copy_(b2)
            self.calls = 0

        def forward(self, t, y):
            self.calls += 1
            return self.l2(torch.tanh(self.l1(y)))

    field = Field()
    solve = torchdiffeq.odeint_adjoint if mode == "torchdiffeq-adjoint" else torchdiffeq.odeint
    kwargs = {"adjoint_params": tuple(field.parameters())} if mode.endswith("adjoint") else {}
    with torch.no_grad():
        torchdiffeq.odeint(field, torch.tensor(Y0), torch.tensor([0.0, 1.0]), rtol=rtol,
                           atol=rtol, method="dopri5")
    field.calls = 0
    y0 = torch.tensor(Y0, requires_grad=True)
    start = time.perf_counter()
    ys = solve(field, y0, torch.tensor([0.0, t1]), rtol=rtol, atol=rtol, method="dopri5",
               **kwargs)
    value = 0.5 * torch.sum(ys[-1] ** 2)
    nfev_forward = field.calls
    value.backward()
    seconds = time.perf_counter() - start
    grads = [y0.grad, field.l1.weight.grad, field.l1.bias.grad, field.l2.weight.grad,
             field.l2.bias.grad]
    grad = numpy.concatenate([g.detach().numpy().ravel() for g in grads])
    return dict(seconds=seconds, loss=value.item(), grad=grad.tolist(),
                y1=ys[-1].detach().numpy().tolist(), nfev_forward=nfev_forward,
                nfev_backward=field.calls - nfev_forward,
                nvjp_backward=field.calls - nfev_forward if mode.endswith("adjoint") else 0)


def _baseline(library: str) -> dict:
    if library == "torch":
        import torch  # noqa: F401
        import torchdiffeq  # noqa: F401
    else:
        import wengert_ode  # noqa: F401
        from wengert_ode.nn import mlp_field  # noqa: F401
    return {"seconds": 0.0}


def child(config: str, t1: float, rtol: float, method: str, seed: int,
          beta: float | None) -> None:
    if config.startswith("baseline-"):
        result = _baseline(config.split("-", 1)[1])
    elif config.startswith("torchdiffeq"):
        result = _run_torch(config, t1, rtol, seed)
    else:
        result = _run_wengert(config, t1, rtol, method, seed, beta)
    print(json.dumps(result))


# ---------------------------------------------------------------- parent


def run_child(config: str, t1: float, budget: float, rtol: float = TOL,
              method: str = "dopri5", seed: int = 0, beta: float | None = None) -> dict:
    """Run one configuration in a subprocess; adds ``peak_rss_mb`` (or ``timeout``).

    ``beta``: wengert's ``PIController(beta=...)`` instead of the default controller.
    """
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    extra = [] if beta is None else ["--beta", str(beta)]
    with tempfile.TemporaryFile(mode="w+") as out:
        proc = subprocess.Popen([sys.executable, __file__, "--child", config, "--t1", str(t1),
                                 "--rtol", str(rtol), "--method", method, "--seed",
                                 str(seed), *extra], stdout=out, env=env)
        start = time.monotonic()
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > budget:
                os.kill(proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                return {"config": config, "t1": t1, "timeout": budget,
                        "peak_rss_mb": usage.ru_maxrss / 1024}
            time.sleep(0.05)
        out.seek(0)
        text = out.read().strip().splitlines()
    if status != 0 or not text:
        raise RuntimeError(f"{config} at t1={t1} failed (status {status})")
    result = json.loads(text[-1])
    result.update(config=config, t1=t1, seed=seed, peak_rss_mb=usage.ru_maxrss / 1024)
    return result


def _rel(a, b) -> float:
    a, b = numpy.asarray(a), numpy.asarray(b)
    return float(numpy.linalg.norm(a - b) / numpy.linalg.norm(b))


def accuracy(t1: float, seeds: list[int], budget: float, beta: float | None = None,
             rtol: float = TOL) -> list[dict]:
    """Errors of both libraries at ``rtol = atol`` against the reference, one MLP per seed.

    Per seed and solver (wengert's checkpoint mode; with ``beta`` also wengert with
    ``PIController(beta=beta)``; torchdiffeq's ``odeint``): the gradient's relative error,
    the relative error of ``y(t1)`` and the relative drift of the conserved energy ``H``
    (which, unlike the phase, does not saturate when the solution has lost all digits).
    Prints one row per seed, then per wengert solver the medians, geometric means and how
    often its error is no larger than torchdiffeq's.
    """
    solvers = {"wengert": ("checkpoint", None)}
    if beta is not None:
        solvers[f"wengert-beta{beta:g}"] = ("checkpoint", beta)
    solvers["torchdiffeq"] = ("torchdiffeq-backprop", None)
    print(f"\nt1 = {t1:g}, accuracy at rtol = atol = {rtol:g} over {len(seeds)} MLPs "
          "(relative errors vs dopri5 at 1e-10): gradient / y(t1) / energy drift / nfev")
    print(f"{'seed':>4} " + " ".join(f"{name:>40}" for name in solvers))
    rows = []
    for seed in seeds:
        ref = run_child("checkpoint", t1, budget, rtol=1e-10, seed=seed)
        h0 = energy(seed, Y0)
        row = {"t1": t1, "seed": seed, "rtol": rtol}
        for name, (config, solver_beta) in solvers.items():
            got = run_child(config, t1, budget, rtol=rtol, seed=seed, beta=solver_beta)
            row[name] = dict(grad_error=_rel(got["grad"], ref["grad"]),
                             y_error=_rel(got["y1"], ref["y1"]),
                             energy_error=abs(energy(seed, got["y1"]) - h0) / h0,
                             nfev=got["nfev_forward"])
        print(f"{seed:4d} " + " ".join(
            f"{r['grad_error']:9.2e} {r['y_error']:9.2e} {r['energy_error']:9.2e} {r['nfev']:8d}"
            for r in (row[name] for name in solvers)), flush=True)
        rows.append(row)
    td_name = "torchdiffeq"
    for name in (n for n in solvers if n != td_name):
        print(f"  {name} vs {td_name}:")
        for key, label in (("grad_error", "gradient"), ("y_error", "y(t1)"),
                           ("energy_error", "energy drift")):
            w = numpy.array([r[name][key] for r in rows])
            td = numpy.array([r[td_name][key] for r in rows])
            print(f"  {label:>14}: median {numpy.median(w):.2e} vs {numpy.median(td):.2e}; "
                  f"geometric mean {numpy.exp(numpy.log(w).mean()):.2e} vs "
                  f"{numpy.exp(numpy.log(td).mean()):.2e}; no larger in "
                  f"{int(numpy.sum(w <= td))}/{len(rows)}")
    print("  mean forward nfev: " + ", ".join(
        f"{name} {numpy.mean([r[name]['nfev'] for r in rows]):.0f}" for name in solvers))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--t1", type=float, nargs="+", default=[10.0, 100.0, 1000.0])
    parser.add_argument("--budget", type=float, default=1800.0,
                        help="seconds allowed per configuration")
    parser.add_argument("--configs", nargs="+", default=list(WENGERT_MODES + TORCH_MODES))
    parser.add_argument("--out", default=None, help="write all results as JSON here")
    parser.add_argument("--accuracy-seeds", type=int, default=8,
                        help="MLPs (seeds 0..N-1) for the accuracy comparison (0: skip it)")
    parser.add_argument("--accuracy-only", action="store_true",
                        help="skip the timing table, run only the accuracy comparison")
    parser.add_argument("--accuracy-rtol", type=float, nargs="+", default=[TOL],
                        help="tolerances (rtol = atol, the same for both libraries) of the "
                             "accuracy comparison")
    parser.add_argument("--beta", type=float, default=None,
                        help="also compare wengert with PIController(beta=BETA) for accuracy")
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--rtol", type=float, default=TOL, help=argparse.SUPPRESS)
    parser.add_argument("--method", default="dopri5", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.t1[0], args.rtol, args.method, args.seed, args.beta)
        return
    from importlib.metadata import version

    # the parent imports neither library: a forked child's peak RSS would include them
    meta = dict(machine=platform.machine(), processor=platform.processor(),
                cpus=os.cpu_count(), python=platform.python_version(),
                numpy=numpy.__version__, torch=version("torch"),
                torchdiffeq=version("torchdiffeq"), wengert_ode=version("wengert-ode"),
                date=time.strftime("%Y-%m-%d"),
                openblas_env={k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE",
                                                             "OPENBLAS_L2_SIZE")})
    print(json.dumps(meta))
    rows = [run_child("baseline-wengert", 1.0, args.budget),
            run_child("baseline-torch", 1.0, args.budget)]
    for row in rows:
        print(f"{row['config']:>22}: peak RSS {row['peak_rss_mb']:.0f} MB (imports only)")
    for t1 in [] if args.accuracy_only else args.t1:
        ref = run_child("checkpoint", t1, args.budget, rtol=1e-10)
        check = run_child("checkpoint", t1, args.budget, rtol=1e-12, method="dop853")
        print(f"\nt1 = {t1:g}: reference dopri5 1e-10 vs dop853 1e-12: relative difference "
              f"{_rel(ref['grad'], check['grad']):.1e}")
        print(f"{'config':>22} {'wall s':>9} {'nfev fwd':>9} {'nfev bwd':>9} {'VJPs bwd':>9}"
              f" {'RSS MB':>8} {'grad err':>9}  (seed 0)")
        for config in args.configs:
            row = run_child(config, t1, args.budget)
            if "timeout" in row:
                print(f"{config:>22} {'>' + format(args.budget, '.0f'):>9} (stopped at the "
                      f"budget; RSS so far {row['peak_rss_mb']:.0f} MB)")
            else:
                row["grad_error"] = _rel(row["grad"], ref["grad"])
                print(f"{config:>22} {row['seconds']:9.2f} {row['nfev_forward']:9d} "
                      f"{row['nfev_backward']:9d} {row['nvjp_backward']:9d} "
                      f"{row['peak_rss_mb']:8.0f} {row['grad_error']:9.1e}", flush=True)
            rows.append(row)
        rows += [dict(ref, role="reference"), dict(check, role="reference-check")]
    for rtol in args.accuracy_rtol if args.accuracy_seeds else []:
        for t1 in args.t1:
            rows += [dict(r, role="accuracy")
                     for r in accuracy(t1, list(range(args.accuracy_seeds)), args.budget,
                                       args.beta, rtol)]
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"meta": meta, "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
