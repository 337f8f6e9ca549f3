"""Device-readiness preview on a CPU: every primitive this plugin implements, run on the
test double, compared with the numpy backend.

    python -m wengert_cupy.testing.preview [PATTERN]

For each example of each selected primitive that has a device implementation here, it
prints ``ok``, ``HOST`` (the primitive's rules or probe turned a device array into a host
array; the location is printed, so the owning package can fix it without a GPU) or
``FAIL`` (numbers differ). Exit status 1 if anything is not ``ok``. This is a CPU preview
of ``wengert check --backend cupy``: it finds host conversions and wrong results of the
rules, not GPU-specific problems.
"""

from __future__ import annotations

import argparse
import sys

import numpy

__all__ = ["preview", "main"]


def preview(pattern: str | None = None, *, stream=sys.stdout) -> dict[str, str]:
    """Run the comparison for every selected primitive; returns ``{case id: status}``."""
    import wengert
    from wengert.testing import select_primitives
    from wengert_cupy.testing import (
        DerivativeMismatch,
        HostConversionError,
        check_against_numpy,
        use_fake_backend,
    )

    results: dict[str, str] = {}
    with use_fake_backend() as backend:
        for prim in select_primitives(pattern, primitives=wengert.registry().primitives):
            if backend.name not in prim.backends:
                continue
            for example in prim.make_examples(numpy.random.default_rng(0)):
                case = f"{prim.name}[{example.name}]"
                try:
                    check_against_numpy(prim, example, backend.name)
                except HostConversionError as exc:
                    results[case] = "HOST"
                    print(f"HOST  {case}: {str(exc).split(': ', 1)[-1]}", file=stream)
                except (DerivativeMismatch, Exception) as exc:
                    results[case] = "FAIL"
                    print(f"FAIL  {case}: {type(exc).__name__}: {exc}", file=stream)
                else:
                    results[case] = "ok"
                    print(f"ok    {case}", file=stream)
    counts = {s: list(results.values()).count(s) for s in ("ok", "HOST", "FAIL")}
    print(f"\n{counts['ok']} ok, {counts['HOST']} host conversions, {counts['FAIL']} failed",
          file=stream)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wengert_cupy.testing.preview",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("pattern", nargs="?", default=None,
                        help="primitive name prefix or glob, e.g. 'linalg'")
    args = parser.parse_args(argv)
    results = preview(args.pattern)
    return 0 if results and all(s == "ok" for s in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
