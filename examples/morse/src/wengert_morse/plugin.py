"""Entry point of the example plugin: registers its primitive and its demo."""

import wengert

wengert_plugin_api = 1  # the plugin API version this plugin was written for


@wengert.hookimpl
def wengert_register_primitives(registry):
    from wengert_morse.potential import morse

    registry.add_primitive(morse)


@wengert.hookimpl
def wengert_register_demos(registry):
    from wengert_morse.demo import DEMO

    registry.add_demo(DEMO)
