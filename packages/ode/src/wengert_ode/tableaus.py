"""Runge–Kutta methods as data: Butcher tableaus, embedded error weights and dense output.

Every method here is one :class:`ButcherTableau`; the stepping code, the controller and the
adjoints never special-case a method. A step from ``(t, y)`` of size ``h`` computes stages

    k_i = f(Y_i, t + c_i h),    Y_i = y + h * sum_{j <= i} a_ij k_j

(``a_ii != 0`` makes stage ``i`` implicit, solved by Newton iterations), the new state
``y + h * sum_i b_i k_i``, the error estimate ``h * sum_i e_i k_i`` and the dense output

    y(t + theta h) = y + h * sum_i B_i(theta) k_i,    B_i(theta) = sum_j P_ij theta^(j+1),

where stages beyond the method's own (``a_extra``, ``c_extra``) are evaluated only for
steps that hold an output time. Writing every interpolant this way makes it linear in the
stages, which is what the discrete adjoint differentiates.

Methods: ``euler`` (order 1) and ``rk4`` (order 4) take fixed steps; ``bosh3`` (3(2),
Bogacki–Shampine), ``dopri5`` (5(4), Dormand–Prince), ``tsit5`` (5(4), Tsitouras) and
``dop853`` (8(5,3), Dormand–Prince) are adaptive; ``sdirk4`` (4(3), Hairer–Wanner's
L-stable SDIRK, gamma = 1/4) is the implicit method for stiff problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy
from numpy.polynomial import polynomial as _poly

from wengert_ode import _dop853 as dop853_data

__all__ = ["ButcherTableau", "METHODS", "get_method"]


@dataclass(frozen=True, eq=False)
class ButcherTableau:
    """An explicit or diagonally implicit Runge–Kutta method with its error and dense output.

    :param name: the ``method=`` name.
    :param a: ``(s, s)`` lower-triangular stage matrix (a nonzero diagonal entry = implicit).
    :param b: ``(s,)`` weights of the propagated solution.
    :param c: ``(s,)`` stage times as fractions of the step.
    :param order: order of the propagated solution (sets the convergence rate).
    :param dense: ``(s + len(c_extra), degree)`` power-basis coefficients ``P`` of the dense
        output weights ``B_i(theta)``.
    :param b_err: ``(s,)`` error weights (``None``: a fixed-step method).
    :param error_order: order of the embedded solution; the controller's exponents use
        ``1 / (error_order + 1)``.
    :param fsal: the last stage is ``f(y_new, t + h)``, reused as the next step's first.
    :param a_extra, c_extra: stages used only by the dense output.
    :param b_err3: DOP853's second (third-order) error weights, combined as Hairer does.
    """

    name: str
    a: numpy.ndarray
    b: numpy.ndarray
    c: numpy.ndarray
    order: int
    dense: numpy.ndarray
    b_err: numpy.ndarray | None = None
    error_order: int | None = None
    fsal: bool = False
    a_extra: numpy.ndarray = field(default_factory=lambda: numpy.zeros((0, 0)))
    c_extra: numpy.ndarray = field(default_factory=lambda: numpy.zeros(0))
    b_err3: numpy.ndarray | None = None

    @cached_property
    def coupled(self) -> list[bool]:
        """Whether stage ``i`` depends on earlier stages (a nonzero ``a[i, :i]``)."""
        return [bool(self.a[i, :i].any()) for i in range(len(self.a))]

    @property
    def stages(self) -> int:
        """Number of stages of one step (without the dense-output extras)."""
        return len(self.b)

    @property
    def adaptive(self) -> bool:
        return self.b_err is not None

    @cached_property
    def implicit(self) -> bool:
        return bool(numpy.any(numpy.diag(self.a) != 0))

    def dense_weights(self, theta: float) -> numpy.ndarray:
        """``B(theta)``, shape ``(s + extras,)``."""
        powers = theta ** numpy.arange(1, self.dense.shape[1] + 1)
        return self.dense @ powers

    def dense_weights_dtheta(self, theta: float) -> numpy.ndarray:
        """``dB/dtheta``, shape ``(s + extras,)``."""
        degree = self.dense.shape[1]
        powers = numpy.arange(1, degree + 1) * theta ** numpy.arange(degree)
        return self.dense @ powers

    def __repr__(self) -> str:
        kind = "implicit" if self.implicit else "explicit"
        return f"<ButcherTableau {self.name}: order {self.order}, {self.stages} stages, {kind}>"


def _alternating_dense(rs: list[numpy.ndarray]) -> numpy.ndarray:
    """Power-basis ``P`` of ``theta (r0 + (1-theta)(r1 + theta (r2 + (1-theta)(r3 + ...))))``.

    Hairer's nested form of the dense output of dopri5 and dop853; each ``r`` is a weight
    vector over the stages. Returns ``P`` with ``B(theta) = P @ [theta, theta^2, ...]``.
    """
    poly = numpy.array([rs[-1]], dtype=float)  # rows: coefficients of theta^0, theta^1, ...
    for k in range(len(rs) - 1, 0, -1):
        poly = _times_linear(poly, (1.0, -1.0) if k % 2 else (0.0, 1.0))
        poly[0] += rs[k - 1]
    poly = _times_linear(poly, (0.0, 1.0))
    return poly[1:].T.copy()


def _times_linear(poly: numpy.ndarray, factor: tuple[float, float]) -> numpy.ndarray:
    """``(factor[0] + factor[1] theta) * poly`` for a polynomial with vector coefficients."""
    out = numpy.zeros((poly.shape[0] + 1, poly.shape[1]))
    out[:-1] += factor[0] * poly
    out[1:] += factor[1] * poly
    return out


def _hermite_dense(b: numpy.ndarray, first: int, last: int, width: int) -> numpy.ndarray:
    """Cubic Hermite dense output from ``f(y_n) = k_first`` and ``f(y_{n+1}) = k_last``."""
    h10 = numpy.array([1.0, -2.0, 1.0])  # theta - 2 theta^2 + theta^3
    h01 = numpy.array([0.0, 3.0, -2.0])  # 3 theta^2 - 2 theta^3
    h11 = numpy.array([0.0, -1.0, 1.0])  # -theta^2 + theta^3
    dense = numpy.zeros((width, 3))
    dense[: len(b)] += numpy.outer(b, h01)
    dense[first] += h10
    dense[last] += h11
    return dense


def _euler() -> ButcherTableau:
    one = numpy.ones(1)
    return ButcherTableau("euler", numpy.zeros((1, 1)), one, numpy.zeros(1), 1,
                          dense=numpy.ones((1, 1)))


def _rk4() -> ButcherTableau:
    a = numpy.zeros((4, 4))
    a[1, 0], a[2, 1], a[3, 2] = 0.5, 0.5, 1.0
    b = numpy.array([1, 2, 2, 1]) / 6
    a_extra = numpy.zeros((1, 5))
    a_extra[0, :4] = b  # f(y_new, t + h) for the Hermite interpolant
    return ButcherTableau("rk4", a, b, numpy.array([0, 0.5, 0.5, 1.0]), 4,
                          dense=_hermite_dense(b, 0, 4, 5), a_extra=a_extra,
                          c_extra=numpy.ones(1))


def _bosh3() -> ButcherTableau:
    # P. Bogacki, L. F. Shampine, Appl. Math. Lett. 2, 321 (1989); SciPy's RK23.
    a = numpy.zeros((4, 4))
    a[1, 0] = 1 / 2
    a[2, 1] = 3 / 4
    a[3, :3] = [2 / 9, 1 / 3, 4 / 9]
    b = numpy.array([2 / 9, 1 / 3, 4 / 9, 0.0])
    b_hat = numpy.array([7 / 24, 1 / 4, 1 / 3, 1 / 8])
    return ButcherTableau("bosh3", a, b, numpy.array([0, 1 / 2, 3 / 4, 1.0]), 3,
                          dense=_hermite_dense(b, 0, 3, 4), b_err=b - b_hat, error_order=2,
                          fsal=True)


def _dopri5() -> ButcherTableau:
    # J. R. Dormand, P. J. Prince, J. Comput. Appl. Math. 6, 19 (1980); dense output of
    # L. F. Shampine, Math. Comp. 46, 135 (1986) in Hairer's form (dopri5.f, CONTD5).
    a = numpy.zeros((7, 7))
    a[1, 0] = 1 / 5
    a[2, :2] = [3 / 40, 9 / 40]
    a[3, :3] = [44 / 45, -56 / 15, 32 / 9]
    a[4, :4] = [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729]
    a[5, :5] = [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]
    a[6, :6] = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]
    b = a[6].copy()
    b_err = numpy.array([71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525,
                         -1 / 40])
    d = numpy.array([-12715105075 / 11282082432, 0, 87487479700 / 32700410799,
                     -10690763975 / 1880347072, 701980252875 / 199316789632,
                     -1453857185 / 822651844, 69997945 / 29380423])
    e1, e7 = numpy.eye(7)[0], numpy.eye(7)[6]
    r0 = b
    r1 = e1 - r0
    r2 = r0 - e7 - r1
    dense = _alternating_dense([r0, r1, r2, d])
    return ButcherTableau("dopri5", a, b, numpy.array([0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1]),
                          5, dense=dense, b_err=b_err, error_order=4, fsal=True)


def _tsit5() -> ButcherTableau:
    # Ch. Tsitouras, Comput. Math. Appl. 62, 770 (2011), with its order-4 dense output.
    a = numpy.zeros((7, 7))
    a[1, 0] = 0.161
    a[2, :2] = [-0.008480655492356989,
                0.335480655492357]
    a[3, :3] = [2.8971530571054935,
                -6.359448489975075,
                4.3622954328695815]
    a[4, :4] = [5.325864828439257,
                -11.748883564062828,
                7.4955393428898365,
                -0.09249506636175525]
    a[5, :5] = [5.86145544294642,
                -12.92096931784711,
                8.159367898576159,
                -0.071584973281401,
                -0.028269050394068383]
    a[6, :6] = [0.09646076681806523,
                0.01,
                0.4798896504144996,
                1.379008574103742,
                -3.290069515436081,
                2.324710524099774]
    b = a[6].copy()
    b_hat = numpy.array([
        0.09468075576583945,
        0.009183565540343254,
        0.4877705284247616,
        1.234297566930479,
        -2.7077123499835256,
        1.866628418170587,
        1 / 66])
    c = numpy.array([0, 0.161, 0.327, 0.9, 0.9800255409045097,
                     1, 1])
    # dense weights b_i(theta), Tsitouras (2011), section 4, as products of their roots
    factors = [
        (-1.0530884977290216, [0, 1.3299890189751412],
         [1, -1.4364028541716351, 0.7139816917074209]),
        (0.1017, [0, 0], [1, -2.1966568338249754, 1.2949852507374631]),
        (2.490627285651253, [0, 0], [1, -2.38535645472061657, 1.57803468208092486]),
        (-16.54810288924490272, [0, 0], [1.21712927295533244, 0.61620406037800089]),
        (47.37952196281928122, [0, 0], [1.2030712083723627, 0.6580472926535473]),
        (-34.87065786149660974, [0, 0], [1.2, 0.6666666666666666]),
        (2.5, [0, 0], [1.0, 0.6]),
    ]
    dense = numpy.zeros((7, 4))
    for i, (scale, roots, rest) in enumerate(factors):
        p = _poly.polyfromroots(roots)
        if len(rest) == 3:  # monic quadratic theta^2 + rest[1] theta + rest[2]
            p = _poly.polymul(p, [rest[2], rest[1], rest[0]])
        else:  # two more roots
            p = _poly.polymul(p, _poly.polyfromroots(rest))
        dense[i] = scale * p[1:5]
    return ButcherTableau("tsit5", a, b, c, 5, dense=dense, b_err=b - b_hat, error_order=4,
                          fsal=True)


def _dop853() -> ButcherTableau:
    s = 13  # 12 stages and f(y_new, t + h)
    a = dop853_data.A[:s, :s].copy()
    b = numpy.zeros(s)
    b[:12] = dop853_data.B
    eye = numpy.eye(16)
    bb = numpy.zeros(16)
    bb[:12] = dop853_data.B
    r = [bb, eye[0] - bb, 2 * bb - eye[12] - eye[0]] + list(dop853_data.D)
    dense = _alternating_dense(r)
    return ButcherTableau("dop853", a, b, dop853_data.C[:s].copy(), 8, dense=dense,
                          b_err=dop853_data.E5.copy(), error_order=7, fsal=True,
                          a_extra=dop853_data.A[s:].copy(), c_extra=dop853_data.C[s:].copy(),
                          b_err3=dop853_data.E3.copy())


def _sdirk4() -> ButcherTableau:
    # E. Hairer, G. Wanner, Solving ODEs II, 2nd ed., Table IV.6.5 (L-stable, stiffly
    # accurate, gamma = 1/4). Stage 0 is f(y_n, t_n) (first same as last), used only by
    # the cubic Hermite dense output.
    g = 1 / 4
    a = numpy.zeros((6, 6))
    a[1, 1] = g
    a[2, 1:3] = [1 / 2, g]
    a[3, 1:4] = [17 / 50, -1 / 25, g]
    a[4, 1:5] = [371 / 1360, -137 / 2720, 15 / 544, g]
    a[5, 1:6] = [25 / 24, -49 / 48, 125 / 16, -85 / 12, g]
    b = a[5].copy()
    b_hat = numpy.array([0, 59 / 48, -17 / 96, 225 / 32, -85 / 12, 0])
    c = numpy.array([0, 1 / 4, 3 / 4, 11 / 20, 1 / 2, 1])
    return ButcherTableau("sdirk4", a, b, c, 4, dense=_hermite_dense(b, 0, 5, 6),
                          b_err=b - b_hat, error_order=3, fsal=True)


METHODS: dict[str, ButcherTableau] = {
    tab.name: tab for tab in (_euler(), _rk4(), _bosh3(), _dopri5(), _tsit5(), _dop853(),
                              _sdirk4())
}


def get_method(method: str | ButcherTableau) -> ButcherTableau:
    """The tableau named ``method`` (or ``method`` itself if it is a tableau)."""
    if isinstance(method, ButcherTableau):
        return method
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    return METHODS[method]
