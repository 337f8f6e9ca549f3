"""Saving and loading iPEPS states (``.npz``), so that long optimizations can resume.

>>> import tempfile, pathlib, numpy
>>> from wengert_tensornet import save_state, load_state
>>> path = pathlib.Path(tempfile.mkdtemp()) / "state.npz"
>>> _ = save_state(path, numpy.ones((2, 2, 2, 2, 2)), energy=-0.66, D=2, chi=16)
>>> state = load_state(path)
>>> state["params"].shape, state["energy"], state["chi"]
((2, 2, 2, 2, 2), -0.66, 16)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy

from wengert_tensornet.ctmrg import Environment

__all__ = ["save_state", "load_state"]

FORMAT_VERSION = 1


def save_state(path: str | Path, params, *, env: Environment | None = None,
               energy: float | None = None, D: int | None = None, chi: int | None = None,
               history=None) -> Path:
    """Write an iPEPS state to ``path`` (``.npz``, replaced atomically).

    :param params: the raw site tensor (d, D, D, D, D) (``IpepsResult.params``).
    :param env: the converged :class:`Environment` (optional: a warm start for CTMRG).
    :param energy, D, chi, history: metadata stored alongside.
    :returns: the path written.
    """
    path = Path(path)
    arrays = {"format_version": numpy.array(FORMAT_VERSION),
              "params": numpy.asarray(params, dtype=float)}
    if env is not None:
        arrays["corner"] = numpy.asarray(env.corner, dtype=float)
        arrays["edge"] = numpy.asarray(env.edge, dtype=float)
    for key, value in (("energy", energy), ("D", D), ("chi", chi)):
        if value is not None:
            arrays[key] = numpy.array(value)
    if history is not None:
        arrays["history"] = numpy.asarray(history, dtype=float)
    tmp = path.with_name(path.name + ".tmp.npz")
    numpy.savez(tmp, **arrays)
    os.replace(tmp, path)
    return path


def load_state(path: str | Path) -> dict:
    """Read a state written by :func:`save_state`.

    :returns: ``{"params", "env" (an Environment or None), "energy", "D", "chi",
        "history"}`` (missing metadata is ``None``).
    :raises ValueError: not a state file of this package.
    """
    with numpy.load(Path(path)) as data:
        if "params" not in data or "format_version" not in data:
            raise ValueError(f"load_state: {path} is not a wengert-tensornet state file")
        env = (Environment(data["corner"], data["edge"]) if "corner" in data else None)
        scalar = lambda key, kind: kind(data[key]) if key in data else None
        return {
            "params": data["params"],
            "env": env,
            "energy": scalar("energy", float),
            "D": scalar("D", int),
            "chi": scalar("chi", int),
            "history": data["history"].tolist() if "history" in data else None,
        }
