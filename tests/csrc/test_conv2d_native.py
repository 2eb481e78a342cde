"""The native CPU convolution (torchjax/_csrc/conv2d.cc) against torch: values, input and weight gradients, double
backward, and the pure-JAX lowering it falls back to inside jax.export and under vmap."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

import torchjax  # noqa: E402
from torchjax import _csrc  # noqa: E402
from torchjax._csrc import conv2d as native  # noqa: E402
from torchjax._ops import nn_conv  # noqa: E402

pytestmark = pytest.mark.skipif(not _csrc.available(), reason=f"native kernels unavailable: {_csrc.error()}")

# (batch, in, out, H, W, kernel, stride, padding, dilation)
CASES = [
    (4, 3, 6, 32, 32, (5, 5), (1, 1), (0, 0), (1, 1)),  # LeNet conv1
    (3, 6, 16, 14, 14, (5, 5), (1, 1), (0, 0), (1, 1)),  # LeNet conv2
    (2, 3, 8, 17, 15, (7, 7), (2, 2), (3, 3), (1, 1)),  # ResNet stem, odd sizes
    (2, 5, 7, 11, 13, (3, 2), (2, 1), (1, 0), (1, 2)),  # asymmetric kernel, stride, padding, dilation
    (1, 2, 3, 9, 9, (1, 1), (3, 3), (0, 0), (1, 1)),  # 1x1, stride larger than the kernel
    (5, 1, 1, 6, 40, (3, 3), (1, 1), (2, 2), (2, 2)),  # padding wider than the dilated reach
    (3, 4, 20, 9, 11, (3, 3), (1, 1), (1, 2), (1, 1)),  # stride 1, padded, 20 output channels (wide layout)
]


def _data(case, seed=0):
    b, c, o, h, w, k, *_ = case
    r = np.random.default_rng(seed)
    return (r.standard_normal((b, c, h, w)).astype(np.float32), r.standard_normal((o, c) + k).astype(np.float32),
            r.standard_normal((o,)).astype(np.float32))


def _conv(lib, x, w, b, case):
    *_, stride, padding, dilation = case
    return lib.nn.functional.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)


def test_library_builds_where_a_compiler_exists():
    if _csrc._compiler() is None:
        pytest.skip("no C++ compiler")
    assert _csrc.library() is not None, _csrc.error()


@pytest.mark.parametrize("case", CASES, ids=lambda c: "x".join(map(str, c[:5])) + f"-k{c[5]}s{c[6]}p{c[7]}d{c[8]}")
def test_values_and_gradients_match_torch(case):
    xs, ws, bs = _data(case)
    assert nn_conv._lowering(torchjax.device("cpu"), torchjax.float32, 1, ws.shape, 100) == "direct"
    outs, grads = [], []
    for lib in (torch, torchjax):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in (xs, ws, bs))
        y = _conv(lib, x, w, b, case)
        (y * y).sum().backward()
        outs.append(y.detach().numpy())
        grads.append([t.grad.numpy() for t in (x, w, b)])
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-4, atol=1e-4)
    for got, want in zip(grads[1], grads[0]):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3 * max(1.0, np.abs(want).max()))


@pytest.mark.parametrize("case", CASES[2:4])
def test_double_backward_matches_torch(case):
    xs, ws, bs = _data(case, seed=1)
    res = []
    for lib in (torch, torchjax):
        x, w = lib.tensor(xs, requires_grad=True), lib.tensor(ws, requires_grad=True)
        y = _conv(lib, x, w, None, case)
        gx, = lib.autograd.grad((y ** 2).sum(), x, create_graph=True)
        (gx ** 2).sum().backward()
        res.append([w.grad.numpy(), x.grad.numpy()])
    for got, want in zip(res[1], res[0]):
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3 * np.abs(want).max())


def _ref(x, w, case):
    *_, stride, padding, dilation = case
    return native._conv_ref(x, w, stride=stride, padding=tuple((p, p) for p in padding), dilation=dilation)


def _native(x, w, case):
    *_, stride, padding, dilation = case
    return native.conv2d(x, w, stride, tuple((p, p) for p in padding), dilation)


def test_forward_mode_and_vmap_match_xla():
    case = CASES[3]
    xs, ws, _ = _data(case)
    x, w = jnp.asarray(xs), jnp.asarray(ws)
    tan = [jax.jvp(lambda x, w: f(x, w, case), (x, w), (x * 0.5, w * 2))[1] for f in (_native, _ref)]
    np.testing.assert_allclose(tan[0], tan[1], rtol=1e-4, atol=1e-3)
    per_image = [jax.vmap(lambda xi: f(xi[None], w, case)[0])(x) for f in (_native, _ref)]
    np.testing.assert_allclose(per_image[0], per_image[1], rtol=1e-4, atol=1e-4)


def test_the_native_kernel_is_used_in_jit_but_not_in_export():
    case = CASES[0]
    xs, ws, _ = _data(case)
    x, w = jnp.asarray(xs), jnp.asarray(ws)
    f = jax.jit(jax.grad(lambda x, w: _native(x, w, case).sum(), (0, 1)))
    assert "torchjax_conv2d" in f.lower(x, w).as_text()
    exported = jax.export.export(f)(x, w)
    assert "custom_call" not in exported.mlir_module()
    for got, want in zip(exported.call(x, w), f(x, w)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("case", [CASES[0], CASES[1], CASES[6]], ids=["6-channels", "16-channels", "20-channels"])
def test_weight_gradient_of_images_with_infinities_matches_torch(case):
    # On the wide layout (stride 1) each output row is computed KW-1 positions too wide with a zero gradient there;
    # an image holding an inf must not turn those zeros into NaN in taps that never see the inf.
    xs, ws, _ = _data(case)
    xs[0, 0, 2, -1] = np.inf
    xs[-1, -1, -1, 0] = -np.inf
    grads = []
    for lib in (torch, torchjax):
        x, w = lib.tensor(xs), lib.tensor(ws, requires_grad=True)
        _conv(lib, x, w, None, case).sum().backward()
        grads.append(w.grad.numpy())
    assert np.isfinite(grads[0]).any() and not np.isfinite(grads[0]).all()
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-4, atol=1e-3 * np.abs(grads[0][np.isfinite(grads[0])]).max())
