"""Reductions and scans: sum, mean, prod, max/min (values and indices), amax/amin, argmax/argmin, std/var,
norm, all/any, logsumexp, softmax/log_softmax, cumsum/cumprod, median, count_nonzero."""
import math
import warnings

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
from jax import lax

from .. import _dtype as D
from .. import return_types
from .._tensor import Tensor, _wrap_dim
from ._common import tabs, cast, check_tensor, float_type, np_dtype, wrap_dims
from .kernel import Kernel, call
from .registry import op


def _dims(input, dim):
    """Reduction dims: None -> all; int/list/tuple wrapped; an empty list reduces all (torch's legacy rule)."""
    n = input.ndim
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(n))
    return wrap_dims(dim, n) if n else (wrap_dims(dim, 0) and ())


def _acc_dtype(input, dtype):
    if dtype is not None:
        return dtype
    d = input._dtype
    return D.int64 if not (d.is_floating_point or d.is_complex) else d


def _sum_fn(st, x):
    dims, keep, dt = st
    return jnp.sum(cast(x, dt), axis=dims, keepdims=keep)


_SUM = Kernel("sum", _sum_fn, "SumBackward1", linear=True)


@op(out=True)
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    check_tensor(input, "sum")
    if isinstance(dim, D.dtype):
        dim, dtype = None, dim
    dims = _dims(input, dim)
    return call(_SUM, [input], (dims, bool(keepdim), np_dtype(_acc_dtype(input, dtype))),
                name="SumBackward0" if dim is None else "SumBackward1")


def _nansum_fn(st, x):
    dims, keep, dt = st
    x = cast(x, dt)
    return jnp.sum(jnp.where(jnp.isnan(x), 0, x) if jnp.issubdtype(dt, jnp.inexact) else x, axis=dims, keepdims=keep)


_NANSUM = Kernel("nansum", _nansum_fn, "NansumBackward0")


@op(out=True)
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    return call(_NANSUM, [input], (_dims(input, dim), bool(keepdim), np_dtype(_acc_dtype(input, dtype))))


def _mean_fn(st, x):
    dims, keep, dt = st
    return jnp.mean(cast(x, dt), axis=dims, keepdims=keep)


_MEAN = Kernel("mean", _mean_fn, "MeanBackward1", linear=True)


@op(out=True)
def mean(input, dim=None, keepdim=False, *, dtype=None):
    check_tensor(input, "mean")
    if isinstance(dim, D.dtype):
        dim, dtype = None, dim
    dt = dtype or input._dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {D._scalar_name(dt)}")
    return call(_MEAN, [input], (_dims(input, dim), bool(keepdim), np_dtype(dt)),
                name="MeanBackward0" if dim is None else "MeanBackward1")


def _nanmean_fn(st, x):
    dims, keep, dt = st
    return jnp.nanmean(cast(x, dt), axis=dims, keepdims=keep)


_NANMEAN = Kernel("nanmean", _nanmean_fn, "NanmeanBackward0")


@op(out=True)
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    dt = dtype or input._dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{D._scalar_name(dt)}")
    return call(_NANMEAN, [input], (_dims(input, dim), bool(keepdim), np_dtype(dt)))


def _prod_fn(st, x):
    dims, keep, dt = st
    return jnp.prod(cast(x, dt), axis=dims, keepdims=keep)


_PROD = Kernel("prod", _prod_fn, "ProdBackward1")


@op(out=True)
def prod(input, dim=None, keepdim=False, *, dtype=None):
    if isinstance(dim, D.dtype):
        dim, dtype = None, dim
    return call(_PROD, [input], (_dims(input, dim), bool(keepdim), np_dtype(_acc_dtype(input, dtype))),
                name="ProdBackward0" if dim is None else "ProdBackward1")


# ---- max / min ------------------------------------------------------------------------------------------------

def _full_reduce_max(st, x):
    return jnp.max(x) if st else jnp.min(x)


_MAX_ALL = Kernel("max", _full_reduce_max, "MaxBackward1")


def _max_dim(st, x):
    dim, keep, is_max = st
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    idx = jnp.argmax(x, axis=dim, keepdims=True) if is_max else jnp.argmin(x, axis=dim, keepdims=True)
    vals = jnp.take_along_axis(x, idx, axis=dim)
    if not keep:
        vals, idx = jnp.squeeze(vals, dim), jnp.squeeze(idx, dim)
    return vals, idx.astype(jnp.int64)


_MAX_DIM = Kernel("max_dim", _max_dim, "MaxBackward0", diff_out=(0,))


def _check_nonempty(input, name):
    if input.numel() == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                           f"reduction dim with the 'dim' argument.")


def _minmax(input, dim, keepdim, other, is_max):
    name = "max" if is_max else "min"
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}() received an invalid combination of arguments - got ({type(input).__name__}, ...)")
    if isinstance(dim, Tensor) and other is None:
        dim, other = None, dim
    if other is not None:
        from .pointwise import maximum, minimum
        return (maximum if is_max else minimum)(input, other)
    if dim is None:
        _check_nonempty(input, name)
        if input._dtype.is_complex:
            raise RuntimeError(f"{name}(): does not support complex input")
        return call(_MAX_ALL, [input], is_max, name="MaxBackward1" if is_max else "MinBackward1")
    d = _wrap_dim(dim, input.ndim)
    if input.ndim and input._shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    vals, idx = call(_MAX_DIM, [input], (d, bool(keepdim), is_max), name="MaxBackward0" if is_max else "MinBackward0")
    return (return_types.max if is_max else return_types.min)(vals, idx)


@op(out=True)
def max(input, dim=None, keepdim=False, *, other=None):  # noqa: A001
    return _minmax(input, dim, keepdim, other, True)


@op(out=True)
def min(input, dim=None, keepdim=False, *, other=None):  # noqa: A001
    return _minmax(input, dim, keepdim, other, False)


def _amax_fn(st, x):
    dims, keep, is_max = st
    return (jnp.max if is_max else jnp.min)(x, axis=dims, keepdims=keep)


_AMAX = Kernel("amax", _amax_fn, "AmaxBackward0")


def _amax(input, dim, keepdim, is_max, name=None):
    name = name or ("amax" if is_max else "amin")
    all_dims = dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0)
    if all_dims and input.numel() == 0:
        if name == "aminmax":
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                               "identity.")
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                           f"reduction dim with the 'dim' argument.")
    dims = _dims(input, dim)
    if name == "aminmax":
        for d in dims:
            if input._shape[d] == 0:
                raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")
    for d in dims:
        if input._shape[d] == 0:
            raise IndexError(f"{'amax' if is_max else 'amin'}(): Expected reduction dim {d} to have non-zero size.")
    if input.numel() == 0 and not dims:
        _check_nonempty(input, "amax" if is_max else "amin")
    return call(_AMAX, [input], (dims, bool(keepdim), is_max), name="AmaxBackward0" if is_max else "AminBackward0")


@op(out=True)
def amax(input, dim=(), keepdim=False):
    return _amax(input, dim, keepdim, True)


@op(out=True)
def amin(input, dim=(), keepdim=False):
    return _amax(input, dim, keepdim, False)


@op(out=True)
def aminmax(input, *, dim=None, keepdim=False):
    return return_types.aminmax(_amax(input, dim, keepdim, False, "aminmax"),
                                _amax(input, dim, keepdim, True, "aminmax"))


def _argmax_fn(st, x):
    dim, keep, is_max = st
    f = jnp.argmax if is_max else jnp.argmin
    if dim is None:
        r = f(x.reshape(-1))
        return (r.reshape((1,) * x.ndim) if keep else r).astype(jnp.int64)
    if x.ndim == 0:
        return jnp.zeros((), jnp.int64)
    return f(x, axis=dim, keepdims=keep).astype(jnp.int64)


_ARGMAX = Kernel("argmax", _argmax_fn, "ArgmaxBackward0")


def _arg(input, dim, keepdim, is_max):
    name = "argmax" if is_max else "argmin"
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        return call(_ARGMAX, [input], (None, bool(keepdim), is_max))
    d = _wrap_dim(dim, input.ndim)
    if input.ndim and input._shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return call(_ARGMAX, [input], (d, bool(keepdim), is_max))


@op(out=True)
def argmax(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, True)


@op(out=True)
def argmin(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, False)


# ---- std / var --------------------------------------------------------------------------------------------------

def _var_fn(st, x):
    dims, keep, correction, is_std, dt = st
    x = cast(x, dt)
    m = jnp.mean(x, axis=dims, keepdims=True)
    d = x - m
    sq = jnp.real(d * jnp.conj(d)) if jnp.iscomplexobj(d) else d * d
    n = math.prod(x.shape[i] for i in dims) if dims else 1
    v = jnp.sum(sq, axis=dims, keepdims=keep) / jnp.maximum(n - correction, 0)
    return jnp.sqrt(v) if is_std else v


_VAR = Kernel("var", _var_fn, "VarBackward0")


def _var_args(dim, unbiased, keepdim, correction, args_name):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if correction is not None and unbiased is not None:
        raise RuntimeError(f"{args_name}: Cannot pass both unbiased and correction")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, correction


def _var_impl(input, dim, unbiased, keepdim, correction, is_std):
    name = "std" if is_std else "var"
    dim, correction = _var_args(dim, unbiased, keepdim, correction, name)
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        raise RuntimeError(f"{name}(): input dtype should be either floating point or complex dtypes. Got "
                           f"{D._scalar_name(input._dtype)} instead.")
    dims = _dims(input, dim)
    n = math.prod(input._shape[i] for i in dims) if dims else 1
    if n - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                      f"factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    out_dt = input._dtype.to_real() if input._dtype.is_complex else input._dtype
    return call(_VAR, [input], (dims, bool(keepdim), correction, is_std, np_dtype(input._dtype)),
                name="StdBackward0" if is_std else "VarBackward0").to(out_dt)


@op(out=True)
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _var_impl(input, dim, unbiased, keepdim, correction, False)


@op(out=True)
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _var_impl(input, dim, unbiased, keepdim, correction, True)


@op(method=False)
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    d, _ = _var_args(dim, unbiased, keepdim, correction, "var_mean")
    return (var(input, dim, unbiased, keepdim, correction=correction), mean(input, d, keepdim))


@op(method=False)
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    d, _ = _var_args(dim, unbiased, keepdim, correction, "std_mean")
    return (std(input, dim, unbiased, keepdim, correction=correction), mean(input, d, keepdim))


# ---- norms ------------------------------------------------------------------------------------------------------

def vector_norm_fn(x, p, dims, keep):
    a = tabs(x) if jnp.issubdtype(x.dtype, jnp.inexact) else jnp.abs(x)
    if p == 2:
        sq = jnp.sum(jnp.real(x * jnp.conj(x)) if jnp.iscomplexobj(x) else x * x, axis=dims, keepdims=keep)
        safe = jnp.where(sq == 0, 1, sq)
        return jnp.where(sq == 0, 0, jnp.sqrt(safe))
    if p == math.inf:
        return jnp.max(a, axis=dims, keepdims=keep)
    if p == -math.inf:
        return jnp.min(a, axis=dims, keepdims=keep)
    if p == 0:
        return jnp.sum((a != 0).astype(a.dtype), axis=dims, keepdims=keep)
    if p == 1:
        return jnp.sum(a, axis=dims, keepdims=keep)
    s = jnp.sum(jnp.where(a == 0, 0, jnp.power(jnp.where(a == 0, 1, a), p)), axis=dims, keepdims=keep)
    safe = jnp.where(s == 0, 1, s)
    return jnp.where(s == 0, 0, jnp.power(safe, 1.0 / p))


def _vnorm(st, x):
    p, dims, keep, dt = st
    return vector_norm_fn(cast(x, dt), p, dims, keep)


VECTOR_NORM = Kernel("vector_norm", _vnorm, "LinalgVectorNormBackward0")


def vector_norm(input, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    dt = dtype or input._dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{D._scalar_name(dt)}")
    dims = _dims(input, dim)
    if ord < 0 and input.numel() == 0:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
                           f"operation does not have an identity")
    out = call(VECTOR_NORM, [input], (float(ord), dims, bool(keepdim), np_dtype(dt)))
    return out


@op()
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    if isinstance(p, str):
        if p == "fro":
            return vector_norm(input, 2, dim, keepdim, dtype=dtype)
        if p == "nuc":
            from .. import linalg
            return linalg.matrix_norm(input, "nuc", dim if dim is not None else (-2, -1), keepdim)
        raise RuntimeError(f"norm(): unsupported norm type {p}")
    if p is None:
        p = 2
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


# ---- logical reductions -------------------------------------------------------------------------------------------

def _all_fn(st, x):
    dims, keep, is_all, out_u8 = st
    r = (jnp.all if is_all else jnp.any)(x != 0 if x.dtype != jnp.bool_ else x, axis=dims, keepdims=keep)
    return r.astype(jnp.uint8) if out_u8 else r


_ALL = Kernel("all", _all_fn, "AllBackward0")


@op(out=True)
def all(input, dim=None, keepdim=False):  # noqa: A001
    return call(_ALL, [input], (_dims(input, dim), bool(keepdim), True, input._dtype is D.uint8))


@op(out=True)
def any(input, dim=None, keepdim=False):  # noqa: A001
    return call(_ALL, [input], (_dims(input, dim), bool(keepdim), False, input._dtype is D.uint8))


def _count_nonzero_fn(st, x):
    return jnp.sum(x != 0, axis=st).astype(jnp.int64)


_COUNT_NZ = Kernel("count_nonzero", _count_nonzero_fn)


@op()
def count_nonzero(input, dim=None):
    return call(_COUNT_NZ, [input], _dims(input, dim))


# ---- logsumexp / softmax --------------------------------------------------------------------------------------------

def _lse_fn(st, x):
    dims, keep, dt = st
    x = cast(x, dt)
    if not dims:
        return x
    return jss.logsumexp(x, axis=dims, keepdims=keep)


_LSE = Kernel("logsumexp", _lse_fn, "LogsumexpBackward0")


@op(out=True)
def logsumexp(input, dim, keepdim=False):
    return call(_LSE, [input], (_dims(input, dim), bool(keepdim), np_dtype(float_type(input._dtype))))


def _softmax_fn(st, x):
    dim, dt, log = st
    x = cast(x, dt)
    if x.ndim == 0:
        return jnp.zeros_like(x) if log else jnp.ones_like(x)
    return jax.nn.log_softmax(x, axis=dim) if log else jax.nn.softmax(x, axis=dim)


_SOFTMAX = Kernel("softmax", _softmax_fn, "SoftmaxBackward0")


def softmax_dim(ndim, name):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as "
                  f"an argument.", UserWarning, stacklevel=4)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax(input, dim, dtype, log):
    name = "log_softmax" if log else "softmax"
    if dim is None:
        dim = softmax_dim(input.ndim, name)
    d = _wrap_dim(dim, input.ndim) if input.ndim else (_wrap_dim(dim, 0) and 0)
    dt = dtype or input._dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"\"{'log_softmax' if log else 'softmax'}_lastdim_kernel_impl\" not implemented for "
                           f"'{D._scalar_name(dt)}'")
    return call(_SOFTMAX, [input], (d, np_dtype(dt), log), name="LogSoftmaxBackward0" if log else "SoftmaxBackward0")


@op(namespace="torch")
def softmax(input, dim=None, dtype=None, *, _stacklevel=3):
    return _softmax(input, dim, dtype, False)


@op(namespace="torch")
def log_softmax(input, dim=None, dtype=None, *, _stacklevel=3):
    return _softmax(input, dim, dtype, True)


# ---- scans ----------------------------------------------------------------------------------------------------------

def _cumsum_fn(st, x):
    dim, dt = st
    x = cast(x, dt)
    return jnp.cumsum(x, axis=dim) if x.ndim else x


def _cumprod_fn(st, x):
    dim, dt = st
    x = cast(x, dt)
    return jnp.cumprod(x, axis=dim) if x.ndim else x


_CUMSUM = Kernel("cumsum", _cumsum_fn, "CumsumBackward0", linear=True)
_CUMPROD = Kernel("cumprod", _cumprod_fn, "CumprodBackward0")


@op(inplace=True, out=True)
def cumsum(input, dim, *, dtype=None):
    d = _wrap_dim(dim, input.ndim)
    return call(_CUMSUM, [input], (d, np_dtype(_acc_dtype(input, dtype))))


@op(inplace=True, out=True)
def cumprod(input, dim, *, dtype=None):
    d = _wrap_dim(dim, input.ndim)
    return call(_CUMPROD, [input], (d, np_dtype(_acc_dtype(input, dtype))))


# ---- median -----------------------------------------------------------------------------------------------------

def _median_all(_, x):
    flat = jnp.sort(x.reshape(-1))
    return flat[(flat.shape[0] - 1) // 2]


def _median_dim(st, x):
    dim, keep = st
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    idx = jnp.argsort(x, axis=dim, stable=True)
    k = (x.shape[dim] - 1) // 2
    i = lax.index_in_dim(idx, k, dim, keepdims=True)
    v = jnp.take_along_axis(x, i, axis=dim)
    if not keep:
        v, i = jnp.squeeze(v, dim), jnp.squeeze(i, dim)
    return v, i.astype(jnp.int64)


_MEDIAN_ALL = Kernel("median", _median_all, "MedianBackward0")
_MEDIAN_DIM = Kernel("median_dim", _median_dim, "MedianBackward1", diff_out=(0,))


@op(out=True)
def median(input, dim=None, keepdim=False):
    if dim is None:
        if input.numel() == 0:
            return call(_MEDIAN_ALL, [input.reshape(-1).new_full((1,), float("nan"))], None)
        return call(_MEDIAN_ALL, [input], None)
    d = _wrap_dim(dim, input.ndim)
    v, i = call(_MEDIAN_DIM, [input], (d, bool(keepdim)))
    return return_types.median(v, i)


@op(method=True, function=False)
def sum_to_size(input, *size):
    """Sum the broadcast dimensions away so the result has shape `size` (the reverse of expand)."""
    from ._common import as_int_tuple
    size = as_int_tuple(size, "sum_to_size")
    n = input.ndim
    if len(size) > n:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(input._shape)}}}.")
    lead = n - len(size)
    dims = list(range(lead))
    for i, s in enumerate(size):
        cur = input._shape[lead + i]
        if s == 1 and cur != 1:
            dims.append(lead + i)
        elif s != cur:
            raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(input._shape)}}}.")
    if not dims:
        return input
    out = sum(input, dims, keepdim=True)
    return out.reshape(size) if lead else out
