"""Entry point (group ``wengert``): registers the quantum primitives and the VQE demo."""

import wengert

wengert_plugin_api = 1


@wengert.hookimpl
def wengert_register_primitives(registry):
    from wengert_quantum.primitives import apply, expect, fidelity

    for prim in (expect, fidelity, apply):
        registry.add_primitive(prim)


@wengert.hookimpl
def wengert_register_demos(registry):
    from wengert_quantum.demo import DEMO

    registry.add_demo(DEMO)
