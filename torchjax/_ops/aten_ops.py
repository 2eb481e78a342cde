"""`torch.ops.aten`: the ATen operators torch exposes to Python (`torch.ops.aten.<name>.<overload>`), for the ones
code calls directly (backward helpers, `_safe_softmax`, `slice.Tensor`, ...), plus the native `torch.grid_sampler*`
functions. Each is written on top of the public torchjax ops, so autograd comes from them.

An operator torchjax lacks raises NotImplementedError naming it (`torch.ops.aten.<name>`); operators are listed in
`_ATEN` below, overloads map to the same function (the Python-level signature accepts every overload's arguments).
"""
from .registry import function

_INTERP = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_PAD = {0: "zeros", 1: "border", 2: "reflection"}


def _tj():
    import torchjax
    return torchjax


def _F():
    from ..nn import functional
    return functional


def _grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    if interpolation_mode not in _INTERP:
        raise RuntimeError(f"grid_sampler(): expected interpolation_mode to be 0, 1 or 2, but got: "
                           f"{interpolation_mode}")
    if padding_mode not in _PAD:
        raise RuntimeError(f"grid_sampler(): expected padding_mode to be 0, 1 or 2, but got: {padding_mode}")
    return _F().grid_sample(input, grid, mode=_INTERP[interpolation_mode], padding_mode=_PAD[padding_mode],
                            align_corners=bool(align_corners))


@function()
def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    return _grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def _grid_sampler_nd(n, input, grid, interpolation_mode, padding_mode, align_corners):
    if input.ndim != n + 2 or grid.ndim != n + 2:
        raise RuntimeError(f"grid_sampler(): expected {n + 2}D input and grid with same number of dimensions, but got "
                           f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if n == 3 and interpolation_mode == 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    return _grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


@function()
def grid_sampler_2d(input, grid, interpolation_mode, padding_mode, align_corners):
    return _grid_sampler_nd(2, input, grid, interpolation_mode, padding_mode, align_corners)


@function()
def grid_sampler_3d(input, grid, interpolation_mode, padding_mode, align_corners):
    return _grid_sampler_nd(3, input, grid, interpolation_mode, padding_mode, align_corners)


# ---- torch.ops.aten -------------------------------------------------------------------------------------------------

def _softmax_backward_data(grad_output, output, dim, input_dtype):
    t = _tj()
    g = output * (grad_output - (grad_output * output).sum(dim, keepdim=True))
    return g.to(input_dtype) if input_dtype is not None else g


def _safe_softmax(self, dim, dtype=None):
    t = _tj()
    masked = t.isneginf(self).all(dim, keepdim=True) if self.ndim else t.isneginf(self)
    out = t.softmax(t.where(masked, t.zeros((), dtype=self.dtype), self), dim, dtype=dtype)
    return t.where(masked, t.zeros((), dtype=out.dtype), out)


def _batch_norm_with_update(input, weight, bias, running_mean, running_var, momentum, eps):
    t = _tj()
    dims = [0] + list(range(2, input.ndim))
    out = _F().batch_norm(input, running_mean, running_var, weight, bias, training=True, momentum=momentum,
                          eps=eps)
    with t.no_grad():
        mean = input.mean(dims)
        invstd = t.rsqrt(input.var(dims, correction=0) + eps)
    return out, mean, invstd, t.empty((0,), dtype=t.uint8)


def _upsample_bilinear2d_aa(input, output_size=None, align_corners=False, scales_h=None, scales_w=None,
                            scale_factors=None):
    import math
    from .nn_vision import _upsample
    if input.ndim != 4:
        raise RuntimeError(f"It is expected input_size equals to 4, but got size {input.ndim}")
    if output_size is not None:
        scales = scale_factors if scale_factors is not None else [scales_h, scales_w]
        size = [int(s) for s in output_size]
    elif scale_factors is not None:
        scales = [float(s) for s in scale_factors]
        size = [int(math.floor(input.shape[2 + i] * scales[i])) for i in range(2)]
    else:
        raise RuntimeError("Must specify exactly one of output_size and scale_factors")
    return _upsample(input, size, scales, "bilinear", align_corners, True)


def _max_pool_with_indices_backward(grad_output, input, kernel_size, stride, padding, dilation, ceil_mode, indices):
    t = _tj()
    nd = 2
    lead = tuple(input.shape[:input.ndim - nd])
    plane = 1
    for s in input.shape[input.ndim - nd:]:
        plane *= s
    g = grad_output.reshape(lead + (-1,))
    idx = indices.reshape(lead + (-1,))
    out = t.zeros(lead + (plane,), dtype=grad_output.dtype).scatter_add(-1, idx, g)
    # torch's derivative w.r.t. `input` is zero, yet the result requires grad when `input` does
    return t.where(t.zeros((), dtype=t.bool), input, out.reshape(tuple(input.shape)))


def _slice(self, dim=0, start=None, end=None, step=1):
    if self.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    d = dim + self.ndim if dim < 0 else dim
    if not 0 <= d < self.ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-self.ndim}, {self.ndim - 1}], but "
                         f"got {dim})")
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    return self[(slice(None),) * d + (slice(start, end, step),)]


def _native_dropout_backward(grad_output, mask, scale):
    return grad_output * mask.to(grad_output.dtype) * scale


_ATEN = {
    "_softmax_backward_data": _softmax_backward_data,
    "_safe_softmax": _safe_softmax,
    "_batch_norm_with_update": _batch_norm_with_update,
    "_upsample_bilinear2d_aa": _upsample_bilinear2d_aa,
    "max_pool2d_with_indices_backward": _max_pool_with_indices_backward,
    "slice": _slice,
    "native_dropout_backward": _native_dropout_backward,
    "grid_sampler_2d": lambda *a, **k: grid_sampler_2d(*a, **k),
    "grid_sampler_3d": lambda *a, **k: grid_sampler_3d(*a, **k),
}


class OpOverloadPacket:
    """torch.ops.aten.<name>: callable; every attribute (an overload name: default, Tensor, vec, ...) is the same
    function, since the Python signature accepts every overload's arguments."""

    def __init__(self, name, fn):
        self.__name__ = name
        self._qualified_op_name = f"aten::{name}"
        self._fn = fn

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def __getattr__(self, overload):
        if overload.startswith("__"):
            raise AttributeError(overload)
        return self._fn

    def __repr__(self):
        return f"<OpOverloadPacket(op='aten.{self.__name__}')>"


class _OpNamespace:
    def __init__(self, name, table):
        self._name = name
        self._table = table

    def __getattr__(self, op_name):
        if op_name.startswith("__"):
            raise AttributeError(op_name)
        fn = self._table.get(op_name)
        if fn is None:
            raise NotImplementedError(f"torchjax has no torch.ops.{self._name}.{op_name}")
        packet = OpOverloadPacket(op_name, fn)
        setattr(self, op_name, packet)
        return packet


class _Ops:
    """torch.ops"""

    def __init__(self):
        self.aten = _OpNamespace("aten", _ATEN)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise NotImplementedError(f"torchjax has no torch.ops.{name} operator namespace")


ops = _Ops()
