"""Assorted torch.* ops: unravel_index, triu/tril_indices, nonzero_static, hash_tensor, segment_reduce, _chunk_cat,
_unsafe_masked_index(_put_accumulate), empty_permuted, and the native normalization entry points
(native_layer_norm, native_group_norm, native_batch_norm, _native_batch_norm_legit)."""
import math

import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from ._common import cast, check_tensor, concrete, np_dtype
from .creation import _device, _put
from .kernel import Kernel, call
from .registry import function, op


@function()
def unravel_index(indices, shape):
    if not isinstance(indices, Tensor):
        raise TypeError(f"expected 'indices' to be a tensor, but got {type(indices).__name__}")
    if indices._dtype.is_floating_point or indices._dtype.is_complex or indices._dtype is D.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices._dtype}")
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(int(s) for s in shape)
    for s in shape:
        if s < 0:
            raise ValueError("'shape' cannot have negative values, but got " + str(tuple(shape)))
    n = math.prod(shape)
    v = concrete(indices)
    if v is not None and v.size and ((v < -n).any() or (v > n - 1).any()):
        raise RuntimeError(f"'indices' must be in range [{-n}, {n - 1}]")
    return call(_UNRAVEL, [indices], shape)


def _unravel_fn(shape, i):
    n = math.prod(shape)
    i = i.astype(jnp.int64)
    i = jnp.where(i < 0, i + n, i)
    out = []
    for s in reversed(shape):
        out.append(i % s if s else i * 0)
        i = i // s if s else i
    return tuple(reversed(out))


_UNRAVEL = Kernel("unravel_index", _unravel_fn)


def _tri_indices(row, col, offset, upper, dtype, device):
    if row < 0 or col < 0:
        raise RuntimeError(f"row must be non-negative, got{row}" if row < 0 else f"col must be non-negative, got{col}")
    r, c = (np.triu_indices if upper else np.tril_indices)(row, offset, col)
    dt = dtype or D.int64
    if dt not in (D.int64, D.int32):
        raise RuntimeError("\"tril_indices\" not implemented for '" + D._scalar_name(dt) + "'")
    return _put(np.stack([r, c]).astype(np.dtype(dt.np)).reshape(2, -1), _device(device))


@function()
def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices(row, col, offset, True, dtype, device)


@function()
def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices(row, col, offset, False, dtype, device)


@op()
def nonzero_static(input, *, size, fill_value=-1):
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, but got size = {size}")
    v = np.asarray(input._host_values())
    nz = np.stack(np.nonzero(v), axis=1) if v.ndim else np.zeros((int(bool(v)), 0), np.int64)
    out = np.full((size, max(v.ndim, 0)), fill_value, np.int64)
    k = min(size, nz.shape[0])
    out[:k] = nz[:k]
    return _put(out, input.device)


@op()
def hash_tensor(input, dim=None, *, keepdim=False, mode=0):
    if mode != 0:
        raise RuntimeError(f"hash_tensor only supports mode=0 (xor_reduction), got {mode}")
    if input.ndim == 0:
        return call(_HASH, [input], ((), False))
    return call(_HASH, [input], (tuple(range(input.ndim)) if dim is None else
                                 tuple(_wrap_dim(d, input.ndim) for d in ((dim,) if isinstance(dim, int) else dim)),
                                 bool(keepdim)))


def _hash_fn(st, x):
    dims, keep = st
    if jnp.issubdtype(x.dtype, jnp.floating):
        bits = lax.bitcast_convert_type(x.astype(jnp.float64), jnp.uint64)
    elif x.dtype == jnp.bool_:
        bits = x.astype(jnp.uint64)
    elif jnp.issubdtype(x.dtype, jnp.complexfloating):
        raise TypeError("hash_tensor does not support complex inputs")
    else:
        bits = x.astype(jnp.int64).view(jnp.uint64) if jnp.issubdtype(x.dtype, jnp.signedinteger) else \
            x.astype(jnp.uint64)
    return lax.reduce(bits, jnp.uint64(0), lax.bitwise_xor, dims) if not keep else \
        jnp.expand_dims(lax.reduce(bits, jnp.uint64(0), lax.bitwise_xor, dims), dims)


_HASH = Kernel("hash_tensor", _hash_fn)


# ---- segment_reduce -------------------------------------------------------------------------------------------------

def _segment_fn(st, data, lengths, initial):
    reduce, axis, nseg_shape, dt = st
    data = cast(data, dt)
    x = jnp.moveaxis(data, axis, -1) if axis != data.ndim - 1 else data
    lens = lengths.astype(jnp.int64)
    nseg = lens.shape[-1]
    n = x.shape[-1]
    ends = jnp.cumsum(lens, axis=-1)
    starts = ends - lens
    pos = jnp.arange(n)
    # member[..., s, j]: element j belongs to segment s (lengths may be batched over leading data dims)
    member = (pos >= starts[..., :, None]) & (pos < ends[..., :, None])
    xe = x[..., None, :]
    init = None if initial is None else cast(initial, dt)
    if reduce == "sum":
        r = jnp.sum(jnp.where(member, xe, 0), -1)
    elif reduce == "prod":
        r = jnp.prod(jnp.where(member, xe, 1), -1)
    elif reduce == "max":
        r = jnp.max(jnp.where(member, xe, -jnp.inf), -1)
    elif reduce == "min":
        r = jnp.min(jnp.where(member, xe, jnp.inf), -1)
    else:  # mean
        tot = jnp.sum(jnp.where(member, xe, 0), -1)
        cnt = lens.astype(dt)
        if init is not None:
            r = jnp.where(cnt > 0, (tot + init) / jnp.where(cnt == 0, 1, cnt), init)
        else:
            r = jnp.where(cnt > 0, tot / jnp.where(cnt == 0, 1, cnt), jnp.nan)
        return jnp.moveaxis(r, -1, axis) if axis != data.ndim - 1 else r
    empty = lens == 0
    if init is not None:
        if reduce == "sum":
            r = r + init
        elif reduce == "prod":
            r = r * init
        elif reduce == "max":
            r = jnp.maximum(r, init)
        else:
            r = jnp.minimum(r, init)
        r = jnp.where(empty, init, r)
    elif reduce in ("max", "min"):
        r = jnp.where(empty, -jnp.inf if reduce == "max" else jnp.inf, r)
    return jnp.moveaxis(r, -1, axis) if axis != data.ndim - 1 else r


_SEGMENT = Kernel("segment_reduce", _segment_fn, "SegmentReduceBackward0")


@function("segment_reduce", aliases=("_segment_reduce",))
def segment_reduce(data, reduce, *, lengths=None, indices=None, offsets=None, axis=0, unsafe=False, initial=None):
    if reduce not in ("sum", "mean", "max", "min", "prod"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if indices is not None:
        raise NotImplementedError("segment_reduce(indices=...) is not supported (torch does not support it either)")
    ax = _wrap_dim(axis, data.ndim)
    if lengths is None:
        if offsets is None:
            raise RuntimeError("Either lengths or offsets must be defined")
        from .scans import diff
        lengths = diff(offsets, dim=-1)
    return call(_SEGMENT, [data, lengths, initial], (reduce, ax, tuple(lengths._shape), np_dtype(data._dtype)))


# ---- _chunk_cat -------------------------------------------------------------------------------------------------------

@function()
def _chunk_cat(tensors, dim, num_chunks, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("_chunk_cat expects a non-empty input tensor list")
    if num_chunks < 1:
        raise RuntimeError("_chunk_cat expects positive num_chunks")
    ref = tensors[0]
    d = _wrap_dim(dim, ref.ndim)
    from .shape_ops import constant_pad_nd
    from .shape_views import cat
    parts = []
    for t in tensors:
        if t.ndim <= d:
            raise RuntimeError("_chunk_cat expects tensors with more than dim dimensions")
        if tuple(t._shape[:d]) != tuple(ref._shape[:d]):
            raise RuntimeError("_chunk_cat expects same sizes of 0,...,dim-1 dimensions for all tensors")
        if t.numel() == 0:
            raise RuntimeError("_chunk_cat expects non-empty tensor")
        size = t._shape[d]
        chunk = -(-size // num_chunks)
        pad = chunk * num_chunks - size
        if pad:
            p = [0, 0] * (t.ndim - 1 - d) + [0, pad]
            t = constant_pad_nd(t, p, 0)
        parts.append(t.reshape(tuple(ref._shape[:d]) + (num_chunks, -1)))
    dt = ref._dtype
    for t in tensors[1:]:
        dt = D.promote_types(dt, t._dtype)
    r = cat([p.to(dt) for p in parts], d + 1)
    if out is not None:
        from .registry import copy_out
        return copy_out(out, r, "_chunk_cat")
    return r


# ---- masked indexing --------------------------------------------------------------------------------------------------

@function()
def _unsafe_masked_index(self, mask, indices, fill):
    from .pointwise import where
    idx = tuple(None if i is None else i.clamp(-self._shape[k], self._shape[k] - 1) if self.ndim > k else i
                for k, i in enumerate(indices))
    return where(mask, self[idx], fill)


@function()
def _unsafe_masked_index_put_accumulate(self, mask, indices, values):
    from .pointwise import where
    idx = tuple(None if i is None else i.clamp(-self._shape[k], self._shape[k] - 1) for k, i in enumerate(indices))
    return self.index_put(idx, where(mask, values, 0), accumulate=True)


@function()
def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False):
    size = tuple(size)
    perm = tuple(physical_layout)
    if sorted(perm) != list(range(len(size))):
        raise RuntimeError("Dimension order must be a permutation of the dimensions")
    from .creation import zeros
    return zeros(size, dtype=dtype, device=device, requires_grad=requires_grad)


# ---- native normalizations ---------------------------------------------------------------------------------------------

def _layer_norm_fn(st, x, w, b, eps):
    axis, dt = st
    x = cast(x, dt)
    dims = tuple(range(axis, x.ndim))
    mean = jnp.mean(x, axis=dims, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=dims, keepdims=True)
    rstd = lax.rsqrt(var + eps)
    y = (x - mean) * rstd
    if w is not None:
        y = y * cast(w, dt)
    if b is not None:
        y = y + cast(b, dt)
    return y, mean, rstd


_LAYER_NORM = Kernel("native_layer_norm", _layer_norm_fn, "NativeLayerNormBackward0")


@op(method=False)
def native_layer_norm(input, normalized_shape, weight, bias, eps):
    ns = tuple(normalized_shape)
    if not ns:
        raise RuntimeError(f"Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           f"element, but got normalized_shape = {list(ns)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t._shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t._shape)} and normalized_shape = {list(ns)}")
    axis = input.ndim - len(ns)
    if axis < 0 or tuple(input._shape[axis:]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape [*, "
                           f"{', '.join(map(str, ns))}], but got input of size{list(input._shape)}")
    return call(_LAYER_NORM, [input, weight, bias, float(eps)], (axis, np_dtype(input._dtype)))


def _group_norm_fn(st, x, w, b, eps):
    n, c, hw, g, dt = st
    x = cast(x, dt)
    if x.size == 0:
        return x, jnp.zeros((n, g), dt), jnp.zeros((n, g), dt)
    xs = x.reshape(n, g, -1)
    mean = jnp.mean(xs, axis=-1)
    var = jnp.mean(jnp.square(xs - mean[..., None]), axis=-1)
    rstd = lax.rsqrt(var + eps)
    y = ((xs - mean[..., None]) * rstd[..., None]).reshape(x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if w is not None:
        y = y * cast(w, dt).reshape(shape)
    if b is not None:
        y = y + cast(b, dt).reshape(shape)
    return y, mean, rstd


_GROUP_NORM = Kernel("native_group_norm", _group_norm_fn, "NativeGroupNormBackward0")


@op(method=False)
def native_group_norm(input, weight, bias, N, C, HxW, group, eps):
    if C % group:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input._shape)} and num_groups={group}")
    return call(_GROUP_NORM, [input, weight, bias, float(eps)], (int(N), int(C), int(HxW), int(group),
                                                                 np_dtype(input._dtype)))


def _batch_norm_fn(st, x, w, b, rm, rv, momentum, eps):
    training, dt = st
    x = cast(x, dt)
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training:
        mean = jnp.mean(x, axis=axes)
        var = jnp.mean(jnp.square(x - mean.reshape(shape)), axis=axes)
        invstd = lax.rsqrt(var + eps)
        y = (x - mean.reshape(shape)) * invstd.reshape(shape)
        n = x.size // x.shape[1]
        new_rm = jnp.zeros((0,), dt) if rm is None else (1 - momentum) * cast(rm, dt) + momentum * mean
        new_rv = jnp.zeros((0,), dt) if rv is None else \
            (1 - momentum) * cast(rv, dt) + momentum * var * n / max(n - 1, 1)
        save_mean, save_invstd = mean, invstd
    else:
        y = (x - cast(rm, dt).reshape(shape)) * lax.rsqrt(cast(rv, dt).reshape(shape) + eps)
        new_rm = new_rv = jnp.zeros((0,), dt)
        save_mean = jnp.zeros((0,), dt)
        save_invstd = jnp.zeros((0,), dt)
    if w is not None:
        y = y * cast(w, dt).reshape(shape)
    if b is not None:
        y = y + cast(b, dt).reshape(shape)
    return y, save_mean, save_invstd, new_rm, new_rv


_BATCH_NORM = Kernel("native_batch_norm", _batch_norm_fn, "NativeBatchNormBackward0", diff_out=(0, 1, 2))


def _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    if input.ndim < 2:
        raise RuntimeError(f"Expected 2D or more input, got {input.ndim}D")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    y, m, s, nrm, nrv = call(_BATCH_NORM, [input, weight, bias, running_mean, running_var, float(momentum),
                                           float(eps)], (bool(training), np_dtype(input._dtype)))
    from ..autograd import grad_mode
    if training:
        with grad_mode.no_grad():
            if running_mean is not None:
                running_mean.copy_(nrm)
            if running_var is not None:
                running_var.copy_(nrv)
    return y, m, s


@op(method=False)
def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    return _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)


@op(method=False)
def _native_batch_norm_legit(input, weight, bias, running_mean, running_var, training=None, momentum=None,
                             eps=None):
    if not isinstance(running_var, Tensor) and running_var is not None or training is None:
        # overload without running stats: (input, weight, bias, training, momentum, eps)
        training, momentum, eps = running_mean, running_var, training
        return _batch_norm(input, weight, bias, None, None, training, momentum, eps)
    return _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)


_ = (check_tensor,)


function("zero_")(lambda input: input.zero_())
function("resize_as_")(lambda input, the_template, *, memory_format=None: input.resize_as_(the_template))


def _chalf(self, memory_format=None):
    raise NotImplementedError("torchjax: complex32 (torch.chalf) is not supported: JAX has no complex32 dtype")


Tensor.chalf = _chalf
