import pytest

from wengert_dft.demos.pyscf_reference import REFERENCE

WATER = "O 0 0 0; H 0 -0.757 0.587; H 0 0.757 0.587"
GEOMETRIES = {"h2o": WATER, "h2": "H 0 0 0; H 0 0 0.74", "lih": "Li 0 0 0; H 0 0 1.6"}


@pytest.fixture
def geometries():
    """Å geometries of the reference molecules (those PySCF 2.14.0 was run on)."""
    return GEOMETRIES


@pytest.fixture
def reference():
    """PySCF 2.14.0 values with the package's basis data (see wengert_dft.demos.pyscf_reference)."""
    return REFERENCE
