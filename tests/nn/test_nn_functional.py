"""torch.nn.functional against real torch: values, dtypes, gradients and grad_fn names."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torchjax  # noqa: E402

from tests._compare import check, check_error  # noqa: E402

warnings.filterwarnings("ignore", category=UserWarning)
RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _reseed():
    """Each test draws the same arrays however xdist orders the tests."""
    global RNG
    RNG = np.random.default_rng(0)


def F(xp):
    return xp.nn.functional


def arr(*shape, positive=False, seed=None):
    r = np.random.default_rng(seed) if seed is not None else RNG
    a = r.standard_normal(shape).astype(np.float32)
    return np.abs(a) + 0.1 if positive else a


def run(f, arrays, grads=None, names=True, **kw):
    """f(xp, *tensors) with tensors made from arrays; grads: which arrays need gradients (default: floats)."""
    grads = grads or [np.asarray(a).dtype.kind == "f" for a in arrays]

    def body(xp):
        ts = [xp.tensor(a, requires_grad=g) if g else xp.tensor(a) for a, g in zip(arrays, grads)]
        return f(xp, *ts), [t for t, g in zip(ts, grads) if g]
    check(body, **kw)
    if names:
        outs = []
        for xp in (torch, torchjax):
            ts = [xp.tensor(a, requires_grad=g) if g else xp.tensor(a) for a, g in zip(arrays, grads)]
            o = f(xp, *ts)
            o = o[0] if isinstance(o, (tuple, list)) else o
            outs.append(None if o.grad_fn is None else o.grad_fn.name())
        assert outs[0] == outs[1], outs


ACTIVATIONS = [
    ("relu", lambda F, x: F.relu(x)), ("relu6", lambda F, x: F.relu6(x)),
    ("leaky_relu", lambda F, x: F.leaky_relu(x, 0.2)), ("elu", lambda F, x: F.elu(x, 0.7)),
    ("selu", lambda F, x: F.selu(x)), ("celu", lambda F, x: F.celu(x, 1.3)), ("gelu", lambda F, x: F.gelu(x)),
    ("gelu_tanh", lambda F, x: F.gelu(x, approximate="tanh")), ("silu", lambda F, x: F.silu(x)),
    ("mish", lambda F, x: F.mish(x)), ("hardtanh", lambda F, x: F.hardtanh(x, -0.5, 0.7)),
    ("hardswish", lambda F, x: F.hardswish(x)), ("hardsigmoid", lambda F, x: F.hardsigmoid(x)),
    ("softplus", lambda F, x: F.softplus(x, 2.0, 1.0)), ("softsign", lambda F, x: F.softsign(x)),
    ("softshrink", lambda F, x: F.softshrink(x, 0.3)), ("hardshrink", lambda F, x: F.hardshrink(x, 0.3)),
    ("tanhshrink", lambda F, x: F.tanhshrink(x)), ("threshold", lambda F, x: F.threshold(x, 0.1, -2.0)),
    ("logsigmoid", lambda F, x: F.logsigmoid(x)), ("glu", lambda F, x: F.glu(x, 1)),
    ("softmax", lambda F, x: F.softmax(x, 1)), ("softmin", lambda F, x: F.softmin(x, 0)),
    ("log_softmax", lambda F, x: F.log_softmax(x, -1)), ("rrelu_eval", lambda F, x: F.rrelu(x)),
    ("sigmoid", lambda F, x: F.sigmoid(x)), ("tanh", lambda F, x: F.tanh(x)),
]


@pytest.mark.parametrize("name,fn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation(name, fn):
    run(lambda xp, x: fn(F(xp), x), [arr(3, 4, 5)])


def test_relu_gradient_at_zero_nan_and_infinities():
    """torch's threshold_backward passes the gradient where the output is not <= 0: NaN included, zero excluded."""
    special = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1.5, -1.5], np.float32)
    run(lambda xp, x: F(xp).relu(x), [special])


def test_prelu():
    run(lambda xp, x, w: F(xp).prelu(x, w), [arr(2, 3, 4), arr(3)])
    run(lambda xp, x, w: F(xp).prelu(x, w), [arr(2, 3, 4), arr(1)])
    check_error(lambda xp: F(xp).prelu(xp.ones(2, 3), xp.ones(2)))


def test_inplace_activations():
    for name in ("relu_", "elu_", "leaky_relu_", "hardtanh_", "selu_", "celu_"):
        def body(xp):
            x = xp.tensor(arr(3, 4, seed=1), requires_grad=True)
            y = x * 1.0
            r = getattr(F(xp), name)(y)
            assert r is y
            return y, [x]
        check(body)


def test_activation_errors():
    for f in (lambda xp: F(xp).glu(xp.ones(3, 3), 1), lambda xp: F(xp).hardtanh(xp.ones(2), 2.0, 1.0),
              lambda xp: F(xp).softshrink(xp.ones(2), -1.0), lambda xp: F(xp).gelu(xp.ones(2), approximate="x")):
        te, je = check_error(f)


def test_linear_bilinear():
    run(lambda xp, x, w, b: F(xp).linear(x, w, b), [arr(4, 5), arr(3, 5), arr(3)])
    run(lambda xp, x, w: F(xp).linear(x, w), [arr(2, 4, 5), arr(3, 5)])
    run(lambda xp, a, b, w, c: F(xp).bilinear(a, b, w, c), [arr(4, 2), arr(4, 3), arr(5, 2, 3), arr(5)])


CONVS = [
    ("conv1d", lambda F, x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2), (2, 4, 11), (6, 4, 3)),
    ("conv1d_groups_same", lambda F, x, w, b: F.conv1d(x, w, b, padding="same", groups=2), (2, 4, 10), (6, 2, 4)),
    ("conv2d", lambda F, x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2)), (2, 3, 9, 8), (4, 3, 3, 2)),
    ("conv2d_valid", lambda F, x, w, b: F.conv2d(x, w, b, padding="valid", dilation=(2, 1)), (1, 3, 9, 8),
     (4, 3, 3, 3)),
    ("conv2d_unbatched", lambda F, x, w, b: F.conv2d(x, w, b), (3, 7, 7), (4, 3, 3, 3)),
    ("conv3d", lambda F, x, w, b: F.conv3d(x, w, b, padding=1, groups=3), (1, 3, 5, 6, 4), (6, 1, 3, 3, 2)),
    ("conv_transpose1d", lambda F, x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
     (2, 4, 7), (4, 3, 3)),
    ("conv_transpose2d", lambda F, x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, groups=2,
                                                                dilation=2), (2, 4, 5, 6), (4, 3, 3, 3)),
    ("conv_transpose3d", lambda F, x, w, b: F.conv_transpose3d(x, w, b, stride=(1, 2, 2)), (1, 2, 3, 4, 3),
     (2, 3, 2, 2, 2)),
]


@pytest.mark.parametrize("name,fn,xs,ws", CONVS, ids=[c[0] for c in CONVS])
def test_conv(name, fn, xs, ws):
    cout = ws[1] * (2 if "groups=2" in name else 1) if "transpose" in name else ws[0]
    if "transpose2d" in name:
        cout = ws[1] * 2
    run(lambda xp, x, w, b: fn(F(xp), x, w, b), [arr(*xs), arr(*ws), arr(cout)], rtol=1e-4, atol=1e-5)


def test_conv_errors():
    cases = [lambda xp: F(xp).conv2d(xp.ones(1, 3, 5, 5), xp.ones(4, 2, 3, 3)),
             lambda xp: F(xp).conv2d(xp.ones(3, 5), xp.ones(4, 3, 3, 3)),
             lambda xp: F(xp).conv2d(xp.ones(1, 3, 2, 2), xp.ones(4, 3, 3, 3)),
             lambda xp: F(xp).conv2d(xp.ones(1, 3, 5, 5), xp.ones(4, 3, 3, 3), stride=2, padding="same"),
             lambda xp: F(xp).conv2d(xp.ones(1, 3, 5, 5), xp.ones(4, 3, 3, 3), padding="foo"),
             lambda xp: F(xp).conv2d(xp.ones(1, 3, 5, 5), xp.ones(4, 3, 3, 3), xp.ones(3)),
             lambda xp: F(xp).conv_transpose2d(xp.ones(1, 3, 5, 5), xp.ones(4, 2, 3, 3)),
             lambda xp: F(xp).conv2d(xp.ones(1, 3, 5, 5), xp.ones(4, 3, 3, 3), stride=0)]
    for c in cases:
        te, je = check_error(c)
        assert str(te) == str(je)


POOLS = [
    ("max2d", lambda F, x: F.max_pool2d(x, 3, 2, 1), (2, 3, 9, 9)),
    ("max2d_ceil", lambda F, x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), (2, 3, 10, 10)),
    ("max2d_idx", lambda F, x: F.max_pool2d(x, 3, 2, 1, return_indices=True, dilation=2), (2, 3, 10, 10)),
    ("max2d_dilated", lambda F, x: F.max_pool2d(x, 3, 2, 1, dilation=2), (2, 3, 10, 10)),
    ("max3d_dilated", lambda F, x: F.max_pool3d(x, 2, 1, dilation=(1, 2, 1)), (1, 2, 4, 5, 4)),
    ("max1d_idx", lambda F, x: F.max_pool1d(x, 2, return_indices=True), (3, 10)),
    ("max3d", lambda F, x: F.max_pool3d(x, 2, ceil_mode=True, return_indices=True), (1, 2, 5, 5, 5)),
    ("avg2d", lambda F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True), (2, 3, 10, 10)),
    ("avg2d_nopad", lambda F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), (2, 3, 10, 10)),
    ("avg2d_div", lambda F, x: F.avg_pool2d(x, 3, 2, 1, divisor_override=4), (2, 3, 10, 10)),
    ("avg1d", lambda F, x: F.avg_pool1d(x, 3, 2, 1, ceil_mode=True), (3, 10)),
    ("avg3d", lambda F, x: F.avg_pool3d(x, 2, 1, 1, count_include_pad=False), (2, 2, 4, 4, 4)),
    ("lp2d", lambda F, x: F.lp_pool2d(x, 2, 3, 2), (2, 3, 10, 10)),
    ("lp1d", lambda F, x: F.lp_pool1d(x, 3, 2), (2, 3, 10)),
    ("amax2d", lambda F, x: F.adaptive_max_pool2d(x, (3, 4), return_indices=True), (2, 3, 10, 7)),
    ("aavg2d", lambda F, x: F.adaptive_avg_pool2d(x, (3, None)), (2, 3, 10, 7)),
    ("aavg2d_1", lambda F, x: F.adaptive_avg_pool2d(x, 1), (2, 3, 10, 7)),
    ("aavg1d", lambda F, x: F.adaptive_avg_pool1d(x, 4), (3, 10)),
    ("amax3d", lambda F, x: F.adaptive_max_pool3d(x, 2), (1, 2, 5, 3, 4)),
]


@pytest.mark.parametrize("name,fn,shape", POOLS, ids=[p[0] for p in POOLS])
def test_pool(name, fn, shape):
    run(lambda xp, x: fn(F(xp), x), [arr(*shape) if "lp" not in name else arr(*shape, positive=True)])


@pytest.mark.parametrize("n,shape,k", [(2, (2, 3, 8, 8), 2), (2, (2, 3, 9, 7), 2), (2, (3, 7, 7), 3), (1, (2, 2, 6), 2),
                                       (3, (1, 2, 4, 4, 4), 2), (2, (2, 3, 6, 6), (2, 3))])
def test_max_pool_kernel_equal_stride_ties_nan(n, shape, k):
    """The reshape lowering of kernel == stride pools: ties send the gradient to the first maximum, NaN wins."""
    x = arr(*shape)
    x[..., 0] = x[..., 1] = 0
    x.flat[5], x.flat[12] = np.nan, np.inf
    outs = []
    for xp in (torch, torchjax):
        t = xp.tensor(x, requires_grad=True)
        y = getattr(F(xp), f"max_pool{n}d")(t, k)
        (y * xp.tensor(arr(*y.shape, seed=1))).sum().backward()
        outs.append((y.detach().numpy(), t.grad.numpy()))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])


def test_lp_pool_nan_gradients():
    run(lambda xp, x: F(xp).lp_pool2d(x, 1.5, 2), [arr(1, 2, 6, 6)])


def test_max_unpool():
    def f(xp, x):
        v, i = F(xp).max_pool2d(x, 2, return_indices=True)
        return F(xp).max_unpool2d(v, i, 2, output_size=(9, 9))
    run(f, [arr(2, 3, 9, 9)])


def test_fractional_max_pool():
    s = np.random.default_rng(2).random((2, 3, 2)).astype(np.float32)
    run(lambda xp, x: F(xp).fractional_max_pool2d(x, 3, output_size=(4, 5), return_indices=True,
                                                  _random_samples=xp.tensor(s)), [arr(2, 3, 9, 8)])
    s3 = np.random.default_rng(3).random((2, 2, 3)).astype(np.float32)
    run(lambda xp, x: F(xp).fractional_max_pool3d(x, (2, 3, 2), output_ratio=0.5, _random_samples=xp.tensor(s3)),
        [arr(2, 2, 7, 6, 8)])


def test_pool_errors():
    cases = [lambda xp: F(xp).max_pool2d(xp.ones(1, 3, 5, 5), 3, padding=2),
             lambda xp: F(xp).max_pool2d(xp.ones(1, 3, 2, 2), 3),
             lambda xp: F(xp).avg_pool2d(xp.ones(1, 3, 2, 2), 3),
             lambda xp: F(xp).max_pool1d(xp.ones(5), 3),
             lambda xp: F(xp).adaptive_avg_pool2d(xp.ones(5, 5), 3),
             lambda xp: F(xp).max_pool2d(xp.ones(1, 3, 5, 5), 2, stride=0)]
    for c in cases:
        te, je = check_error(c)
        assert str(te) == str(je)


def test_batch_norm_running_stats():
    def f(xp, x, w, b):
        rm, rv = xp.zeros(3), xp.ones(3)
        y = F(xp).batch_norm(x, rm, rv, w, b, True, 0.3)
        y2 = F(xp).batch_norm(x * 2, rm, rv, w, b, True, 0.3)
        return [y, y2, rm, rv]
    run(f, [arr(4, 3, 5), arr(3), arr(3)])
    run(lambda xp, x, w, b: F(xp).batch_norm(x, xp.arange(3.0), xp.arange(1, 4.0), w, b, False),
        [arr(4, 3, 5), arr(3), arr(3)])
    check_error(lambda xp: F(xp).batch_norm(xp.ones(1, 3), xp.zeros(3), xp.ones(3), training=True))
    check_error(lambda xp: F(xp).batch_norm(xp.ones(2, 3), None, None))


def test_norms():
    def inorm(xp, x, w, b):
        rm, rv = xp.zeros(3), xp.ones(3)
        return [F(xp).instance_norm(x, rm, rv, w, b), rm, rv]
    run(inorm, [arr(4, 3, 5), arr(3), arr(3)])
    run(lambda xp, x, w, b: F(xp).layer_norm(x, (3, 5), w, b), [arr(4, 3, 5), arr(3, 5), arr(3, 5)])
    run(lambda xp, x, w, b: F(xp).group_norm(x, 2, w, b), [arr(4, 4, 5), arr(4), arr(4)])
    run(lambda xp, x, w: F(xp).rms_norm(x, (5,), w), [arr(4, 3, 5), arr(5)])
    run(lambda xp, x: F(xp).local_response_norm(x, 3), [arr(2, 5, 4, 4)])
    run(lambda xp, x: F(xp).normalize(x, p=3, dim=-1), [arr(4, 5)])
    for c in (lambda xp: F(xp).layer_norm(xp.ones(2, 3), (4,)), lambda xp: F(xp).group_norm(xp.ones(2, 3, 4), 2),
              lambda xp: F(xp).local_response_norm(xp.ones(2, 3), 2)):
        te, je = check_error(c)
        assert str(te) == str(je)


def test_embedding():
    idx = np.array([[1, 2, 4], [4, 3, 1]])
    run(lambda xp, w: F(xp).embedding(xp.tensor(idx), w, padding_idx=1, scale_grad_by_freq=True), [arr(5, 3)])
    run(lambda xp, w: F(xp).embedding(xp.tensor(idx), w.detach().clone().requires_grad_(), max_norm=1.0),
        [arr(5, 3)])
    run(lambda xp, w: F(xp).embedding_bag(xp.tensor([1, 2, 4, 4, 3, 1]), w, xp.tensor([0, 2, 2, 5])), [arr(5, 3)])
    run(lambda xp, w: F(xp).embedding_bag(xp.tensor(idx), w, mode="max"), [arr(5, 3)])
    run(lambda xp, w, p: F(xp).embedding_bag(xp.tensor([1, 2, 4, 4, 3, 1]), w, xp.tensor([0, 2, 5]), mode="sum",
                                             per_sample_weights=p, padding_idx=4, include_last_offset=True),
        [arr(5, 3), arr(6)])
    check_error(lambda xp: F(xp).embedding(xp.tensor([5]), xp.ones(3, 2)))
    check_error(lambda xp: F(xp).one_hot(xp.tensor([3]), 2))
    run(lambda xp: F(xp).one_hot(xp.tensor([1, 0, 3])), [], names=False)


def test_dropout_semantics():
    for xp in (torch, torchjax):
        x = xp.ones(100, 10)
        assert F(xp).dropout(x, 0.5, training=False) is x
        assert F(xp).dropout(x, 0.0) is x
        y = F(xp).dropout(x, 0.4)
        vals = set(np.unique(np.asarray(y.tolist())).round(4))
        assert vals <= {0.0, round(1 / 0.6, 4)}
        assert float((F(xp).dropout(x, 1.0) == 0).all()) == 1.0
        y = F(xp).dropout2d(xp.ones(4, 6, 3, 3), 0.5)
        per_channel = y.reshape(4, 6, 9)
        assert bool(((per_channel == per_channel[:, :, :1]).all()))
        assert F(xp).alpha_dropout(x, 0.2, True).shape == x.shape
    check_error(lambda xp: F(xp).dropout(xp.ones(3), 1.5))
    check_error(lambda xp: F(xp).dropout1d(xp.ones(3), 0.5))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad(mode):
    run(lambda xp, x: F(xp).pad(x, (1, 2, 2, 1), mode=mode), [arr(2, 3, 4, 5)])


def test_pad_misc():
    run(lambda xp, x: F(xp).pad(x, (-1, 2, 0, 1, 1, 1), value=3.5), [arr(2, 3, 4, 5)])
    run(lambda xp, x: F(xp).pad(x, (2, 1), mode="reflect"), [arr(3, 5)])
    for c in (lambda xp: F(xp).pad(xp.ones(1, 2, 3), (3, 3), mode="reflect"),
              lambda xp: F(xp).pad(xp.ones(1, 2, 3), (1,)),
              lambda xp: F(xp).pad(xp.ones(2, 3), (1, 1, 1, 1), mode="replicate"),
              lambda xp: F(xp).pad(xp.ones(1, 2, 3), (1, 1), mode="foo")):
        te, je = check_error(c)
        assert str(te) == str(je)


INTERP = [("nearest", (2, 3, 5, 7)), ("nearest-exact", (2, 3, 5, 7)), ("bilinear", (2, 3, 5, 7)),
          ("bicubic", (2, 3, 5, 7)), ("linear", (2, 3, 7)), ("trilinear", (1, 2, 3, 4, 5)), ("area", (2, 3, 9, 7))]


@pytest.mark.parametrize("mode,shape", INTERP, ids=[i[0] for i in INTERP])
def test_interpolate(mode, shape):
    size = [s * 2 - 1 if i % 2 else s + 1 for i, s in enumerate(shape[2:])]
    run(lambda xp, x: F(xp).interpolate(x, size=size, mode=mode), [arr(*shape)])
    run(lambda xp, x: F(xp).interpolate(x, scale_factor=1.7, mode=mode), [arr(*shape)])
    run(lambda xp, x: F(xp).interpolate(x, scale_factor=0.6, mode=mode), [arr(*shape)])
    if mode not in ("nearest", "nearest-exact", "area"):
        run(lambda xp, x: F(xp).interpolate(x, scale_factor=2.3, mode=mode, align_corners=True), [arr(*shape)])


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_interpolate_antialias(mode):
    run(lambda xp, x: F(xp).interpolate(x, size=(4, 3), mode=mode, antialias=True), [arr(2, 3, 11, 9)])
    run(lambda xp, x: F(xp).interpolate(x, size=(14, 13), mode=mode, antialias=True), [arr(2, 3, 11, 9)])


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("pm", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("ac", [False, True])
def test_grid_sample(mode, pm, ac):
    run(lambda xp, x, g: F(xp).grid_sample(x, g * 1.3, mode=mode, padding_mode=pm, align_corners=ac),
        [arr(2, 3, 5, 6), arr(2, 4, 3, 2)], grad_atol=1e-4)


def test_grid_sample_3d_affine_grid():
    run(lambda xp, x, g: F(xp).grid_sample(x, g * 1.3, align_corners=False), [arr(2, 3, 4, 5, 6), arr(2, 4, 3, 2, 3)])
    run(lambda xp, t: F(xp).affine_grid(t, (2, 3, 5, 4), align_corners=False), [arr(2, 2, 3)])
    run(lambda xp, t: F(xp).affine_grid(t, (2, 3, 5, 4, 3), align_corners=True), [arr(2, 3, 4)])


def test_shuffles_and_fold():
    run(lambda xp, x: F(xp).pixel_shuffle(x, 2), [arr(2, 8, 3, 3)])
    run(lambda xp, x: F(xp).pixel_unshuffle(x, 2), [arr(2, 2, 4, 6)])
    run(lambda xp, x: F(xp).channel_shuffle(x, 2), [arr(2, 4, 3, 3)])
    run(lambda xp, x: F(xp).unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=2), [arr(2, 3, 7, 8)])
    run(lambda xp, x: F(xp).fold(x, (5, 6), (2, 3), padding=1, stride=(1, 2)), [arr(2, 12, 18)])


def test_distances():
    a, b = arr(4, 5), arr(4, 5)
    a[1] = 0
    run(lambda xp, x, y: F(xp).cosine_similarity(x, y), [a, b])
    run(lambda xp, x, y: F(xp).cosine_similarity(x, y[:1], dim=0), [a, b])
    run(lambda xp, x, y: F(xp).pairwise_distance(x, y), [a, b])
    run(lambda xp, x, y: F(xp).pairwise_distance(x, y, p=1, keepdim=True), [a, b])
    run(lambda xp, x: F(xp).pdist(x), [a])
    run(lambda xp, x: F(xp).pdist(x, p=3), [b])
    run(lambda xp, x, y: xp.cdist(x, y), [a, b], names=False)


def test_sdpa_and_mha():
    q, k, v = arr(2, 3, 5, 4), arr(2, 3, 6, 4), arr(2, 3, 6, 4)
    bm = np.random.default_rng(4).random((5, 6)) > 0.3
    bm[0] = False
    run(lambda xp, a, b, c: F(xp).scaled_dot_product_attention(a, b, c), [q, k, v])
    run(lambda xp, a, b, c: F(xp).scaled_dot_product_attention(a, b, c, attn_mask=xp.tensor(bm)), [q, k, v])
    run(lambda xp, a, b, c: F(xp).scaled_dot_product_attention(a, b, c, is_causal=True, scale=0.3), [q, k, v])
    run(lambda xp, a, b, c: F(xp).scaled_dot_product_attention(a, b, c, enable_gqa=True), [arr(2, 6, 5, 4), k, v])
    E, H = 8, 2
    params = [arr(5, 3, E), arr(6, 3, E), arr(3 * E, E) * 0.3, arr(3 * E), arr(E, E) * 0.3, arr(E)]
    kpm = np.zeros((3, 6), bool)
    kpm[1, 4:] = True
    for nw in (True, False):
        run(lambda xp, q_, k_, w1, b1, w2, b2: F(xp).multi_head_attention_forward(
            q_, k_, k_, E, H, w1, b1, None, None, False, 0.0, w2, b2, need_weights=nw,
            key_padding_mask=xp.tensor(kpm), attn_mask=xp.tensor(arr(5, 6, seed=9))), params, names=False)


LOSSES = [
    ("mse", lambda F, x, r: F.mse_loss(x, x.detach() * 0.5 + 1, reduction=r)),
    ("l1", lambda F, x, r: F.l1_loss(x, x.detach() * 0.5 + 1, reduction=r)),
    ("smooth_l1", lambda F, x, r: F.smooth_l1_loss(x, x.detach() * 0.2, reduction=r, beta=0.5)),
    ("huber", lambda F, x, r: F.huber_loss(x, x.detach() * 0.2, reduction=r, delta=0.7)),
    ("soft_margin", lambda F, x, r: F.soft_margin_loss(x, x.detach().sign(), reduction=r)),
    ("bce_logits", lambda F, x, r: F.binary_cross_entropy_with_logits(x, x.detach().sigmoid(), reduction=r,
                                                                     pos_weight=x.detach()[0].abs())),
    ("kl", lambda F, x, r: F.kl_div(x, x.detach().softmax(1), reduction=r)),
    ("kl_log", lambda F, x, r: F.kl_div(x, x.detach() * 0.3, reduction=r, log_target=True)),
    ("poisson", lambda F, x, r: F.poisson_nll_loss(x, x.detach().abs(), reduction=r)),
    ("poisson_full", lambda F, x, r: F.poisson_nll_loss(x.abs(), x.detach().abs() * 5, log_input=False, full=True,
                                                        reduction=r)),
    ("hinge", lambda F, x, r: F.hinge_embedding_loss(x, x.detach().sign(), reduction=r)),
    ("multilabel_soft_margin", lambda F, x, r: F.multilabel_soft_margin_loss(x, (x.detach() > 0).float(),
                                                                             reduction=r)),
]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("name,fn", LOSSES, ids=[l[0] for l in LOSSES])
def test_pointwise_losses(name, fn, reduction):
    run(lambda xp, x: fn(F(xp), x, reduction), [arr(5, 4)])


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_class_losses(reduction):
    x = arr(5, 4)
    t = np.array([1, 0, 3, -100, 2])
    w = np.abs(arr(4)).astype(np.float32)
    p = np.abs(arr(5, 4))
    p /= p.sum(1, keepdims=True)
    T = lambda xp, a: xp.tensor(a)  # noqa: E731
    run(lambda xp, a: F(xp).cross_entropy(a, T(xp, t), reduction=reduction), [x])
    run(lambda xp, a: F(xp).cross_entropy(a, T(xp, t), weight=T(xp, w), reduction=reduction), [x])
    run(lambda xp, a: F(xp).cross_entropy(a, T(xp, t), weight=T(xp, w), label_smoothing=0.2, reduction=reduction),
        [x])
    run(lambda xp, a: F(xp).cross_entropy(a, T(xp, p), weight=T(xp, w), label_smoothing=0.1, reduction=reduction),
        [x])
    run(lambda xp, a: F(xp).cross_entropy(a, T(xp, np.random.default_rng(1).integers(0, 4, (2, 3, 2))),
                                          reduction=reduction), [arr(2, 4, 3, 2)])
    run(lambda xp, a: F(xp).cross_entropy(a, T(xp, np.array(2)), reduction=reduction), [x[0]])
    run(lambda xp, a: F(xp).nll_loss(a, T(xp, t), weight=T(xp, w), reduction=reduction), [x])
    run(lambda xp, a: F(xp).binary_cross_entropy(a.sigmoid(), T(xp, p), weight=T(xp, w), reduction=reduction), [x])
    run(lambda xp, a: F(xp).multi_margin_loss(a, T(xp, np.array([1, 0, 3, 2, 2])), p=2, margin=0.7,
                                              weight=T(xp, w), reduction=reduction), [x])
    mlm = np.array([[1, -1, 0, 0], [2, 3, -1, 0], [0, 1, 2, 3], [3, 3, -1, 1], [-1, 0, 0, 0]])
    run(lambda xp, a: F(xp).multilabel_margin_loss(a, T(xp, mlm), reduction=reduction), [x])


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_pair_losses(reduction):
    y = np.sign(arr(5)).astype(np.float32)
    a, b, c = arr(5, 4), arr(5, 4), arr(5, 4)
    run(lambda xp, u, v: F(xp).margin_ranking_loss(u[:, 0], v[:, 0], xp.tensor(y), margin=0.2, reduction=reduction),
        [a, b])
    run(lambda xp, u, v: F(xp).cosine_embedding_loss(u, v, xp.tensor(y), margin=0.1, reduction=reduction), [a, b])
    run(lambda xp, u, v, w: F(xp).triplet_margin_loss(u, v, w, p=1.5, swap=True, reduction=reduction), [a, b, c])
    run(lambda xp, u, v, w: F(xp).triplet_margin_with_distance_loss(u, v, w, reduction=reduction), [a, b, c])
    run(lambda xp, u, v: F(xp).gaussian_nll_loss(u, v.detach() * 0 + 0.5, v.abs(), full=True, reduction=reduction),
        [a, b], names=False)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_ctc_loss(reduction):
    lp = arr(7, 3, 5)
    T = lambda xp, a: xp.tensor(np.array(a))  # noqa: E731
    run(lambda xp, a: F(xp).ctc_loss(a.log_softmax(2), T(xp, [[1, 2, 2], [3, 4, 1], [1, 1, 1]]), T(xp, [7, 6, 5]),
                                     T(xp, [3, 2, 1]), reduction=reduction), [lp])
    run(lambda xp, a: F(xp).ctc_loss(a.log_softmax(2), T(xp, [1, 2, 2, 3, 4, 1]), (7, 6, 5), (3, 2, 1),
                                     reduction=reduction, zero_infinity=True), [lp])
    run(lambda xp, a: F(xp).ctc_loss(a.log_softmax(2), T(xp, [[1, 2, 2], [3, 4, 1], [1, 1, 1]]), T(xp, [7, 2, 5]),
                                     T(xp, [3, 2, 3]), reduction=reduction, zero_infinity=True), [lp])


def test_loss_errors():
    x = lambda xp: xp.ones(3, 4)  # noqa: E731
    cases = [lambda xp: F(xp).nll_loss(x(xp), xp.tensor([1, 5, 0])),
             lambda xp: F(xp).nll_loss(x(xp), xp.tensor([1, 0])),
             lambda xp: F(xp).cross_entropy(x(xp), xp.rand(3, 5)),
             lambda xp: F(xp).binary_cross_entropy(x(xp) * 2, xp.rand(3, 4)),
             lambda xp: F(xp).nll_loss(x(xp), xp.tensor([1.0, 0, 0])),
             lambda xp: F(xp).cross_entropy(x(xp), xp.tensor([1, 0, 0]), label_smoothing=1.5),
             lambda xp: F(xp).kl_div(x(xp), x(xp), reduction="foo"),
             lambda xp: F(xp).binary_cross_entropy_with_logits(x(xp), xp.rand(3, 5)),
             lambda xp: F(xp).multi_margin_loss(x(xp), xp.tensor([1, 0, 7]))]
    for c in cases:
        te, je = check_error(c)
        assert str(te) == str(je)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_nn_grad_conv(d):
    x, w = arr(2, 4, *(6,) * d), arr(6, 2, *(3,) * d)
    go = arr(2, 6, *(3,) * d)
    kw = dict(stride=2, padding=1, dilation=1, groups=2)
    run(lambda xp, w_, g_: getattr(xp.nn.grad, f"conv{d}d_input")(x.shape, w_, g_, **kw), [w, go], names=False)
    run(lambda xp, x_, g_: getattr(xp.nn.grad, f"conv{d}d_weight")(x_, w.shape, g_, **kw), [x, go], names=False)
    assert torchjax.nn.functional.grad is torchjax.nn.grad
