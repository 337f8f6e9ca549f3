"""McMurchie-Davidson building blocks, vectorized over primitive pairs or quartets.

References: L. E. McMurchie and E. R. Davidson, J. Comput. Phys. 26, 218 (1978);
T. Helgaker, P. Jørgensen, J. Olsen, *Molecular Electronic-Structure Theory* (2000),
chapter 9 (equation numbers below are that book's).

* ``boys(mmax, T)``: the Boys function F_m(T), m = 0..mmax, from a table with a 7-term
  Taylor expansion (spacing 0.05, T < 50) and the asymptotic form above, then downward
  recursion (9.8.13); accurate to ~1e-15 relative.
* ``hermite_1d(...)``: Hermite expansion coefficients E^{ij}_t of one Cartesian direction
  (9.5.6-9.5.7), with the Gaussian-product prefactor exp(-mu X_AB^2) included.
* ``derive(table, exps, axis, count)``: derivative with respect to a Gaussian's centre,
  d/dA_x [x_A^i exp(-a x_A^2)] = 2a x_A^{i+1} exp(.) - i x_A^{i-1} exp(.) (9.3.22-style
  raising and lowering), applied to any table indexed by the angular quantum number.
  Every coordinate derivative in this package goes through it: integrals over shells with
  angular momentum raised or lowered by one, combined on the fly.
* ``hermite_r(L, alpha, xyz)``: Hermite Coulomb integrals R_tuv for t+u+v <= L
  (9.9.18-9.9.20).
"""

from __future__ import annotations

from functools import cache

import numpy

__all__ = [
    "boys",
    "hermite_1d",
    "derive",
    "hermite_index",
    "hermite_r",
    "e3",
    "cart_pairs",
    "rmat_index",
]

_STEP = 0.05
_TMAX = 50.0
_MTAB = 40  # highest order in the table (mmax + 7 must stay below it)
_NTAYLOR = 7


@cache
def _boys_table() -> numpy.ndarray:
    """F_m(T) on the grid T = k * _STEP (k = 0..), m = 0.._MTAB, by the convergent series
    F_m(T) = exp(-T) sum_k (2T)^k / ((2m+1)(2m+3)...(2m+2k+1))."""
    t = numpy.arange(0.0, _TMAX + 2 * _STEP, _STEP)
    table = numpy.empty((_MTAB + 1, t.size))
    for m in range(_MTAB + 1):
        term = numpy.full_like(t, 1.0 / (2 * m + 1))
        total = term.copy()
        for k in range(1, 400):
            term = term * 2 * t / (2 * m + 2 * k + 1)
            total += term
            if numpy.all(term < 1e-17 * total):
                break
        table[m] = numpy.exp(-t) * total
    return table


@cache
def _boys_rows() -> numpy.ndarray:
    """The table as (grid point, m), so that the orders a point needs are contiguous."""
    return numpy.ascontiguousarray(_boys_table().T)


def boys(mmax: int, t: numpy.ndarray) -> numpy.ndarray:
    """F_m(t) for m = 0..mmax, shape (mmax + 1,) + t.shape."""
    if mmax + _NTAYLOR > _MTAB:
        raise ValueError(f"boys: mmax={mmax} is above the tabulated range")
    t = numpy.asarray(t, dtype=float)
    out = numpy.empty((mmax + 1,) + t.shape)
    exp_t = numpy.exp(-t)
    small = t < _TMAX
    every = bool(small.all())
    ts, es = (t, exp_t) if every else (t[small], exp_t[small])
    k = numpy.rint(ts / _STEP).astype(int)
    dt = k * _STEP - ts  # F(T) = sum_j F_{m+j}(T0) (T0 - T)^j / j!
    rows = _boys_rows()[k, mmax : mmax + _NTAYLOR]  # one gather of 7 neighbours per point
    f = rows[..., _NTAYLOR - 1]
    for j in range(_NTAYLOR - 2, -1, -1):  # Horner form of the Taylor series
        f = rows[..., j] + f * dt / (j + 1)
    fs = [f]
    for m in range(mmax - 1, -1, -1):
        f = (2 * ts * f + es) / (2 * m + 1)
        fs.append(f)
    if every:
        for m, f in enumerate(fs[::-1]):
            out[m] = f
        return out
    out[:, small] = numpy.array(fs[::-1])
    large = ~small
    if numpy.any(large):
        tl = t[large]
        f = 0.5 * numpy.sqrt(numpy.pi / tl)
        out[0, large] = f
        for m in range(mmax):
            f = ((2 * m + 1) * f - exp_t[large]) / (2 * tl)
            out[m + 1, large] = f
    return out


def hermite_1d(imax: int, jmax: int, a, b, xa, xb) -> numpy.ndarray:
    """E^{ij}_t, shape (n, imax+1, jmax+1, imax+jmax+1), for pairs with exponents ``a``,
    ``b`` (n,) at 1D positions ``xa``, ``xb`` (n,). Includes exp(-mu X_AB^2) (9.5.6-7)."""
    p = a + b
    mu = a * b / p
    xab = xa - xb
    xpa = -b / p * xab
    xpb = a / p * xab
    tmax = imax + jmax
    e = numpy.zeros((len(a), imax + 1, jmax + 1, tmax + 2))
    e[:, 0, 0, 0] = numpy.exp(-mu * xab**2)
    inv2p = (0.5 / p)[:, None]
    t_up = numpy.arange(1, tmax + 2, dtype=float)
    for i in range(imax + 1):
        if i > 0:
            prev = e[:, i - 1, 0]
            e[:, i, 0, 1:] = inv2p * prev[:, :-1]
            e[:, i, 0, :-1] += xpa[:, None] * prev[:, :-1] + t_up * prev[:, 1:]
        for j in range(1, jmax + 1):
            prev = e[:, i, j - 1]
            e[:, i, j, 1:] = inv2p * prev[:, :-1]
            e[:, i, j, :-1] += xpb[:, None] * prev[:, :-1] + t_up * prev[:, 1:]
    return e if tmax == 0 else e[..., :-1]  # keep t = 1 (zero) for the dipole


def derive(table: numpy.ndarray, exps: numpy.ndarray, axis: int, count: int) -> numpy.ndarray:
    """Apply ``count`` centre derivatives along the angular-momentum ``axis`` of ``table``:
    (D X)[i] = 2 a X[i+1] - i X[i-1]. The axis shrinks by one per derivative; ``exps`` (n,)
    broadcasts over the leading axis."""
    for _ in range(count):
        n = table.shape[axis]
        up = numpy.take(table, numpy.arange(1, n), axis=axis)
        low = numpy.take(table, numpy.arange(-1, n - 2), axis=axis)
        shape = [1] * table.ndim
        shape[axis] = n - 1
        i = numpy.arange(n - 1, dtype=float).reshape(shape)
        a2 = (2 * exps).reshape((-1,) + (1,) * (table.ndim - 1))
        table = a2 * up - i * low  # i = 0 multiplies the wrapped entry by zero
    return table


@cache
def hermite_index(L: int) -> numpy.ndarray:
    """The Hermite triples (t, u, v) with t+u+v <= L, shape (nH, 3), by total order."""
    return numpy.array(
        [
            (t, u, s - t - u)
            for s in range(L + 1)
            for t in range(s, -1, -1)
            for u in range(s - t, -1, -1)
        ],
        dtype=int,
    )


@cache
def _flat_lookup(L: int) -> numpy.ndarray:
    idx = numpy.full((L + 1,) * 3, -1, dtype=int)
    for n, (t, u, v) in enumerate(hermite_index(L)):
        idx[t, u, v] = n
    return idx


@cache
def rmat_index(l1: int, l2: int, L: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Flat R index of (h1 + h2) for h1 in H(l1), h2 in H(l2), and the sign (-1)^|h2|."""
    h1, h2 = hermite_index(l1), hermite_index(l2)
    tot = h1[:, None, :] + h2[None, :, :]
    idx = _flat_lookup(L)[tot[..., 0], tot[..., 1], tot[..., 2]]
    sign = (-1.0) ** h2.sum(1)
    return idx, sign


def hermite_r(L: int, alpha: numpy.ndarray, xyz: numpy.ndarray) -> numpy.ndarray:
    """R^0_{tuv}(alpha, X) for t+u+v <= L in :func:`hermite_index` order, shape (n, nH).

    ``alpha`` (n,), ``xyz`` (n, 3) = P - C (or P - Q). Recursion 9.9.18-9.9.20 from
    R^n_000 = (-2 alpha)^n F_n(alpha |X|^2), level by level."""
    x, y, z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    f = boys(L, alpha * (x * x + y * y + z * z))
    index = hermite_index(L)
    m2a = -2 * alpha
    # level n holds R^n_tuv for t+u+v <= L-n; start at n = L
    prev = {(0, 0, 0): m2a**L * f[L]}
    for n in range(L - 1, -1, -1):
        cur = {(0, 0, 0): m2a**n * f[n]}
        k = L - n
        for t, u, v in index[1 : (k + 1) * (k + 2) * (k + 3) // 6]:
            if t > 0:
                r = x * prev[(t - 1, u, v)]
                if t > 1:
                    r = r + (t - 1) * prev[(t - 2, u, v)]
            elif u > 0:
                r = y * prev[(t, u - 1, v)]
                if u > 1:
                    r = r + (u - 1) * prev[(t, u - 2, v)]
            else:
                r = z * prev[(t, u, v - 1)]
                if v > 1:
                    r = r + (v - 1) * prev[(t, u, v - 2)]
            cur[(t, u, v)] = r
        prev = cur
    return numpy.stack([prev[tuple(h)] for h in index], axis=1)


@cache
def cart_pairs(la: int, lb: int):
    from wengert_dft.basis import cart_components

    ca, cb = cart_components(la), cart_components(lb)
    return (numpy.repeat(ca, len(cb), axis=0), numpy.tile(cb, (len(ca), 1)))


def e3(tables: list, la: int, lb: int, L: int, comps=None) -> numpy.ndarray:
    """3D Hermite coefficients E^{ab}_{tuv} = E^x_t E^y_u E^z_v, shape (n, ncart_a*ncart_b,
    nH(L)), from three 1D tables (n, >=la+1, >=lb+1, >=L+1) (already derived as needed).
    ``comps`` = (comp_a, comp_b) gives the rows' Cartesian exponents explicitly (exponent
    groups); by default all Cartesian functions of angular momenta ``la`` and ``lb``."""
    if comps is None:
        ia, ib = cart_pairs(la, lb)
    else:
        ia = numpy.repeat(comps[0], len(comps[1]), axis=0)
        ib = numpy.tile(comps[1], (len(comps[0]), 1))
    h = hermite_index(L)
    out = None
    for d in range(3):
        tab = tables[d]
        if tab.shape[3] < L + 1:
            tab = numpy.concatenate(
                [tab, numpy.zeros(tab.shape[:3] + (L + 1 - tab.shape[3],))], axis=3
            )
        part = tab[:, ia[:, d][:, None], ib[:, d][:, None], h[None, :, d]]
        out = part if out is None else out * part
    return out
