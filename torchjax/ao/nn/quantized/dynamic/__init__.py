"""torch.ao.nn.quantized.dynamic: dynamically quantized Linear.

Weights are stored as int8 with float scales (one per tensor, or one per output channel) and zero points, as
torch's packed parameters hold them. Each call quantizes the input on the fly to unsigned 7-bit values
(`reduce_range=True`, as torch's x86 kernels: the min/max of the input choose scale and zero point), multiplies
int8 by int8 with int32 accumulation in one XLA dot (`preferred_element_type=int32`), and rescales to float with
the bias added. float16 dynamic quantization stores the weight in float16 and multiplies in float32.
"""
import functools

import jax
import jax.numpy as jnp
import numpy as np

from ....._tensor import Tensor, wrap
from ....._qscheme import per_channel_affine, per_tensor_affine
from .....nn.modules.module import Module

__all__ = ["Linear"]


def _qparams_weight(w, qscheme_name, dtype_name):
    """(int8 values, scales float32 (N,) or (), zero points int (N,) or ()) as torch's MinMax observers choose."""
    w = np.asarray(w, np.float32)
    qmin, qmax = (-128, 127) if dtype_name == "qint8" else (0, 255)
    per_channel = qscheme_name.startswith("per_channel")
    axes = 1 if per_channel else None
    mn = np.minimum(w.min(axis=axes), np.float32(0)).astype(np.float32)
    mx = np.maximum(w.max(axis=axes), np.float32(0)).astype(np.float32)
    eps = np.float32(np.finfo(np.float32).eps)
    if qscheme_name.endswith("symmetric"):
        amax = np.maximum(-mn, mx)
        scale = np.maximum(amax / np.float32((qmax - qmin) / 2), eps).astype(np.float32)
        zp = np.zeros_like(scale, dtype=np.int64) if dtype_name == "qint8" else np.full(scale.shape, 128, np.int64)
    else:
        scale = np.maximum((mx - mn) / np.float32(qmax - qmin), eps).astype(np.float32)
        zp = np.clip(qmin - np.round(mn / scale), qmin, qmax).astype(np.int64)
    s = scale[:, None] if per_channel else scale
    z = zp[:, None] if per_channel else zp
    inv = np.float32(1.0) / s
    q = np.clip(np.rint(w * inv) + z, qmin, qmax).astype(np.int8 if dtype_name == "qint8" else np.uint8)
    return q, scale, zp


def _choose_act_qparams(x, qmin, qmax):
    """torch's quant_utils::ChooseQuantizationParams on the input's min/max (traced, float32)."""
    xmin = jnp.minimum(jnp.min(x), 0.0)
    xmax = jnp.maximum(jnp.max(x), 0.0)
    scale = (xmax - xmin) / (qmax - qmin)
    scale = jnp.where(scale == 0, jnp.float32(0.1), scale)
    zp_min = qmin - xmin / scale
    zp_max = qmax - xmax / scale
    err_min = abs(qmin) - jnp.abs(xmin / scale)
    err_max = abs(qmax) - jnp.abs(xmax / scale)
    zp = jnp.where(err_min < err_max, zp_min, zp_max)
    zp = jnp.clip(jnp.round(zp), qmin, qmax).astype(jnp.int32)
    return scale, zp


@functools.partial(jax.jit, static_argnames=("reduce_range",))
def _linear_dynamic_int8(x, wq, w_scale, w_zp, bias, reduce_range):
    lead, k = x.shape[:-1], x.shape[-1]
    xf = x.reshape(-1, k).astype(jnp.float32)
    qmin, qmax = 0, (127 if reduce_range else 255)
    scale, zp = _choose_act_qparams(xf, qmin, qmax)
    xq = jnp.clip(jnp.round(xf / scale) + zp, qmin, qmax).astype(jnp.int32)
    xs = (xq - 128).astype(jnp.int8)  # int8 operand: x_q = xs + 128
    acc = jax.lax.dot_general(xs, wq, (((1,), (1,)), ((), ())), preferred_element_type=jnp.int32)
    # sum_k (x_q - zp)(w_q - w_zp) = acc - w_zp*sum(xs) + c*sum(w_q) - c*w_zp*K, c = 128 - zp
    c = 128 - zp
    wsum = jnp.sum(wq.astype(jnp.int32), axis=1)
    xsum = jnp.sum(xs.astype(jnp.int32), axis=1, keepdims=True)
    w_zp = w_zp.astype(jnp.int32)
    acc = acc - w_zp * xsum + c * wsum - c * w_zp * k
    out = acc.astype(jnp.float32) * (scale * w_scale)
    if bias is not None:
        out = out + bias.astype(jnp.float32)
    return out.reshape(lead + (wq.shape[0],)).astype(x.dtype)


@jax.jit
def _linear_dynamic_fp16(x, w16, bias):
    out = jnp.matmul(x.astype(jnp.float32), w16.astype(jnp.float32).T)
    if bias is not None:
        out = out + bias.astype(jnp.float32)
    return out.astype(x.dtype)


class QuantizedWeight(Tensor):
    """The dequantized weight of a quantized Linear with the accessors of torch's quantized tensor."""

    def _per_channel(self):
        return self._q._scale.ndim > 0

    def int_repr(self):
        return wrap(self._q._wq, _cpu())

    def _require_per_tensor(self):
        if self._per_channel():
            raise RuntimeError("Expected quantizer->qscheme() == kPerTensorAffine to be true, but got false.  (Could "
                               "this error message be improved?  If so, please report an enhancement request to "
                               "PyTorch.)")

    def q_scale(self):
        self._require_per_tensor()
        return float(self._q._scale)

    def q_zero_point(self):
        self._require_per_tensor()
        return int(self._q._zp)

    def q_per_channel_scales(self):
        return wrap(self._q._scale.astype(jnp.float64), _cpu())

    def q_per_channel_zero_points(self):
        return wrap(self._q._zp.astype(jnp.int64), _cpu())

    def q_per_channel_axis(self):
        return 0

    def qscheme(self):
        return self._q._qscheme

    def dequantize(self):
        return wrap(self._value(), _cpu())


class LinearPackedParams(Module):
    """The packed weight and bias of a dynamically quantized Linear."""
    _version = 3

    def __init__(self, dtype=None):
        super().__init__()
        from ..... import qint8
        self.dtype = qint8 if dtype is None else dtype
        self._wq = None
        self._scale = None
        self._zp = None
        self._bias = None
        self._qscheme = per_tensor_affine

    def _get_name(self):
        return "LinearPackedParams"

    def set_weight_bias(self, weight, bias, qscheme_name="per_tensor_symmetric"):
        w = np.asarray(weight.detach()._host_values(), np.float32)
        if str(self.dtype) == "torch.float16":
            self._wq = jnp.asarray(w.astype(np.float16))
            self._scale = self._zp = None
            self._qscheme = None
        else:
            q, s, z = _qparams_weight(w, qscheme_name, "qint8")
            self._wq, self._scale, self._zp = jnp.asarray(q), jnp.asarray(s), jnp.asarray(z)
            self._qscheme = per_channel_affine if qscheme_name.startswith("per_channel") else per_tensor_affine
        self._bias = None if bias is None else bias.detach()._jax().astype(jnp.float32)


class Linear(Module):
    """A dynamically quantized Linear (torch.ao.nn.quantized.dynamic.Linear): int8 weights, float in and out."""
    _version = 4

    def __init__(self, in_features, out_features, bias_=True, dtype=None):
        super().__init__()
        from ..... import qint8
        self.in_features = in_features
        self.out_features = out_features
        self._packed_params = LinearPackedParams(qint8 if dtype is None else dtype)
        self.version = 4
        self.scale = 1.0
        self.zero_point = 0
        self.training = False

    def _get_name(self):
        return "DynamicQuantizedLinear"

    def extra_repr(self):
        s = f"in_features={self.in_features}, out_features={self.out_features}, dtype={self._packed_params.dtype}"
        if str(self._packed_params.dtype) == "torch.qint8":
            s += f", qscheme={self._packed_params._qscheme}"
        return s

    def __repr__(self):
        # torch hides the packed parameters in the repr
        return f"{self._get_name()}({self.extra_repr()})"

    def forward(self, x):
        if not isinstance(x, Tensor):
            raise TypeError(f"linear_dynamic(): argument 'X' must be Tensor, not {type(x).__name__}")
        if not x.is_floating_point():
            raise RuntimeError("linear_dynamic(): the input must be a floating-point tensor")
        if x.shape[-1] != self.in_features:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({x.numel() // max(x.shape[-1], 1)}x"
                               f"{x.shape[-1]} and {self.in_features}x{self.out_features})")
        pp = self._packed_params
        v = x._jax()
        if str(pp.dtype) == "torch.float16":
            out = _linear_dynamic_fp16(v, pp._wq, pp._bias)
        else:
            out = _linear_dynamic_int8(v, pp._wq, pp._scale, pp._zp, pp._bias, reduce_range=self.version >= 4)
        return wrap(out, x.device)

    # ---- accessors as torch's ---------------------------------------------------------------------------------
    def weight(self):
        """The weight. torchjax has no quantized dtype: this is the dequantized float tensor, with the quantized
        tensor's accessors (int_repr, q_scale, q_zero_point, q_per_channel_scales, q_per_channel_zero_points,
        q_per_channel_axis, qscheme, dequantize)."""
        pp = self._packed_params
        if pp._scale is None:
            return wrap(pp._wq.astype(jnp.float32), _cpu())
        s = pp._scale[:, None] if pp._scale.ndim else pp._scale
        z = pp._zp[:, None] if pp._zp.ndim else pp._zp
        t = wrap(((pp._wq.astype(jnp.float32) - z.astype(jnp.float32)) * s), _cpu(), cls=QuantizedWeight)
        t._q = pp
        return t

    def _weight_int8(self):
        return wrap(self._packed_params._wq, _cpu())

    def _weight_scales(self):
        return wrap(self._packed_params._scale.astype(jnp.float64), _cpu())

    def bias(self):
        b = self._packed_params._bias
        return None if b is None else wrap(b, _cpu())

    def state_dict(self, *args, **kwargs):
        raise NotImplementedError("torchjax: state_dict of a dynamically quantized Linear (quantized tensors) is "
                                  "not supported")

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        from ..... import float16, qint8
        from .....nn.modules.linear import Linear as FloatLinear
        if type(mod) is not FloatLinear and type(mod).__name__ not in ("Linear", "NonDynamicallyQuantizableLinear"):
            raise AssertionError("nn.quantized.dynamic.Linear.from_float only works for nn.Linear")
        qconfig = getattr(mod, "qconfig", None)
        if qconfig is None:
            from ....quantization import default_dynamic_qconfig
            qconfig = default_dynamic_qconfig
        wobs = qconfig.weight()
        dtype = wobs.dtype
        if str(dtype) not in ("torch.qint8", "torch.float16"):
            raise RuntimeError(f"Unsupported dtype specified for dynamic quantized Linear! {dtype}")
        q = cls(mod.in_features, mod.out_features, dtype=qint8 if str(dtype) == "torch.qint8" else float16)
        q._packed_params.set_weight_bias(mod.weight, mod.bias, getattr(wobs, "qscheme", per_tensor_affine).name)
        return q


def _cpu():
    from ....._device import device
    return device("cpu")
