"""wengert plugin entry point: the integral primitives, the PySCF provider and the demos."""

import wengert

wengert_plugin_api = 1


@wengert.hookimpl
def wengert_register_primitives(registry):
    from wengert_dft.integrals.primitives import PRIMITIVES

    for prim in PRIMITIVES:
        registry.add_primitive(prim)


@wengert.hookimpl
def wengert_register_implementations(registry):
    """Enable the libcint provider (values only, same numpy arrays) when PySCF imports.

    It is not a backend: the primitives' numpy implementation dispatches to it once it is
    selected with ``wengert_dft.set_integral_provider("pyscf")``; the default stays numpy.
    """
    try:
        from wengert_dft.integrals import pyscf_provider

        pyscf_provider.register()
    except ImportError:
        pass


@wengert.hookimpl
def wengert_register_demos(registry):
    from wengert_dft.demos import DEMOS

    for demo in DEMOS:
        registry.add_demo(demo)
