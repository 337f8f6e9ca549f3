"""Demos: reproducible runs of a published result, with numbers and figures.

A plugin registers a :class:`Demo`; ``wengert demo NAME [--quick] [--out DIR]`` runs it
with a progress bar, writes ``results.json`` and PNG figures into ``DIR`` and prints a
summary table. Without matplotlib (the ``plot`` extra) the demo still runs and says that
figures were skipped.

A demo's ``run(ctx)`` receives a :class:`DemoContext` and returns a dict of JSON-able
results whose keys name what they hold (``time_optimized``, ``density_error``, ...).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy

__all__ = ["Demo", "DemoOption", "DemoContext", "run_demo"]


@dataclass(frozen=True)
class DemoOption:
    """A demo-specific command-line option, e.g. ``DemoOption("depth", int, 4, "circuit depth")``.

    On the command line it is ``--depth 4``; in ``run(ctx)`` it is ``ctx.options["depth"]``.
    """

    name: str
    type: Callable[[str], Any]
    default: Any
    help: str = ""


@dataclass(frozen=True)
class Demo:
    """A runnable demo.

    :param name: the CLI name (``"brachistochrone"``).
    :param run: ``run(ctx: DemoContext) -> dict`` of results.
    :param description: one line: what it reproduces and against what.
    :param options: extra :class:`DemoOption` s.
    """

    name: str
    run: Callable[[DemoContext], dict]
    description: str
    options: tuple[DemoOption, ...] = ()


@dataclass
class DemoContext:
    """What a running demo gets: mode, output folder, options, progress bars, figures."""

    quick: bool
    out: Path
    options: dict = field(default_factory=dict)
    show_progress: bool = True
    figures: list[str] = field(default_factory=list)
    figures_skipped: str = ""

    def progress(self, iterable=None, total: int | None = None, desc: str = ""):
        """A tqdm progress bar (silent when progress is off or stderr is not a terminal)."""
        from tqdm.auto import tqdm

        return tqdm(
            iterable,
            total=total,
            desc=desc,
            disable=not self.show_progress,
            leave=False,
            file=sys.stderr,
        )

    def pyplot(self):
        """matplotlib's pyplot with a file-only backend, or ``None`` if not installed."""
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            self.figures_skipped = "matplotlib is not installed (pip install 'wengert[plot]')"
            return None
        return plt

    def save_figure(self, fig, filename: str) -> Path:
        """Save a matplotlib figure as ``out/filename`` (PNG) and close it."""
        path = self.out / filename
        fig.savefig(path, dpi=120, bbox_inches="tight")
        self.figures.append(filename)
        import matplotlib.pyplot as plt

        plt.close(fig)
        return path


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, numpy.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, numpy.generic):
        return value.item()
    return value


def run_demo(
    name: str,
    *,
    quick: bool = False,
    out: str | Path = "wengert-demo-out",
    options: dict | None = None,
    progress: bool = True,
) -> dict:
    """Run demo ``name`` and write ``results.json`` and figures into ``out``.

    Returns the results dict (with ``demo``, ``quick``, ``seconds`` and ``figures`` added).
    Unknown option names raise ``ValueError``.
    """
    from wengert.registry import registry

    demos = registry().demos
    if name not in demos:
        raise ValueError(f"unknown demo {name!r}; available: {', '.join(sorted(demos))}")
    demo = demos[name]
    values = {opt.name: opt.default for opt in demo.options}
    for key, value in (options or {}).items():
        if key not in values:
            raise ValueError(f"demo {name!r} has no option {key!r}; options: {sorted(values)}")
        if value is not None:
            values[key] = value
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = DemoContext(quick=quick, out=out, options=values, show_progress=progress)
    start = time.perf_counter()
    results = dict(demo.run(ctx))
    results.update(
        demo=name,
        quick=quick,
        options=values,
        seconds=round(time.perf_counter() - start, 3),
        figures=list(ctx.figures),
    )
    if ctx.figures_skipped:
        results["figures_skipped"] = ctx.figures_skipped
    results = _jsonable(results)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return results
