"""Testing helpers: finite-difference derivative checks and the conformance suite.

* :func:`check_grads` checks any function's derivatives (forward, reverse, any order).
* :func:`check_primitive` runs the conformance checks of one registered primitive.
* :func:`conformance` makes a plugin's whole conformance suite one line of its tests::

      from wengert.testing import conformance
      test_conformance = conformance("mydomain")

  (the pytest plugin in the ``pytest11`` entry-point group parametrizes it over every
  matching primitive x backend x example; ``pytest --wengert-backend cupy`` picks a backend).
"""

from wengert.testing.checks import DEFAULT_RTOL, GradientCheckError, check_grads
from wengert.testing.conformance import Case, check_primitive, conformance_cases, select_primitives


def conformance(pattern: str | None = None, backend: str | None = None):
    """A pytest test function running the conformance suite over ``pattern``'s primitives.

    Assign it to a module-level name starting with ``test_``. ``backend=None`` means every
    backend each primitive implements (or the ``--wengert-backend`` command-line option).
    """
    import pytest

    @pytest.mark.wengert_conformance(pattern, backend)
    def test_conformance(wengert_case):
        wengert_case.run()

    return test_conformance


__all__ = [
    "check_grads",
    "check_primitive",
    "conformance",
    "conformance_cases",
    "select_primitives",
    "Case",
    "GradientCheckError",
    "DEFAULT_RTOL",
]
