"""wengert: differentiable scientific computing on numpy.

Reverse and forward mode to any order (on autograd), primitives with hand-written rules
contributed by plugins, array backends, demos and a conformance suite.

>>> import wengert, wengert.numpy as np
>>> f = lambda x: np.exp(np.sin(x))
>>> float(wengert.grad(f)(0.0))
1.0
"""

from importlib import metadata as _metadata

from wengert import _forward_rules  # noqa: F401  (JVP rules autograd lacks)
from wengert.backends import Backend, _install_autograd_hook, asarray, backend_of, to_numpy
from wengert.demo import Demo, DemoContext, DemoOption, run_demo
from wengert.fixed_point import ConvergenceError, fixed_point
from wengert.operators import (
    checkpoint,
    custom_jvp,
    custom_vjp,
    grad,
    hessian,
    hvp,
    jacobian,
    jvp,
    stop_gradient,
    taylor,
    value_and_grad,
    vjp,
)
from wengert.primitive import Example, Primitive, primitive
from wengert.registry import PLUGIN_API_VERSION, Registry, hookimpl, registry
from wengert.tree import ravel, tree_flatten, tree_leaves, tree_map, tree_unflatten

_install_autograd_hook()

try:
    __version__ = _metadata.version("wengert")
except _metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "grad", "value_and_grad", "jacobian", "hessian", "jvp", "vjp", "hvp", "taylor",
    "checkpoint", "stop_gradient", "custom_vjp", "custom_jvp", "fixed_point",
    "ConvergenceError", "tree_flatten", "tree_unflatten", "tree_map", "tree_leaves", "ravel",
    "primitive", "Primitive", "Example", "Backend", "backend_of", "asarray", "to_numpy",
    "registry", "Registry", "hookimpl", "PLUGIN_API_VERSION", "Demo", "DemoOption",
    "DemoContext", "run_demo",
]
