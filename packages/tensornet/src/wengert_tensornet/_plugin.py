"""Entry point of wengert-tensornet: registers its demos (it defines no primitives: the
decompositions it differentiates are wengert-linalg's)."""

import wengert

wengert_plugin_api = 1  # the plugin API version this plugin was written for


@wengert.hookimpl
def wengert_register_demos(registry):
    from wengert_tensornet.demos import DEMOS

    for demo in DEMOS:
        registry.add_demo(demo)
