"""Entry point of ``wengert-linalg``: registers the ``linalg.*`` primitives and the demos."""

import wengert

wengert_plugin_api = 1


@wengert.hookimpl
def wengert_register_primitives(registry):
    from wengert_linalg import PRIMITIVES

    for prim in PRIMITIVES:
        registry.add_primitive(prim)


@wengert.hookimpl
def wengert_register_demos(registry):
    from wengert_linalg.demos import DEMOS

    for demo in DEMOS:
        registry.add_demo(demo)
