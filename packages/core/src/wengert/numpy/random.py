"""``wengert.numpy.random``: autograd's ``numpy.random`` namespace, re-exported unchanged."""

from autograd.numpy.random import *  # noqa: F403
