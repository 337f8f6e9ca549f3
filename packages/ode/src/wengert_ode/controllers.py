"""Step-size control: the error norm, the PI controller and the initial step.

The controller only ever sees floats: step sizes are chosen from the values of the error
estimates and are constants for differentiation (their dependence on the inputs is not
differentiated, as in torchdiffeq and diffrax), so every gradient mode that replays the
recorded steps differentiates the same discrete solution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy

from wengert_ode.tableaus import ButcherTableau

__all__ = ["PIController", "error_norm", "initial_step"]


def _rms(x: numpy.ndarray) -> float:
    return float(numpy.sqrt(numpy.mean(x * x))) if x.size else 0.0


def error_norm(tab: ButcherTableau, h: float, ks: list, y: numpy.ndarray,
               y_new: numpy.ndarray, rtol: float, atol: float) -> float:
    """Hairer's scaled RMS norm of the local error estimate (<= 1 accepts the step).

    ``scale = atol + rtol * max(|y|, |y_new|)``. DOP853 combines its fifth- and third-order
    estimates as ``err5^2 / sqrt(err5^2 + 0.01 err3^2)`` (Hairer's dop853.f).
    """
    scale = atol + rtol * numpy.maximum(numpy.abs(y), numpy.abs(y_new))
    stacked = numpy.stack(ks[: tab.stages])
    err = (tab.b_err @ stacked) / scale
    if tab.b_err3 is None:
        return abs(h) * _rms(err)
    err3 = (tab.b_err3 @ stacked) / scale
    e5, e3 = float(err @ err), float(err3 @ err3)
    if e5 == 0.0 and e3 == 0.0:
        return 0.0
    return abs(h) * e5 / numpy.sqrt((e5 + 0.01 * e3) * max(err.size, 1))


@dataclass(frozen=True)
class PIController:
    """Proportional–integral step-size control (Gustafsson; Hairer & Wanner, Sec. IV.2).

    After a step with scaled error ``err`` (previous accepted error ``err_prev``), the next
    step is ``h * clip(safety * err**-alpha * err_prev**beta, factor_min, factor_max)`` with
    ``alpha = 1/k - 0.75 beta`` and ``k = error order + 1`` (Hairer's dopri5 uses
    ``beta = 0.04``; ``beta = 0`` is the classic integral controller of SciPy). After a
    rejection the step shrinks by ``max(factor_min, safety * err**(-1/k))`` and does not
    grow on the next accepted step.

    :param dt_max: largest step allowed (in the units of ``t``).
    """

    beta: float = 0.04
    safety: float = 0.9
    factor_min: float = 0.2
    factor_max: float = 10.0
    dt_max: float = numpy.inf

    def __post_init__(self):
        if not (0 < self.safety <= 1):
            raise ValueError(f"safety must be in (0, 1], got {self.safety!r}")
        if not (0 < self.factor_min < 1 < self.factor_max):
            raise ValueError("need 0 < factor_min < 1 < factor_max, got "
                             f"{self.factor_min!r}, {self.factor_max!r}")
        if not (self.beta >= 0):
            raise ValueError(f"beta must be >= 0, got {self.beta!r}")
        if not (self.dt_max > 0):
            raise ValueError(f"dt_max must be positive, got {self.dt_max!r}")

    def accept(self, h: float, err: float, err_prev: float, k: int, after_reject: bool) -> float:
        """The next step after an accepted step of size ``h``."""
        alpha = 1.0 / k - 0.75 * self.beta
        if err == 0.0:
            factor = self.factor_max
        else:
            factor = self.safety * err**-alpha * err_prev**self.beta
            factor = min(self.factor_max, max(self.factor_min, factor))
        if after_reject:
            factor = min(factor, 1.0)
        return min(h * factor, self.dt_max)

    def reject(self, h: float, err: float, k: int) -> float:
        """The retry step after a rejected step of size ``h``."""
        if not numpy.isfinite(err):
            return h * self.factor_min
        return h * max(self.factor_min, self.safety * err ** (-1.0 / k))


def initial_step(f, t0: float, y0: numpy.ndarray, f0: numpy.ndarray, t_end: float,
                 order: int, rtol: float, atol: float) -> float:
    """Hairer's starting step (Solving ODEs I, Sec. II.4), one extra evaluation of ``f``.

    ``order`` is the order of the error estimator: ``h1 = (0.01 / max(d1, d2))**(1 /
    (order + 1))`` sizes the step so that an error of order ``h**(order + 1)`` is about
    ``0.01`` of the tolerance (dopri5.f and dop853.f pass ``IORD`` = 5 and 8, as do SciPy
    and torchdiffeq).
    """
    scale = atol + numpy.abs(y0) * rtol
    d0, d1 = _rms(y0 / scale), _rms(f0 / scale)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h0 = min(h0, t_end - t0)
    f1 = f(y0 + h0 * f0, t0 + h0)
    d2 = _rms((f1 - f0) / scale) / h0
    if d1 <= 1e-15 and d2 <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / (order + 1))
    return min(100 * h0, h1, t_end - t0)
