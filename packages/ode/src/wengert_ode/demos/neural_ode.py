"""Neural ODE (Chen et al., NeurIPS 2018) fitted to a Lotka–Volterra trajectory.

Data: ``x' = a x - b x y``, ``y' = -c y + d x y`` with ``(a, b, c, d) = (1.5, 1, 3, 1)``,
``(x, y)(0) = (1, 1)``, sampled on ``[0, T]`` (solved at ``rtol = atol = 1e-10``). Model:
``dz/dt = s * mlp((z - z_c) / s)`` with a one-hidden-layer tanh MLP (centring ``z_c`` and
scale ``s`` fixed from the data), integrated by dopri5 from the known initial state; loss
= mean squared error over the samples. L-BFGS with gradients from ``gradient="checkpoint"``
and the MLP's hand-written VJP, on a growing time window (the usual curriculum for
trajectory fitting: a full orbit from a random start is a rugged landscape).

Reported: the loss curve, the relative RMS error of the fitted trajectory on the training
window (``rel_rms_error``) and beyond it (``rel_rms_error_extrapolated``, to ``1.5 T``), the
phase portrait, and for each gradient mode the time and peak Python memory (tracemalloc)
of one value-and-gradient and its difference from the checkpoint gradient.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy

import wengert
import wengert.numpy as np
from wengert.demo import Demo, DemoContext, DemoOption
from wengert.optimize import minimize
from wengert_ode.nn import init_mlp, mlp, mlp_field_vjp
from wengert_ode.odeint import GRADIENTS, odeint

LV_PARAMS = numpy.array([1.5, 1.0, 3.0, 1.0])
LV_Y0 = numpy.array([1.0, 1.0])


def lotka_volterra(y, t, p):
    """The Lotka–Volterra vector field."""
    return np.stack([p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]])


class NeuralField:
    """``f(z, t, params) = s * mlp((z - centre) / s, *params)`` and its fast VJP."""

    def __init__(self, centre: numpy.ndarray, scale: float):
        self.centre, self.scale = centre, scale

    def __call__(self, z, t, params):
        return self.scale * mlp((z - self.centre) / self.scale, *params)

    def vjp(self, z, t, params):
        out, pullback = mlp_field_vjp((z - self.centre) / self.scale, t, params)

        def scaled(g):
            z_bar, _, params_bar = pullback(self.scale * g)
            return z_bar / self.scale, 0.0, params_bar

        return self.scale * out, scaled


def _measure(field, params, t, data, mode: str) -> dict:
    """Time, then peak traced memory (tracemalloc), of one value-and-gradient in ``mode``."""
    fast = {} if mode == "backprop" else {"f_vjp": field.vjp}

    def loss(params):
        ys = odeint(field, LV_Y0, t, params, rtol=1e-6, atol=1e-8, gradient=mode, **fast)
        return np.mean((ys - data) ** 2)

    start = time.perf_counter()
    _, grad = wengert.value_and_grad(loss)(params)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    wengert.value_and_grad(loss)(params)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": seconds, "peak_memory_mb": peak / 2**20,
            "grad": numpy.concatenate([numpy.ravel(g) for g in grad])}


def run(ctx: DemoContext) -> dict:
    quick = ctx.quick
    t_end = 6.0 if quick else 10.0
    t = numpy.linspace(0.0, t_end, 31 if quick else 101)
    data = numpy.asarray(odeint(lotka_volterra, LV_Y0, t, LV_PARAMS, rtol=1e-10, atol=1e-10))
    field = NeuralField(0.5 * (data.min(0) + data.max(0)), float(numpy.ptp(data)) / 2)
    params = init_mlp(numpy.random.default_rng(ctx.options["seed"]), 2, ctx.options["hidden"],
                      scale=0.1)

    def loss(params, times, targets):
        ys = odeint(field, LV_Y0, times, params, rtol=1e-6, atol=1e-8,
                    gradient=ctx.options["mode"], f_vjp=field.vjp)
        return np.mean((ys - targets) ** 2)

    windows = (0.5, 1.0) if quick else (0.2, 0.4, 0.6, 0.8, 1.0)
    iterations = 60 if quick else 300
    history, loss_initial = [], float(loss(params, t, data))
    for frac in ctx.progress(windows, desc="neural-ode windows"):
        n = int(round(frac * (len(t) - 1))) + 1
        result = minimize(loss, params, args=(t[:n], data[:n]), maxiter=iterations,
                          progress=False)
        params = result.x
        history += [(frac, value) for value in result.history]
    t_long = numpy.linspace(0.0, 1.5 * t_end, 151)
    truth = numpy.asarray(odeint(lotka_volterra, LV_Y0, t_long, LV_PARAMS, rtol=1e-10,
                                 atol=1e-10))
    fitted = numpy.asarray(odeint(field, LV_Y0, t_long, params, rtol=1e-8, atol=1e-10))
    inside = t_long <= t_end

    def rel_rms(a, b):
        return float(numpy.sqrt(numpy.mean((a - b) ** 2) / numpy.mean(b**2)))

    modes = {mode: _measure(field, params, t, data, mode)
             for mode in ctx.progress(GRADIENTS, desc="gradient modes")}
    reference = modes["checkpoint"]["grad"]
    for row in modes.values():
        grad = row.pop("grad")
        row["rel_diff_from_checkpoint"] = float(numpy.linalg.norm(grad - reference)
                                                / numpy.linalg.norm(reference))
    plt = ctx.pyplot()
    if plt is not None:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
        ax1.semilogy([value for _, value in history])
        ax1.set(xlabel="L-BFGS iteration (all windows)", ylabel="mean squared error",
                title="Training loss")
        ax1.grid(True, which="both", alpha=0.3)
        ax2.plot(truth[:, 0], truth[:, 1], "k-", lw=1, label="Lotka–Volterra (exact)")
        ax2.plot(data[:, 0], data[:, 1], "o", ms=3, color="tab:blue", label="training data")
        ax2.plot(fitted[:, 0], fitted[:, 1], "--", color="tab:orange",
                 label=f"neural ODE to t = {1.5 * t_end:g}")
        ax2.set(xlabel="prey x", ylabel="predator y", title="Phase portrait")
        ax2.legend(fontsize=8)
        ctx.save_figure(fig, "neural_ode.png")
    return {
        "loss_initial": loss_initial,
        "loss_final": float(loss(params, t, data)),
        "rel_rms_error": rel_rms(fitted[inside], truth[inside]),
        "rel_rms_error_extrapolated": rel_rms(fitted[~inside], truth[~inside]),
        "iterations": len(history),
        "t_end": t_end,
        "hidden_units": ctx.options["hidden"],
        "gradient_modes": modes,
    }


DEMO = Demo(
    name="neural-ode",
    run=run,
    description="Neural ODE fitted to a Lotka–Volterra orbit (L-BFGS, checkpointed discrete "
    "adjoint); memory and time of one gradient per mode",
    options=(DemoOption("mode", str, "checkpoint", "gradient mode used for training"),
             DemoOption("hidden", int, 32, "hidden units of the MLP"),
             DemoOption("seed", int, 0, "seed of the initial weights")),
)
__all__ = ["DEMO", "lotka_volterra", "NeuralField"]
