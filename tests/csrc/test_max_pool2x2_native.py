"""The native 2x2 max pool (torchjax/_csrc/max_pool2x2.cc) against torch: values and gradients with ties, NaN and
infinities; forward mode, double backward and vmap against its pure-JAX reference; no custom call in jax.export."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

import torchjax  # noqa: E402
from torchjax import _csrc  # noqa: E402
from torchjax._csrc import max_pool2x2 as native  # noqa: E402

pytestmark = pytest.mark.skipif(not _csrc.available(), reason=f"native kernels unavailable: {_csrc.error()}")


def _input(shape, seed=0):
    r = np.random.default_rng(seed)
    x = r.integers(-2, 3, shape).astype(np.float32)  # many ties
    flat = x.reshape(-1)
    flat[r.choice(flat.size, flat.size // 10, replace=False)] = np.nan
    flat[r.choice(flat.size, flat.size // 10, replace=False)] = -np.inf
    flat[r.choice(flat.size, flat.size // 20, replace=False)] = np.inf
    return x


# widths around the kernel's 8-window blocks, odd sizes (the last row / column is dropped)
@pytest.mark.parametrize("shape", [(2, 3, 6, 6), (1, 2, 5, 33), (3, 1, 10, 16), (4, 7, 9, 30)])
def test_values_and_gradients_match_torch(shape):
    x = _input(shape)
    g = np.random.default_rng(1).standard_normal((shape[0], shape[1], shape[2] // 2, shape[3] // 2)).astype(np.float32)
    res = []
    for lib in (torch, torchjax):
        t = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.max_pool2d(t, 2)
        y.backward(lib.tensor(g))
        res.append((y.detach().numpy(), t.grad.numpy()))
    np.testing.assert_array_equal(res[1][0], res[0][0])
    np.testing.assert_array_equal(res[1][1], res[0][1])


def test_transformations_match_the_reference():
    x = jnp.asarray(np.random.default_rng(2).standard_normal((3, 4, 8, 18)).astype(np.float32))
    ref = jax.custom_jvp(lambda x: native._forward_ref(x)[0])
    ref.defjvp(lambda p, t: (native._forward_ref(p[0])[0], native._gather_ref(t[0], native._forward_ref(p[0])[1])))
    for f in (native.max_pool2x2, ref):
        assert f(x).shape == (3, 4, 4, 9)
    tan = [jax.jvp(f, (x,), (x * 3,))[1] for f in (native.max_pool2x2, ref)]
    np.testing.assert_array_equal(tan[0], tan[1])
    second = [jax.grad(lambda x: (jax.grad(lambda x: (f(x) ** 3).sum())(x) ** 2).sum())(x)
              for f in (native.max_pool2x2, ref)]
    np.testing.assert_allclose(second[0], second[1], rtol=1e-6)
    per_image = [jax.vmap(jax.grad(lambda x: (f(x) ** 2).sum()))(x) for f in (native.max_pool2x2, ref)]
    np.testing.assert_array_equal(per_image[0], per_image[1])


def test_the_native_kernel_is_used_in_jit_but_not_in_export():
    x = jnp.ones((2, 3, 8, 8), jnp.float32)
    f = jax.jit(jax.grad(lambda x: (native.max_pool2x2(x) ** 2).sum()))
    assert "torchjax_max_pool2x2" in f.lower(x).as_text()
    exported = jax.export.export(f)(x)
    assert "custom_call" not in exported.mlir_module()
    np.testing.assert_array_equal(exported.call(x), f(x))
