"""wengert-ode: differentiable ODE integrators with accurate low-memory adjoints.

>>> import numpy, wengert
>>> from wengert_ode import odeint
>>> f = lambda y, t, k: -k * y
>>> t = numpy.linspace(0.0, 1.0, 3)
>>> float(wengert.grad(lambda k: odeint(f, numpy.ones(1), t, k, rtol=1e-10)[-1, 0])(1.0))
... # doctest: +ELLIPSIS
-0.36787944...

See :func:`odeint` for the methods and the gradient modes, :func:`solve_ivp` for SciPy's
interface, :func:`odeint_event` for terminal events, :func:`verlet` for Hamiltonian
systems with a reversible O(1)-memory gradient.
"""

from importlib import metadata as _metadata

from wengert_ode.controllers import PIController
from wengert_ode.events import EventNotFoundError, odeint_event
from wengert_ode.ivp import solve_ivp
from wengert_ode.odeint import GRADIENTS, odeint
from wengert_ode.solve import OdeSolverError, SolverStats
from wengert_ode.symplectic import verlet
from wengert_ode.tableaus import METHODS, ButcherTableau

try:
    __version__ = _metadata.version("wengert-ode")
except _metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = ["odeint", "odeint_event", "solve_ivp", "verlet", "GRADIENTS", "METHODS",
           "ButcherTableau", "PIController", "SolverStats", "OdeSolverError",
           "EventNotFoundError"]
