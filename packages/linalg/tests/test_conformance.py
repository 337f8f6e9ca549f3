"""Every linalg.* primitive against finite differences, forward and reverse, to order 2
(real, complex, degenerate, rectangular, truncated, full_matrices, rank-deficient and
matrix-free examples; see each primitive's ``examples``)."""

import wengert
from wengert.testing import conformance

test_conformance = conformance("linalg")


def test_plugin_registers_primitives_and_demos():
    reg = wengert.registry()
    assert reg.plugins["linalg"].status == "ok", reg.plugins["linalg"].error
    for name in ("eigh", "svd", "qr", "cholesky", "solve", "inv", "det", "slogdet", "pinv",
                 "eig", "eigsh", "expm", "expm_frechet", "eigh_function", "eigh_frechet"):
        prim = reg.primitives[f"linalg.{name}"]
        assert prim.has_vjp and prim.has_jvp, name
    assert {"inverse-schrodinger", "hamiltonian-engineering"} <= set(reg.demos)
