"""The built-in plugin: numpy backend, the core demo and the executors, like any other plugin."""

from wengert.backends import NUMPY
from wengert.registry import hookimpl


@hookimpl
def wengert_register_backends(registry):
    registry.add_backend(NUMPY)


@hookimpl
def wengert_register_demos(registry):
    from wengert.demos.brachistochrone import DEMO

    registry.add_demo(DEMO)


@hookimpl
def wengert_register_executors(registry):
    from wengert.parallel import BUILTIN_EXECUTORS

    for name, factory in BUILTIN_EXECUTORS.items():
        registry.add_executor(name, factory)
