"""The Biot–Savart law for closed filamentary coils, as the primitive ``coils.biot_savart``.

For a closed curve ``r(t)``, ``t`` in ``[0, 1)``, sampled at ``t_j = j / nquad``, carrying
the current ``I``, the field at ``x`` is

    B(x) = mu0 I / (4 pi) * sum_j dl_j x (x - r_j) / |x - r_j|**3,    dl_j = r'(t_j) / nquad,

the trapezoidal rule in the curve parameter, which converges exponentially for a smooth
closed curve (the integrand is smooth and periodic). The tangents are not an input: they
are derived from the samples by exact Fourier differentiation, ``dl = (2 pi / nquad) D r``
with ``D`` the spectral differentiation matrix (:func:`spectral_derivative_matrix`), so
``B`` is a function of the curve *points* only, exact in the tangents for any Fourier curve
of order below ``nquad / 2``. Units: metres, amperes, tesla; ``mu0 = 4 pi 1e-7`` T m/A.

Derivatives. The VJP and JVP are written out by hand in matrix form: with
``inv3_ij = |x_i - r_j|**-3`` and ``u_j = mu0 I dl_j / 4 pi`` the field is
``B_i = (inv3 @ u)_i x x_i - (inv3 @ (u x r))_i``, and every term of the VJP and JVP is a
product of ``inv3`` (or ``3 s inv3 / |d|**2`` with ``s_ij = g_i . (u_j x d_ij)``) with a
thin ``(nquad, 3..6)`` matrix. Target points are processed in blocks of
``max(1, BLOCK // (ncoils * nquad))`` rows and every ``(target x source)`` array is
recomputed from the inputs in the backward and forward-mode passes: nothing of size
``nquad x m`` is stored between the forward and the backward pass, and the working memory
is ``O(BLOCK)``. Coordinates are shifted by the centroid of the coils before the products
(the law is translation invariant) to keep the expanded forms accurate. When the
derivative rules run on traced arrays (second derivatives), they run the same formulas in
``wengert.numpy``, so derivatives of any order work (the tape of a second derivative then
holds the blocks: memory ``O(m * ncoils * nquad)`` for that case only).
"""

from __future__ import annotations

import functools
import numbers
import threading
import weakref

import numpy

import wengert
import wengert.numpy as np

__all__ = ["biot_savart", "MU0", "spectral_derivative_matrix", "BLOCK"]

MU0 = 4e-7 * numpy.pi  #: vacuum permeability in T m / A (the value simsopt uses)
_MU0_4PI = 1e-7
#: elements (target rows x sources) per block of the pairwise computations
BLOCK = 2**16


@functools.lru_cache(maxsize=64)
def spectral_derivative_matrix(n: int) -> numpy.ndarray:
    """The ``(n, n)`` matrix ``D`` with ``(D f)_j = f'(theta_j)``, ``theta_j = 2 pi j / n``.

    Exact for trigonometric polynomials of degree below ``n / 2`` (the Nyquist mode of an
    even ``n`` is differentiated to zero, so ``D`` is real and antisymmetric). Read-only.
    """
    k = numpy.fft.fftfreq(n, d=1.0 / n)
    if n % 2 == 0:
        k[n // 2] = 0.0
    d = numpy.real(numpy.fft.ifft(1j * k[:, None] * numpy.fft.fft(numpy.eye(n), axis=0), axis=0))
    d.flags.writeable = False
    return d


def _plain(*values) -> bool:
    """True when no value is traced (then the rules run on numpy directly)."""
    return all(
        v is None or isinstance(v, (numpy.ndarray, numpy.generic, numbers.Number)) for v in values
    )


def _xp(*values):
    return numpy if _plain(*values) else np


def _check(curve_points, current, points):
    """Validate the arguments of :func:`biot_savart`; the shapes are as documented there."""
    for name, value in (("curve_points", curve_points), ("current", current), ("points", points)):
        kind = numpy.asarray(value).dtype.kind
        if kind not in "fiu":
            raise TypeError(f"biot_savart: {name} must be real (float), got dtype kind {kind!r}")
    shape = numpy.shape(curve_points)
    if len(shape) not in (2, 3) or shape[-1] != 3 or shape[-2] < 3:
        raise ValueError(
            "biot_savart: curve_points must have shape (nquad, 3) or (ncoils, nquad, 3) with "
            f"nquad >= 3, got {shape}"
        )
    expected = () if len(shape) == 2 else shape[:1]
    if numpy.shape(current) != expected:
        raise ValueError(
            f"biot_savart: current must have shape {expected} for curve_points of shape "
            f"{shape}, got {numpy.shape(current)}"
        )
    if numpy.ndim(points) < 1 or numpy.shape(points)[-1] != 3:
        raise ValueError(f"biot_savart: points must have shape (..., 3), got {numpy.shape(points)}")


class _Geometry:
    """The sources of one evaluation, shifted to the coils' centroid (``xp``-generic).

    ``rr`` (N, 3) source points, ``dl`` (ncoils, nquad, 3) line elements, ``u`` (N, 3)
    current elements ``mu0 I dl / 4 pi``, ``ur = u x rr``, ``x`` (m, 3) shifted targets.
    """

    def __init__(self, xp, curve_points, current, points):
        self.xp = xp
        self.single = np.ndim(curve_points) == 2
        r = np.reshape(curve_points, (1,) + np.shape(curve_points)) if self.single else curve_points
        self.ncoils, self.nquad = np.shape(r)[:2]
        self.current = np.reshape(current, (self.ncoils,))
        center = numpy.mean(numpy.reshape(wengert.stop_gradient(r), (-1, 3)), axis=0)
        self.r = r - center
        self.dmat = (2.0 * numpy.pi / self.nquad) * spectral_derivative_matrix(self.nquad)
        self.dl = xp.matmul(self.dmat, self.r)
        n = self.ncoils * self.nquad
        self.rr = xp.reshape(self.r, (n, 3))
        self.u = xp.reshape(_MU0_4PI * self.current[:, None, None] * self.dl, (n, 3))
        self.ur = xp.cross(self.u, self.rr)
        self.sources = xp.concatenate([self.u, self.ur], axis=1)  # (N, 6)
        self.points_shape = np.shape(points)
        self.x = xp.reshape(points, (-1, 3)) - center
        self.n, self.rows, self._buffers = n, max(1, BLOCK // n), {}

    def blocks(self):
        """Slices of target rows, and the block's ``|d|**2`` and ``|d|**-3`` (rows, N).

        ``|d|**2 = |x|**2 + |r|**2 - 2 x.r`` (one matrix product): its rounding error,
        ~1e-16 (coil size / d)**2 relative, stays below the quadrature error of any point
        the quadrature resolves (``d`` above a few ``coil size / nquad``). On untraced
        inputs the blocks are computed in place in reused buffers (:meth:`buffer`): a
        consumer must be done with them before asking for the next block.
        """
        xp, x, rr = self.xp, self.x, self.rr
        m = np.shape(x)[0]
        # |d|^2 = [x, |x|^2, 1] @ [-2 r, 1, |r|^2]^T: one matrix product per block
        x_aug = xp.concatenate([x, xp.sum(x * x, axis=1)[:, None], xp.ones((m, 1))], axis=1)
        r_aug = xp.concatenate(
            [-2.0 * xp.transpose(rr), xp.ones((1, self.n)), xp.sum(rr * rr, axis=1)[None, :]],
            axis=0,
        )
        for start in range(0, m, self.rows):
            rows = slice(start, start + self.rows)
            xc = x[rows]
            if xp is numpy:
                k = xc.shape[0]
                d2 = numpy.matmul(x_aug[rows], r_aug, out=self.buffer("d2", k))
                inv3 = numpy.sqrt(d2, out=self.buffer("inv3", k))
                inv3 *= d2
                numpy.divide(1.0, inv3, out=inv3)
            else:
                d2 = x_aug[rows] @ r_aug
                inv3 = 1.0 / (d2 * xp.sqrt(d2))
            yield rows, xc, d2, inv3

    def buffer(self, name, k):
        """A reused ``(k, N)`` work array (untraced path): no allocation per block."""
        buf = self._buffers.get(name)
        if buf is None:
            buf = self._buffers[name] = numpy.empty((min(self.rows, len(self.x)), self.n))
        return buf[:k]

    def output(self, blocks):
        out = self.xp.concatenate(blocks, axis=0) if len(blocks) > 1 else blocks[0]
        return self.xp.reshape(out, self.points_shape)


def _field(geo):
    xp = geo.xp
    blocks = []
    for _, xc, _, inv3 in geo.blocks():
        a = inv3 @ geo.sources  # (inv3 @ u, inv3 @ (u x r))
        blocks.append(xp.cross(a[:, :3], xc) - a[:, 3:])
    return geo.output(blocks)


def _scaled(xp, a, b, c):
    """``a * b / c``, in place in ``a`` when untraced (``a`` must be a work array)."""
    if xp is numpy:
        a *= b
        a /= c
        return a
    return a * b / c


@wengert.primitive("coils.biot_savart")
def biot_savart(curve_points, current, points):
    """Magnetic field (T) of closed filamentary coils at ``points``.

    :param curve_points: ``(nquad, 3)`` points of one closed curve (m), sampled uniformly
        in the curve parameter (``t_j = j / nquad``, the last point not repeating the
        first), or ``(ncoils, nquad, 3)`` for several coils, whose fields are summed. The
        orientation of the samples is the direction of positive current.
    :param current: the current (A): a scalar for one curve, ``(ncoils,)`` for several.
    :param points: ``(..., 3)`` evaluation points (m), not on a curve.
    :returns: ``B`` with the shape of ``points`` (tesla).

    Differentiable in all three arguments, forward and reverse, to any order. Accuracy is
    spectral in ``nquad`` for smooth curves; a target point at distance ``d`` from a coil
    needs ``nquad`` of a few times ``(coil size) / d`` points for ~1e-10.

    >>> import numpy
    >>> t = 2 * numpy.pi * numpy.arange(64) / 64
    >>> loop = numpy.stack([numpy.cos(t), numpy.sin(t), 0 * t], axis=1)   # radius 1 m
    >>> b = biot_savart(loop, 1.0, numpy.zeros((1, 3)))                    # mu0 I / 2R
    >>> bool(abs(b[0, 2] - 2e-7 * numpy.pi) < 1e-20)
    True
    """
    _check(curve_points, current, points)
    return _field(_Geometry(numpy, curve_points, current, points))


def _cotangents(curve_points, current, points, g, wanted):
    """The cotangents ``{argnum: ...}`` of the arguments in ``wanted`` for output cotangent ``g``.

    With ``d_ij = x_i - r_j``, ``s_ij = g_i . (u_j x d_ij)``, ``w_ij = 3 s_ij inv3_ij / |d_ij|**2``:
    ``dB/du_j``: ``sum_i inv3_ij d_ij x g_i``; ``dB/dx_i``: ``g_i x (inv3 u)_i - sum_j w_ij d_ij``;
    ``dB/dr_j`` (at fixed ``u``): ``-(sum_i inv3_ij g_i) x u_j + sum_i w_ij d_ij``; then the chain
    rule through ``u = mu0 I (2 pi / nquad) D r / 4 pi``.
    """
    xp = _xp(curve_points, current, points, g)
    geo = _Geometry(xp, curve_points, current, points)
    g = xp.reshape(g, (-1, 3))
    xg = xp.cross(geo.x, g)
    need_u, need_r, need_x = bool(wanted & {0, 1}), 0 in wanted, 2 in wanted
    pq, w10, gx_blocks = 0.0, 0.0, []
    for rows, xc, d2, inv3 in geo.blocks():
        gc, xgc = g[rows], xg[rows]
        if need_u:
            pq = pq + inv3.T @ xp.concatenate([xgc, gc], axis=1)
        if need_r or need_x:
            lhs = xp.concatenate([3.0 * xgc, -3.0 * gc], axis=1)
            if xp is numpy:
                s3 = numpy.matmul(lhs, geo.sources.T, out=geo.buffer("s3", lhs.shape[0]))
            else:
                s3 = lhs @ geo.sources.T
            w = _scaled(xp, s3, inv3, d2)
            if need_x:
                wsum = xp.sum(w, axis=1)
                gx_blocks.append(xp.cross(gc, inv3 @ geo.u) - (wsum[:, None] * xc - w @ geo.rr))
            if need_r:
                ones = xp.ones((np.shape(xc)[0], 1))
                w10 = w10 + w.T @ xp.concatenate([xc, ones], axis=1)
    out = {}
    shape = (geo.ncoils, geo.nquad, 3)
    if need_u:
        p, q = pq[:, :3], pq[:, 3:]
        gu = xp.reshape(p - xp.cross(geo.rr, q), shape)
        if 1 in wanted:
            gi = _MU0_4PI * xp.sum(geo.dl * gu, axis=(1, 2))
            out[1] = gi[0] if geo.single else gi
        if need_r:
            direct = -xp.cross(q, geo.u) + w10[:, :3] - w10[:, 3:] * geo.rr
            gdl = _MU0_4PI * geo.current[:, None, None] * gu
            gr = xp.reshape(direct, shape) + xp.matmul(geo.dmat.T, gdl)
            out[0] = gr[0] if geo.single else gr
    if need_x:
        out[2] = geo.output(gx_blocks)
    return out


def _tangent(curve_points, current, points, dr=None, dx=None):
    """Forward-mode tangent of ``B`` along ``dr`` (curve points) or ``dx`` (target points).

    ``dB_i = sum_j inv3_ij [du_j x d_ij + u_j x (dx_i - dr_j)] - sum_j q_ij u_j x d_ij`` with
    ``q_ij = 3 inv3_ij (d_ij . (dx_i - dr_j)) / |d_ij|**2``,
    ``du = mu0 I (2 pi / nquad) D dr / 4 pi``.
    """
    xp = _xp(curve_points, current, points, dr, dx)
    geo = _Geometry(xp, curve_points, current, points)
    if dr is not None:
        dr = xp.reshape(dr, (geo.ncoils, geo.nquad, 3))
        du = xp.reshape(_MU0_4PI * geo.current[:, None, None] * xp.matmul(geo.dmat, dr), (-1, 3))
        drr = xp.reshape(dr, (-1, 3))
        duu = xp.concatenate([du, xp.cross(du, geo.rr) + xp.cross(geo.u, drr)], axis=1)
        rdr = xp.sum(geo.rr * drr, axis=1)
    if dx is not None:
        dx = xp.reshape(dx, (-1, 3))
        xdx = xp.sum(geo.x * dx, axis=1)
    blocks = []
    for rows, xc, d2, inv3 in geo.blocks():
        p = 0.0
        if dr is not None:
            a = inv3 @ duu  # (inv3 @ du, inv3 @ (du x r + u x dr))
            b = xp.cross(a[:, :3], xc) - a[:, 3:]
            p = p + (rdr - xc @ drr.T)
        if dx is not None:
            dxc = dx[rows]
            b_x = xp.cross(inv3 @ geo.u, dxc)
            b = b_x if dr is None else b + b_x
            p = p + (xdx[rows, None] - dxc @ geo.rr.T)
        q = _scaled(xp, 3.0 * p, inv3, d2)
        a = q @ geo.sources
        blocks.append(b - (xp.cross(a[:, :3], xc) - a[:, 3:]))
    return geo.output(blocks)


class _Pullback:
    """All requested cotangents of one ``biot_savart`` node, from one pass over the blocks.

    autograd builds a node's pullback from one maker per differentiated argument, each
    called at forward time with the same ``ans``; the makers of one node share this object
    (found through ``_last``), so the backward pass visits each (target, source) pair once
    however many arguments are differentiated. Sharing is only an optimization: a maker
    that finds no match starts a new object, and a call with another cotangent recomputes.
    """

    def __init__(self, ans, args):
        self.ans, self.args, self.wanted = ans, args, set()
        self._g, self._cot = None, {}

    def maker(self, argnum):
        self.wanted.add(argnum)

        def pullback(g):
            if self._g is not g or argnum not in self._cot:
                self._cot = _cotangents(*self.args, g, frozenset(self.wanted))
                self._g = g
            return self._cot[argnum]

        return pullback


_last = threading.local()


def _vjp_maker(argnum):
    def make(ans, curve_points, current, points):
        ref = getattr(_last, "pullback", None)
        shared = ref() if ref is not None else None
        if shared is None or shared.ans is not ans:
            shared = _Pullback(ans, (curve_points, current, points))
            _last.pullback = weakref.ref(shared)
        return shared.maker(argnum)

    return make


biot_savart.defvjp(_vjp_maker(0), _vjp_maker(1), _vjp_maker(2))
biot_savart.defjvp(
    lambda g, ans, r, current, x: _tangent(r, current, x, dr=g),
    lambda g, ans, r, current, x: biot_savart(r, g, x),  # linear in the current
    lambda g, ans, r, current, x: _tangent(r, current, x, dx=g),
)


def _smooth_curve(rng, nquad, center, radius):
    """A random smooth closed curve of Fourier order 2 around ``center`` (for examples)."""
    t = 2 * numpy.pi * numpy.arange(nquad) / nquad
    c = rng.normal(scale=0.1 * radius, size=(3, 4))
    curve = numpy.stack(
        [
            radius * numpy.cos(t) + c[0, 0] * numpy.cos(2 * t) + c[0, 1] * numpy.sin(2 * t),
            radius * numpy.sin(t) + c[1, 0] * numpy.cos(2 * t) + c[1, 1] * numpy.sin(t),
            c[2, 0] * numpy.cos(t) + c[2, 1] * numpy.sin(2 * t) + c[2, 2],
        ],
        axis=1,
    )
    return curve + center


@biot_savart.examples
def _examples(rng):
    one = _smooth_curve(rng, 12, numpy.zeros(3), 1.0)
    two = numpy.stack(
        [
            _smooth_curve(rng, 10, numpy.array([0.0, 0.0, 0.0]), 1.0),
            _smooth_curve(rng, 10, numpy.array([0.3, -0.2, 1.5]), 0.8),
        ]
    )
    targets = rng.uniform(-0.4, 0.4, size=(4, 3)) + numpy.array([0.0, 0.0, 0.7])
    return [
        wengert.Example((one, 1.3, targets), name="one-coil"),
        wengert.Example((two, numpy.array([1.1, -0.7]), targets[:3]), name="two-coils"),
        wengert.Example((one, 0.9, numpy.reshape(targets[:4], (2, 2, 3))), name="grid-points"),
    ]
