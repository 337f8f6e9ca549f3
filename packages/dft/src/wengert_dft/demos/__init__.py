"""Demos of wengert-dft (registered by the plugin)."""

from wengert_dft.demos.h2o_properties import DEMO as H2O_PROPERTIES
from wengert_dft.demos.ks_regularizer import DEMO as KS_REGULARIZER
from wengert_dft.demos.quantum_alchemy import DEMO as QUANTUM_ALCHEMY

DEMOS = (H2O_PROPERTIES, QUANTUM_ALCHEMY, KS_REGULARIZER)
