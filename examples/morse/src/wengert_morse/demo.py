"""Demo ``morse-spectrum``: vibrational levels from derivatives of the potential.

Second-order perturbation theory turns the 2nd, 3rd and 4th derivatives of ``V`` at its
minimum into the harmonic frequency and the anharmonic constant,

    hbar w = hbar sqrt(k/m),   hbar w x_e = hbar^2/(m^2 w^2) [5 V'''^2/(48 m w^2) - V''''/16],

which for the Morse potential reproduce its exact levels. The derivatives come from
``wengert.taylor`` (nested forward mode) through the plugin's primitive. Units: hartree
atomic units; the default parameters are HCl-like (D = 0.1697 Eh, a = 0.9889/bohr).
"""

import numpy

import wengert
from wengert_morse.potential import morse, morse_levels

DEPTH, WIDTH, R0 = 0.1697, 0.9889, 2.4086  # Eh, 1/bohr, bohr
MASS = 1781.9  # reduced mass of H-35Cl in electron masses


def run(ctx):
    n_levels = 5 if ctx.quick else 20
    derivs = wengert.taylor(lambda r: morse(r, DEPTH, WIDTH, R0), R0, 4)
    k, f3, f4 = float(derivs[2]), float(derivs[3]), float(derivs[4])
    omega = numpy.sqrt(k / MASS)
    omega_xe = (5 * f3**2 / (48 * MASS * omega**2) - f4 / 16) / (MASS**2 * omega**2)
    n = numpy.arange(n_levels)
    levels = omega * (n + 0.5) - omega_xe * (n + 0.5) ** 2
    exact = morse_levels(n, DEPTH, WIDTH, MASS)
    error = float(numpy.max(numpy.abs(levels - exact)))
    plt = ctx.pyplot()
    if plt is not None:
        r = numpy.linspace(R0 - 0.9, R0 + 4.0, 400)
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(r, morse(r, DEPTH, WIDTH, R0), "k-", label="Morse V(r)")
        for e in levels:
            ax.axhline(e, color="tab:blue", lw=0.6)
        ax.set(xlabel="r (bohr)", ylabel="energy (Eh)", ylim=(0, 1.1 * DEPTH),
               title="Levels from AD derivatives of V")
        ax.legend()
        ctx.save_figure(fig, "morse-spectrum.png")
    return {
        "omega_hartree": omega,
        "omega_xe_hartree": omega_xe,
        "omega_cm": omega * 219474.63,
        "levels_hartree": levels,
        "levels_exact_hartree": exact,
        "max_level_error": error,
    }


DEMO = wengert.Demo(
    name="morse-spectrum",
    run=run,
    description="Morse levels from 2nd-4th derivatives by nested forward mode (example plugin)",
)
