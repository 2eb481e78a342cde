"""torch.autocast against real torch: per-op output dtypes under CPU bfloat16 autocast, values, gradients, nesting,
the decorator form, the weight-cast cache, the state functions, and the warnings of the CUDA/CPU spellings on a
machine without a GPU."""
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from tests._compare import torch, torchjax, to_numpy

from tests.amp._autocast_cases import CASES, make_inputs

_MISSING = (AttributeError, ModuleNotFoundError, NotImplementedError)


@pytest.fixture(scope="module")
def inputs():
    return make_inputs(torch), make_inputs(torchjax)


def _run(xp, fn, d, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with xp.autocast("cpu", **kw):
            return fn(xp, d)


@pytest.mark.parametrize("name", list(CASES))
def test_op_dtype_matches_torch(name, inputs):
    dt, dj = inputs
    fn = CASES[name]
    try:
        expected = _run(torch, fn, dt, dtype=torch.bfloat16)
    except RuntimeError as e:
        with pytest.raises(RuntimeError):
            _run(torchjax, fn, dj, dtype=torchjax.bfloat16)
        return
    try:
        actual = _run(torchjax, fn, dj, dtype=torchjax.bfloat16)
    except _MISSING as e:
        pytest.skip(f"torchjax does not provide this op yet: {e}")
    assert str(actual.dtype) == str(expected.dtype)
    assert tuple(actual.shape) == tuple(expected.shape)
    e, a = to_numpy(expected).astype(np.float64), to_numpy(actual).astype(np.float64)
    scale = max(1.0, float(np.abs(e).max()) if e.size else 1.0)
    # both libraries round to bfloat16 at op boundaries, but accumulate differently inside
    np.testing.assert_allclose(a, e, rtol=0, atol=0.05 * scale)


@pytest.mark.parametrize("name", ["mm", "linear", "conv2d", "cross_entropy", "cat_mixed", "softmax"])
def test_op_dtype_float16_autocast(name, inputs):
    dt, dj = inputs
    expected = _run(torch, CASES[name], dt, dtype=torch.float16)
    actual = _run(torchjax, CASES[name], dj, dtype=torchjax.float16)
    assert str(actual.dtype) == str(expected.dtype)


def _mlp(xp):
    xp.manual_seed(0)
    return xp.nn.Sequential(xp.nn.Linear(6, 8), xp.nn.ReLU(), xp.nn.Linear(8, 3))


def test_training_step_grads_match_torch():
    x = np.random.default_rng(1).standard_normal((5, 6)).astype(np.float32)
    y = np.array([0, 1, 2, 1, 0])
    res = {}
    for xp in (torch, torchjax):
        m = _mlp(xp)
        with xp.autocast("cpu", dtype=xp.bfloat16):
            out = m(xp.tensor(x))
            loss = xp.nn.functional.cross_entropy(out, xp.tensor(y))
        loss.backward()
        res[xp.__name__] = (out, loss, [p.grad for p in m.parameters()])
    (to, tl, tg), (jo, jl, jg) = res["torch"], res["torchjax"]
    assert str(jo.dtype) == str(to.dtype) == "torch.bfloat16"
    assert str(jl.dtype) == str(tl.dtype) == "torch.float32"
    assert type(jl.grad_fn).__name__ == type(tl.grad_fn).__name__
    for a, e in zip(jg, tg):
        assert str(a.dtype) == str(e.dtype) == "torch.float32"
        np.testing.assert_allclose(to_numpy(a), to_numpy(e), rtol=0, atol=3e-2)


def test_nested_disable_and_decorator():
    for xp in (torch, torchjax):
        a, b = xp.ones(2, 3), xp.ones(3, 2)
        with xp.autocast("cpu"):
            assert xp.is_autocast_enabled("cpu")
            e = xp.mm(a, b)
            with xp.autocast("cpu", enabled=False):
                assert not xp.is_autocast_enabled("cpu")
                f = xp.mm(a, b)
                g = xp.mm(e.float(), e.float())
            h = xp.mm(f, f)
        assert (e.dtype, f.dtype, g.dtype, h.dtype) == (xp.bfloat16, xp.float32, xp.float32, xp.bfloat16)
        assert not xp.is_autocast_enabled("cpu")

        @xp.autocast("cpu")
        def fwd(u, v):
            return u @ v
        assert fwd(a, b).dtype == xp.bfloat16
        assert (a @ b).dtype == xp.float32


def test_state_functions_match_torch():
    for xp in (torch, torchjax):
        assert xp.get_autocast_dtype("cpu") == xp.bfloat16
        assert xp.get_autocast_dtype("cuda") == xp.float16
        assert xp.is_autocast_enabled() is False
        assert xp.is_autocast_cache_enabled() is True
        with xp.autocast("cpu", dtype=xp.float16, cache_enabled=False):
            assert xp.get_autocast_dtype("cpu") == xp.float16
            assert xp.is_autocast_cache_enabled() is False
            assert xp.is_autocast_enabled("cpu") and not xp.is_autocast_enabled("cuda")
        assert xp.get_autocast_dtype("cpu") == xp.bfloat16
        assert xp.amp.is_autocast_available("cpu") and xp.amp.is_autocast_available("cuda")
        assert not xp.amp.is_autocast_available("meta")


def test_weight_cast_cache():
    lin = torchjax.nn.Linear(4, 4)
    x = torchjax.ones(2, 4)
    with torchjax.autocast("cpu"):
        y1 = lin(x)
        y2 = lin(x)
        assert len(torchjax.amp.autocast_mode._state.cache) >= 1
        (ref, _, cast), = [v for v in torchjax.amp.autocast_mode._state.cache.values() if v[0]() is lin.weight]
        assert cast.dtype == torchjax.bfloat16
    assert torchjax.amp.autocast_mode._state.cache == {}
    assert torch_equal(y1, y2)
    (y1.float().sum() + y2.float().sum()).backward()
    assert lin.weight.grad.dtype == torchjax.float32
    with torchjax.autocast("cpu"):  # the cast sees in-place updates of the weight
        with torchjax.no_grad():
            lin.weight.add_(1.0)
        y3 = lin(x)
    assert not torch_equal(y1, y3)


def torch_equal(a, b):
    return bool((a == b).all())


def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = fn()
    return r, [(c.category.__name__, str(c.message)) for c in w]


@pytest.mark.parametrize("make", [
    lambda xp: xp.autocast("cuda"),
    lambda xp: xp.amp.autocast("cuda", dtype=xp.bfloat16),
    lambda xp: xp.cuda.amp.autocast(),
    lambda xp: xp.cuda.amp.autocast(enabled=False),
    lambda xp: xp.cpu.amp.autocast(),
    lambda xp: xp.autocast("cpu", dtype=xp.float32),
    lambda xp: xp.autocast("cpu", dtype=xp.float64),
    lambda xp: xp.autocast("xpu", dtype=xp.float16),
], ids=["autocast_cuda", "amp_autocast_cuda_bf16", "cuda_amp_autocast", "cuda_amp_autocast_disabled",
        "cpu_amp_autocast", "cpu_float32", "cpu_float64", "xpu"])
def test_constructor_warnings_and_enabled_match_torch(make):
    if torch.cuda.is_available():
        pytest.skip("CPU-only behaviour")
    t, tw = _warnings_of(lambda: make(torch))
    j, jw = _warnings_of(lambda: make(torchjax))
    assert jw == tw
    assert j._enabled == t._enabled
    assert str(j.fast_dtype) == str(t.fast_dtype)
    with j:
        pass


def test_cuda_autocast_disabled_region_runs_float32():
    for xp in (torch, torchjax):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with xp.cuda.amp.autocast():
                assert not xp.is_autocast_enabled("cuda")
                out = xp.nn.Linear(3, 2)(xp.ones(1, 3))
        assert out.dtype == xp.float32


@pytest.mark.parametrize("body", [
    lambda xp: xp.autocast(device_type=3),
    lambda xp: xp.autocast("meta"),
    lambda xp: xp.autocast("cpu")(5),
    lambda xp: xp.get_autocast_dtype("meta"),
], ids=["device_type_not_str", "unsupported_device", "decorate_non_callable", "dtype_of_unknown_device"])
def test_errors_match_torch(body):
    from tests._compare import check_error
    check_error(body)


def test_promote_rejects_other_low_precision_types():
    for xp in (torch, torchjax):
        with xp.autocast("cpu", dtype=xp.bfloat16):
            with pytest.raises(RuntimeError):
                xp.cat([xp.ones(2, dtype=xp.float16), xp.ones(2, dtype=xp.bfloat16)])


def test_custom_fwd_bwd_cast_inputs():
    for xp in (torch, torchjax):
        class Mul(xp.autograd.Function):
            @staticmethod
            @xp.amp.custom_fwd(device_type="cpu", cast_inputs=xp.float32)
            def forward(ctx, a, b):
                ctx.save_for_backward(a, b)
                ctx.inner = xp.is_autocast_enabled("cpu")
                return a * b

            @staticmethod
            @xp.amp.custom_bwd(device_type="cpu")
            def backward(ctx, g):
                a, b = ctx.saved_tensors
                return g * b, g * a

        a = xp.ones(3, dtype=xp.bfloat16, requires_grad=True)
        with xp.autocast("cpu"):
            out = Mul.apply(a, xp.ones(3))
        assert out.dtype == xp.float32
        out.sum().backward()
        assert a.grad.dtype == xp.bfloat16


_CUDA_SCRIPT = textwrap.dedent("""
    import warnings
    import torchjax as torch
    F = torch.nn.functional
    assert torch.cuda.is_available(), "simulated CUDA devices expected"
    a = torch.randn(4, 5, device="cuda"); b = torch.randn(5, 3, device="cuda")
    p = torch.rand(4, 5, device="cuda")
    i = torch.tensor([0, 1, 2, 1], device="cuda")
    res = {}
    with torch.autocast("cuda"):
        res["mm"] = torch.mm(a, b).dtype
        res["linear"] = F.linear(a, b.t()).dtype
        res["matmul"] = (a @ b).dtype
        res["conv2d"] = F.conv2d(torch.randn(1, 3, 5, 5, device="cuda"), torch.randn(2, 3, 3, 3, device="cuda")).dtype
        res["softmax"] = F.softmax(a, 1).dtype
        res["softmax_half_in"] = F.softmax(a.half(), 1).dtype
        res["softmax_explicit_dtype"] = F.softmax(a.half(), 1, dtype=torch.float16).dtype
        res["log_softmax"] = a.log_softmax(1).dtype
        res["sum"] = a.half().sum().dtype
        res["cumsum"] = torch.cumsum(a.half(), 0).dtype
        res["exp"] = a.half().exp().dtype
        res["pow"] = (a.half() ** 2).dtype
        res["layer_norm"] = F.layer_norm(a.half(), (5,)).dtype
        res["mse_loss"] = F.mse_loss(a.half(), p).dtype
        res["cross_entropy"] = F.cross_entropy(a.half(), i).dtype
        res["norm"] = a.half().norm().dtype
        res["cat"] = torch.cat([a, a.half()]).dtype
        res["cat_half"] = torch.cat([a.half(), a.half()]).dtype
        res["addcmul"] = torch.addcmul(a, a.half(), a.half()).dtype
        res["relu"] = F.relu(a.half()).dtype
        res["cpu_mm_untouched"] = torch.mm(a.cpu(), b.cpu()).dtype
        try:
            F.binary_cross_entropy(p, p)
            res["bce"] = "no error"
        except RuntimeError as e:
            res["bce"] = str(e).splitlines()[0]
    for k, v in res.items():
        print(k, v)
""")

# torch's Autocast Op Reference (CUDA): ops that autocast to float16, to float32, and that promote
_CUDA_EXPECTED = {
    "mm": "torch.float16", "linear": "torch.float16", "matmul": "torch.float16", "conv2d": "torch.float16",
    "softmax": "torch.float32", "softmax_half_in": "torch.float32", "softmax_explicit_dtype": "torch.float16",
    "log_softmax": "torch.float32", "sum": "torch.float32", "cumsum": "torch.float32", "exp": "torch.float32",
    "pow": "torch.float32", "layer_norm": "torch.float32", "mse_loss": "torch.float32",
    "cross_entropy": "torch.float32", "norm": "torch.float32", "cat": "torch.float32", "cat_half": "torch.float16",
    "addcmul": "torch.float32", "relu": "torch.float16", "cpu_mm_untouched": "torch.float32",
    "bce": "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.",
}


def test_cuda_policies_on_simulated_devices():
    env = dict(os.environ, TORCHJAX_CUDA_ON_CPU="1", JAX_PLATFORMS="cpu",
               XLA_FLAGS="--xla_force_host_platform_device_count=2",
               PYTHONPATH=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    r = subprocess.run([sys.executable, "-c", _CUDA_SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    got = dict(line.split(" ", 1) for line in r.stdout.strip().splitlines())
    assert got == _CUDA_EXPECTED
