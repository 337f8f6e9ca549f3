"""Entry point of the plugin: registers the primitive ``coils.biot_savart`` and the demo."""

import wengert

wengert_plugin_api = 1  # the plugin API version this plugin was written for


@wengert.hookimpl
def wengert_register_primitives(registry):
    from wengert_coils.field import biot_savart

    registry.add_primitive(biot_savart)


@wengert.hookimpl
def wengert_register_demos(registry):
    from wengert_coils.demo import DEMO

    registry.add_demo(DEMO)
