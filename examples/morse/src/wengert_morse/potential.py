"""The Morse potential ``V(r) = D (1 - exp(-a (r - r0)))**2`` as a wengert primitive.

Units are the caller's: ``r`` and ``r0`` in a length unit, ``width`` (``a``) in inverse
length, ``depth`` (``D``) in energy. All four inputs are differentiable and broadcast.
"""

import numpy

import wengert
import wengert.numpy as np


@wengert.primitive("morse.potential")
def morse(r, depth, width, r0):
    """Morse energy, elementwise over the broadcast of the inputs."""
    return depth * (1.0 - numpy.exp(-width * (r - r0))) ** 2


def _parts(r, depth, width, r0):
    """``e = exp(-a (r - r0))`` and ``c = 2 D (1 - e) e``, the common factor of every partial."""
    e = np.exp(-width * (r - r0))
    return e, 2.0 * depth * (1.0 - e) * e


def _unbroadcast(g, like):
    """Sum a broadcast cotangent back to the shape of the input ``like``."""
    shape = np.shape(like)
    g = np.sum(g, axis=tuple(range(np.ndim(g) - len(shape)))) if np.ndim(g) > len(shape) else g
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(g)[i] != 1)
    return np.sum(g, axis=axes, keepdims=True) if axes else g


# dV/dr = a c, dV/dD = (1 - e)^2, dV/da = (r - r0) c, dV/dr0 = -a c
def _partials(r, depth, width, r0):
    e, c = _parts(r, depth, width, r0)
    return (width * c, (1.0 - e) ** 2, (r - r0) * c, -width * c)


def _vjp(argnum):
    return lambda ans, *args: lambda g: _unbroadcast(g * _partials(*args)[argnum], args[argnum])


def _jvp(argnum):
    return lambda g, ans, *args: np.broadcast_to(g * _partials(*args)[argnum], np.shape(ans))


morse.defvjp(*(_vjp(i) for i in range(4)))
morse.defjvp(*(_jvp(i) for i in range(4)))


@morse.examples
def _examples(rng):
    r = rng.uniform(0.8, 3.0, size=5)
    return [
        (r, 4.7, 1.9, 1.4),
        (r.reshape(5, 1), numpy.array([4.7, 2.0]), 1.9, numpy.array([1.4, 1.1])),
        wengert.Example((1.3, 0.17, 1.03, 1.4), name="scalars"),
    ]


def morse_levels(n, depth, width, mass, hbar=1.0):
    """Exact Morse levels ``E_n = hw(n+1/2) - [hw(n+1/2)]^2 / 4D`` with ``w = a sqrt(2D/m)``."""
    omega = width * numpy.sqrt(2.0 * depth / mass)
    x = hbar * omega * (numpy.asarray(n) + 0.5)
    return x - x**2 / (4.0 * depth)
