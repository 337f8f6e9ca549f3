"""The device forwards, on the CPU test double: same numbers and errors as the numpy
implementations, one scalar transfer per call, results on the device.

Derivative comparisons of each implemented primitive with the numpy backend run here too;
where the *owning* package's rules or probe convert device arrays to host arrays the case
is an expected failure naming the line (``HostConversionError``), so that the owner can fix
it without a GPU; a numerical mismatch is a failure.
"""

import numpy
import pytest
import scipy.linalg

import wengert
from wengert_cupy import count_transfers
from wengert_cupy.implementations import implementations
from wengert_cupy.testing import HostConversionError, check_against_numpy, fakecupy


def _installed_cases():
    registry = wengert.registry()
    cases = []
    for name in sorted(implementations(fakecupy)):
        prim = registry.primitives.get(name)
        if prim is None:
            continue
        for example in prim.make_examples(numpy.random.default_rng(0)):
            cases.append(pytest.param(name, example, id=f"{name}-{example.name}"))
    return cases or [pytest.param(None, None, marks=pytest.mark.skip(
        reason="no package whose primitives this plugin implements is installed"))]


CASES = _installed_cases()


def _to(backend, args):
    return tuple(wengert.asarray(a, backend) if isinstance(a, numpy.ndarray) else a
                 for a in args)


@pytest.mark.parametrize("name, example", CASES)
def test_forward_matches_numpy_with_one_scalar_transfer(fake, name, example):
    backend, fc = fake
    prim = wengert.registry().primitives[name]
    args = _to(backend.name, example.args)
    with count_transfers(fc) as moved:
        out = prim(*args, **example.kwargs)
    assert moved.to_device == 0 and moved.to_host <= 1, moved
    expected = prim(*example.args, **example.kwargs)
    got_leaves = wengert.tree_leaves(out)
    expected_leaves = wengert.tree_leaves(expected)
    assert len(got_leaves) == len(expected_leaves)
    for got, want in zip(got_leaves, expected_leaves):
        assert wengert.backend_of(got).name == backend.name
        got = wengert.to_numpy(got)
        if prim.probe is None:
            numpy.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    if prim.probe is not None:  # gauge-dependent outputs: compare the probe, on the host
        host_out = wengert.tree_map(wengert.to_numpy, out)
        got_probe = wengert.tree_leaves(prim.probe(host_out, *example.args))
        want_probe = wengert.tree_leaves(prim.probe(expected, *example.args))
        for got, want in zip(got_probe, want_probe):
            numpy.testing.assert_allclose(wengert.to_numpy(got), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, example", CASES)
def test_derivatives_match_the_numpy_backend(fake, name, example):
    backend, _ = fake
    prim = wengert.registry().primitives[name]
    try:
        check_against_numpy(prim, example, backend.name)
    except HostConversionError as exc:
        owner = name.split(".")[0]
        pytest.xfail(f"wengert-{owner}'s rules are not device-ready: {exc}")


def _impl(name):
    return implementations(fakecupy)[name]


def _dev(a):
    return fakecupy.asarray(numpy.asarray(a, dtype=float))


@pytest.mark.parametrize("name, args, message", [
    ("linalg.eigh", ([[1.0, 2.0], [0.0, 1.0]],), "eigh: a must be symmetric"),
    ("linalg.eigh", ([[1.0, numpy.nan], [numpy.nan, 1.0]],), "eigh: a contains NaN or inf"),
    ("linalg.eigh", ([1.0, 2.0],), r"eigh: a must be a 2D matrix, got shape \(2,\)"),
    ("linalg.svd", ([[1.0, numpy.inf]],), "svd: a contains NaN or inf"),
    ("linalg.cholesky", ([[1.0, 2.0], [2.0, 1.0]],), "cholesky: a must be positive definite"),
    ("linalg.solve", ([[1.0, 2.0], [2.0, 4.0]], [1.0, 1.0]), "solve: a is singular"),
    ("linalg.inv", ([[1.0, 2.0], [2.0, 4.0]],), "inv: a is singular"),
    ("linalg.expm", ([[1.0, numpy.nan], [0.0, 1.0]],), "expm: the input contains NaN or inf"),
    ("linalg.expm", ([[1.0, 2.0, 3.0]],), "expm: a must be square"),
], ids=lambda v: v if isinstance(v, str) and v.startswith("linalg") else None)
def test_bad_input_raises_the_numpy_implementations_errors(name, args, message):
    with pytest.raises(ValueError, match=message):
        _impl(name)(*[_dev(a) for a in args])


def test_a_host_argument_next_to_a_device_one_is_named():
    with pytest.raises(TypeError, match="expm_frechet: a is a numpy.ndarray, but another "
                                        "argument is on the device"):
        _impl("linalg.expm_frechet")(numpy.eye(2), _dev(numpy.eye(2)))


@pytest.mark.parametrize("scale", [1e-3, 1.0, 40.0, 900.0])
def test_expm_pade13_matches_scipy_across_scaling_regimes(scale):
    rng = numpy.random.default_rng(3)
    a = scale * rng.standard_normal((6, 6)) / 6
    expected = scipy.linalg.expm(a)
    got = fakecupy.asnumpy(_impl("linalg.expm")(_dev(a)))
    numpy.testing.assert_allclose(got, expected, rtol=1e-11 * max(1.0, scale),
                                  atol=1e-13 * numpy.abs(expected).max())


def test_expm_frechet_block_formula_matches_scipy():
    rng = numpy.random.default_rng(4)
    a, e = rng.standard_normal((5, 5)), rng.standard_normal((5, 5))
    expected = scipy.linalg.expm_frechet(a, e, compute_expm=False)
    got = fakecupy.asnumpy(_impl("linalg.expm_frechet")(_dev(a), _dev(e)))
    numpy.testing.assert_allclose(got, expected, rtol=1e-11, atol=1e-13)
