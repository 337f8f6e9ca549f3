"""Plugin discovery: what is installed, resolved once into plain dicts.

Plugins are modules named in the ``wengert`` entry-point group. Discovery is lazy (the
first :func:`registry` call) and happens once; afterwards everything is a dict lookup.
A plugin that fails to import, implements an unknown hook, or raises inside a hook is
reported in ``registry().plugins[name].error`` with everything it registered rolled
back; the other plugins are unaffected.

Environment variables (read at discovery):

``WENGERT_DISABLE_PLUGIN_AUTOLOAD``
    if set to a non-empty value other than ``0``, only the built-in plugin is loaded.
``WENGERT_BLOCK_PLUGINS``
    comma-separated entry-point names that are not loaded (shown as ``blocked``).
"""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any

import pluggy

from wengert import hookspecs
from wengert.backends import Backend, _register_backend, _reset_backends, _unregister_backend
from wengert.primitive import Primitive

__all__ = ["Registry", "PluginInfo", "registry", "PLUGIN_API_VERSION", "HOOKS"]

#: Major version of the plugin API (hook names and arguments); see :mod:`wengert.hookspecs`.
PLUGIN_API_VERSION = 1

#: The hooks, in the order discovery calls them.
HOOKS = (
    "wengert_register_backends",
    "wengert_register_primitives",
    "wengert_register_implementations",
    "wengert_register_demos",
    "wengert_register_executors",
)

hookimpl = pluggy.HookimplMarker("wengert")


@dataclass
class PluginInfo:
    """One discovered plugin: where it came from and whether it loaded."""

    name: str
    module: str
    distribution: str = ""
    version: str = ""
    status: str = "ok"  # "ok", "error" or "blocked"
    error: str = ""


@dataclass
class Registry:
    """Everything the installed plugins contributed, as plain dicts.

    ``plugins``: name -> :class:`PluginInfo`; ``backends``: name -> :class:`Backend`;
    ``primitives``: ``"<domain>.<name>"`` -> :class:`Primitive`; ``demos``: name -> Demo;
    ``executors``: name -> factory of a :class:`wengert.parallel.Executor`.
    """

    plugins: dict[str, PluginInfo] = field(default_factory=dict)
    backends: dict[str, Backend] = field(default_factory=dict)
    primitives: dict[str, Primitive] = field(default_factory=dict)
    demos: dict[str, Any] = field(default_factory=dict)
    executors: dict[str, Callable] = field(default_factory=dict)
    _owner: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    _current: str = field(default="", repr=False)

    # ---------------------------------------------------------- called by plugins' hooks

    def add_backend(self, backend: Backend) -> None:
        """Register an array backend (from ``wengert_register_backends``)."""
        if not isinstance(backend, Backend):
            raise TypeError(f"add_backend expects a wengert.Backend, got {type(backend).__name__}")
        self._claim("backend", backend.name)
        self.backends[backend.name] = backend
        _register_backend(backend)

    def add_primitive(self, prim: Primitive) -> None:
        """Register a primitive (from ``wengert_register_primitives``)."""
        if not isinstance(prim, Primitive):
            raise TypeError(f"add_primitive expects a wengert.Primitive, got {type(prim).__name__}")
        if self.primitives.get(prim.name) is prim:
            return
        self._claim("primitive", prim.name)
        self.primitives[prim.name] = prim

    def add_implementation(self, name: str, backend_name: str, fn: Callable) -> None:
        """Add ``fn`` as the forward function of primitive ``name`` on ``backend_name``.

        Skipped when no installed plugin registered ``name`` (its package is absent).
        """
        prim = self.primitives.get(name)
        if prim is None:
            return
        if backend_name in prim.backends and backend_name != "numpy":
            owner = self._owner.get(("implementation", f"{name}@{backend_name}"), "?")
            raise ValueError(
                f"{name} already has a {backend_name!r} implementation (from plugin {owner!r})"
            )
        self._claim("implementation", f"{name}@{backend_name}")
        prim.implement(backend_name, fn)

    def add_demo(self, demo: Any) -> None:
        """Register a :class:`wengert.Demo` (from ``wengert_register_demos``)."""
        from wengert.demo import Demo

        if not isinstance(demo, Demo):
            raise TypeError(f"add_demo expects a wengert.Demo, got {type(demo).__name__}")
        self._claim("demo", demo.name)
        self.demos[demo.name] = demo

    def add_executor(self, name: str, factory: Callable) -> None:
        """Register an executor factory for :mod:`wengert.parallel` (from
        ``wengert_register_executors``)."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"executor name must be an identifier, got {name!r}")
        if not callable(factory):
            raise TypeError(f"executor factory for {name!r} must be callable")
        self._claim("executor", name)
        self.executors[name] = factory

    # ---------------------------------------------------------- bookkeeping

    def _claim(self, kind: str, key: str) -> None:
        owner = self._owner.get((kind, key))
        if owner is not None:
            raise ValueError(f"{kind} {key!r} is already registered by plugin {owner!r}")
        self._owner[(kind, key)] = self._current

    def _roll_back(self, plugin: str) -> None:
        owned = [k for k, owner in self._owner.items() if owner == plugin]
        for kind, key in sorted(owned, key=lambda k: k[0] != "implementation"):
            del self._owner[(kind, key)]
            if kind == "implementation":
                name, backend_name = key.rsplit("@", 1)
                self.primitives[name]._remove_implementation(backend_name)
            elif kind == "backend":
                _unregister_backend(self.backends.pop(key))
            else:
                getattr(self, kind + "s").pop(key, None)

    @contextlib.contextmanager
    def _as_plugin(self, name: str):
        self._current = name
        try:
            yield
        finally:
            self._current = ""

    def _fail(self, name: str, exc: BaseException, stage: str) -> None:
        info = self.plugins[name]
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        info.status, info.error = "error", f"{stage}: {detail}"
        self._roll_back(name)

    def _forget_implementations(self) -> None:
        """Take back every backend implementation this registry added to primitives (they
        are module-level objects that outlive a rediscovery, which adds them again)."""
        for kind, key in list(self._owner):
            if kind == "implementation":
                name, backend_name = key.rsplit("@", 1)
                if name in self.primitives:
                    self.primitives[name]._remove_implementation(backend_name)

    @property
    def errors(self) -> dict[str, str]:
        """Plugins that failed to load: name -> what went wrong."""
        return {n: p.error for n, p in self.plugins.items() if p.status == "error"}


_REGISTRY: Registry | None = None


def registry(reload: bool = False) -> Registry:
    """The registry of installed plugins, discovered on first use and cached.

    ``reload=True`` discovers again (after installing a plugin in a running session).
    """
    global _REGISTRY
    if _REGISTRY is None or reload:
        if _REGISTRY is not None:
            _REGISTRY._forget_implementations()
        _REGISTRY = _discover()
    return _REGISTRY


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip() not in ("", "0")


def _candidates(reg: Registry) -> list[tuple[str, Callable[[], ModuleType]]]:
    """(name, loader) pairs: the built-in plugin first, then entry points by name."""
    import wengert._builtin as builtin

    reg.plugins["builtin"] = PluginInfo("builtin", builtin.__name__, "wengert", _version())
    found: list[tuple[str, Callable[[], ModuleType]]] = [("builtin", lambda: builtin)]
    if _env_flag("WENGERT_DISABLE_PLUGIN_AUTOLOAD"):
        return found
    blocked = {b.strip() for b in os.environ.get("WENGERT_BLOCK_PLUGINS", "").split(",")}
    for ep in sorted(metadata.entry_points(group="wengert"), key=lambda e: e.name):
        if ep.name in reg.plugins:
            continue  # the same distribution seen twice on sys.path
        dist = getattr(ep, "dist", None)
        reg.plugins[ep.name] = PluginInfo(
            ep.name,
            ep.value,
            dist.metadata["Name"] if dist else "",
            dist.version if dist else "",
        )
        if ep.name in blocked:
            reg.plugins[ep.name].status = "blocked"
            continue
        found.append((ep.name, ep.load))
    return found


def _version() -> str:
    try:
        return metadata.version("wengert")
    except metadata.PackageNotFoundError:
        return "unknown"


def _discover() -> Registry:
    _reset_backends()
    reg = Registry()
    manager = pluggy.PluginManager("wengert")
    manager.add_hookspecs(hookspecs)
    loaded: list[str] = []
    for name, load in _candidates(reg):
        try:
            module = load()
            api = getattr(module, "wengert_plugin_api", PLUGIN_API_VERSION)
            if api != PLUGIN_API_VERSION:
                raise RuntimeError(
                    f"written for plugin API v{api}; this wengert supports v{PLUGIN_API_VERSION}"
                )
            manager.register(module, name=name)
        except Exception as exc:
            reg._fail(name, exc, "load")
            continue
        try:
            manager.check_pending()
        except pluggy.PluginValidationError as exc:
            manager.unregister(name=name)
            reg._fail(name, exc, "unknown hook")
            continue
        loaded.append(name)
    for hook in HOOKS:
        impls = {i.plugin_name: i for i in getattr(manager.hook, hook).get_hookimpls()}
        for name in loaded:
            impl = impls.get(name)
            if impl is None or reg.plugins[name].status != "ok":
                continue
            with reg._as_plugin(name):
                try:
                    impl.function(**{arg: reg for arg in impl.argnames})
                except Exception as exc:
                    reg._fail(name, exc, hook)
    return reg
