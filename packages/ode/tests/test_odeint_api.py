"""odeint's interface: pytrees, batches, reversed time, validation, statistics, memory."""

import numpy
import pytest

import wengert
import wengert.numpy as np
from wengert_ode import OdeSolverError, odeint

DECAY = numpy.array([0.5, 2.0])


def decay(y, t, k):
    return -k * y


def test_pytree_state_and_parameters_keep_their_structure():
    # y' = -k y per leaf, exact exp(-k t); gradient of x(1) + sum v(1) w.r.t. k: -t exp(-k t)
    y0 = {"x": numpy.array(1.0), "v": numpy.ones((2, 2))}
    params = {"k": 0.7, "unused": numpy.zeros(3)}
    f = lambda y, t, p: {"x": -p["k"] * y["x"], "v": -p["k"] * y["v"]}
    t = numpy.array([0.0, 0.5, 1.0])
    ys = odeint(f, y0, t, params, rtol=1e-10, atol=1e-12)
    assert ys["x"].shape == (3,) and ys["v"].shape == (3, 2, 2)
    numpy.testing.assert_allclose(ys["v"][:, 0, 0], numpy.exp(-0.7 * t), rtol=1e-9)
    for gradient in ("checkpoint", "backprop", "adjoint", "interpolating"):
        g = wengert.grad(lambda p, g=gradient: odeint(f, y0, t, p, rtol=1e-10, atol=1e-12,
                                                      gradient=g)["x"][-1])(params)
        assert set(g) == {"k", "unused"} and g["unused"].shape == (3,)
        numpy.testing.assert_allclose(g["k"], -numpy.exp(-0.7), rtol=1e-7)


def test_batched_initial_states_match_separate_solves():
    y0 = numpy.array([[1.0], [2.0], [-3.0]])
    t = numpy.array([0.0, 1.0])
    batch = odeint(decay, y0, t, 1.3, rtol=1e-10, atol=1e-12)
    assert batch.shape == (2, 3, 1)
    for i in range(3):
        single = odeint(decay, y0[i], t, 1.3, rtol=1e-10, atol=1e-12)
        numpy.testing.assert_allclose(batch[-1, i], single[-1], rtol=1e-9)


def test_decreasing_times_integrate_backward_with_gradients():
    t = numpy.array([1.0, 0.5, 0.0])
    y1 = numpy.array([1.0, 1.0])
    ys = odeint(decay, y1, t, DECAY, rtol=1e-11, atol=1e-12)
    numpy.testing.assert_allclose(ys[-1], numpy.exp(DECAY), rtol=1e-9)
    g = wengert.grad(lambda k: np.sum(odeint(decay, y1, t, k, rtol=1e-11, atol=1e-12)[-1]))(DECAY)
    numpy.testing.assert_allclose(g, numpy.exp(DECAY), rtol=1e-8)  # d/dk exp(k) = exp(k)


def test_single_output_time_returns_the_initial_state():
    ys = odeint(decay, numpy.ones(2), numpy.array([3.0]), DECAY)
    numpy.testing.assert_array_equal(ys, numpy.ones((1, 2)))


def test_statistics_count_forward_and_reverse_work():
    t = numpy.array([0.0, 5.0])
    holder = {}

    def loss(k):
        ys, holder["stats"] = odeint(decay, numpy.ones(2), t, k, return_stats=True)
        return np.sum(ys[-1])

    wengert.grad(loss)(DECAY)
    stats = holder["stats"].as_dict()
    assert stats["n_accepted"] > 5 and stats["nfev"] >= 6 * stats["n_accepted"]
    assert stats["backward_nvjp"] >= 6 * stats["n_accepted"] - 6
    assert stats["n_steps"] == stats["n_accepted"] + stats["n_rejected"]


def test_checkpoints_grow_like_the_square_root_of_the_steps():
    # doubling schedule: about sqrt(2 N) checkpoints of about sqrt(N / 2) steps
    f = lambda y, t: np.stack([y[1], -y[0]])
    counts = []
    for t1 in (10.0, 1000.0):
        _, stats = odeint(f, numpy.array([1.0, 0.0]), numpy.array([0.0, t1]),
                          return_stats=True)
        counts.append((stats.n_accepted, stats.n_checkpoints))
        assert stats.n_checkpoints <= 2 * numpy.sqrt(2 * stats.n_accepted) + 2
    assert counts[1][0] > 50 * counts[0][0] and counts[1][1] < 15 * counts[0][1]


def test_fixed_step_methods_hit_every_output_time():
    t = numpy.array([0.0, 0.35, 1.0])
    ys = odeint(decay, numpy.ones(2), t, DECAY, method="rk4", dt0=0.01)
    numpy.testing.assert_allclose(ys, numpy.exp(-numpy.outer(t, DECAY)), rtol=1e-8)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"t": numpy.array([0.0, 1.0, 0.5])}, ValueError, "strictly increasing"),
    ({"t": numpy.zeros((2, 2))}, ValueError, "1-D"),
    ({"method": "rk45"}, ValueError, "method must be one of"),
    ({"gradient": "reverse"}, ValueError, "gradient must be one of"),
    ({"rtol": -1.0}, ValueError, "rtol"),
    ({"dt0": 0.0}, ValueError, "dt0"),
    ({"max_steps": 0}, ValueError, "max_steps"),
    ({"f": 3.0}, TypeError, "f must be callable"),
    ({"y0": numpy.array(["a"])}, TypeError, "y0 must hold real numbers"),
])
def test_bad_arguments_raise_naming_the_argument(kwargs, error, match):
    args = {"f": decay, "y0": numpy.ones(2), "t": numpy.array([0.0, 1.0])}
    args.update({k: kwargs.pop(k) for k in list(kwargs) if k in args})
    with pytest.raises(error, match=match):
        odeint(args["f"], args["y0"], args["t"], DECAY, **kwargs)


def test_wrong_shape_from_f_and_non_finite_states_raise():
    with pytest.raises(ValueError, match="f must return"):
        odeint(lambda y, t: np.ones(3), numpy.ones(2), numpy.array([0.0, 1.0]))
    with pytest.raises(OdeSolverError):
        odeint(lambda y, t: y * numpy.nan, numpy.ones(2), numpy.array([0.0, 1.0]))
