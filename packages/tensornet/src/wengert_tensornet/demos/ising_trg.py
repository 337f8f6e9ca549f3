"""Demo ``ising-trg``: 2D Ising thermodynamics by differentiating a tensor RG.

``ln Z`` per site from HOTRG (or Levin-Nave TRG); the internal energy ``u = -d lnZ/d beta``
by reverse mode and the specific heat ``c = beta^2 d^2 lnZ / d beta^2`` by
forward-over-reverse mode, next to Onsager's exact solution, itself differentiated by
forward mode (:func:`wengert.taylor` of a quadrature written in :mod:`wengert.numpy`), and
the relative errors. This is Fig. 2 of Liao et al., PRX 9, 031041 (2019).

The work per temperature is :func:`point`, a module-level function of one temperature
returning a dict, so that it can be mapped over temperatures by any executor
(``wengert.parallel.map``).
"""

from __future__ import annotations

import functools
import math

import numpy

import wengert
from wengert import parallel
from wengert_tensornet import onsager
from wengert_tensornet.hotrg import hotrg
from wengert_tensornet.ising import ising_tensor
from wengert_tensornet.trg import trg

METHODS = {"hotrg": hotrg, "trg": trg}


def point(temperature: float, chi: int = 24, steps: int = 32, method: str = "hotrg") -> dict:
    """``ln Z``, ``u`` and ``c`` per site at one temperature from the RG and from Onsager.

    :returns: ``{"T", "ln_z", "u", "c", "ln_z_exact", "u_exact", "c_exact"}``; ``c_exact``
        is ``inf`` at ``T_c``.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    rg = METHODS[method]
    ln_z = lambda beta: rg(ising_tensor(beta), chi, steps)
    beta = 1.0 / float(temperature)
    value, first = wengert.value_and_grad(ln_z)(beta)
    second = wengert.hessian(ln_z)(beta)
    exact = onsager.thermodynamics(float(temperature))
    return {"T": float(temperature), "ln_z": float(value), "u": -float(first),
            "c": beta**2 * float(second), "ln_z_exact": exact["ln_z"], "u_exact": exact["u"],
            "c_exact": exact["c"]}


def _relative_error(values, exact):
    values, exact = numpy.asarray(values), numpy.asarray(exact)
    with numpy.errstate(invalid="ignore", divide="ignore"):
        err = numpy.abs(values - exact) / numpy.abs(exact)
    return numpy.where(numpy.isfinite(exact), err, numpy.nan)


def run(ctx) -> dict:
    opts = ctx.options
    chi, steps, method = opts["chi"], opts["steps"], opts["method"]
    if ctx.quick:
        chi, steps = min(chi, 8), min(steps, 20)
        temperatures = numpy.concatenate([numpy.linspace(1.0, 4.0, 7), [onsager.T_C]])
    else:
        temperatures = numpy.concatenate([numpy.linspace(1.0, 4.0, opts["points"]),
                                          [onsager.T_C]])
    temperatures = numpy.sort(temperatures)
    work = functools.partial(point, chi=chi, steps=steps, method=method)
    if opts["executor"] == "serial":
        rows = [work(t) for t in ctx.progress(temperatures, desc=f"{method} chi={chi}")]
    else:
        rows = parallel.map(work, temperatures, executor=opts["executor"],
                            progress=ctx.show_progress)
    cols = {key: numpy.array([r[key] for r in rows]) for key in rows[0]}
    errors = {key: _relative_error(cols[key], cols[f"{key}_exact"]) for key in ("ln_z", "u", "c")}
    at_tc = int(numpy.argmin(numpy.abs(temperatures - onsager.T_C)))
    results = {
        "method": method, "chi": chi, "steps": steps, "executor": opts["executor"],
        "temperatures": cols["T"],
        "ln_z": cols["ln_z"], "u": cols["u"], "c": cols["c"],
        "ln_z_exact": cols["ln_z_exact"], "u_exact": cols["u_exact"],
        "c_exact": [x if math.isfinite(x) else None for x in cols["c_exact"]],
        "max_rel_error_ln_z": float(numpy.nanmax(errors["ln_z"])),
        "max_rel_error_u": float(numpy.nanmax(errors["u"])),
        "max_rel_error_c_off_critical": float(numpy.nanmax(errors["c"])),
        "rel_error_ln_z_at_tc": float(errors["ln_z"][at_tc]),
        "all_finite": bool(all(numpy.all(numpy.isfinite(cols[k])) for k in ("ln_z", "u", "c"))),
    }
    plt = ctx.pyplot()
    if plt is not None:
        _figure(ctx, plt, temperatures, cols, errors, method, chi)
    return results


def _figure(ctx, plt, temperatures, cols, errors, method, chi):
    fine = numpy.linspace(1.0, 4.0, 301)
    fine = fine[numpy.abs(fine - onsager.T_C) > 2e-3]
    exact = [onsager.thermodynamics(t) for t in fine]
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.5), sharex=True)
    label = f"{method.upper()} + AD, chi={chi}"
    for j, (key, name) in enumerate((("ln_z", "ln Z / N"), ("u", "u = -d lnZ/d beta"),
                                     ("c", "c = beta^2 d^2 lnZ/d beta^2"))):
        ax = axes[0, j]
        ax.plot(fine, [e[key] for e in exact], "k-", lw=1, label="Onsager (forward-mode AD)")
        ax.plot(temperatures, cols[key], "o", ms=4, label=label)
        ax.axvline(onsager.T_C, color="0.7", ls=":")
        ax.set_title(name)
        err = axes[1, j]
        err.semilogy(temperatures, numpy.maximum(errors[key], 1e-17), "o-", ms=3)
        err.axvline(onsager.T_C, color="0.7", ls=":")
        err.set_xlabel("T")
        err.set_ylabel("relative error")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("2D Ising model: tensor RG differentiated vs Onsager's exact solution")
    ctx.save_figure(fig, "ising_trg.png")
