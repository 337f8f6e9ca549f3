"""The hooks a wengert plugin may implement.

A plugin is a module named in the ``wengert`` entry-point group. It implements any of
these hooks with the :data:`wengert.hookimpl` marker; each hook is handed the
:class:`~wengert.registry.Registry` being built and calls its ``add_*`` methods.

Hooks run once, at discovery (the first :func:`wengert.registry` call), in this order:
backends, primitives, implementations, demos, executors. Nothing here runs per call.

Compatibility policy: within a major version of the plugin API
(:data:`wengert.PLUGIN_API_VERSION`) hooks are only added, never removed or renamed, and
their arguments are only added (pluggy passes an implementation just the arguments it
names, so old plugins keep working). A plugin may declare the API version it was written
for as a module attribute ``wengert_plugin_api = 1``; a plugin declaring another major
version is reported as incompatible instead of loaded. Plugins state the core versions
they support in their own dependency, e.g. ``wengert>=0.1,<0.2``.
"""

import pluggy

hookspec = pluggy.HookspecMarker("wengert")


@hookspec
def wengert_register_backends(registry):
    """Add array backends.

    :param registry: the :class:`~wengert.registry.Registry`; call
        ``registry.add_backend(backend)`` with a :class:`wengert.Backend` for each array
        library this plugin supports.
    """


@hookspec
def wengert_register_primitives(registry):
    """Add primitives.

    :param registry: the :class:`~wengert.registry.Registry`; call
        ``registry.add_primitive(prim)`` for each :class:`wengert.Primitive` the plugin
        defines. Names are ``"<domain>.<name>"`` and must be unique across plugins.
    """


@hookspec
def wengert_register_implementations(registry):
    """Add backend-specific forward functions for primitives (this plugin's or others').

    Runs after every plugin's primitives are in.

    :param registry: the :class:`~wengert.registry.Registry`; call
        ``registry.add_implementation(name, backend_name, fn)``. A name that no installed
        plugin registered is skipped silently (the domain package is not installed).
    """


@hookspec
def wengert_register_demos(registry):
    """Add demos for ``wengert demo``.

    :param registry: the :class:`~wengert.registry.Registry`; call
        ``registry.add_demo(demo)`` with a :class:`wengert.Demo`.
    """


@hookspec
def wengert_register_executors(registry):
    """Add executors for :mod:`wengert.parallel`.

    :param registry: the :class:`~wengert.registry.Registry`; call
        ``registry.add_executor(name, factory)`` where ``factory(address=None,
        max_workers=None)`` returns a :class:`wengert.parallel.Executor`. Users select it
        with ``executor="name"``, ``"name:4"`` or ``"name://host:port"``.
    """
