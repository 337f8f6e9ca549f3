"""``wengert.numpy.linalg``: autograd's ``numpy.linalg`` namespace, re-exported unchanged."""

from autograd.numpy.linalg import *  # noqa: F403
