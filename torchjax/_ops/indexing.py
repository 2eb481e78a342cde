"""Indexing: __getitem__/__setitem__ with torch semantics (basic indices give views, advanced ones gather),
index_select, gather, scatter(_add/_reduce), masked_fill/select/scatter, take, put, nonzero, index_put/add/copy/fill,
copy_, fill_, zero_."""
import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from ._common import broadcast_shapes2, cast, check_tensor, concrete, is_scalar, np_dtype, result_type
from .kernel import Kernel, call
from .registry import method, op
from .shape_views import basic_index

_INT_INDEX = (D.int64, D.int32, D.int16, D.int8, D.uint8)


def _index_kinds(idx):
    """Normalise a Python index into a tuple of ints/slices/None/Ellipsis/Tensors (lists become tensors)."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = []
    for e in idx:
        if isinstance(e, Tensor):
            if e.ndim == 0 and e._dtype in _INT_INDEX and e._dtype is not D.uint8 and concrete(e) is not None:
                out.append(int(e.item()))
            else:
                out.append(e)
        elif isinstance(e, (list, np.ndarray)):
            from .creation import tensor
            arr = np.asarray(e)
            out.append(tensor(e, dtype=D.bool if arr.dtype == bool else D.int64))
        elif isinstance(e, (bool, np.bool_)):
            from .creation import tensor
            out.append(tensor(bool(e)))
        elif isinstance(e, (int, np.integer)):
            out.append(int(e))
        elif e is None or e is Ellipsis or isinstance(e, slice):
            if isinstance(e, slice):
                e = slice(*(x.__index__() if x is not None and not isinstance(x, int) else x
                            for x in (e.start, e.stop, e.step)))
            out.append(e)
        elif hasattr(e, "__index__"):
            out.append(e.__index__())
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                             "valid indices (got " + type(e).__name__ + ")")
    return tuple(out)


def _expand_bool(x_shape, idx):
    """Replace bool-mask tensors by the integer index tensors of their nonzero positions (needs concrete masks)."""
    out = []
    d = 0
    n_real = sum(1 for e in idx if e is not None and e is not Ellipsis and not
                 (isinstance(e, Tensor) and e._dtype in (D.bool, D.uint8)))
    n_mask = sum(e.ndim for e in idx if isinstance(e, Tensor) and e._dtype in (D.bool, D.uint8))
    for e in idx:
        if e is Ellipsis:
            d += len(x_shape) - n_real - n_mask
            out.append(e)
            continue
        if e is None:
            out.append(e)
            continue
        if isinstance(e, Tensor) and e._dtype in (D.bool, D.uint8):
            v = concrete(e)
            if v is None:
                raise RuntimeError("torchjax: indexing with a boolean mask gives a data-dependent shape, which cannot "
                                   "be compiled; use torch.where(mask, a, b) or masked_fill instead")
            for k in range(e.ndim):
                if d + k >= len(x_shape) or v.shape[k] != x_shape[d + k]:
                    size = x_shape[d + k] if d + k < len(x_shape) else 0
                    raise IndexError(f"The shape of the mask {list(v.shape)} at index {k} does not match the shape "
                                     f"of the indexed tensor {list(x_shape)} at index {d + k}")
            from .creation import _put
            for arr in np.nonzero(v):
                out.append(_put(arr.astype(np.int64), e.device))
            d += e.ndim
            continue
        out.append(e)
        d += 1
    return tuple(out)


def _encode(idx):
    """Split an index into a hashable static structure and the list of index tensors."""
    static, tensors = [], []
    for e in idx:
        if isinstance(e, Tensor):
            static.append(("T", len(tensors)))
            tensors.append(e)
        elif isinstance(e, slice):
            static.append(("S", e.start, e.stop, e.step))
        else:
            static.append(e)
    return tuple(static), tensors


def _decode(static, arrays):
    out = []
    for e in static:
        if isinstance(e, tuple) and e[0] == "T":
            out.append(arrays[e[1]])
        elif isinstance(e, tuple) and e[0] == "S":
            out.append(slice(e[1], e[2], e[3]))
        else:
            out.append(e)
    return tuple(out)


def _check_index_tensors(x_shape, idx):
    d = 0
    n_real = sum(1 for e in idx if e is not None and e is not Ellipsis)
    if n_real > len(x_shape):
        raise IndexError(f"too many indices for tensor of dimension {len(x_shape)}")
    for e in idx:
        if e is Ellipsis:
            d += len(x_shape) - n_real
            continue
        if e is None:
            continue
        if isinstance(e, Tensor):
            if e._dtype not in _INT_INDEX:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            v = concrete(e)
            size = x_shape[d]
            if v is not None and v.size and (v.max() >= size or v.min() < -size):
                bad = v[(v >= size) | (v < -size)].reshape(-1)[0]
                raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {size}")
        d += 1


def _gather_fn(static, x, *arrays):
    return x[_decode(static, [a.astype(jnp.int64) for a in arrays])]


_INDEX = Kernel("index", _gather_fn, "IndexBackward0")


def _advanced(self, idx):
    idx = _expand_bool(self._shape, idx)
    _check_index_tensors(self._shape, idx)
    static, tensors = _encode(idx)
    return call(_INDEX, [self] + tensors, static)


def getitem(self, idx):
    idx = _index_kinds(idx)
    if all(not isinstance(e, Tensor) for e in idx):
        if self.ndim == 0 and any(isinstance(e, int) for e in idx):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                             "in C++ to convert a 0-dim tensor to a number")
        return basic_index(self, idx)
    return _advanced(self, idx)


def _index_put_fn(static, x, v, *arrays):
    st, accumulate = static
    idx = _decode(st, [a.astype(jnp.int64) for a in arrays])
    v = v.astype(x.dtype) if hasattr(v, "astype") else v
    return x.at[idx].add(v) if accumulate else x.at[idx].set(v)


_INDEX_PUT = Kernel("index_put", _index_put_fn, "IndexPutBackward0")
_MASK_WHERE = Kernel("masked_fill", lambda dt, x, m, v: jnp.where(m.reshape(m.shape + (1,) * (x.ndim - m.ndim)),
                                                                  cast(v, dt), x), "MaskedFillBackward0")


def setitem(self, idx, value):
    from .creation import tensor as _tensor
    if isinstance(value, (list, tuple, np.ndarray)):
        value = _tensor(value, dtype=self._dtype, device=self.device)
    idx = _index_kinds(idx)
    if all(not isinstance(e, Tensor) for e in idx):
        view = basic_index(self, idx)
        copy_(view, value)
        return
    if len(idx) == 1 and isinstance(idx[0], Tensor) and idx[0]._dtype is D.bool and \
            (is_scalar(value) or (isinstance(value, Tensor) and value.numel() == 1)) and \
            tuple(idx[0]._shape) == tuple(self._shape[:idx[0].ndim]):
        v = value.reshape(()) if isinstance(value, Tensor) else value
        self._assign(call(_MASK_WHERE, [self, idx[0], v], np_dtype(self._dtype), name="IndexPutBackward0"))
        return
    index_put_(self, idx, value)


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem


@op(inplace=False)
def index_put(input, indices, values, accumulate=False):
    idx = _expand_bool(input._shape, _index_kinds(tuple(indices)))
    _check_index_tensors(input._shape, idx)
    static, tensors = _encode(idx)
    if is_scalar(values):
        from .creation import tensor
        values = tensor(values, dtype=input._dtype, device=input.device)
    return call(_INDEX_PUT, [input, values] + tensors, (static, bool(accumulate)))


@method()
def index_put_(self, indices, values, accumulate=False):
    return self._assign(index_put(self, indices, values, accumulate))


# ---- copy_, fill_, zero_ ------------------------------------------------------------------------------------------

_COPY = Kernel("copy", lambda dt, dst, src: jnp.broadcast_to(cast(src, dt), dst.shape), "CopyBackwards", linear=True)


@method()
def copy_(self, src, non_blocking=False):
    if is_scalar(src):
        return fill_(self, src)
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not {type(src).__name__}")
    broadcast_shapes2(self._shape, src._shape)
    if src.device != self.device:
        src = src.to(self.device)
    if tuple(broadcast_shapes2(self._shape, src._shape)) != tuple(self._shape):
        raise RuntimeError(f"output with shape {list(self._shape)} doesn't match the broadcast shape "
                           f"{list(broadcast_shapes2(self._shape, src._shape))}")
    return self._assign(call(_COPY, [self, src], np_dtype(self._dtype)))


_FILL = Kernel("fill", lambda dt, x, v: jnp.full(x.shape, cast(v, dt), dt), "FillBackward0", linear=True)


@op(inplace=True, method=False)
def fill(input, value):
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
                               f"dimensions.")
        return call(_FILL, [input, value], np_dtype(input._dtype), name="FillBackward1")
    return call(_FILL, [input, value], np_dtype(input._dtype), name="FillBackward0")


def fill_(self, value):
    return self._assign(fill(self, value))


Tensor.fill_ = fill_


@method()
def zero_(self):
    return self._assign(call(_FILL, [self, 0], np_dtype(self._dtype), name="ZeroBackward0"))


# ---- masked ops -----------------------------------------------------------------------------------------------------

_MASKED_FILL = Kernel("masked_fill", lambda dt, x, m, v: jnp.where(m, cast(v, dt), cast(x, dt)),
                      "MaskedFillBackward0")


@op(inplace=True)
def masked_fill(input, mask, value):
    if not isinstance(mask, Tensor) or mask._dtype is not D.bool:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask._dtype if isinstance(mask, Tensor) else type(mask).__name__}")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        if value._dtype.is_complex and not input._dtype.is_complex:
            check_scalar_fits(1j, input._dtype)
        name = "MaskedFillBackward1"
    else:
        name = "MaskedFillBackward0"
        check_scalar_fits(value, input._dtype)
    broadcast_shapes2(input._shape, mask._shape)
    return call(_MASKED_FILL, [input, mask, value], np_dtype(input._dtype), name=name)


def check_scalar_fits(value, dtype):
    """torch refuses to write a Python number that does not fit the destination dtype."""
    name = {"float32": "float", "float64": "double", "int8": "int8_t", "int16": "int16_t", "int32": "int",
            "int64": "int64_t", "uint8": "uint8_t", "bool": "bool", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16"}.get(dtype.name, dtype.name)
    bad = False
    if isinstance(value, complex) and not dtype.is_complex:
        bad = value.imag != 0 or True
    elif isinstance(value, (int, np.integer)) and not isinstance(value, bool) and not (
            dtype.is_floating_point or dtype.is_complex or dtype is D.bool):
        info = np.iinfo(np.dtype(dtype.np))
        bad = not info.min <= int(value) <= info.max
    if bad:
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")


def _masked_fill_(self, mask, value):
    if tuple(broadcast_shapes2(self._shape, mask._shape)) != tuple(self._shape):
        raise RuntimeError(f"output with shape {list(self._shape)} doesn't match the broadcast shape "
                           f"{list(broadcast_shapes2(self._shape, mask._shape))}")
    return self._assign(masked_fill(self, mask, value))


Tensor.masked_fill_ = _masked_fill_


def _mask_positions(mask, shape):
    m = concrete(mask)
    if m is None:
        raise RuntimeError("torchjax: masked_select/masked_scatter have data-dependent shapes and cannot be compiled")
    return np.nonzero(np.broadcast_to(m, shape))


@op(out=True, out_alias_ok=False)
def masked_select(input, mask):
    if mask._dtype is not D.bool:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask")
    shape = tuple(broadcast_shapes2(input._shape, mask._shape))
    if not shape:  # both 0-dim: select from the one-element view
        return masked_select(input.reshape(1), mask.reshape(1))
    pos = _mask_positions(mask, shape)
    return call(_MASKED_SELECT, [input], (shape, _Hashable(pos)))


class _Hashable:
    """Wraps index arrays so they can be part of a kernel's static key (compared by content)."""
    __slots__ = ("v", "_h")

    def __init__(self, v):
        self.v = tuple(np.asarray(a) for a in v)
        self._h = hash(tuple((a.shape, a.tobytes()) for a in self.v))

    def __hash__(self):
        return self._h

    def __eq__(self, other):
        return isinstance(other, _Hashable) and self._h == other._h and all(
            np.array_equal(a, b) for a, b in zip(self.v, other.v))

    def __getitem__(self, i):
        return self.v[i]


_MASKED_SELECT = Kernel("masked_select", lambda st, x: jnp.broadcast_to(x, st[0])[st[1].v], "MaskedSelectBackward0")
_MASKED_SCATTER = Kernel("masked_scatter", lambda st, x, src: x.at[st.v].set(src.reshape(-1)[:len(st.v[0])]
                                                                             .astype(x.dtype)),
                         "MaskedScatterBackward0")


@op(inplace=True)
def masked_scatter(input, mask, source):
    if mask._dtype is not D.bool:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{D._scalar_name(mask._dtype)}")
    shape = tuple(broadcast_shapes2(input._shape, mask._shape))
    x = input.expand(shape) if tuple(input._shape) != shape else input
    pos = _mask_positions(mask, shape)
    if len(pos[0]) > source.numel():
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got Float and Long"
                           if source._dtype is not input._dtype else
                           "Number of elements of source < number of ones in mask")
    return call(_MASKED_SCATTER, [x, source], _Hashable(pos))


# ---- index_select / gather / scatter / take ---------------------------------------------------------------------

def _check_bounds(index, size, dim, fname="index"):
    v = concrete(index)
    if v is not None and v.size and (v.max() >= size or v.min() < -size):
        bad = v[(v >= size) | (v < -size)].reshape(-1)[0]
        raise IndexError(f"index out of range in self")


_INDEX_SELECT = Kernel("index_select", lambda dim, x, i: jnp.take(x, i.astype(jnp.int64), axis=dim)
                       if x.ndim else x, "IndexSelectBackward0")


@op(out=True, out_alias_ok=False, out_exact_dtype=True)
def index_select(input, dim, index):
    check_tensor(index, "index_select", "index", 3)
    if index._dtype not in (D.int64, D.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = _wrap_dim(dim, input.ndim)
    size = input._shape[d] if input.ndim else 1
    v = concrete(index)
    if v is not None and v.size and (v.max() >= size or v.min() < 0):
        bad = v[(v >= size) | (v < 0)].reshape(-1)[0]
        raise IndexError(f"index out of range in self")
    return call(_INDEX_SELECT, [input, index.reshape(-1)], d)


def _gather_indices(index_shape, dim, idx):
    grids = list(jnp.meshgrid(*[jnp.arange(s) for s in index_shape], indexing="ij"))
    grids[dim] = idx
    return tuple(grids)


def _gather(dim, x, idx):
    if x.ndim == 0:
        return x.reshape(idx.shape) if idx.size else jnp.zeros(idx.shape, x.dtype)
    idx = idx.astype(jnp.int64)
    return x[_gather_indices(idx.shape, dim, idx)]


_GATHER = Kernel("gather", _gather, "GatherBackward0")
_GATHER_EMPTY = Kernel("gather", lambda shape, x: jnp.zeros(shape, x.dtype), "GatherBackward0", linear=True)


def _check_gather(input, dim, index, fname, src=None):
    if index._dtype not in (D.int64, D.int32) and index.numel():
        raise RuntimeError(f"{fname}(): Expected dtype int64 for index")
    n = max(input.ndim, 1)
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as "
                           f"{'input' if fname == 'gather' else 'self'} tensor")
    d = _wrap_dim(dim, input.ndim)
    if input.ndim:
        for i in range(index.ndim):
            if i != d and index._shape[i] > input._shape[i]:
                raise RuntimeError(f"Size does not match at dimension {i} expected index {list(index._shape)} to be "
                                   f"no larger than self {list(input._shape)} apart from dimension {d}")
            if src is not None and index._shape[i] > src._shape[i]:
                raise RuntimeError(f"Expected index {list(index._shape)} to be no larger than self "
                                   f"{list(input._shape)} apart from dimension {d} and to be no larger size than src "
                                   f"{list(src._shape)}")
    size = input._shape[d] if input.ndim else 1
    v = concrete(index)
    if v is not None and v.size and (v.max() >= size or v.min() < -size):
        bad = v[(v >= size) | (v < -size)].reshape(-1)[0]
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    return d


@op(out=True, out_exact_dtype=True, out_alias_ok=False)
def gather(input, dim, index, *, sparse_grad=False):
    if index.numel() == 0 and index.ndim != input.ndim:
        _wrap_dim(dim, input.ndim)
        return call(_GATHER_EMPTY, [input], tuple(index._shape))
    d = _check_gather(input, dim, index, "gather")
    return call(_GATHER, [input, index], d)


def _scatter_fn(st, x, idx, src):
    dim, reduce, dt, include_self = st
    x = cast(x, dt)
    if x.ndim == 0:
        idx = idx.reshape(1)
        x1 = x.reshape(1)
        src1 = (src.reshape(-1)[:1] if hasattr(src, "reshape") and jnp.ndim(src) else src)
        return _scatter_fn((0, reduce, dt, include_self), x1, idx, src1).reshape(())
    idx = idx.astype(jnp.int64)
    if hasattr(src, "ndim") and jnp.ndim(src):
        src = src[tuple(slice(0, s) for s in idx.shape)]
    src = cast(src, dt)
    pos = _gather_indices(idx.shape, dim, idx)
    at = x.at[pos]
    if reduce is None:
        return at.set(src)
    if reduce in ("add", "sum"):
        if not include_self:
            x = x.at[pos].set(0)
        return x.at[pos].add(src)
    if reduce in ("multiply", "prod"):
        return scatter_prod(x, dim, idx, src, include_self)
    if reduce == "amax":
        if not include_self:
            x = x.at[pos].set(jnp.finfo(dt).min if jnp.issubdtype(dt, jnp.floating) else jnp.iinfo(dt).min)
        return x.at[pos].max(src)
    if reduce == "amin":
        if not include_self:
            x = x.at[pos].set(jnp.finfo(dt).max if jnp.issubdtype(dt, jnp.floating) else jnp.iinfo(dt).max)
        return x.at[pos].min(src)
    if reduce == "mean":
        ones = jnp.ones(idx.shape, dt)
        cnt = jnp.zeros(x.shape, dt).at[pos].add(ones) + (1 if include_self else 0)
        base = x if include_self else x.at[pos].set(0)
        tot = base.at[pos].add(src)
        return jnp.where(cnt > 0, tot / jnp.where(cnt == 0, 1, cnt), x) if jnp.issubdtype(dt, jnp.floating) \
            else jnp.where(cnt > 0, tot // jnp.where(cnt == 0, 1, cnt), x)
    raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")


_SCATTER = Kernel("scatter", _scatter_fn, "ScatterBackward0")


def scatter_prod(x, dim, idx, src, include_self):
    """Product-scatter of src (shaped like idx) into x along dim, differentiable with repeated indices: a dense
    one-hot product (JAX's scatter-multiply has no gradient for repeated indices). Falls back to the scatter for
    large operands."""
    n = x.shape[dim]
    if idx.size * n > 4_000_000:
        pos = _gather_indices(idx.shape, dim, idx)
        base = x if include_self else x.at[pos].set(1)
        return base.at[pos].multiply(src)
    hot = jnp.expand_dims(idx, -1) == jnp.arange(n)  # idx.shape + (n,)
    vals = jnp.where(hot, jnp.expand_dims(src, -1), jnp.ones((), x.dtype))
    prod = jnp.moveaxis(jnp.prod(vals, axis=dim), -1, dim)  # idx.shape with dim -> n
    touched = jnp.moveaxis(jnp.any(hot, axis=dim), -1, dim)
    pad = [(0, x.shape[i] - prod.shape[i]) if i != dim else (0, 0) for i in range(x.ndim)]
    prod = jnp.pad(prod, pad, constant_values=1)
    touched = jnp.pad(touched, pad, constant_values=False)
    if include_self:
        return x * prod
    return jnp.where(touched, prod, x)


@op(inplace=True, out=True)
def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    if src is None:
        src = value
    if is_scalar(src):
        d = _check_gather(input, dim, index, "scatter")
        name = "ScatterBackward1"
    else:
        if src._dtype is not input._dtype:
            raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype")
        d = _check_gather(input, dim, index, "scatter", src)
        name = "ScatterBackward0"
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply.")
    return call(_SCATTER, [input, index, src], (d, reduce, np_dtype(input._dtype), True), name=name)


@op(inplace=True, out=True)
def scatter_add(input, dim, index, src):
    if src._dtype is not input._dtype:
        raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype")
    d = _check_gather(input, dim, index, "scatter_add", src)
    return call(_SCATTER, [input, index, src], (d, "add", np_dtype(input._dtype), True), name="ScatterAddBackward0")


@op(inplace=True, out=True)
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if src._dtype is not input._dtype:
        raise RuntimeError(f"scatter_reduce(): Expected self.dtype to be equal to src.dtype")
    d = _check_gather(input, dim, index, "scatter_reduce", src)
    return call(_SCATTER, [input, index, src], (d, reduce, np_dtype(input._dtype), bool(include_self)),
                name="ScatterReduceBackward0")


_TAKE = Kernel("take", lambda _, x, i: x.reshape(-1)[i.astype(jnp.int64)], "TakeBackward0")


@op(out=True, out_alias_ok=False)
def take(input, index):
    if index._dtype is not D.int64:
        raise RuntimeError("take(): Expected a long tensor for index, but got " + D._scalar_name(index._dtype))
    n = input.numel()
    v = concrete(index)
    if v is not None and v.size and (v.max() >= n or v.min() < -n):
        bad = v[(v >= n) | (v < -n)].reshape(-1)[0]
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return call(_TAKE, [input, index], None)


_PUT = Kernel("put", lambda acc, x, i, s: (x.reshape(-1).at[i.astype(jnp.int64).reshape(-1)].add(s.reshape(-1))
                                           if acc else x.reshape(-1).at[i.astype(jnp.int64).reshape(-1)]
                                           .set(s.reshape(-1))).reshape(x.shape), "PutBackward0")


@op(inplace=True)
def put(input, index, source, accumulate=False):
    n = input.numel()
    v = concrete(index)
    if v is not None and v.size and (v.max() >= n or v.min() < -n):
        bad = v[(v >= n) | (v < -n)].reshape(-1)[0]
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return call(_PUT, [input, index, source], bool(accumulate))


@op(out=True)
def nonzero(input, *, as_tuple=False):
    v = concrete(input)
    if v is None:
        raise RuntimeError("torchjax: nonzero() has a data-dependent output shape and cannot be compiled")
    from .creation import _put
    nz = np.nonzero(v) if v.ndim else (np.nonzero(v.reshape(1))[0],)
    if as_tuple:
        if v.ndim == 0:
            return (_put(np.zeros(int(bool(v)), np.int64), input.device),)
        return tuple(_put(a.astype(np.int64), input.device) for a in nz)
    stacked = np.stack(nz, axis=1).astype(np.int64) if v.ndim else np.zeros((int(bool(v)), 0), np.int64)
    return _put(stacked, input.device)


@op()
def argwhere(input):
    return nonzero(input)


def _index_add_fn(st, x, idx, src, alpha):
    dim, mode, dt = st
    x = cast(x, dt)
    idx = idx.astype(jnp.int64).reshape(-1)
    pos = (slice(None),) * dim + (idx,)
    if x.ndim == 0:
        pos = (idx,)
        x = x.reshape(1)
        src = jnp.reshape(src, (-1,))
        out = x.at[pos].add(cast(src, dt) * alpha) if mode == "add" else x.at[pos].set(cast(src, dt))
        return out.reshape(())
    if mode == "add":
        return x.at[pos].add(cast(src, dt) if alpha is None else cast(src, dt) * cast(alpha, dt))
    if mode == "copy":
        return x.at[pos].set(cast(src, dt))
    return x.at[pos].set(cast(src, dt))


_INDEX_ADD = Kernel("index_add", _index_add_fn, "IndexAddBackward0")


def _check_index_arg(input, dim, index, fname):
    if index._dtype not in (D.int64, D.int32):
        raise RuntimeError(f"{fname}(): Expected dtype int32/int64 for index")
    if index.ndim > 1:
        raise IndexError(f"{fname}(): Index is supposed to be a vector")
    d = _wrap_dim(dim, input.ndim)
    size = input._shape[d] if input.ndim else 1
    v = concrete(index)
    if v is not None and v.size and (v.max() >= size or v.min() < -size):
        raise IndexError(f"index out of range in self")
    return d


def _check_index_source(input, d, index, source, fname):
    if not isinstance(source, Tensor):
        return
    n = index.numel()
    if source.ndim and (source._shape[d] if source.ndim > d else 1) != n:
        raise RuntimeError(f"{fname}_(): Number of indices ({n}) should be equal to source.size(dim): "
                           f"({source._shape[d] if source.ndim > d else 1}), for dim: {d}")
    if source.ndim and input.ndim and (source.ndim != input.ndim or any(
            a != b for i, (a, b) in enumerate(zip(input._shape, source._shape)) if i != d)):
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(input._shape)} source.shape = {list(source._shape)}")


@op(inplace=True, out=True)
def index_add(input, dim, index, source, *, alpha=1):
    d = _check_index_arg(input, dim, index, "index_add")
    _check_index_source(input, d, index, source, "index_add")
    return call(_INDEX_ADD, [input, index, source, None if alpha == 1 else alpha], (d, "add", np_dtype(input._dtype)))


@op(inplace=True, out=True)
def index_copy(input, dim, index, source):
    d = _check_index_arg(input, dim, index, "index_copy")
    return call(_INDEX_ADD, [input, index, source, None], (d, "copy", np_dtype(input._dtype)),
                name="IndexCopyBackward0")


@op(inplace=True)
def index_fill(input, dim, index, value):
    d = _check_index_arg(input, dim, index, "index_fill")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
    return call(_INDEX_ADD, [input, index, value, None], (d, "fill", np_dtype(input._dtype)),
                name="IndexFillBackward0" if not isinstance(value, Tensor) else "IndexFillBackward1")


def _index_reduce_fn(st, x, idx, src):
    dim, reduce, include_self, dt = st
    x, src = cast(x, dt), cast(src, dt)
    if x.ndim == 0:
        x, src = x.reshape(1), src.reshape(-1)
        return _index_reduce_fn((0, reduce, include_self, dt), x, idx.reshape(-1), src).reshape(())
    idx = idx.astype(jnp.int64).reshape(-1)
    idx = jnp.where(idx < 0, idx + x.shape[dim], idx)
    shape = [1] * src.ndim
    shape[dim] = idx.shape[0]
    full = jnp.broadcast_to(idx.reshape(shape), src.shape)
    return _scatter_fn((dim, {"mean": "mean", "prod": "prod", "amax": "amax", "amin": "amin"}[reduce], dt,
                        include_self), x, full, src)


_INDEX_REDUCE = Kernel("index_reduce", _index_reduce_fn, "IndexReduceBackward0")


@op(inplace=True, out=True)
def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    d = _check_index_arg(input, dim, index, "index_reduce")
    if source._dtype is not input._dtype:
        raise RuntimeError("index_reduce_(): self and source expected to have the same dtype but got self dtype "
                           f"{D._scalar_name(input._dtype)} and source dtype {D._scalar_name(source._dtype)}")
    if input.ndim and source.ndim and source.ndim != input.ndim:
        raise IndexError("index_reduce_(): Source and self should have the same number of dimensions")
    if input.ndim and index.numel() != (source._shape[d] if source.ndim else 1):
        raise RuntimeError("index_reduce_(): Number of indices should be equal to source.size(dim)")
    return call(_INDEX_REDUCE, [input, index, source], (d, reduce, bool(include_self), np_dtype(input._dtype)))
