"""Views (alias the input's storage: view, reshape, transpose, permute, squeeze, unsqueeze, expand, narrow, select,
unbind, split, chunk, diagonal, as_strided, unfold, real/imag) and the copying shape ops (cat, stack, clone)."""
import math
import warnings

import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._size import Size
from .._tensor import Tensor, _wrap_dim
from ..autograd import grad_mode
from . import _views
from ._common import as_int_tuple, cast, np_dtype, result_type, wrap_dims
from .kernel import Kernel, call, make_node
from .registry import function, method, op

_state = grad_mode.state

STEP = Kernel("view", lambda step, x: _views.apply(step, x), "ViewBackward0", linear=True)
CHAIN = Kernel("as_strided_chain", lambda chain, x: _read_chain(chain, x), "AsStridedBackward0", linear=True)
WRITE = Kernel("copy_slices", lambda chain, base, new: _write_chain(chain, base, new), "CopySlices", linear=True)


def _read_chain(chain, x):
    for s in chain:
        x = _views.apply(s, x)
    return x


def _write_chain(chain, root, new):
    vals = [root]
    for s in chain[:-1]:
        vals.append(_views.apply(s, vals[-1]))
    for s, v in zip(reversed(chain), reversed(vals)):
        new = _views.write_back(s, v, new.astype(_views.apply(s, v).dtype))
    return new


def make_view(src, step, shape, strides, offset, grad_fn, dtype=None, chain=None):
    """A tensor aliasing src's storage through one more view step, with src's history extended by a view node."""
    base = src._base if src._base is not None else src
    if chain is None:
        chain = (src._view or ()) + (step,)
    t = Tensor._from_parts(src._storage, chain, Size(shape), dtype or src._dtype, tuple(strides), offset)
    t._vc = src._vc
    t._base = base
    t._view_vc = src._vc[0]
    if _state.enabled and src.requires_grad:
        dt = (dtype or src._dtype).np
        t._grad_fn = make_node(STEP, step, [src], [None], ((tuple(shape), dt),), (0,), grad_fn)
    return t


def chain_view_node(view, base):
    """Regenerate a view's grad_fn after an in-place change, as torch does (AsStridedBackward0 of the base)."""
    rel = view._view[len(base._view or ()):]
    view._grad_fn = make_node(CHAIN, rel, [base], [None], ((tuple(view._shape), view._dtype.np),), (0,))
    view._output_nr = 0


def copy_slices(base, rel_chain, r):
    return call(WRITE, [base, r], rel_chain, name="CopySlices")


def _strides(t):
    return t._strides if t._strides is not None else _views.contiguous_strides(t._shape)


def _multi_view(src, steps, shapes, strides, offsets, kernel_static, kernel, grad_fn):
    """Several views of src sharing one multi-output node (unbind/split/chunk)."""
    base = src._base if src._base is not None else src
    outs = []
    for step, shape, st, off in zip(steps, shapes, strides, offsets):
        t = Tensor._from_parts(src._storage, (src._view or ()) + (step,), Size(shape), src._dtype, tuple(st), off)
        t._vc = src._vc
        t._base = base
        t._view_vc = src._vc[0]
        outs.append(t)
    if _state.enabled and src.requires_grad:
        dt = src._dtype.np
        node = make_node(kernel, kernel_static, [src], [None], tuple((tuple(s), dt) for s in shapes),
                         tuple(range(len(shapes))), grad_fn)
        for i, t in enumerate(outs):
            t._grad_fn = node
            t._output_nr = i
    return tuple(outs)


# ---- reshape family ---------------------------------------------------------------------------------------------

def infer_size(shape, numel):
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = math.prod(s for s in shape if s != -1)
    if neg:
        if known == 0 or numel % known:
            if known == 0 and numel == 0:
                raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                                   f"unspecified dimension size -1 can be any value and is ambiguous")
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def _reshape_view(self, shape, grad_fn="ViewBackward0"):
    try:
        strides = _views.view_strides(tuple(self._shape), _strides(self), shape)
    except Exception as e:  # noqa: BLE001
        if type(e).__name__ != "InconclusiveDimensionOperation":
            raise
        # symbolic (jax.export) dimensions: a contiguous tensor views as any shape; otherwise reshape copies
        if not _views.is_contiguous(tuple(self._shape), _strides(self)):
            return None
        strides = _views.contiguous_strides(shape)
    if strides is None:
        return None
    return make_view(self, ("reshape", shape), shape, strides, self._offset, grad_fn)


@method()
def view(self, *shape):
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return _view_dtype(self, shape[0])
    shape = infer_size(as_int_tuple(shape, "view"), self.numel())
    v = _reshape_view(self, shape)
    if v is None:
        if any(type(s).__name__ == "_DimExpr" for s in tuple(self._shape) + tuple(shape)):
            # symbolic dimensions (torch.jit save through jax.export) where torch's stride rule cannot be decided:
            # the values are what the view would hold (a copy: exported forwards do not write through views)
            return reshape(self, shape)
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one dimension "
                           "spans across two contiguous subspaces). Use .reshape(...) instead.")
    return v


_RESHAPE_COPY = Kernel("reshape_copy", lambda shape, x: x.reshape(shape), "UnsafeViewBackward0", linear=True)


@op()
def reshape(input, *shape):
    shape = infer_size(as_int_tuple(shape, "reshape"), input.numel())
    v = _reshape_view(input, shape)
    if v is not None:
        return v
    return call(_RESHAPE_COPY, [input], shape)


@method()
def view_as(self, other):
    return self.view(other._shape)


@method()
def reshape_as(self, other):
    return reshape(self, other._shape)


def _view_dtype(self, dtype):
    if dtype is self._dtype:
        return make_view(self, ("bitcast", dtype.np), self._shape, _strides(self), self._offset, "ViewBackward0")
    a, b = self._dtype.itemsize, dtype.itemsize
    if a != b:
        if self.ndim == 0:
            raise RuntimeError("self.dim() cannot be 0 to view " + repr(self._dtype) + " as " + repr(dtype) +
                               " (different element sizes)")
        if _strides(self)[-1] != 1:
            raise RuntimeError("self.stride(-1) must be 1 to view " + repr(self._dtype) + " as " + repr(dtype) +
                               " (different element sizes), but got " + str(_strides(self)[-1]))
        if a < b and (self._shape[-1] * a) % b:
            raise RuntimeError(f"self.size(-1) must be divisible by {b // a} to view {self._dtype} as {dtype} "
                               f"(different element sizes), but got {self._shape[-1]}")
    last = self._shape[-1] * a // b if self.ndim else None
    shape = tuple(self._shape[:-1]) + ((last,) if self.ndim else ())
    strides = tuple(s * a // b for s in _strides(self)[:-1]) + ((1,) if self.ndim else ())
    t = make_view(self, ("bitcast", dtype.np), shape, strides, self._offset * a // b, "ViewBackward0", dtype=dtype)
    t._grad_fn = None
    return t


@op()
def flatten(input, start_dim=0, end_dim=-1):
    n = input.ndim
    if n == 0:
        return reshape(input, 1)
    s, e = _wrap_dim(start_dim, n), _wrap_dim(end_dim, n)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = tuple(input._shape[:s]) + (math.prod(input._shape[s:e + 1]),) + tuple(input._shape[e + 1:])
    return reshape(input, shape)


@op()
def unflatten(input, dim, sizes):
    d = _wrap_dim(dim, input.ndim)
    sizes = tuple(sizes)
    if -1 in sizes:
        known = math.prod(s for s in sizes if s != -1)
        sizes = tuple(input._shape[d] // known if s == -1 else s for s in sizes)
    if math.prod(sizes) != input._shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({input._shape[d]}) in the input tensor")
    return input.view(tuple(input._shape[:d]) + sizes + tuple(input._shape[d + 1:]))


@op()
def squeeze(input, dim=None):
    n = input.ndim
    if dim is None:
        dims = tuple(i for i, s in enumerate(input._shape) if s == 1)
        name = "SqueezeBackward0"
    else:
        name = "SqueezeBackward2" if isinstance(dim, (tuple, list)) else "SqueezeBackward1"
        dims = tuple(d for d in wrap_dims(dim, n) if n and input._shape[d] == 1) if n else ()
        if not n:
            wrap_dims(dim, 0)
    shape = tuple(s for i, s in enumerate(input._shape) if i not in dims)
    strides = tuple(s for i, s in enumerate(_strides(input)) if i not in dims)
    return make_view(input, ("reshape", shape), shape, strides, input._offset, name)


@op()
def unsqueeze(input, dim):
    n = input.ndim
    if not -(n + 1) <= dim <= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n - 1}, {n}], but got {dim})")
    d = dim % (n + 1)
    shape = tuple(input._shape[:d]) + (1,) + tuple(input._shape[d:])
    st = _strides(input)
    new = st[d] * input._shape[d] if d < n else 1
    strides = tuple(st[:d]) + (new,) + tuple(st[d:])
    return make_view(input, ("reshape", shape), shape, strides, input._offset, "UnsqueezeBackward0")


def _permute(input, perm, name):
    shape = tuple(input._shape[p] for p in perm)
    st = _strides(input)
    return make_view(input, ("permute", tuple(perm)), shape, tuple(st[p] for p in perm), input._offset, name)


@op(aliases=("swapaxes", "swapdims"))
def transpose(input, dim0, dim1):
    n = input.ndim
    if n == 0:
        _wrap_dim(dim0, 0)
        _wrap_dim(dim1, 0)
        return make_view(input, ("reshape", ()), (), (), input._offset, "TransposeBackward0")
    d0, d1 = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
    perm = list(range(n))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return _permute(input, perm, "TransposeBackward0")


@op()
def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    if input.ndim < 2:
        return make_view(input, ("reshape", tuple(input._shape)), input._shape, _strides(input), input._offset,
                         "TBackward0")
    return _permute(input, (1, 0), "TBackward0")


@op()
def permute(input, *dims):
    dims = as_int_tuple(dims, "permute")
    n = input.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the length "
                           f"of the desired ordering of dimensions i.e. input.dim() = {n} is not equal to len(dims) = "
                           f"{len(dims)}")
    perm = tuple(_wrap_dim(d, n) for d in dims)
    if len(set(perm)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _permute(input, perm, "PermuteBackward0")


@op(aliases=("moveaxis",))
def movedim(input, source, destination):
    n = input.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain "
                           f"the same number of dims as destination ({list(dst)} dims)")
    src_w = tuple(_wrap_dim(d, n) for d in src)
    dst_w = tuple(_wrap_dim(d, n) for d in dst)
    if len(set(src_w)) != len(src_w):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(src)})")
    if len(set(dst_w)) != len(dst_w):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(dst)})")
    src, dst = src_w, dst_w
    order = [d for d in range(n) if d not in src]
    perm = [None] * n
    for s, d in zip(src, dst):
        perm[d] = s
    it = iter(order)
    perm = [p if p is not None else next(it) for p in perm]
    return _permute(input, perm, "PermuteBackward0")


def _T(self):
    if self.ndim not in (0, 2):
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated "
                      "and it will throw an error in a future release. Consider `x.mT` to transpose batches of "
                      "matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a "
                      "tensor.", UserWarning, stacklevel=2)
    return _permute(self, tuple(range(self.ndim - 1, -1, -1)), "PermuteBackward0")


def _mT(self):
    if self.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return transpose(self, -2, -1)


Tensor.T = property(_T)
Tensor.mT = property(_mT)
Tensor.H = property(lambda self: _T(self).conj() if self.ndim == 2 else _H_error(self))
Tensor.mH = property(lambda self: _mT(self).conj())


def _H_error(self):
    raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor.")


@method()
def adjoint(self):
    return _mT(self).conj()


@op()
def expand(input, *sizes):
    sizes = as_int_tuple(sizes, "expand")
    n = input.ndim
    if len(sizes) < n:
        raise RuntimeError(f"expand(torch.{_tname(input)}{{{list(input._shape)}}}, size={list(sizes)}): the number "
                           f"of sizes provided ({len(sizes)}) must be greater or equal to the number of dimensions in "
                           f"the tensor ({n})")
    lead = len(sizes) - n
    st = _strides(input)
    shape, strides = [], []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing "
                                   f"dimension {i}")
            shape.append(s)
            strides.append(0)
            continue
        cur = input._shape[i - lead]
        if s == -1:
            s = cur
        if cur != s:
            if cur != 1:
                raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                                   f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                                   f"{list(input._shape)}")
            shape.append(s)
            strides.append(0)
        else:
            shape.append(s)
            strides.append(st[i - lead])
    return make_view(input, ("expand", tuple(shape)), tuple(shape), strides, input._offset, "ExpandBackward0")


def _tname(t):
    return {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor"}.get(t._dtype.name, "Tensor")


@method()
def expand_as(self, other):
    return expand(self, other._shape)


@op()
def broadcast_to(input, size):
    return expand(input, tuple(size))


def basic_index(src, idx, grad_fn=None):
    """A view for an index made of ints, slices, None and Ellipsis (torch's basic indexing)."""
    n = src.ndim
    count = sum(1 for e in idx if e is not None and e is not Ellipsis)
    if sum(1 for e in idx if e is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if count > n:
        raise IndexError(f"too many indices for tensor of dimension {n}")
    shape, strides = [], []
    st = _strides(src)
    offset = src._offset
    enc = []
    d = 0
    last = "AliasBackward0"
    for e in idx:
        if e is Ellipsis:
            for _ in range(n - count):
                shape.append(src._shape[d])
                strides.append(st[d])
                enc.append((None, None, None))
                d += 1
            continue
        if e is None:
            strides.append(st[d] * src._shape[d] if d < n else 1)
            shape.append(1)
            enc.append(None)
            last = "UnsqueezeBackward0"
            continue
        size = src._shape[d]
        if isinstance(e, slice):
            start, stop, step = e.start, e.stop, e.step
            if step is not None and step <= 0:
                raise ValueError("step must be greater than zero")
            start, stop, step = slice(start, stop, step).indices(size)
            length = max(0, (stop - start + step - 1) // step)
            if length == 0:
                start = min(start, size)
                stop = start
            shape.append(length)
            strides.append(st[d] * step)
            offset += start * st[d] if length else 0
            enc.append((start, stop, step))
            last = "SliceBackward0"
        else:
            i = int(e)
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {d} with size {size}")
            i %= size
            offset += i * st[d]
            enc.append(i)
            last = "SelectBackward0"
        d += 1
    for _ in range(d, n):
        shape.append(src._shape[d])
        strides.append(st[d])
        d += 1
    return make_view(src, ("basic", tuple(enc)), tuple(shape), tuple(strides), offset, grad_fn or last)


@op()
def narrow(input, dim, start, length):
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, input.ndim)
    if isinstance(start, Tensor):
        if start.ndim or start._dtype.is_floating_point or start._dtype.is_complex or start._dtype is D.bool:
            raise RuntimeError("start must be an 0-dim integral Tensor.")
        start = start.item()
    size = input._shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    start %= size if size else 1
    if start + length > size or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    idx = (slice(None),) * d + (slice(start, start + length),)
    return basic_index(input, idx, "SliceBackward0")


@op()
def select(input, dim, index):
    n = input.ndim
    if n == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, n)
    size = input._shape[d]
    if isinstance(index, Tensor):
        index = index.item()
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input._shape)} at dimension "
                         f"{d}")
    return basic_index(input, (slice(None),) * d + (index,), "SelectBackward0")


_UNBIND = Kernel("unbind", lambda dim, x: tuple(jnp.moveaxis(x, dim, 0)), "UnbindBackward0", linear=True)
_SPLIT = Kernel("split", lambda st, x: tuple(x[(slice(None),) * st[0] + (slice(a, b),)] for a, b in st[1]),
                "SplitBackward0", linear=True)


@op()
def unbind(input, dim=0):
    n = input.ndim
    if n == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _wrap_dim(dim, n)
    st = _strides(input)
    shape = tuple(s for i, s in enumerate(input._shape) if i != d)
    strides = tuple(s for i, s in enumerate(st) if i != d)
    k = input._shape[d]
    steps = [("basic", ((None, None, None),) * d + (i,)) for i in range(k)]
    return _multi_view(input, steps, [shape] * k, [strides] * k,
                       [input._offset + i * st[d] for i in range(k)], d, _UNBIND, "UnbindBackward0")


def _split_bounds(input, d, sizes, grad_fn):
    st = _strides(input)
    bounds, a = [], 0
    for s in sizes:
        bounds.append((a, a + s))
        a += s
    steps, shapes, offsets = [], [], []
    for lo, hi in bounds:
        steps.append(("basic", ((None, None, None),) * d + ((lo, hi, 1),)))
        shp = list(input._shape)
        shp[d] = hi - lo
        shapes.append(tuple(shp))
        offsets.append(input._offset + lo * st[d] if hi > lo else input._offset)
    return _multi_view(input, steps, shapes, [st] * len(sizes), offsets, (d, tuple(bounds)), _SPLIT, grad_fn)


@op()
def split(tensor, split_size_or_sections, dim=0):
    n = tensor.ndim
    d = _wrap_dim(dim, n)
    size = tensor._shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s < 0 or (s == 0 and size != 0):
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
        count = max(1, -(-size // s)) if s else 1
        sizes = [s] * (count - 1) + [size - s * (count - 1)]
        return _split_bounds(tensor, d, sizes, "SplitBackward0")
    sizes = list(split_size_or_sections)
    if sum(sizes) != size:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at "
                           f"dimension {d}), but got split_sizes={sizes}")
    return _split_bounds(tensor, d, sizes, "SplitWithSizesBackward0")


@method()
def split_with_sizes(self, split_sizes, dim=0):
    return split(self, list(split_sizes), dim)


@op()
def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    d = _wrap_dim(dim, input.ndim)
    size = input._shape[d]
    each = -(-size // chunks)
    if each == 0:
        return _split_bounds(input, d, [0] * chunks, "SplitBackward0")
    return split(input, each, d)


@op()
def tensor_split(input, indices_or_sections, dim=0):
    d = _wrap_dim(dim, input.ndim)
    size = input._shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        sizes = [q + 1] * r + [q] * (n - r)
    else:
        idx = [min(max(i, 0), size) for i in indices_or_sections]
        bounds = [0] + idx + [size]
        sizes = [max(0, b - a) for a, b in zip(bounds[:-1], bounds[1:])]
    return _split_bounds(input, d, sizes, "SplitWithSizesBackward0")


@op()
def diagonal(input, offset=0, dim1=0, dim2=1):
    n = input.ndim
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    st = _strides(input)
    s1, s2 = input._shape[d1], input._shape[d2]
    if offset >= 0:
        length = max(0, min(s1, s2 - offset))
        off = input._offset + offset * st[d2] if length else input._offset
    else:
        length = max(0, min(s1 + offset, s2))
        off = input._offset - offset * st[d1] if length else input._offset
    rest = [i for i in range(n) if i not in (d1, d2)]
    shape = tuple(input._shape[i] for i in rest) + (length,)
    strides = tuple(st[i] for i in rest) + (st[d1] + st[d2],)
    return make_view(input, ("diagonal", offset, d1, d2), shape, strides, off, "DiagonalBackward0")


@op()
def as_strided(input, size, stride, storage_offset=None):
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    off = input._offset if storage_offset is None else storage_offset
    root_numel = math.prod(input._storage.shape)
    if size and all(s > 0 for s in size):
        need = off + sum((n - 1) * s for n, s in zip(size, stride)) + 1
        if need > root_numel:
            raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {off}, and "
                               f"itemsize {input._dtype.itemsize} requiring a storage size of "
                               f"{need * input._dtype.itemsize} are out of bounds for storage of size "
                               f"{root_numel * input._dtype.itemsize}")
    step = ("as_strided", size, stride, off)
    t = make_view(input, step, size, stride, off, "AsStridedBackward0", chain=(step,))
    if t._grad_fn is not None:
        # relative to the storage, not to input: differentiate through the base's chain
        base = t._base
        t._grad_fn = make_node(CHAIN, t._view[len(base._view or ()):] if base._view is None else (step,), [base],
                               [None], ((size, input._dtype.np),), (0,), "AsStridedBackward0")
    return t


@op()
def unfold(input, dimension, size, step):
    n = input.ndim
    d = _wrap_dim(dimension, n) if n else 0
    length = input._shape[d] if n else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    count = (length - size) // step + 1
    if n == 0:
        return make_view(input, ("reshape", (size,)), (size,), (1,), input._offset, "UnfoldBackward0")
    st = _strides(input)
    shape = tuple(input._shape[:d]) + (count,) + tuple(input._shape[d + 1:]) + (size,)
    strides = tuple(st[:d]) + (st[d] * step,) + tuple(st[d + 1:]) + (st[d] if n else 1,)
    return make_view(input, ("unfold", d, size, step), shape, strides, input._offset, "UnfoldBackward0")


def _real(self):
    if not self._dtype.is_complex:
        return self
    return make_view(self, ("real",), self._shape, tuple(s * 2 for s in _strides(self)), self._offset * 2,
                     "RealBackward0", dtype=self._dtype.to_real())


def _imag(self):
    if not self._dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return make_view(self, ("imag",), self._shape, tuple(s * 2 for s in _strides(self)), self._offset * 2 + 1,
                     "ImagBackward0", dtype=self._dtype.to_real())


def _set_real(self, value):
    _real(self).copy_(value)


def _set_imag(self, value):
    _imag(self).copy_(value)


Tensor.real = property(_real, _set_real)
Tensor.imag = property(_imag, _set_imag)


@function()
def real(input):
    return _real(input)


@function()
def imag(input):
    return _imag(input)


@op()
def view_as_real(input):
    if not input._dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    shape = tuple(input._shape) + (2,)
    strides = tuple(s * 2 for s in _strides(input)) + (1,)
    return make_view(input, ("view_as_real",), shape, strides, input._offset * 2, "ViewAsRealBackward0",
                     dtype=input._dtype.to_real())


@op()
def view_as_complex(input):
    if input._dtype not in (D.float32, D.float64, D.float16):
        raise RuntimeError(f"view_as_complex is only supported for float and double tensors, but got a tensor of "
                           f"scalar type: {D._scalar_name(input._dtype)}")
    if not input.ndim or input._shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    st = _strides(input)
    if st[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    shape = tuple(input._shape[:-1])
    return make_view(input, ("view_as_complex",), shape, tuple(s // 2 for s in st[:-1]), input._offset // 2,
                     "ViewAsComplexBackward0", dtype=input._dtype.to_complex())


@op()
def alias(input):
    return make_view(input, ("reshape", tuple(input._shape)), input._shape, _strides(input), input._offset,
                     "AliasBackward0")


# ---- in-place metadata changes ----------------------------------------------------------------------------------

def _become(self, v):
    """In-place view ops (t_, transpose_, squeeze_, unsqueeze_, as_strided_) make self the view."""
    self._view, self._shape, self._strides, self._offset = v._view, v._shape, v._strides, v._offset
    self._cache_gen = -1
    if v._grad_fn is not None:
        self._grad_fn, self._output_nr = v._grad_fn, v._output_nr
    return self


for _n in ("t", "transpose", "squeeze", "unsqueeze", "as_strided", "swapaxes", "swapdims"):
    setattr(Tensor, _n + "_", (lambda f: lambda self, *a, **k: _become(self, f(self, *a, **k)))(getattr(Tensor, _n)))


# ---- copies: clone, contiguous, cat, stack ----------------------------------------------------------------------

_CLONE = Kernel("clone", lambda _, x: jnp.array(x, copy=True), "CloneBackward0", linear=True)


@op()
def clone(input, *, memory_format=None):
    return call(_CLONE, [input], None)


@method()
def contiguous(self, memory_format=None):
    if self.is_contiguous():
        return self
    return call(_CLONE, [self], None)


_CAT = Kernel("cat", lambda st, *xs: jnp.concatenate([cast(x, st[1]) for x in xs], st[0]), "CatBackward0",
              linear=True)
_STACK = Kernel("stack", lambda st, *xs: jnp.stack([cast(x, st[1]) for x in xs], st[0]), "StackBackward0",
                linear=True)


def _tensor_list(tensors, fname):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{fname}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


@function(aliases=("concat", "concatenate"))
def cat(tensors, dim=0, *, out=None):
    tensors = _tensor_list(tensors, "cat")
    if out is not None:
        from .registry import check_out_alias
        check_out_alias(out, tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    dt = result_type(*[t for t in tensors]) if len(tensors) > 1 else tensors[0]._dtype
    for t in tensors[1:]:
        dt = D.promote_types(dt, t._dtype)
    dt = tensors[0]._dtype if len(tensors) == 1 else dt
    full = [t for t in tensors if not (t.ndim == 1 and t._shape[0] == 0)]
    if not full:
        r = call(_CAT, tensors, (0, np_dtype(dt)))
    else:
        ref = full[0]
        n = ref.ndim
        if n == 0:
            raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
        d = _wrap_dim(dim, n)
        for i, t in enumerate(tensors):
            if t.ndim == 1 and t._shape[0] == 0:
                continue
            if t.ndim != n:
                raise RuntimeError(f"Tensors must have same number of dimensions: got {n} and {t.ndim}")
            for j in range(n):
                if j != d and t._shape[j] != ref._shape[j]:
                    raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                       f"{ref._shape[j]} but got size {t._shape[j]} for tensor number {i} in the "
                                       f"list.")
        devs = {t.device for t in tensors}
        if len(devs) > 1:
            raise RuntimeError("Expected all tensors to be on the same device, but found at least two devices, " +
                               ", ".join(str(x) for x in devs) + "!")
        r = call(_CAT, full, (d, np_dtype(dt)))
    if out is not None:
        from .registry import copy_out
        return copy_out(out, r, "cat")
    return r


@function()
def stack(tensors, dim=0, *, out=None):
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]
    for i, t in enumerate(tensors):
        if t._shape != ref._shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref._shape)} at entry 0 "
                               f"and {list(t._shape)} at entry {i}")
    n = ref.ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    dt = ref._dtype
    for t in tensors[1:]:
        dt = D.promote_types(dt, t._dtype)
    r = call(_STACK, tensors, (dim % n, np_dtype(dt)))
    if out is not None:
        from .registry import copy_out
        return copy_out(out, r, "stack")
    return r


@function()
def hstack(tensors, *, out=None):
    if not len(tensors):
        raise RuntimeError("hstack expects a non-empty TensorList")
    tensors = [atleast_1d(t) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1, out=out)


@function(aliases=("row_stack",))
def vstack(tensors, *, out=None):
    if not len(tensors):
        raise RuntimeError("vstack expects a non-empty TensorList")
    return cat([atleast_2d(t) for t in tensors], 0, out=out)


@function()
def dstack(tensors, *, out=None):
    if not len(tensors):
        raise RuntimeError("dstack expects a non-empty TensorList")
    return cat([atleast_3d(t) for t in tensors], 2, out=out)


@function()
def column_stack(tensors, *, out=None):
    cols = [t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors]
    return cat(cols, 1, out=out)


def _atleast(n):
    def f(*tensors):
        if len(tensors) == 1 and not isinstance(tensors[0], Tensor):
            tensors = tuple(tensors[0])
            multi = True
        else:
            multi = len(tensors) > 1
        out = []
        for t in tensors:
            if t.ndim == 0:
                t = t.reshape((1,) * n)
            elif t.ndim == 1 and n >= 2:
                t = t.unsqueeze(0)
                if n == 3:
                    t = t.unsqueeze(-1)
            elif t.ndim == 2 and n == 3:
                t = t.unsqueeze(-1)
            out.append(t)
        return tuple(out) if multi else out[0]
    return f


atleast_1d = function("atleast_1d")(_atleast(1))
atleast_2d = function("atleast_2d")(_atleast(2))
atleast_3d = function("atleast_3d")(_atleast(3))
