"""The MLP vector field: hand-written numpy VJP/JVP equal wengert's derivatives."""

import numpy

import wengert
from wengert_ode.nn import init_mlp, mlp_field, mlp_field_jvp, mlp_field_vjp


def test_numpy_vjp_and_jvp_equal_the_traced_ones_on_a_batch():
    rng = numpy.random.default_rng(3)
    params = init_mlp(rng, 3, 7, scale=0.8)
    params = (params[0], rng.standard_normal(7), params[2], rng.standard_normal(3))
    y = rng.standard_normal((4, 3))
    ct = rng.standard_normal((4, 3))
    out, pullback = mlp_field_vjp(y, 0.0, params)
    ref_out, ref_pullback = wengert.vjp(mlp_field, y, 0.0, params)
    numpy.testing.assert_allclose(out, ref_out, rtol=1e-14)
    got, ref = pullback(ct), ref_pullback(ct)
    numpy.testing.assert_allclose(got[0], ref[0], rtol=1e-12)
    for a, b in zip(got[2], ref[2]):
        numpy.testing.assert_allclose(a, b, rtol=1e-12)
    tangents = (rng.standard_normal((4, 3)), 0.0, tuple(rng.standard_normal(p.shape)
                                                        for p in params))
    _, tangent = mlp_field_jvp((y, 0.0, params), tangents)
    _, ref_tangent = wengert.jvp(mlp_field, (y, 0.0, params), tangents)
    numpy.testing.assert_allclose(tangent, ref_tangent, rtol=1e-12)
