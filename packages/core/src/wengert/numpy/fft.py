"""``wengert.numpy.fft``: autograd's ``numpy.fft`` namespace, re-exported unchanged."""

from autograd.numpy.fft import *  # noqa: F403
