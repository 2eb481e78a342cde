"""Copying shape ops: flip, roll, rot90, repeat, tile, repeat_interleave, diag, diag_embed, diagflat, tril/triu,
trace, take_along_dim, the *_scatter ops, the *_copy variants of views, splits (hsplit/vsplit/dsplit), broadcasting
helpers (broadcast_tensors, meshgrid), block_diag, cartesian_prod, combinations, constant_pad_nd, ravel."""
import itertools
import math
import warnings

import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from ._common import as_int_tuple, cast, check_tensor, concrete, np_dtype, wrap_dims
from .kernel import Kernel, call
from .registry import copy_out, function, method, op
from . import shape_views as SV


def _int_list(x, fname, argname):
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return (int(x),)
    if isinstance(x, Tensor):
        return tuple(int(v) for v in x.tolist()) if x.ndim else (int(x.item()),)
    try:
        out = tuple(int(v) if not isinstance(v, Tensor) else v.__index__() for v in x)
    except TypeError:
        raise TypeError(f"{fname}(): argument '{argname}' must be tuple of ints, not {type(x).__name__}") from None
    return out


# ---- flip / roll / rot90 --------------------------------------------------------------------------------------------

_FLIP = Kernel("flip", lambda dims, x: jnp.flip(x, dims) if dims else x, "FlipBackward0", linear=True)


@op(out=True)
def flip(input, *dims, **kwargs):
    check_tensor(input, "flip")
    if "dims" in kwargs:
        dims = (kwargs.pop("dims"),)
    if kwargs:
        raise TypeError(f"flip() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if len(dims) == 1 and not isinstance(dims[0], int):
        dims = dims[0]
    dims = wrap_dims(_int_list(dims, "flip", "dims"), input.ndim) if input.ndim else \
        tuple(_wrap_dim(d, 0) and 0 for d in _int_list(dims, "flip", "dims")) and ()
    return call(_FLIP, [input], dims)


@op(out=True)
def fliplr(input):
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return call(_FLIP, [input], (1,))


@op(out=True)
def flipud(input):
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return call(_FLIP, [input], (0,))


def _roll_fn(st, x):
    shifts, dims = st
    if dims is None:
        return jnp.roll(x.reshape(-1), shifts[0]).reshape(x.shape)
    return jnp.roll(x, shifts, dims) if x.ndim else x


_ROLL = Kernel("roll", _roll_fn, "RollBackward0", linear=True)


@op(out=True)
def roll(input, shifts, dims=None):
    shifts = _int_list(shifts, "roll", "shifts")
    if dims is None or (not isinstance(dims, int) and len(dims) == 0):
        if len(shifts) == 0:
            raise RuntimeError("`shifts` required")
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return call(_ROLL, [input], (shifts, None))
    dims = _int_list(dims, "roll", "dims")
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    dims = tuple(_wrap_dim(d, input.ndim) for d in dims)
    return call(_ROLL, [input], (shifts, dims))


_ROT90 = Kernel("rot90", lambda st, x: jnp.rot90(x, st[0], st[1]), "Rot90Backward0", linear=True)


@op(out=True)
def rot90(input, k=1, dims=(0, 1)):
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = _wrap_dim(dims[0], input.ndim), _wrap_dim(dims[1], input.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k = k % 4
    if k == 0:
        return input.clone()
    return call(_ROT90, [input], (k, (d0, d1)), name="FlipBackward0" if k == 2 else "TransposeBackward0")


# ---- repeat / tile / repeat_interleave ------------------------------------------------------------------------------

_TILE = Kernel("repeat", lambda st, x: jnp.tile(x.reshape(st[0]), st[1]), "RepeatBackward0", linear=True)


@method()
def repeat(self, *sizes):
    sizes = as_int_tuple(sizes, "repeat")
    if len(sizes) < self.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    for s in sizes:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(sizes)}")
    shape = (1,) * (len(sizes) - self.ndim) + tuple(self._shape)
    return call(_TILE, [self], (shape, sizes))


@op()
def tile(input, dims):
    dims = as_int_tuple((dims,), "tile") if not isinstance(dims, int) else (dims,)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, dims)


def _repeat_interleave_fn(st, x, reps):
    axis, total = st
    return jnp.repeat(x, reps, axis=axis, total_repeat_length=total)


_REPEAT_INTERLEAVE = Kernel("repeat_interleave", _repeat_interleave_fn, "RepeatInterleaveBackward0", linear=True)


@op()
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    from .creation import _put
    if repeats is None:
        # torch.repeat_interleave(repeats): each index i repeated repeats[i] times
        r = concrete(input)
        if input.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if input._dtype not in (D.int64, D.int32):
            raise RuntimeError("repeats has to be Long or Int tensor")
        if r is not None and (r < 0).any():
            raise RuntimeError("repeats can not be negative")
        return _put(np.repeat(np.arange(r.size, dtype=np.int64), r.reshape(-1)).astype(np.dtype(input._dtype.np)),
                    input.device)
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if repeats._dtype not in (D.int64, D.int32):
            raise RuntimeError("repeats has to be Long or Int tensor")
        rv = concrete(repeats)
        if rv is not None and (rv < 0).any():
            raise RuntimeError("repeats can not be negative")
        if repeats.ndim == 1 and repeats._shape[0] != 1:
            if dim is None:
                n = input.numel()
            else:
                n = input._shape[_wrap_dim(dim, input.ndim)] if input.ndim else 1
            if repeats._shape[0] != n:
                raise RuntimeError("repeats must have the same size as input along dim, but got repeats.size(0) = "
                                   f"{repeats._shape[0]} and input.size({0 if dim is None else dim}) = {n}")
            reps = tuple(int(v) for v in rv.reshape(-1))
        else:
            reps = int(rv.reshape(-1)[0])
    else:
        if repeats < 0:
            raise RuntimeError("repeats can not be negative")
        reps = int(repeats)
    x = input
    if dim is None:
        x = input.reshape(-1)
        axis = 0
    else:
        axis = _wrap_dim(dim, input.ndim) if input.ndim else 0
        if input.ndim == 0:
            x = input.reshape(1)
    n = x._shape[axis] if x.ndim else 1
    total = sum(reps) if isinstance(reps, tuple) else reps * n
    return call(_REPEAT_INTERLEAVE, [x, np.asarray(reps, np.int64)], (axis, total))


# ---- diagonals and triangles ----------------------------------------------------------------------------------------

def _diag_fn(k, x):
    return jnp.diag(x, k)


_DIAG = Kernel("diag", _diag_fn, "DiagBackward0", linear=True)


@op(out=True)
def diag(input, diagonal=0):
    check_tensor(input, "diag")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    if input.ndim == 2:
        return SV.diagonal(input, diagonal).clone()
    return call(_DIAG, [input], int(diagonal), name="DiagEmbedBackward0")


def _diag_embed_fn(st, x):
    offset, d1, d2 = st
    m = x.shape[-1] + abs(offset)
    out = jnp.zeros(x.shape[:-1] + (m, m), x.dtype)
    i = jnp.arange(x.shape[-1])
    r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
    out = out.at[..., r, c].set(x)
    n = out.ndim
    order = [None] * n
    order[d1], order[d2] = n - 2, n - 1
    rest = iter(range(n - 2))
    perm = [o if o is not None else next(rest) for o in order]
    return jnp.transpose(out, perm)


_DIAG_EMBED = Kernel("diag_embed", _diag_embed_fn, "DiagEmbedBackward0", linear=True)


@op(out=True)
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    n = input.ndim + 1
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    x = input if input.ndim else input.reshape(1)
    return call(_DIAG_EMBED, [x], (int(offset), d1, d2))


@op(out=True)
def diagflat(input, offset=0):
    return call(_DIAG, [input.reshape(-1)], int(offset), name="DiagEmbedBackward0")


_TRI = Kernel("tril", lambda st, x: (jnp.tril if st[0] else jnp.triu)(x, st[1]), "TrilBackward0", linear=True)


def _tri(input, diagonal, lower):
    name = "tril" if lower else "triu"
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    return call(_TRI, [input], (lower, int(diagonal)), name="TrilBackward0" if lower else "TriuBackward0")


@op(inplace=True, out=True)
def tril(input, diagonal=0):
    return _tri(input, diagonal, True)


@op(inplace=True, out=True)
def triu(input, diagonal=0):
    return _tri(input, diagonal, False)


_TRACE = Kernel("trace", lambda dt, x: jnp.trace(x).astype(dt), "TraceBackward0", linear=True)


@op()
def trace(input):
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    d = input._dtype
    dt = D.int64 if not (d.is_floating_point or d.is_complex) else d
    return call(_TRACE, [input], np_dtype(dt))


# ---- take_along_dim -------------------------------------------------------------------------------------------------

def _take_along_fn(dim, x, idx):
    idx = idx.astype(jnp.int64)
    n = x.shape[dim]
    idx = jnp.where(idx < 0, idx + n, idx)
    return jnp.take_along_axis(x, idx, axis=dim)


_TAKE_ALONG = Kernel("take_along_dim", _take_along_fn, "TakeAlongDimBackward0")


@op(out=True)
def take_along_dim(input, indices, dim=None):
    if indices._dtype is not D.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{D._scalar_name(indices._dtype)}")
    if dim is None:
        return call(_TAKE_ALONG, [input.reshape(-1), indices.reshape(-1)], 0)
    d = _wrap_dim(dim, input.ndim)
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.ndim} dimensions for input, and {indices.ndim} dimensions for indices")
    from ._common import broadcast_shapes
    si = list(input._shape)
    sx = list(indices._shape)
    si[d] = 1
    sx[d] = 1
    b = list(broadcast_shapes(si, sx))
    bi = list(b)
    bi[d] = input._shape[d]
    bx = list(b)
    bx[d] = indices._shape[d]
    return call(_TAKE_ALONG, [input.expand(bi) if list(input._shape) != bi else input,
                              indices.expand(bx) if list(indices._shape) != bx else indices], d)


# ---- *_scatter: write src into a view of a copy of input ------------------------------------------------------------

def _scatter_into(input, src, view_fn, fname):
    out = input.clone()
    v = view_fn(out)
    if tuple(v._shape) != tuple(src._shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src._shape)}, "
                           f"slice size = {list(v._shape)}")
    if src._dtype is not input._dtype:
        src = src.to(input._dtype)
    v.copy_(src)
    return out


@op(out=True)
def select_scatter(input, src, dim, index):
    return _scatter_into(input, src, lambda t: SV.select(t, dim, index), "select_scatter")


@op(out=True)
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    d = _wrap_dim(dim, input.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    idx = (slice(None),) * d + (slice(start, end, step),)
    return _scatter_into(input, src, lambda t: t[idx], "slice_scatter")


@op(out=True)
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    return _scatter_into(input, src, lambda t: SV.diagonal(t, offset, dim1, dim2), "diagonal_scatter")


@op(out=True)
def as_strided_scatter(input, src, size, stride, storage_offset=None):
    if not input.is_contiguous():
        input = input.contiguous()
    return _scatter_into(input, src, lambda t: SV.as_strided(t, size, stride, storage_offset), "as_strided_scatter")


# ---- *_copy variants of view ops ------------------------------------------------------------------------------------

def _copy_variant(name, view_fn):
    def f(input, *args, out=None, **kwargs):
        r = view_fn(input, *args, **kwargs)
        r = tuple(t.clone() for t in r) if isinstance(r, (tuple, list)) else r.clone()
        if out is not None:
            if isinstance(r, tuple):
                for o, x in zip(out, r):
                    copy_out(o, x, name)
                return out
            return copy_out(out, r, name)
        return r
    f.__name__ = name
    function(name)(f)
    return f


for _n, _f in [("expand_copy", SV.expand), ("diagonal_copy", SV.diagonal), ("alias_copy", SV.alias),
               ("as_strided_copy", SV.as_strided), ("permute_copy", SV.permute),
               ("split_with_sizes_copy", lambda t, s, dim=0: SV.split(t, list(s), dim)),
               ("unbind_copy", SV.unbind), ("unfold_copy", SV.unfold), ("squeeze_copy", SV.squeeze),
               ("unsqueeze_copy", SV.unsqueeze), ("transpose_copy", SV.transpose), ("t_copy", SV.t),
               ("view_as_real_copy", SV.view_as_real), ("view_as_complex_copy", SV.view_as_complex),
               ("detach_copy", lambda t: t.detach()), ("view_copy", lambda t, *s: t.view(*s) if len(s) == 1 and isinstance(s[0], D.dtype) else SV.reshape(t, *s)),
               ("select_copy", SV.select), ("slice_copy", lambda t, dim=0, start=None, end=None, step=1:
                                            t[(slice(None),) * _wrap_dim(dim, t.ndim) + (slice(start, end, step),)]),
               ("indices_copy", None), ("values_copy", None)]:
    if _f is not None:
        _copy_variant(_n, _f)

def narrow_copy(input, dim, start, length, *, out=None):
    if input.ndim and dim >= input.ndim:
        raise RuntimeError("Expected dim < static_cast<int64_t>(self_sizes.size()) to be true, but got false.")
    r = SV.narrow(input, dim, start, length).clone()
    return copy_out(out, r, "narrow_copy") if out is not None else r


function("narrow_copy")(narrow_copy)
Tensor.narrow_copy = lambda self, *a, **k: narrow_copy(self, *a, **k)  # noqa: E731


@op()
def unsafe_split(input, split_size, dim=0):
    return tuple(t.clone() for t in SV.split(input, split_size, dim))


@op()
def unsafe_chunk(input, chunks, dim=0):
    return tuple(t.clone() for t in SV.chunk(input, chunks, dim))


@op()
def unsafe_split_with_sizes(input, split_sizes, dim=0):
    return tuple(t.clone() for t in SV.split(input, list(split_sizes), dim))


function("split_with_sizes")(lambda input, split_sizes, dim=0: SV.split(input, list(split_sizes), dim))


def _hvd_split(input, indices_or_sections, dim, name, min_dim):
    if input.ndim < min_dim:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} dimension, but got a tensor with "
                           f"{input.ndim} dimensions!")
    if isinstance(indices_or_sections, float) or isinstance(indices_or_sections, bool):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"{type(indices_or_sections).__name__})")
    if isinstance(indices_or_sections, int):
        size = input._shape[dim]
        if indices_or_sections == 0 or size % indices_or_sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                               f"{size} is not divisible by the split_size {indices_or_sections}!")
    return SV.tensor_split(input, indices_or_sections, dim)


@op()
def hsplit(input, indices_or_sections):
    return _hvd_split(input, indices_or_sections, 1 if input.ndim > 1 else 0, "hsplit", 1)


@op()
def vsplit(input, indices_or_sections):
    return _hvd_split(input, indices_or_sections, 0, "vsplit", 2)


@op()
def dsplit(input, indices_or_sections):
    return _hvd_split(input, indices_or_sections, 2, "dsplit", 3)


@op()
def ravel(input):
    return SV.reshape(input, -1)


# ---- broadcasting helpers, meshgrid, block_diag, products -----------------------------------------------------------

@function()
def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    from ._common import broadcast_shapes
    shape = broadcast_shapes(*[t._shape for t in tensors])
    return tuple(t if tuple(t._shape) == tuple(shape) else SV.expand(t, shape) for t in tensors)


@function()
def meshgrid(*tensors, indexing=None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if not tensors:
        return ()
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    dt = tensors[0]._dtype
    for t in tensors[1:]:
        if t._dtype is not dt:
            raise RuntimeError("torch.meshgrid: Expected all tensors in the tensor list to have the same dtype")
    ts = list(tensors)
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.numel() for t in ts)
    n = len(ts)
    out = []
    for i, t in enumerate(ts):
        view = [1] * n
        view[i] = -1
        out.append(SV.expand(SV.reshape(t, tuple(view)), shape))
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def _block_diag_fn(st, *xs):
    shapes, dt = st
    rows = sum(s[0] for s in shapes)
    cols = sum(s[1] for s in shapes)
    out = jnp.zeros((rows, cols), dt)
    r = c = 0
    for x, (h, w) in zip(xs, shapes):
        out = lax.dynamic_update_slice(out, cast(x, dt).reshape(h, w), (r, c)) if h and w else out
        r += h
        c += w
    return out


_BLOCK_DIAG = Kernel("block_diag", _block_diag_fn, "BlockDiagBackward0", linear=True)


@function()
def block_diag(*tensors):
    shapes = []
    dt = None
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
        shapes.append((1, 1) if t.ndim == 0 else ((1, t._shape[0]) if t.ndim == 1 else tuple(t._shape)))
        dt = t._dtype if dt is None else D.promote_types(dt, t._dtype)
    if not tensors:
        from .creation import zeros
        return zeros(1, 0)
    return call(_BLOCK_DIAG, list(tensors), (tuple(shapes), np_dtype(dt)))


@function()
def cartesian_prod(*tensors):
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return SV.stack([g.reshape(-1) for g in grids], 1)


@op()
def combinations(input, r=2, with_replacement=False):
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input._shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        from .creation import empty
        return empty(0, dtype=input._dtype)
    n = input._shape[0]
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(gen(range(n), r)), dtype=np.int64).reshape(-1, r)
    from .creation import _put
    it = _put(idx, input.device)
    cols = [input[it[:, j]] for j in range(r)]
    return SV.stack(cols, 1)


# ---- padding --------------------------------------------------------------------------------------------------------

def _pad_fn(st, x, value):
    cfg, dt = st
    return lax.pad(x, cast(value, dt), cfg)


_PAD = Kernel("constant_pad_nd", _pad_fn, "ConstantPadNdBackward0")


@op()
def constant_pad_nd(input, pad, value=0):
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Length of pad must be even but instead it equals " + str(len(pad)))
    k = len(pad) // 2
    if k > input.ndim:
        raise RuntimeError(f"Length of pad should be no more than twice the number of dimensions of the input. Pad "
                           f"length is {len(pad)} while the input has {input.ndim} dimensions.")
    cfg = [(0, 0, 0)] * input.ndim
    for i in range(k):
        d = input.ndim - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        new = input._shape[d] + lo + hi
        if new < 0:
            raise RuntimeError(f"The input size {input._shape[d]}, plus negative padding {lo} and {hi} resulted in a "
                               f"negative output size, which is invalid. Check dimension {d} of your input.")
        cfg[d] = (lo, hi, 0)
    return call(_PAD, [input, value], (tuple(cfg), np_dtype(input._dtype)))


_ = math
