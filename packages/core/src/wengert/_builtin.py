"""The built-in plugin: the numpy backend and the core's demo, registered like any other."""

from wengert.backends import NUMPY
from wengert.registry import hookimpl


@hookimpl
def wengert_register_backends(registry):
    registry.add_backend(NUMPY)


@hookimpl
def wengert_register_demos(registry):
    from wengert.demos.brachistochrone import DEMO

    registry.add_demo(DEMO)
