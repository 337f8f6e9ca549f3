"""Demos of wengert-linalg, registered for ``wengert demo``."""

from wengert_linalg.demos.hamiltonian_engineering import DEMO as HAMILTONIAN_ENGINEERING
from wengert_linalg.demos.inverse_schrodinger import DEMO as INVERSE_SCHRODINGER

DEMOS = (INVERSE_SCHRODINGER, HAMILTONIAN_ENGINEERING)
