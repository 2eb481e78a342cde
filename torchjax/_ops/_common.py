"""Helpers shared by op families: torch's result_type, broadcasting with torch's errors, argument checks."""
import functools
import numbers

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as D
from .._size import Size
from .._tensor import Tensor, _wrap_dim

Number = (int, float, complex, bool, np.number, np.bool_)


def is_scalar(x):
    return isinstance(x, Number) and not isinstance(x, Tensor)


def scalar_dtype(x):
    if isinstance(x, (bool, np.bool_)):
        return D.bool
    if isinstance(x, (int, np.integer)):
        return D.int64
    if isinstance(x, (float, np.floating)):
        return D.get_default_dtype()
    if isinstance(x, (complex, np.complexfloating)):
        return D.default_complex_dtype()
    raise TypeError(f"unsupported scalar type {type(x).__name__}")


def _combine(higher, lower):
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if lower.is_complex:
        return higher.to_complex() if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is D.bool or lower.is_floating_point:
        return D.promote_types(higher, lower)
    return higher


def result_type(*args):
    """torch.result_type over Tensors and Python numbers: dimensioned tensors > 0-dim tensors > Python numbers,
    where a lower-priority participant only matters if it is of a higher category."""
    if len(args) == 2:
        a, b = args
        if type(a) is Tensor and type(b) is Tensor and a._dtype is b._dtype and a._shape and b._shape:
            return a._dtype
    dim = zero = wrapped = None
    for a in args:
        if isinstance(a, Tensor):
            if a._shape:
                dim = a._dtype if dim is None else D.promote_types(dim, a._dtype)
            else:
                zero = a._dtype if zero is None else D.promote_types(zero, a._dtype)
        elif a is not None:
            d = scalar_dtype(a)
            wrapped = d if wrapped is None else D.promote_types(wrapped, d)
    return _combine(dim, _combine(zero, wrapped))


def float_type(dt):
    """The dtype a float-only op computes in: ints and bool promote to the default float dtype."""
    return dt if dt.is_floating_point or dt.is_complex else D.get_default_dtype()


@functools.lru_cache(maxsize=4096)
def broadcast_shapes2(a, b):
    if a == b:
        return a
    na, nb = len(a), len(b)
    n = max(na, nb)
    out = []
    for i in range(n):
        x = a[i - n + na] if i - n + na >= 0 else 1
        y = b[i - n + nb] if i - n + nb >= 0 else 1
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                               f"dimension {i}")
    return Size(out)


def broadcast_shapes(*shapes):
    out = Size(())
    for s in shapes:
        out = broadcast_shapes2(out, tuple(s))
    return Size(out)


def shape_of(x):
    return x._shape if isinstance(x, Tensor) else ()


def cast(x, dt):
    """Convert an array or Python scalar to numpy dtype `dt` inside a kernel."""
    if isinstance(x, (jax.Array, np.ndarray, jax.core.Tracer)) and x.dtype == dt:
        return x
    return lax.convert_element_type(x, dt)


def np_dtype(d):
    return D.to_np(d)


def wrap_dim(dim, ndim):
    return _wrap_dim(dim, ndim)


def wrap_dims(dims, ndim):
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, int):
        dims = (dims,)
    out = tuple(_wrap_dim(d, ndim) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return out


def check_tensor(x, fname, argname="input", pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not {type(x).__name__}")


def as_int_tuple(size, fname="size"):
    """torch accepts f(2, 3), f((2, 3)), f([2, 3]), f(torch.Size(...))."""
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.__index__()
        elif type(s).__name__ == "_DimExpr":  # a symbolic dimension (torch.jit save: jax.export shape polymorphism)
            out.append(s)
            continue
        elif not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{fname}(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(s).__name__} at pos {len(out)}")
        out.append(int(s))
    return tuple(out)


def is_tracing(x):
    return isinstance(x, jax.core.Tracer)


def concrete(t):
    """The host value of a tensor, or None inside a compiled function."""
    v = t._value()
    return None if isinstance(v, jax.core.Tracer) else np.asarray(v)


def numbers_real(x):
    return isinstance(x, numbers.Real)


@jax.custom_jvp
def tabs(x):
    """|x| with torch's derivative: sign(x) (0 at 0, where JAX's abs has slope 1)."""
    return jnp.abs(x)


@tabs.defjvp
def _tabs_jvp(primals, tangents):
    x, = primals
    t, = tangents
    if jnp.iscomplexobj(x):
        a = jnp.abs(x)
        sgn = jnp.where(a == 0, 0, x / jnp.where(a == 0, 1, a))
        return a, jnp.real(jnp.conj(sgn) * t)
    return jnp.abs(x), jnp.sign(x) * t
