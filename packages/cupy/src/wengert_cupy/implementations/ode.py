"""Device implementation of wengert-ode's neural vector field ``ode.mlp``.

``mlp(y, w1, b1, w2, b2) = tanh(y @ w1.T + b1) @ w2.T + b2``: the right-hand side of a
neural ODE, one tape node per evaluation. Its rules are wengert-ode's own (written in
:mod:`wengert.numpy`, checked device-ready on the CPU test double). The integrators
(``ode.odeint_*``) have no device implementation yet: their drivers convert parameters
to host arrays (see the package README).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

__all__ = ["implementations"]


def implementations(xp: ModuleType) -> dict[str, Callable]:
    """``{"ode.mlp": forward}`` for array module ``xp``."""

    def mlp(y, w1, b1, w2, b2):
        return xp.tanh(y @ w1.T + b1) @ w2.T + b2

    return {"ode.mlp": mlp}
