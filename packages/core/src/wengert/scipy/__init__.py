"""Differentiable scipy: autograd's ``scipy`` namespaces, re-exported without wrappers."""

from wengert.scipy import integrate, linalg, signal, special, stats  # noqa: F401
