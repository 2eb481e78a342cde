"""Convolutions: F.conv1d/2d/3d and F.conv_transpose1d/2d/3d (and torch.conv*), on lax.conv_general_dilated."""
import math
import os

import jax.numpy as jnp
from jax import lax

from .. import _csrc
from .. import _dtype as D
from .._csrc import conv2d as native_conv2d
from .._tensor import Tensor
from ._common import cast, np_dtype
from .kernel import Kernel, call
from .registry import function

F = "torch.nn.functional"


def _ntuple(x, n, name="stride"):
    if isinstance(x, (list, tuple)):
        x = tuple(int(v) for v in x)
        if len(x) == 1:
            return x * n
        if len(x) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match the "
                               f"convolution dimensions, but got {name}={list(x)}")
        return x
    return (int(x),) * n


def _patches(x, kh, kw, stride, dil, pads):
    """im2col: x (B, C, H, W) -> (C*kh*kw, B*Ho*Wo), rows ordered (c, i, j) as the weight's (O, C, kh, kw).
    Built in two levels: kw column shifts stacked first, then kh row shifts of that stack. A single kh*kw-way
    stack or concatenate is what XLA's CPU backend handles badly (3-5x slower at LeNet's 5x5 kernels)."""
    (sh, sw), (dh, dw) = stride, dil
    (ph0, ph1), (pw0, pw1) = pads
    xt = jnp.transpose(x, (1, 0, 2, 3))  # (C, B, H, W): the GEMM's rows are channel-major
    if ph0 or ph1 or pw0 or pw1:
        xt = lax.pad(xt, jnp.zeros((), xt.dtype), ((0, 0, 0), (0, 0, 0), (ph0, ph1, 0), (pw0, pw1, 0)))
    C, B, Hp, Wp = xt.shape
    Ho, Wo = (Hp - dh * (kh - 1) - 1) // sh + 1, (Wp - dw * (kw - 1) - 1) // sw + 1
    cols = jnp.stack([lax.slice(xt, (0, 0, 0, j * dw), (C, B, Hp, j * dw + (Wo - 1) * sw + 1), (1, 1, 1, sw))
                      for j in range(kw)], axis=1)  # (C, kw, B, Hp, Wo)
    rows = jnp.stack([lax.slice(cols, (0, 0, 0, i * dh, 0), (C, kw, B, i * dh + (Ho - 1) * sh + 1, Wo), (1, 1, 1, sh, 1))
                      for i in range(kh)], axis=1)  # (C, kh, kw, B, Ho, Wo)
    return rows.reshape(C * kh * kw, B * Ho * Wo), Ho, Wo


def _conv2d_gemm(x, w, stride, pads, dil):
    """2-D convolution (groups=1) as im2col + one GEMM: x (B, C, H, W), w (O, C, kh, kw) -> (B, O, Ho, Wo).
    The weight is the GEMM's left operand, so the forward is (O, K) x (K, N) and the transposes that autodiff
    derives (weight gradient: a GEMM with the patches; input gradient: a GEMM, then pads and adds) are the forms
    XLA's CPU backend runs fastest (benchmarks/conv_cpu.py)."""
    O, C, kh, kw = w.shape
    patches, Ho, Wo = _patches(x, kh, kw, stride, dil, pads)
    y = lax.dot_general(w.reshape(O, C * kh * kw), patches, (((1,), (0,)), ((), ())), precision=lax.Precision.HIGHEST)
    return jnp.transpose(y.reshape(O, x.shape[0], Ho, Wo), (1, 0, 2, 3))


_DIMS = {1: ("NCH", "OIH", "NCH"), 2: ("NCHW", "OIHW", "NCHW"), 3: ("NCDHW", "OIDHW", "NCDHW")}


def _conv(st, x, w, b):
    dt, stride, pads, dil, groups, batched, lowering = st
    x, w = cast(x, dt), cast(w, dt)
    if not batched:
        x = x[None]
    n = x.ndim - 2
    if lowering == "direct":
        y = native_conv2d.conv2d(x, w, stride, pads, dil)
    elif lowering == "gemm":
        y = _conv2d_gemm(x, w, stride, pads, dil)
    else:
        y = lax.conv_general_dilated(x, w, stride, pads, rhs_dilation=dil, feature_group_count=groups,
                                     dimension_numbers=_DIMS[n], precision=lax.Precision.HIGHEST)
    if b is not None:
        y = y + cast(b, dt).reshape((1, -1) + (1,) * n)
    return y if batched else y[0]


_CPU_LOWERING = os.environ.get("TORCHJAX_CPU_CONV", "auto")  # auto | direct | gemm | xla


def _lowering(device, dtype, groups, w_shape, positions):
    """How a convolution runs, chosen by measurement (benchmarks/conv_cpu.py, 2-core CPU, jax 0.10):

    - "direct": the native kernels of torchjax/_csrc/conv2d.cc, for 2-D float32 convolutions on the CPU whose
      per-image patches matrix is narrow (C*kh*kw <= 1024) and long (>= 100 output positions): LeNet's, ResNet's
      stem and layer1, 1.3-4.5x faster than im2col + GEMM forward+backward (LeNet conv1 at batch 64: 4.5 ms,
      PyTorch 7.1 ms);
    - "gemm": im2col + one GEMM (_conv2d_gemm) for the other 2-D CPU convolutions with groups=1, where XLA's
      convolution is 1.2-9x slower forward+backward (10-30x on ResNet's 2x2 maps);
    - "xla": XLA's convolution everywhere else, and always on other platforms (GPU: cuDNN).

    TORCHJAX_CPU_CONV=direct|gemm|xla forces one where it applies."""
    if len(w_shape) != 4 or groups != 1 or device.type != "cpu" or _CPU_LOWERING == "xla":
        return "xla"
    if not (dtype.is_floating_point or dtype.is_complex):
        return "xla"
    if dtype is not D.float32 or _CPU_LOWERING == "gemm" or not _csrc.available():
        return "gemm"
    if _CPU_LOWERING == "direct" or (math.prod(w_shape[1:]) <= 1024 and positions >= 100):
        return "direct"
    return "gemm"


def _conv_t(st, x, w, b):
    dt, stride, pads, dil, groups, batched = st
    x, w = cast(x, dt), cast(w, dt)
    if not batched:
        x = x[None]
    n = x.ndim - 2
    cin, cout_g = w.shape[0], w.shape[1]
    k = w.shape[2:]
    # (Cin, Cout/g, k...) -> (Cout, Cin/g, k...), flipped spatially
    w = w.reshape((groups, cin // groups, cout_g) + k)
    w = jnp.swapaxes(w, 1, 2).reshape((groups * cout_g, cin // groups) + k)
    w = jnp.flip(w, axis=tuple(range(2, 2 + n)))
    y = lax.conv_general_dilated(x, w, (1,) * n, pads, lhs_dilation=stride, rhs_dilation=dil,
                                 feature_group_count=groups, dimension_numbers=_DIMS[n],
                                 precision=lax.Precision.HIGHEST)
    if b is not None:
        y = y + cast(b, dt).reshape((1, -1) + (1,) * n)
    return y if batched else y[0]


_CONV = Kernel("convolution", _conv, "ConvolutionBackward0")
_CONV_T = Kernel("convolution_transpose", _conv_t, "ConvolutionBackward0")


def _scalar_name(d):
    return D._scalar_name(d)


def _check_common(input, weight, bias, n, fname, transposed):
    for nm, v, pos in (("input", input, 1), ("weight", weight, 2)):
        if not isinstance(v, Tensor):
            raise TypeError(f"{fname}(): argument '{nm}' (position {pos}) must be Tensor, not {type(v).__name__}")
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {fname}, but got input of "
                           f"size: {list(input.shape)}")
    if weight.ndim != n + 2:
        raise RuntimeError(f"weight should have at least three dimensions" if weight.ndim < 3 else
                           f"Expected {n + 2}-dimensional input for {n + 2}-dimensional weight {list(weight.shape)}, "
                           f"but got {input.ndim}-dimensional input of size {list(input.shape)} instead")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_name(input.dtype)} but found {_scalar_name(weight.dtype)}")
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_name(input.dtype)} but found {_scalar_name(bias.dtype)}")


def _convnd(n, fname, input, weight, bias, stride, padding, dilation, groups):
    _check_common(input, weight, bias, n, fname, False)
    batched = input.ndim == n + 2
    shape = tuple(input.shape) if batched else (1,) + tuple(input.shape)
    stride = _ntuple(stride, n, "stride")
    dilation = _ntuple(dilation, n, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    k = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * n
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = []
            for kk, d in zip(k, dilation):
                total = d * (kk - 1)
                pads.append((total // 2, total - total // 2))
            pads = tuple(pads)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        p = _ntuple(padding, n, "padding")
        if any(v < 0 for v in p):
            raise RuntimeError("negative padding is not supported")
        pads = tuple((v, v) for v in p)
    cout = weight.shape[0]
    if cout % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(weight.shape)}] instead")
    cin = shape[1]
    if cin != weight.shape[1] * groups:
        pre = f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{list(shape)} to have " \
              f"{weight.shape[1] * groups} channels, but got {cin} channels instead"
        raise RuntimeError(pre)
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != cout):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with {cout} "
                           f"elements, but got bias of size {list(bias.shape)} instead")
    padded = [shape[2 + i] + pads[i][0] + pads[i][1] for i in range(n)]
    eff = [dilation[i] * (k[i] - 1) + 1 for i in range(n)]
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, eff))}). Kernel size can't be greater than actual input size")
    positions = math.prod((p - e) // s + 1 for p, e, s in zip(padded, eff, stride))
    lowering = _lowering(input.device, input.dtype, groups, tuple(weight.shape), positions)
    st = (np_dtype(input.dtype), stride, pads, dilation, int(groups), batched, lowering)
    return call(_CONV, [input, weight, bias], st, name=None if batched else "SqueezeBackward1")


def _conv_transposend(n, fname, input, weight, bias, stride, padding, output_padding, groups, dilation):
    _check_common(input, weight, bias, n, fname, True)
    batched = input.ndim == n + 2
    shape = tuple(input.shape) if batched else (1,) + tuple(input.shape)
    stride = _ntuple(stride, n, "stride")
    dilation = _ntuple(dilation, n, "dilation")
    padding = _ntuple(padding, n, "padding")
    output_padding = _ntuple(output_padding, n, "output_padding")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(v < 0 for v in padding):
        raise RuntimeError("negative padding is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    for i in range(n):
        if not (output_padding[i] < stride[i] or output_padding[i] < dilation[i]):
            names = ["height", "width"] if n == 2 else (["width"] if n == 1 else ["depth", "height", "width"])
            parts = " ".join(f"output_padding_{nm}: {v}" for nm, v in zip(names, output_padding))
            parts += " " + " ".join(f"stride_{nm}: {v}" for nm, v in zip(names, stride))
            parts += " " + " ".join(f"dilation_{nm}: {v}" for nm, v in zip(names, dilation))
            raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got {parts}")
    cin = weight.shape[0]
    if shape[1] != cin:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input{list(shape)} to "
                           f"have {cin} channels, but got {shape[1]} channels instead")
    if cin % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(weight.shape)}] instead")
    cout = weight.shape[1] * groups
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != cout):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {cout} elements, but got bias of size {list(bias.shape)} instead")
    k = tuple(weight.shape[2:])
    pads = []
    for i in range(n):
        e = dilation[i] * (k[i] - 1)
        pads.append((e - padding[i], e - padding[i] + output_padding[i]))
    out_sizes = [(shape[2 + i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (k[i] - 1) + output_padding[i] + 1
                 for i in range(n)]
    if any(o <= 0 for o in out_sizes):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(str(s) for s in shape[2:])}). Calculated "
                           f"output size per channel: ({' x '.join(map(str, out_sizes))}). Output size is too small")
    st = (np_dtype(input.dtype), stride, tuple(pads), dilation, int(groups), batched)
    return call(_CONV_T, [input, weight, bias], st, name=None if batched else "SqueezeBackward1")


def _make(n):
    def conv(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        return _convnd(n, f"conv{n}d", input, weight, bias, stride, padding, dilation, groups)

    def conv_transpose(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
        return _conv_transposend(n, f"conv_transpose{n}d", input, weight, bias, stride, padding, output_padding,
                                 groups, dilation)
    conv.__name__ = f"conv{n}d"
    conv_transpose.__name__ = f"conv_transpose{n}d"
    for ns in (F, "torch"):
        function(f"conv{n}d", namespace=ns)(conv)
        function(f"conv_transpose{n}d", namespace=ns)(conv_transpose)
    return conv, conv_transpose


conv1d, conv_transpose1d = _make(1)
conv2d, conv_transpose2d = _make(2)
conv3d, conv_transpose3d = _make(3)


@function()
def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    n = weight.ndim - 2
    if transposed:
        return _conv_transposend(n, "convolution", input, weight, bias, stride, padding, output_padding, groups,
                                 dilation)
    return _convnd(n, "convolution", input, weight, bias, stride, padding, dilation, groups)
