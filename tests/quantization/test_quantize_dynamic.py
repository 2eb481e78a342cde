"""torch.quantization.quantize_dynamic: the same model quantized by torch and by torchjax prints the same, holds the
same int8 weights and scales, and computes close to torch's quantized output and to the float model."""
import warnings

import numpy as np
import pytest

from tests._compare import torch, torchjax

X = np.random.default_rng(0).standard_normal((6, 8)).astype(np.float32) * 2


def _model(xp):
    nn = xp.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(8, 16)
            self.relu = nn.ReLU()
            self.fc2 = nn.Linear(16, 4)

        def forward(self, x):
            return self.fc2(self.relu(self.fc1(x)))

    xp.manual_seed(0)
    return Net()


def _quantize(xp, how):
    m = _model(xp)
    q = xp.ao.quantization if how != "legacy" else xp.quantization
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if how in ("set", "legacy"):
            qm = q.quantize_dynamic(m, {xp.nn.Linear}, dtype=xp.qint8)
        elif how == "default":
            qm = q.quantize_dynamic(m)
        elif how == "per_channel":
            qm = q.quantize_dynamic(m, {xp.nn.Linear: q.per_channel_dynamic_qconfig})
        elif how == "fp16":
            qm = q.quantize_dynamic(m, {xp.nn.Linear}, dtype=xp.float16)
        elif how == "by_name":
            qm = q.quantize_dynamic(m, {"fc2": q.default_dynamic_qconfig})
    return m, qm


@pytest.mark.parametrize("how", ["set", "legacy", "default", "per_channel", "fp16", "by_name"])
def test_matches_torch(how):
    res = {}
    for xp in (torch, torchjax):
        m, qm = _quantize(xp, how)
        x = xp.tensor(X)
        with xp.no_grad():
            y = qm(x)
            yf = m(x)
        res[xp.__name__] = (repr(qm), type(m.fc1).__name__, qm.training, str(y.dtype), tuple(y.shape),
                            y.numpy(), yf.numpy())
    e, a = res["torch"], res["torchjax"]
    assert a[:5] == e[:5]
    # same float model; quantized outputs close to torch's quantized outputs and to the float model
    np.testing.assert_allclose(a[6], e[6], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a[5], e[5], rtol=0, atol=2e-3)
    err_jax, err_torch = np.abs(a[5] - a[6]).max(), np.abs(e[5] - e[6]).max()
    assert err_jax < 0.05 and err_jax <= 1.5 * err_torch + 1e-4


@pytest.mark.parametrize("how", ["set", "per_channel"])
def test_int8_weights_and_scales_as_torch(how):
    _, qt = _quantize(torch, how)
    _, qj = _quantize(torchjax, how)
    for name in ("fc1", "fc2"):
        wt = getattr(qt, name).weight()
        lj = getattr(qj, name)
        np.testing.assert_array_equal(lj._weight_int8().numpy(), wt.int_repr().numpy())
        scales = wt.q_per_channel_scales().numpy() if how == "per_channel" else np.array(wt.q_scale())
        np.testing.assert_allclose(lj._weight_scales().numpy(), scales, rtol=1e-6)
        np.testing.assert_allclose(lj.weight().numpy(), wt.dequantize().numpy(), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(lj.bias().numpy(), getattr(qt, name).bias().detach().numpy())
        # the quantized tensor's accessors
        wj = lj.weight()
        np.testing.assert_array_equal(wj.int_repr().numpy(), wt.int_repr().numpy())
        np.testing.assert_allclose(wj.dequantize().numpy(), wt.dequantize().numpy(), rtol=1e-6, atol=1e-7)
        assert repr(wj.qscheme()) == repr(wt.qscheme())
        if how == "per_channel":
            np.testing.assert_allclose(wj.q_per_channel_scales().numpy(), wt.q_per_channel_scales().numpy(),
                                       rtol=1e-6)
            assert wj.q_per_channel_zero_points().tolist() == wt.q_per_channel_zero_points().tolist()
            assert wj.q_per_channel_axis() == wt.q_per_channel_axis()
            for t in (wt, wj):
                with pytest.raises(RuntimeError, match="kPerTensorAffine"):
                    t.q_scale()
        else:
            assert abs(wj.q_scale() - wt.q_scale()) < 1e-9 and wj.q_zero_point() == wt.q_zero_point()


def test_int8_matmul_in_xla():
    """The quantized Linear multiplies int8 by int8 with int32 accumulation in one dot_general."""
    import jax
    from torchjax.ao.nn.quantized.dynamic import _linear_dynamic_int8
    _, qm = _quantize(torchjax, "set")
    pp = qm.fc1._packed_params
    hlo = jax.jit(lambda x: _linear_dynamic_int8(x, pp._wq, pp._scale, pp._zp, pp._bias,
                                                 reduce_range=True)).lower(X).as_text()
    dots = [line for line in hlo.splitlines() if "dot_general" in line]
    assert len(dots) == 1, hlo
    assert "(tensor<6x8xi8>, tensor<16x8xi8>) -> tensor<6x16xi32>" in dots[0], dots[0]


def test_inplace_and_unsupported():
    m = _model(torchjax)
    out = torchjax.quantization.quantize_dynamic(m, {torchjax.nn.Linear}, inplace=True)
    assert out is m and type(m.fc1).__name__ == "Linear" and m.fc1._get_name() == "DynamicQuantizedLinear"
    lstm = torchjax.nn.Sequential(torchjax.nn.LSTM(4, 4))
    with pytest.raises(NotImplementedError, match="LSTM"):
        torchjax.quantization.quantize_dynamic(lstm, dtype=torchjax.qint8)
    with pytest.raises(NotImplementedError, match="quint8"):
        torchjax.quantization.quantize_dynamic(_model(torchjax), {torchjax.nn.Linear}, dtype=torchjax.quint8)
    for xp in (torch, torchjax):
        assert repr(xp.per_tensor_affine) == "torch.per_tensor_affine"
        with pytest.raises(ValueError, match="Don't know how to quantize"):
            xp.quantization.quantize_dynamic(_model(xp), dtype=xp.int32)
