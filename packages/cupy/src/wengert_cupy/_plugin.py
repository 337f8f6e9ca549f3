"""Entry point of ``wengert-cupy``: the ``cupy`` backend and its implementations.

Discovery imports this module and runs the hooks; neither imports CuPy. The backend's
availability is probed lazily, the first time someone asks (``wengert plugins``,
``wengert.asarray(x, "cupy")``, the conformance suite, :func:`wengert_cupy.enable`).
"""

import wengert
from wengert_cupy._backend import BACKEND, cupy_module
from wengert_cupy.implementations import implementations

wengert_plugin_api = 1

#: Marks the forward functions this plugin registered (see ``_forget_previous``).
_MARK = "_wengert_cupy_implementation"


@wengert.hookimpl
def wengert_register_backends(registry):
    registry.add_backend(BACKEND)


@wengert.hookimpl
def wengert_register_implementations(registry):
    for name, fn in implementations(cupy_module).items():
        setattr(fn, _MARK, True)
        _forget_previous(registry, name)
        registry.add_implementation(name, BACKEND.name, fn)


def _forget_previous(registry, name: str) -> None:
    """Drop our own implementation left on a primitive by an earlier discovery.

    Primitives are module-level objects that outlive a ``wengert.registry(reload=True)``,
    and so do their implementations; without this the second discovery would find a
    ``cupy`` implementation already there and reject ours. (Core issue: rediscovery
    should reset non-numpy implementations; see the package README.)
    """
    prim = registry.primitives.get(name)
    if prim is None or BACKEND.name not in prim.backends:
        return
    if getattr(prim._impls.get(BACKEND.name), _MARK, False):
        prim._remove_implementation(BACKEND.name)
