"""The ``wengert`` command: plugins, primitives, conformance checks and demos.

    wengert plugins                      what was discovered, versions, backends
    wengert primitives [--domain D]      table of primitives and their rules
    wengert check [PATTERN] [--backend B]   conformance suite (exit 1 on any failure,
                                            or a selected plugin that failed to load)
    wengert demo --list                  registered demos
    wengert demo NAME [--quick] [--out DIR] [--OPTION VALUE ...]
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
import time
import traceback

__all__ = ["main"]


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def _cmd_plugins(args) -> int:
    from wengert.registry import registry

    reg = registry()
    rows = []
    for info in reg.plugins.values():
        status = info.status if info.status != "error" else f"error: {info.error}"
        rows.append([info.name, info.distribution, info.version, info.module, status])
    print(_table(rows, ["plugin", "distribution", "version", "module", "status"]))
    print("\nbackends:")
    for name, backend in sorted(reg.backends.items()):
        ok, reason = backend.status()
        print(f"  {name}: available" if ok else f"  {name}: unavailable ({reason})")
    print(f"\n{len(reg.primitives)} primitives, {len(reg.demos)} demos")
    return 0


def _cmd_primitives(args) -> int:
    from wengert.registry import registry

    prims = registry().primitives
    names = sorted(n for n in prims if not args.domain or n.split(".")[0] == args.domain)
    if args.domain and not names:
        print(f"no primitives in domain {args.domain!r}", file=sys.stderr)
        return 1
    rows = [
        [n, "yes" if prims[n].has_vjp else "no", "yes" if prims[n].has_jvp else "no",
         str(prims[n].max_order), ",".join(prims[n].backends)]
        for n in names
    ]
    print(_table(rows, ["name", "vjp", "jvp", "max_order", "backends"]))
    return 0


def _cmd_check(args) -> int:
    from wengert.registry import registry
    from wengert.testing.conformance import conformance_cases

    reg = registry()
    passed = failed = skipped = 0
    for name, error in reg.errors.items():  # first: they may be why a pattern selects nothing
        if _plugin_selected(name, args.pattern):
            print(f"FAIL  plugin {name}: {error}")
            failed += 1
        else:
            print(f"WARN  plugin {name} (not selected by {args.pattern!r}): {error}")
    try:
        cases = conformance_cases(args.pattern, args.backend)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.backend and args.backend not in reg.backends:
        print(f"error: backend {args.backend!r} is not installed "
              f"(installed: {', '.join(sorted(reg.backends))})", file=sys.stderr)
        return 1
    for case in cases:
        reason = case.skip_reason()
        if reason:
            skipped += 1
            print(f"SKIP  {case.id}: {reason}")
            continue
        start = time.perf_counter()
        try:
            case.run()
        except Exception as exc:  # report every failure, keep going
            failed += 1
            print(f"FAIL  {case.id}: {type(exc).__name__}: {exc}")
            if args.verbose:
                traceback.print_exc()
        else:
            passed += 1
            print(f"ok    {case.id} ({time.perf_counter() - start:.2f}s)")
    print(f"\n{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


def _plugin_selected(plugin: str, pattern: str | None) -> bool:
    """Whether ``wengert check PATTERN`` concerns ``plugin``: every plugin without a
    pattern, else those whose name matches the pattern's domain (the part before the first
    ``.``), as a prefix or a glob."""
    if not pattern:
        return True
    domain = pattern.split(".")[0]
    return plugin.startswith(domain) or fnmatch.fnmatchcase(plugin, domain)


def _cmd_demo(args, rest: list[str]) -> int:
    from wengert.demo import run_demo
    from wengert.registry import registry

    demos = registry().demos
    if args.list or not args.name:
        rows = [[d.name, d.description] for d in sorted(demos.values(), key=lambda d: d.name)]
        print(_table(rows, ["demo", "description"]))
        return 0 if args.list else 2
    if args.name not in demos:
        print(f"error: unknown demo {args.name!r}; available: {', '.join(sorted(demos))}",
              file=sys.stderr)
        return 2
    demo = demos[args.name]
    parser = argparse.ArgumentParser(prog=f"wengert demo {demo.name}")
    for opt in demo.options:
        parser.add_argument(f"--{opt.name.replace('_', '-')}", dest=opt.name, type=opt.type,
                            default=opt.default, help=opt.help)
    options = vars(parser.parse_args(rest))
    out = args.out or f"wengert-demo-{demo.name}"
    results = run_demo(demo.name, quick=args.quick, out=out, options=options,
                       progress=sys.stderr.isatty())
    rows = [[k, _short(v)] for k, v in results.items() if k not in ("figures",)]
    print(_table(rows, ["result", "value"]))
    if results.get("figures"):
        print(f"\nfigures: {', '.join(results['figures'])} in {out}/")
    elif results.get("figures_skipped"):
        print(f"\nfigures skipped: {results['figures_skipped']}")
    print(f"results: {out}/results.json")
    return 0


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    text = str(value)
    return text if len(text) <= 70 else text[:67] + "..."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wengert", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("plugins", help="list discovered plugins and backends")
    p = sub.add_parser("primitives", help="list registered primitives")
    p.add_argument("--domain", help="only this domain (the part of the name before the dot)")
    p = sub.add_parser("check", help="run the conformance suite")
    p.add_argument("pattern", nargs="?", default=None,
                   help="name prefix or glob, e.g. 'linalg' or 'linalg.eig*'")
    p.add_argument("--backend", default=None, help="check on this backend only")
    p.add_argument("-v", "--verbose", action="store_true", help="print tracebacks of failures")
    p = sub.add_parser("demo", help="list or run demos")
    p.add_argument("name", nargs="?", help="demo to run")
    p.add_argument("--list", action="store_true", help="list registered demos")
    p.add_argument("--quick", action="store_true", help="short run that still reaches the target")
    p.add_argument("--out", default=None, help="output folder (default wengert-demo-NAME)")
    args, rest = parser.parse_known_args(argv)
    if args.command == "demo":
        return _cmd_demo(args, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return {"plugins": _cmd_plugins, "primitives": _cmd_primitives, "check": _cmd_check}[
        args.command](args)


if __name__ == "__main__":
    sys.exit(main())
