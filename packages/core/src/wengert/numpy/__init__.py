"""Differentiable numpy: autograd's namespace, re-exported without wrappers.

``import wengert.numpy as np`` gives exactly the functions of ``autograd.numpy``: there is
no per-call wrapper (it would cost more than wengert's 1.1x overhead budget). wengert adds
forward-mode (JVP) rules for the functions autograd left without one, so that every
differentiable function here works in both modes.
"""

from autograd.numpy import *  # noqa: F403
from autograd.numpy import fft, linalg, random  # noqa: F401

from wengert import _forward_rules  # noqa: F401,E402
