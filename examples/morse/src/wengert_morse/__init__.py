"""An example wengert plugin, written only against wengert's public API.

``morse(r, depth, width, r0)`` is the Morse potential
``V = depth * (1 - exp(-width * (r - r0)))**2`` as a primitive with hand-written VJP and
JVP rules; ``morse_levels`` gives the exact vibrational levels it is checked against.
"""

from wengert_morse.potential import morse, morse_levels

__all__ = ["morse", "morse_levels"]
