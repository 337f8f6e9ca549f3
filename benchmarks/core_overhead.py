"""Overhead of wengert over bare autograd (issue 2's budget: grad <= 1.1x, primitive <= 1.2x).

1. ``wengert.grad`` vs ``autograd.grad`` on a function of many small array operations.
2. Calling a registered wengert primitive vs calling the equivalent bare autograd
   primitive, untraced and traced (value and gradient).

Both sides run in the same process on the same inputs; each timing is the minimum over
repetitions. Run: ``python benchmarks/core_overhead.py``.
"""

import platform
import sys
import timeit
from importlib import metadata

import autograd
import numpy
from autograd.extend import defjvp, defvjp
from autograd.extend import primitive as autograd_primitive

import wengert
import wengert.numpy as np


def many_small_ops(x):
    """~200 elementwise operations on a length-8 vector."""
    y = x
    for _ in range(40):
        y = np.sin(y) * 0.5 + np.cos(y) ** 2 - np.tanh(y) / 3.0
    return np.sum(y)


def _tanh_raw(x):
    return numpy.tanh(x)


bare_tanh = autograd_primitive(_tanh_raw)
defvjp(bare_tanh, lambda ans, x: lambda g: g * (1 - ans**2))
defjvp(bare_tanh, lambda g, ans, x: g * (1 - ans**2))

wengert_tanh = wengert.primitive("bench.tanh")(_tanh_raw)
wengert_tanh.defvjp(lambda ans, x: lambda g: g * (1 - ans**2))
wengert_tanh.defjvp(lambda g, ans, x: g * (1 - ans**2))


def best(stmt, number, repeat=15):
    return min(timeit.repeat(stmt, number=number, repeat=repeat)) / number


def chain(tanh):
    def f(x):
        for _ in range(50):
            x = tanh(x)
        return np.sum(x)

    return f


def main():
    x = numpy.linspace(-1, 1, 8)
    rows = []
    g_w, g_a = wengert.grad(many_small_ops), autograd.grad(many_small_ops)
    assert numpy.allclose(g_w(x), g_a(x), rtol=0, atol=0)
    t_w = best(lambda: g_w(x), 20)
    t_a = best(lambda: g_a(x), 20)
    rows.append(("grad of 200 small ops", t_a, t_w, 1.1))

    t_w = best(lambda: wengert_tanh(x), 20000)
    t_a = best(lambda: bare_tanh(x), 20000)
    rows.append(("primitive call, untraced", t_a, t_w, 1.2))

    gw, ga = wengert.grad(chain(wengert_tanh)), autograd.grad(chain(bare_tanh))
    assert numpy.allclose(gw(x), ga(x))
    t_w = best(lambda: gw(x), 200)
    t_a = best(lambda: ga(x), 200)
    rows.append(("grad through 50 primitive calls", t_a, t_w, 1.2))

    print(f"python {platform.python_version()}, numpy {numpy.__version__}, "
          f"autograd {metadata.version('autograd')}, "
          f"wengert {wengert.__version__}, {platform.machine()}")
    print(f"{'case':34s} {'autograd':>12s} {'wengert':>12s} {'ratio':>7s} {'budget':>7s}")
    ok = True
    for name, t_a, t_w, budget in rows:
        ratio = t_w / t_a
        ok &= ratio <= budget
        print(f"{name:34s} {t_a * 1e6:10.2f}us {t_w * 1e6:10.2f}us {ratio:7.3f} {budget:7.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
