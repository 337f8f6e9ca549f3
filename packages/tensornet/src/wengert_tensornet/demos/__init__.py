"""The package's demos: ``ising-trg`` and ``heisenberg-ipeps``."""

import wengert
from wengert_tensornet.demos import heisenberg_ipeps, ising_trg

DEMOS = (
    wengert.Demo(
        name="ising-trg",
        run=ising_trg.run,
        description="2D Ising ln Z, u, c vs T by differentiating HOTRG/TRG, next to "
                    "Onsager's exact solution (PRX 9, 031041, Fig. 2)",
        options=(
            wengert.DemoOption("chi", int, 24, "bond dimension"),
            wengert.DemoOption("steps", int, 32, "RG steps (2**steps sites)"),
            wengert.DemoOption("method", str, "hotrg", "hotrg or trg"),
            wengert.DemoOption("points", int, 16, "temperatures in [1, 4] (T_c is added)"),
            wengert.DemoOption("executor", str, "serial",
                               "where the temperatures run: serial, processes[:N], dask, "
                               "dask://host:port (wengert.parallel)"),
        ),
    ),
    wengert.Demo(
        name="heisenberg-ipeps",
        run=heisenberg_ipeps.run,
        description="Heisenberg antiferromagnet ground state by a gradient-optimized C4v "
                    "iPEPS vs QMC -0.669437 (PRX 9, 031041, Fig. 5)",
        options=(
            wengert.DemoOption("D", int, 2, "iPEPS bond dimension (--quick: 2)"),
            wengert.DemoOption("chi", int, 16, "CTMRG bond dimension (--quick: 16)"),
            wengert.DemoOption("maxiter", int, 500, "L-BFGS iterations at most"),
            wengert.DemoOption("seed", int, 0, "seed of the random start"),
            wengert.DemoOption("init", str, "uniform",
                               "random start: uniform (entries in [0, 1)) or signed "
                               "(symmetric, mixed signs; finds the lower D=3 minimum)"),
            wengert.DemoOption("gradient", str, "fixed_point", "fixed_point or unrolled"),
            wengert.DemoOption("resume", str, "", "state.npz to start from"),
        ),
    ),
)
