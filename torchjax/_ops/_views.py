"""View steps: how a view's value is read from its storage's root array, and how a write goes back.

A view is a tuple of steps (hashable, so the jitted reader/writer of a chain is cached). Each step has a JAX
reader, a JAX write-back (base, new) -> base, and a numpy reader (for `.numpy()` sharing memory).
Steps: ('reshape', shape) ('permute', perm) ('basic', idx) ('expand', shape) ('diagonal', off, d1, d2)
('as_strided', size, stride, offset) ('unfold', dim, size, step) ('real',) ('imag',) ('view_as_real',)
('view_as_complex',) ('bitcast', np_dtype).
"""
import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax


def _index(idx):
    """Decode a 'basic' index: ints, (start, stop, step) triples, None."""
    return tuple(slice(*e) if isinstance(e, tuple) else e for e in idx)


def _squeeze_none(idx):
    return tuple(e for e in idx if e is not None)


def apply(step, x):
    kind = step[0]
    if kind == "reshape":
        return x.reshape(step[1])
    if kind == "permute":
        return jnp.transpose(x, step[1])
    if kind == "basic":
        return x[_index(step[1])]
    if kind == "expand":
        return jnp.broadcast_to(x, step[1])
    if kind == "diagonal":
        return jnp.diagonal(x, step[1], step[2], step[3])
    if kind == "as_strided":
        return x.reshape(-1)[_strided_indices(*step[1:])]
    if kind == "unfold":
        return _unfold(x, *step[1:])
    if kind == "real":
        return jnp.real(x)
    if kind == "imag":
        return jnp.imag(x)
    if kind == "view_as_real":
        return jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)
    if kind == "view_as_complex":
        return lax.complex(x[..., 0], x[..., 1])
    if kind == "bitcast":
        return _bitcast(x, step[1])
    raise AssertionError(kind)


def write_back(step, base, new):
    """The new value of `base` after the view `apply(step, base)` was overwritten with `new`."""
    kind = step[0]
    if kind == "reshape":
        return new.reshape(base.shape)
    if kind == "permute":
        return jnp.transpose(new, np.argsort(step[1]))
    if kind == "basic":
        idx = _index(step[1])
        target = base[_squeeze_none(idx)]
        return base.at[_squeeze_none(idx)].set(new.reshape(target.shape))
    if kind == "expand":
        return new if new.shape == base.shape else _overlap()
    if kind == "diagonal":
        rows, cols = _diag_indices(base.shape, *step[1:])
        d1, d2 = step[2] % base.ndim, step[3] % base.ndim
        moved = jnp.moveaxis(base, (d1, d2), (-2, -1))
        moved = moved.at[..., rows, cols].set(new)
        return jnp.moveaxis(moved, (-2, -1), (d1, d2))
    if kind == "as_strided":
        return base.reshape(-1).at[_strided_indices(*step[1:])].set(new).reshape(base.shape)
    if kind == "unfold":
        dim, size, stp = step[1:]
        if stp < size:
            _overlap()
        idx = _unfold_indices(base.shape[dim], size, stp)
        moved = jnp.moveaxis(base, dim, -1)
        vals = jnp.moveaxis(new, dim, -2)  # (..., n_windows, size)
        moved = moved.at[..., idx].set(vals)
        return jnp.moveaxis(moved, -1, dim)
    if kind == "real":
        return lax.complex(new.astype(jnp.real(base).dtype), jnp.imag(base))
    if kind == "imag":
        return lax.complex(jnp.real(base), new.astype(jnp.imag(base).dtype))
    if kind == "view_as_real":
        return lax.complex(new[..., 0], new[..., 1])
    if kind == "view_as_complex":
        return jnp.stack([jnp.real(new), jnp.imag(new)], axis=-1)
    if kind == "bitcast":
        return _bitcast(new, base.dtype)
    raise AssertionError(kind)


def apply_np(step, x):
    """The same view in numpy, sharing memory."""
    kind = step[0]
    if kind == "reshape":
        r = x.view()
        r.shape = step[1]  # raises rather than copying
        return r
    if kind == "permute":
        return x.transpose(step[1])
    if kind == "basic":
        return x[_index(step[1])]
    if kind == "expand":
        lead = len(step[1]) - x.ndim
        strides = (0,) * lead + tuple(0 if (s == 1 and t != 1) else st
                                      for s, t, st in zip(x.shape, step[1][lead:], x.strides))
        return np.lib.stride_tricks.as_strided(x, step[1], strides)
    if kind == "diagonal":
        d = np.diagonal(x, step[1], step[2], step[3])
        return np.lib.stride_tricks.as_strided(x, d.shape, d.strides) if d.size else d
    if kind == "as_strided":
        size, stride, offset = step[1:]
        flat = x.reshape(-1)
        it = flat.itemsize
        return np.lib.stride_tricks.as_strided(flat[offset:], size, tuple(s * it for s in stride))
    if kind == "unfold":
        dim, size, stp = step[1:]
        n = (x.shape[dim] - size) // stp + 1
        shape = x.shape[:dim] + (n,) + x.shape[dim + 1:] + (size,)
        strides = x.strides[:dim] + (x.strides[dim] * stp,) + x.strides[dim + 1:] + (x.strides[dim],)
        return np.lib.stride_tricks.as_strided(x, shape, strides)
    if kind == "real":
        return x.real
    if kind == "imag":
        return x.imag
    if kind == "view_as_real":
        return x.view(x.real.dtype).reshape(x.shape + (2,))
    if kind == "view_as_complex":
        return x.view(np.complex64 if x.dtype == np.float32 else np.complex128).reshape(x.shape[:-1])
    if kind == "bitcast":
        return x.view(step[1])
    raise AssertionError(kind)


def _overlap():
    raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a single "
                       "memory location. Please clone() the tensor before performing the operation.")


@functools.lru_cache(maxsize=1024)
def _strided_indices(size, stride, offset):
    idx = np.full(size, offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        idx = idx + (np.arange(n, dtype=np.int64) * s).reshape(shape)
    return idx


@functools.lru_cache(maxsize=1024)
def _diag_indices(shape, offset, d1, d2):
    n1, n2 = shape[d1 % len(shape)], shape[d2 % len(shape)]
    if offset >= 0:
        n = max(0, min(n1, n2 - offset))
        return np.arange(n), np.arange(n) + offset
    n = max(0, min(n1 + offset, n2))
    return np.arange(n) - offset, np.arange(n)


@functools.lru_cache(maxsize=1024)
def _unfold_indices(length, size, step):
    n = (length - size) // step + 1
    return np.arange(n)[:, None] * step + np.arange(size)[None, :]


def _unfold(x, dim, size, step):
    idx = _unfold_indices(x.shape[dim] if x.ndim else 1, size, step)
    if x.ndim == 0:
        return x.reshape(1)[idx[:, 0]] if size == 1 else x.reshape(1)
    moved = jnp.moveaxis(x, dim, -1)
    out = moved[..., idx]  # (..., n, size)
    return jnp.moveaxis(out, -2, dim)


def _bitcast(x, dtype):
    dtype = np.dtype(dtype)
    src = x.dtype.itemsize
    dst = dtype.itemsize
    if src == dst:
        return lax.bitcast_convert_type(x, dtype)
    if src > dst:
        r = lax.bitcast_convert_type(x, dtype)  # adds a trailing dim of src // dst
        return r.reshape(x.shape[:-1] + (x.shape[-1] * (src // dst),))
    k = dst // src
    return lax.bitcast_convert_type(x.reshape(x.shape[:-1] + (x.shape[-1] // k, k)), dtype)


@functools.lru_cache(maxsize=4096)
def reader(chain):
    def read(root):
        for s in chain:
            root = apply(s, root)
        return root
    return jax.jit(read)


@functools.lru_cache(maxsize=4096)
def writer(chain):
    def write(root, new):
        vals = [root]
        for s in chain[:-1]:
            vals.append(apply(s, vals[-1]))
        for s, v in zip(reversed(chain), reversed(vals)):
            new = write_back(s, v, new.astype(apply(s, v).dtype))
        return new
    return jax.jit(write)


def read_np(chain, host):
    for s in chain:
        host = apply_np(s, host)
    return host


# ---- torch's stride arithmetic (for .stride(), .is_contiguous(), view() validity, storage offsets) ----

def contiguous_strides(shape):
    strides = []
    acc = 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(strides))


def is_contiguous(shape, strides):
    expected = 1
    for size, st in zip(reversed(shape), reversed(strides)):
        if size == 1:
            continue
        if size == 0:
            return True
        if st != expected:
            return False
        expected *= size
    return True


def view_strides(oldshape, oldstride, newshape):
    """torch's computeStride: the strides of `view(newshape)`, or None when the view is impossible."""
    if len(oldshape) == 0:  # a 0-dim tensor views as any shape of one element
        return (1,) * len(newshape)
    numel = 1
    for s in oldshape:
        numel *= s
    if numel == 0:
        return contiguous_strides(newshape) if tuple(oldshape) != tuple(newshape) else tuple(oldstride)
    newstride = [0] * len(newshape)
    view_d = len(newshape) - 1
    chunk_base_stride = oldstride[-1] if oldstride else 1
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[tensor_d]
        if tensor_d == 0 or (oldshape[tensor_d - 1] != 1 and
                             oldstride[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base_stride
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = oldstride[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(newstride)
