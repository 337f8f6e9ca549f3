"""wengert-tensornet: differentiable tensor networks.

* Classical models: :func:`ising_tensor`, :func:`site_tensor`; ``ln Z`` per site by
  :func:`trg` (Levin-Nave) and :func:`hotrg` (Xie et al.), differentiable to second order;
  Onsager's exact solution in :mod:`wengert_tensornet.onsager`.
* Quantum states: :func:`ctmrg` for C4v-symmetric tensors (unrolled or fixed-point
  gradients), :func:`ipeps` ground-state search, :func:`energy`, :func:`magnetization`,
  :func:`save_state` / :func:`load_state`.
"""

from wengert_tensornet.ctmrg import (
    Environment,
    ctmrg,
    ctmrg_ln_z,
    ctmrg_step,
    initial_environment,
)
from wengert_tensornet.hotrg import hotrg
from wengert_tensornet.io import load_state, save_state
from wengert_tensornet.ipeps import (
    IpepsResult,
    bond_density_matrix,
    c4v_basis,
    double_layer,
    energy,
    heisenberg,
    ipeps,
    magnetization,
    random_tensor,
    symmetrize,
)
from wengert_tensornet.ising import ising_tensor, site_tensor
from wengert_tensornet.trg import trg

__all__ = [
    "ising_tensor", "site_tensor", "trg", "hotrg", "ctmrg", "ctmrg_step", "ctmrg_ln_z",
    "initial_environment", "Environment", "ipeps", "IpepsResult", "energy", "magnetization",
    "bond_density_matrix", "double_layer", "symmetrize", "heisenberg", "random_tensor",
    "c4v_basis", "save_state", "load_state",
]
