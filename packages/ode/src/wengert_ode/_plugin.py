"""Entry point of wengert-ode: registers its primitives and demos."""

import wengert

wengert_plugin_api = 1  # the plugin API version this plugin was written for


@wengert.hookimpl
def wengert_register_primitives(registry):
    from wengert_ode.nn import mlp
    from wengert_ode.primitives import PRIMITIVES
    from wengert_ode.steps import rk_combine
    from wengert_ode.symplectic import verlet_reversible

    for prim in (*PRIMITIVES.values(), verlet_reversible, mlp, rk_combine):
        registry.add_primitive(prim)


@wengert.hookimpl
def wengert_register_demos(registry):
    from wengert_ode.demos import least_action, neural_ode, optimal_control

    for module in (neural_ode, least_action, optimal_control):
        registry.add_demo(module.DEMO)
