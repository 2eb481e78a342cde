"""2-D convolution on the native CPU kernels of conv2d.cc, as three JAX primitives: the convolution, its input
gradient and its weight gradient. Each is bilinear and the transposes of each are the other two, so reverse mode,
forward mode and higher derivatives all stay on the native kernels. Inside ``jax.export`` (torch.jit.save), on other
platforms and under ``vmap`` they lower to XLA's convolution instead, which gives the same values."""
import functools

import jax
from jax import lax
from jax.interpreters import ad

from . import primitive

_DIMS = ("NCHW", "OIHW", "NCHW")


def _out_hw(hw, k, stride, padding, dilation):
    return tuple((n + lo + hi - d * (kk - 1) - 1) // s + 1 for n, kk, s, (lo, hi), d in zip(hw, k, stride, padding,
                                                                                             dilation))


def _conv_ref(x, w, *, stride, padding, dilation):
    return lax.conv_general_dilated(x, w, stride, padding, rhs_dilation=dilation, dimension_numbers=_DIMS,
                                    precision=lax.Precision.HIGHEST)


def _input_grad_ref(gy, w, *, stride, padding, dilation, in_hw):
    x = jax.ShapeDtypeStruct((gy.shape[0], w.shape[1]) + in_hw, gy.dtype)
    conv = functools.partial(_conv_ref, w=w, stride=stride, padding=padding, dilation=dilation)
    return jax.linear_transpose(conv, x)(gy)[0]


def _weight_grad_ref(x, gy, *, stride, padding, dilation, kernel_hw):
    w = jax.ShapeDtypeStruct((gy.shape[1], x.shape[1]) + kernel_hw, x.dtype)
    conv = functools.partial(_conv_ref, x, stride=stride, padding=padding, dilation=dilation)
    return jax.linear_transpose(lambda w: conv(w=w), w)(gy)[0]


def _conv_shape(x, w, *, stride, padding, dilation):
    return (x.shape[0], w.shape[0]) + _out_hw(x.shape[2:], w.shape[2:], stride, padding, dilation)


def _attributes(stride, padding, dilation, **_):
    (sh, sw), ((ph, _), (pw, _)), (dh, dw) = stride, padding, dilation
    return dict(sh=sh, sw=sw, ph=ph, pw=pw, dh=dh, dw=dw)


def _primitive(name, target, ref, shape):
    return primitive(name, target, ref, lambda a, b, **kw: jax.core.ShapedArray(shape(a, b, **kw), a.dtype),
                     _attributes)


conv_p = _primitive("torchjax_conv2d", "torchjax_conv2d_forward", _conv_ref, _conv_shape)
input_grad_p = _primitive("torchjax_conv2d_input_grad", "torchjax_conv2d_input_grad", _input_grad_ref,
                          lambda gy, w, in_hw, **_: (gy.shape[0], w.shape[1]) + in_hw)
weight_grad_p = _primitive("torchjax_conv2d_weight_grad", "torchjax_conv2d_weight_grad", _weight_grad_ref,
                           lambda x, gy, kernel_hw, **_: (gy.shape[1], x.shape[1]) + kernel_hw)

# y = conv(x, w); dx = input_grad(gy, w); dw = weight_grad(x, gy): each one's transposes are the other two.
ad.defbilinear(conv_p,
               lambda ct, x, w, **kw: input_grad_p.bind(ct, w, in_hw=x.aval.shape[2:], **kw),
               lambda ct, x, w, **kw: weight_grad_p.bind(x, ct, kernel_hw=w.aval.shape[2:], **kw))
ad.defbilinear(input_grad_p,
               lambda ct, gy, w, in_hw, **kw: conv_p.bind(ct, w, **kw),
               lambda ct, gy, w, in_hw, **kw: weight_grad_p.bind(ct, gy, kernel_hw=w.aval.shape[2:], **kw))
ad.defbilinear(weight_grad_p,
               lambda ct, x, gy, kernel_hw, **kw: input_grad_p.bind(gy, ct, in_hw=x.aval.shape[2:], **kw),
               lambda ct, x, gy, kernel_hw, **kw: conv_p.bind(x, ct, **kw))


def conv2d(x, w, stride, padding, dilation):
    """x (B, C, H, W), w (O, C, kh, kw) -> (B, O, Ho, Wo); padding is ((top, bottom), (left, right))."""
    return conv_p.bind(x, w, stride=tuple(stride), padding=tuple(map(tuple, padding)), dilation=tuple(dilation))
