"""Order statistics, counting and searching: nanmedian, mode, quantile/nanquantile, histc, histogram(dd), bincount,
bucketize, searchsorted, unique(_consecutive), isin, cov, corrcoef, dist, renorm, cross, cdist."""
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as D
from .. import return_types
from .._tensor import Tensor, _wrap_dim
from ._common import broadcast_shapes, cast, check_tensor, concrete, float_type, is_scalar, np_dtype, result_type
from .creation import _put
from .kernel import Kernel, call
from .registry import function, op


def _dim0(input, dim):
    return _wrap_dim(dim, input.ndim) if input.ndim else (_wrap_dim(dim, 0) and 0)


# ---- median family ---------------------------------------------------------------------------------------------------

def _nanmedian_dim(st, x):
    dim, keep, ignore_nan = st
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    idx = jnp.argsort(x, axis=dim, stable=True)  # NaNs sort last
    n = x.shape[dim]
    nan = jnp.isnan(x) if jnp.issubdtype(x.dtype, jnp.inexact) else jnp.zeros(x.shape, bool)
    cnt = jnp.sum(~nan, axis=dim, keepdims=True)
    if ignore_nan:
        k = jnp.maximum((cnt - 1) // 2, 0)
    else:
        k = jnp.where(cnt < n, cnt, (n - 1) // 2)  # with a NaN: the first NaN in sorted order
    i = jnp.take_along_axis(idx, k, axis=dim)
    v = jnp.take_along_axis(x, i, axis=dim)
    if not keep:
        v, i = jnp.squeeze(v, dim), jnp.squeeze(i, dim)
    return v, i.astype(jnp.int64)


_NANMEDIAN_DIM = Kernel("nanmedian_dim", _nanmedian_dim, "NanmedianBackward1", diff_out=(0,))


def _nanmedian_all(_, x):
    flat = x.reshape(-1)
    s = jnp.sort(flat)
    cnt = jnp.sum(~jnp.isnan(flat)) if jnp.issubdtype(x.dtype, jnp.inexact) else flat.shape[0]
    return s[jnp.maximum((cnt - 1) // 2, 0)]


_NANMEDIAN_ALL = Kernel("nanmedian", _nanmedian_all, "NanmedianBackward0")


@op(out=True)
def nanmedian(input, dim=None, keepdim=False):
    check_tensor(input, "nanmedian")
    if dim is None:
        if input.numel() == 0:
            from .creation import full
            return full((), float("nan"), dtype=input._dtype)
        return call(_NANMEDIAN_ALL, [input], None)
    d = _dim0(input, dim)
    if input.ndim and input._shape[d] == 0:
        raise IndexError(f"nanmedian(): Expected reduction dim {d} to have non-zero size.")
    v, i = call(_NANMEDIAN_DIM, [input], (d, bool(keepdim), True))
    return return_types.nanmedian(v, i)


def _mode_fn(st, x):
    dim, keep = st
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    xm = jnp.moveaxis(x, dim, -1)
    lead = xm.shape[:-1]
    n = xm.shape[-1]
    rows = xm.reshape(-1, n)

    def one(r):
        order = jnp.argsort(r, stable=True)
        s = r[order]
        new = jnp.concatenate([jnp.ones((1,), bool), s[1:] != s[:-1]])
        gid = jnp.cumsum(new) - 1
        counts = jax.ops.segment_sum(jnp.ones((n,), jnp.int32), gid, num_segments=n)
        best = jnp.argmax(counts)
        last_pos = jax.ops.segment_max(jnp.arange(n), gid, num_segments=n)[best]
        return s[last_pos], order[last_pos]

    v, i = jax.vmap(one)(rows)
    v, i = v.reshape(lead), i.reshape(lead)
    if keep:
        v, i = jnp.expand_dims(v, dim), jnp.expand_dims(i, dim)
    return v, i.astype(jnp.int64)


_MODE = Kernel("mode", _mode_fn, "ModeBackward0", diff_out=(0,))


@op(out=True)
def mode(input, dim=-1, keepdim=False):
    check_tensor(input, "mode")
    d = _dim0(input, dim)
    if input.ndim and input._shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    v, i = call(_MODE, [input], (d, bool(keepdim)))
    return return_types.mode(v, i)


# ---- quantile -------------------------------------------------------------------------------------------------------

def _quantile_fn(st, x, q):
    dim, keep, interp, ignore_nan, q_scalar, _ = st
    if dim is None:
        x = x.reshape(-1)
        d = 0
    else:
        d = dim
    xs = jnp.sort(x, axis=d)
    xs = jnp.moveaxis(xs, d, -1)
    n = xs.shape[-1]
    nan = jnp.isnan(xs)
    if ignore_nan:
        cnt = jnp.sum(~nan, axis=-1, keepdims=True)
    else:
        cnt = jnp.full(xs.shape[:-1] + (1,), n)
    qv = jnp.reshape(q, (-1,)).astype(xs.dtype)
    rank = qv * (cnt - 1).astype(xs.dtype)  # (..., nq)
    if interp == "lower":
        rank = jnp.floor(rank)
    elif interp == "higher":
        rank = jnp.ceil(rank)
    elif interp == "nearest":
        rank = jnp.round(rank)
    lo = jnp.clip(jnp.floor(rank).astype(jnp.int64), 0, n - 1)
    hi = jnp.clip(jnp.ceil(rank).astype(jnp.int64), 0, n - 1)
    vlo = jnp.take_along_axis(xs, lo, axis=-1)
    vhi = jnp.take_along_axis(xs, hi, axis=-1)
    if interp == "midpoint":
        out = jnp.where(lo == hi, vlo, (vlo + vhi) / 2)
    elif interp == "linear":
        w = rank - lo.astype(xs.dtype)
        out = vlo + w * (vhi - vlo)
        out = jnp.where(lo == hi, vlo, out)
    else:
        out = vlo
    if ignore_nan:
        out = jnp.where(cnt == 0, jnp.nan, out)
    else:
        out = jnp.where(jnp.any(nan, axis=-1, keepdims=True), jnp.nan, out)
    out = jnp.moveaxis(out, -1, 0)  # (nq, ...)
    if keep:
        if dim is None:
            out = out.reshape((out.shape[0],) + (1,) * st[5])
        else:
            out = jnp.expand_dims(out, d + 1)
    if q_scalar:
        out = out[0]
    return out


_QUANTILE = Kernel("quantile", lambda st, x, q: _quantile_fn(st, x, q), "QuantileBackward0")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    name = "nanquantile" if ignore_nan else "quantile"
    check_tensor(input, name)
    if input._dtype not in (D.float32, D.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. Found "
                           f"{interpolation}")
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q._dtype is not input._dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        qv = concrete(q)
        q_scalar = q.ndim == 0
    else:
        qv = np.asarray(float(q))
        q_scalar = True
        if not isinstance(q, (int, float)):
            raise TypeError(f"{name}(): argument 'q' must be float or Tensor")
        from .creation import tensor
        q = tensor(float(q), dtype=input._dtype, device=input.device)
    if qv is not None and ((qv < 0) | (qv > 1)).any():
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    d = None if dim is None else _dim0(input, dim)
    st = (d, bool(keepdim), interpolation, ignore_nan, q_scalar, input.ndim)
    x = input if input.ndim else input.reshape(1)
    if d is not None and input.ndim == 0:
        st = (0, False, interpolation, ignore_nan, q_scalar, 0)
    return call(_QUANTILE, [x, q], st)


@op(out=True)
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    return _quantile(input, q, dim, keepdim, interpolation, False)


@op(out=True)
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    return _quantile(input, q, dim, keepdim, interpolation, True)


# ---- histograms and counting ------------------------------------------------------------------------------------------

@op(out=True)
def histc(input, bins=100, min=0, max=0):  # noqa: A002
    check_tensor(input, "histc")
    if not input._dtype.is_floating_point:
        raise RuntimeError(f'"histogram_cpu" not implemented for \'{D._scalar_name(input._dtype)}\'')
    if bins <= 0:
        raise RuntimeError("torch.histc(): bins must be > 0, but got " + str(bins) + " for dimension 0")
    v = concrete(input)
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if lo == hi and v is not None and v.size:
        lo, hi = float(v.min()), float(v.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    return call(_HISTC, [input], (int(bins), lo, hi, np_dtype(input._dtype)))


def _histc_kernel(st, x):
    bins, lo, hi, dt = st
    x = x.reshape(-1)
    xf = x.astype(jnp.float64) if x.dtype != jnp.float64 else x
    inside = (xf >= lo) & (xf <= hi)
    pos = jnp.floor((xf - lo) * bins / (hi - lo)).astype(jnp.int64)
    pos = jnp.clip(pos, 0, bins - 1)
    return jnp.zeros((bins,), dt).at[pos].add(inside.astype(dt))


_HISTC = Kernel("histc", _histc_kernel, "HistcBackward0")


def _hist_nd(v, w, edges, density):
    """torch's CPU histogram: per dim, the bin is found by binary search (upper_bound) in the given edges, the last
    edge is inclusive, values outside [edges[0], edges[-1]] are dropped."""
    n, k = v.shape
    keep = np.ones(n, bool)
    idx = np.zeros(n, np.int64)
    shape = tuple(len(e) - 1 for e in edges)
    for j, e in enumerate(edges):
        x = v[:, j]
        keep &= (x >= e[0]) & (x <= e[-1])
        pos = np.searchsorted(e, x, side="right") - 1
        pos = np.where(pos == len(e) - 1, pos - 1, pos)
        pos = np.clip(pos, 0, max(len(e) - 2, 0))
        idx = idx * shape[j] + pos
    hist = np.zeros(int(np.prod(shape)), np.float64)
    if hist.size:
        np.add.at(hist, idx[keep], 1.0 if w is None else w[keep])
    hist = hist.reshape(shape)
    if density:
        vol = np.ones(shape)
        for j, e in enumerate(edges):
            d = np.diff(e)
            vol = vol * d.reshape([-1 if i == j else 1 for i in range(k)])
        tot = hist.sum()
        hist = hist / (tot * vol)
    return hist


@function()
def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):  # noqa: A002
    check_tensor(input, "histogram")
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have the same dtype")
    v = np.asarray(input._host_values(), np.float64).reshape(-1)
    w = None if weight is None else np.asarray(weight._host_values(), np.float64).reshape(-1)
    if isinstance(bins, Tensor):
        edges = np.asarray(bins._host_values(), np.float64)
    else:
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
        lo, hi = (float(range[0]), float(range[1])) if range is not None else \
            ((float(v.min()), float(v.max())) if v.size else (0.0, 1.0))
        if lo > hi:
            raise RuntimeError(f"torch.histogram(): max must be larger than min")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, int(bins) + 1)
    npd = np.dtype(input._dtype.np)
    edges_c = edges.astype(npd)
    hist = _hist_nd(v.reshape(-1, 1), w, [edges_c.astype(np.float64)], density)
    r = return_types.histogram(_put(hist.astype(npd), input.device), _put(edges_c, input.device))
    return r


@function()
def histogramdd(input, bins=10, *, range=None, weight=None, density=False):  # noqa: A002
    check_tensor(input, "histogramdd")
    v = np.asarray(input._host_values(), np.float64)
    k = v.shape[-1]
    v = v.reshape(-1, k)
    w = None if weight is None else np.asarray(weight._host_values(), np.float64).reshape(-1)
    npd = np.dtype(input._dtype.np)
    if isinstance(bins, int):
        bins = [bins] * k
    if len(bins) != k:
        raise RuntimeError(f"histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    edges = []
    for j in builtins_range(k):
        b = bins[j]
        if isinstance(b, Tensor):
            edges.append(np.asarray(b._host_values(), np.float64))
            continue
        if range is not None:
            lo, hi = float(range[2 * j]), float(range[2 * j + 1])
        else:
            lo, hi = (float(v[:, j].min()), float(v[:, j].max())) if v.shape[0] else (0.0, 1.0)
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges.append(np.linspace(lo, hi, int(b) + 1).astype(npd).astype(np.float64))
    hist = _hist_nd(v, w, edges, density)
    return return_types.histogramdd(_put(hist.astype(npd), input.device),
                                    tuple(_put(e.astype(npd), input.device) for e in edges))


builtins_range = range
Tensor.histogram = lambda self, *a, **k: histogram(self, *a, **k)  # noqa: E731


@op()
def bincount(input, weights=None, minlength=0):
    check_tensor(input, "bincount")
    if input.ndim != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if input._dtype.is_floating_point or input._dtype.is_complex or input._dtype is D.bool:
        raise RuntimeError(f'"bincount_cpu" not implemented for \'{D._scalar_name(input._dtype)}\'')
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None and (weights.ndim != 1 or weights._shape[0] != input._shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    v = np.asarray(input._host_values()).astype(np.int64)
    if v.size and v.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return _put(np.bincount(v, minlength=minlength).astype(np.int64), input.device)
    w = np.asarray(weights._host_values())
    wd = weights._dtype if weights._dtype.is_floating_point else D.float64
    return _put(np.bincount(v, weights=w.astype(np.float64), minlength=minlength).astype(np.dtype(wd.np)),
                input.device)


# ---- searching ------------------------------------------------------------------------------------------------------

def _searchsorted_fn(st, seq, vals, sorter):
    right, out32, batched = st
    side = "right" if right else "left"
    if sorter is not None:
        seq = jnp.take_along_axis(seq, sorter.astype(jnp.int64), axis=-1)
    if seq.shape[-1] == 0 or vals.size == 0:
        r = jnp.zeros(vals.shape, jnp.int64)
    elif not batched:
        r = jnp.searchsorted(seq, vals, side=side)
    else:
        lead = seq.shape[:-1]
        s2 = seq.reshape(-1, seq.shape[-1])
        v2 = vals.reshape(-1, vals.shape[-1])
        r = jax.vmap(lambda s, v: jnp.searchsorted(s, v, side=side))(s2, v2).reshape(lead + (vals.shape[-1],))
    return r.astype(jnp.int32 if out32 else jnp.int64)


_SEARCHSORTED = Kernel("searchsorted", _searchsorted_fn, "SearchsortedBackward0")


@op(out=True, method=False)
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    if scalar:
        from .creation import tensor
        input = tensor(input, dtype=sorted_sequence._dtype, device=sorted_sequence.device)
    if sorted_sequence.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if sorter is not None:
        if sorter._dtype is not D.int64:
            raise RuntimeError("torch.searchsorted(): sorter must be a tensor of long dtype")
        if sorter._shape != sorted_sequence._shape:
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size")
    batched = sorted_sequence.ndim > 1
    if batched:
        if input.ndim != sorted_sequence.ndim or tuple(input._shape[:-1]) != tuple(sorted_sequence._shape[:-1]):
            raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               f"dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(sorted_sequence._shape)} and input value tensor "
                               f"{list(input._shape)}")
    if sorted_sequence._dtype is not input._dtype and not scalar:
        dt = D.promote_types(sorted_sequence._dtype, input._dtype)
        sorted_sequence, input = sorted_sequence.to(dt), input.to(dt)
    return call(_SEARCHSORTED, [sorted_sequence, input, sorter], (bool(right), bool(out_int32), batched))


@op(out=True, method=False)
def bucketize(input, boundaries, *, out_int32=False, right=False):
    if not isinstance(boundaries, Tensor) or boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({getattr(boundaries, 'ndim', 0)})")
    scalar = not isinstance(input, Tensor)
    if scalar:
        from .creation import tensor
        input = tensor(input, device=boundaries.device)
    if boundaries._dtype is not input._dtype:
        dt = D.promote_types(boundaries._dtype, input._dtype)
        boundaries, input = boundaries.to(dt), input.to(dt)
    return call(_SEARCHSORTED, [boundaries, input, None], (bool(right), bool(out_int32), False))


@op()
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments - got (Number, Number)")
    dt = result_type(elements, test_elements)
    return call(_ISIN, [elements, test_elements], (bool(invert), np_dtype(dt)))


def _isin_fn(st, e, t):
    invert, dt = st
    e = cast(jnp.asarray(e), dt)
    t = cast(jnp.asarray(t), dt).reshape(-1)
    r = jnp.isin(e, t)
    return ~r if invert else r


_ISIN = Kernel("isin", _isin_fn, "IsinBackward0")


# ---- unique ---------------------------------------------------------------------------------------------------------

def _np_values(t):
    v = np.asarray(t._host_values())
    return v


def _to_tensor_like(arr, like):
    out = _put(np.ascontiguousarray(arr).astype(np.dtype(like._dtype.np)), like.device)
    return out


@function()
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    check_tensor(input, "unique")
    v = _np_values(input)
    if dim is None:
        vals, inv, cnt = np.unique(v.reshape(-1), return_inverse=True, return_counts=True)
        inv = inv.reshape(v.shape)
    else:
        d = _wrap_dim(dim, input.ndim)
        if v.shape[d] == 0 and v.size == 0 and any(s == 0 for i, s in enumerate(v.shape) if i != d):
            raise RuntimeError("Number of zero sized dimensions is more than one, so unique cannot be applied ")
        vals, inv, cnt = np.unique(v, return_inverse=True, return_counts=True, axis=d)
        inv = inv.reshape(-1)
    out = _to_tensor_like(vals, input)
    res = [out]
    if return_inverse:
        res.append(_put(inv.astype(np.int64), input.device))
    if return_counts:
        res.append(_put(cnt.astype(np.int64), input.device))
    return res[0] if len(res) == 1 else tuple(res)


Tensor.unique = lambda self, sorted=True, return_inverse=False, return_counts=False, dim=None: unique(  # noqa: E731
    self, sorted, return_inverse, return_counts, dim)


@function()
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    check_tensor(input, "unique_consecutive")
    v = _np_values(input)
    if dim is None:
        flat = v.reshape(-1)
        if flat.size == 0:
            keep = np.zeros(0, bool)
        else:
            keep = np.concatenate([[True], flat[1:] != flat[:-1]])
        vals = flat[keep]
        gid = np.cumsum(keep) - 1
        inv = gid.reshape(v.shape)
        cnt = np.bincount(gid, minlength=vals.size) if flat.size else np.zeros(0, np.int64)
    else:
        d = _wrap_dim(dim, input.ndim)
        m = np.moveaxis(v, d, 0).reshape(v.shape[d], -1) if v.shape[d] else np.zeros((0, 1))
        if m.shape[0] == 0:
            keep = np.zeros(0, bool)
        else:
            keep = np.concatenate([[True], np.any(m[1:] != m[:-1], axis=1)])
        vals = np.compress(keep, v, axis=d)
        gid = np.cumsum(keep) - 1
        inv = gid
        cnt = np.bincount(gid, minlength=int(keep.sum())) if m.shape[0] else np.zeros(0, np.int64)
    res = [_to_tensor_like(vals, input)]
    if return_inverse:
        res.append(_put(np.asarray(inv, np.int64), input.device))
    if return_counts:
        res.append(_put(np.asarray(cnt, np.int64), input.device))
    return res[0] if len(res) == 1 else tuple(res)


Tensor.unique_consecutive = lambda self, *a, **k: unique_consecutive(self, *a, **k)  # noqa: E731


# ---- covariance -------------------------------------------------------------------------------------------------------

def _cov_fn(st, x, fw, aw):
    correction, dt, _ = st
    x = cast(x, dt)
    if x.ndim < 2:
        x = x.reshape(1, -1)
    n = x.shape[1]
    w = None
    if fw is not None:
        w = fw.astype(dt if not jnp.iscomplexobj(x) else jnp.real(x).dtype)
    if aw is not None:
        a = aw.astype(dt if not jnp.iscomplexobj(x) else jnp.real(x).dtype)
        w = a if w is None else w * a
    if w is None:
        avg = jnp.mean(x, axis=1, keepdims=True)
        wsum = jnp.asarray(n, x.real.dtype)
        norm = wsum - correction
    else:
        wsum = jnp.sum(w)
        avg = jnp.sum(x * w, axis=1, keepdims=True) / wsum
        if correction == 0:
            norm = wsum
        elif aw is None:
            norm = wsum - correction
        else:
            norm = wsum - correction * jnp.sum(w * a) / wsum
    norm = jnp.maximum(norm, 0)
    xm = x - avg
    xw = xm if w is None else xm * w
    c = jnp.matmul(xw, jnp.conj(xm).T) / norm
    return jnp.squeeze(c)


_COV = Kernel("cov", lambda st, x, fw, aw: _cov_fn(st, x, fw, aw), "CovBackward0")


@op()
def cov(input, *, correction=1, fweights=None, aweights=None):
    check_tensor(input, "cov")
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    n = input._shape[-1] if input.ndim else 1
    if fweights is not None:
        if fweights.ndim > 1:
            raise RuntimeError(f"cov(): expected fweights to have one or fewer dimensions but got fweights with "
                               f"{fweights.ndim} dimensions")
        if fweights._dtype.is_floating_point or fweights._dtype.is_complex:
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with "
                               f"{D._scalar_name(fweights._dtype)} dtype")
        if fweights.numel() != n:
            raise RuntimeError(f"cov(): expected fweights to have the same numel as there are observations in the "
                               f"input but got {fweights.numel()} != {n}")
        fv = concrete(fweights)
        if fv is not None and (fv < 0).any():
            raise RuntimeError("cov(): fweights cannot be negative")
    if aweights is not None:
        if aweights.ndim > 1:
            raise RuntimeError(f"cov(): expected aweights to have one or fewer dimensions but got aweights with "
                               f"{aweights.ndim} dimensions")
        if not aweights._dtype.is_floating_point:
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with "
                               f"{D._scalar_name(aweights._dtype)} dtype")
        if aweights.numel() != n:
            raise RuntimeError(f"cov(): expected aweights to have the same numel as there are observations in the "
                               f"input but got {aweights.numel()} != {n}")
        av = concrete(aweights)
        if av is not None and (av < 0).any():
            raise RuntimeError("cov(): aweights cannot be negative")
    dt = float_type(input._dtype)
    if aweights is not None:
        dt = D.promote_types(dt, aweights._dtype)
    x = input.reshape(1, -1) if input.ndim < 2 else input
    squeeze = input.ndim < 2
    return call(_COV, [x, fweights.reshape(-1) if fweights is not None else None,
                       aweights.reshape(-1) if aweights is not None else None],
                (int(correction), np_dtype(dt), squeeze))


@op()
def corrcoef(input):
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    stddev = d.real.sqrt() if c._dtype.is_complex else d.sqrt()
    c = c / stddev.unsqueeze(1)
    c = c / stddev.unsqueeze(0)
    if c._dtype.is_complex:
        from .creation import complex as make_complex
        return make_complex(c.real.clamp(-1, 1), c.imag.clamp(-1, 1))
    return c.clamp(-1, 1)


# ---- distances and norms ----------------------------------------------------------------------------------------------

@op()
def dist(input, other, p=2):
    from .reduction import vector_norm
    from .pointwise import sub
    if isinstance(p, Tensor):
        p = p.item()
    return vector_norm(sub(input, other), p)


def _renorm_fn(st, x, maxnorm):
    p, dim, dt = st
    x = cast(x, dt)
    axes = tuple(i for i in range(x.ndim) if i != dim)
    from .reduction import vector_norm_fn
    nrm = vector_norm_fn(x, p, axes, True)
    maxnorm = cast(maxnorm, nrm.dtype)
    factor = jnp.where(nrm > maxnorm, maxnorm / (nrm + 1e-7), 1.0)
    return x * factor.astype(x.dtype)


_RENORM = Kernel("renorm", _renorm_fn, "RenormBackward0")


@op(inplace=True, out=True)
def renorm(input, p, dim, maxnorm):
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        raise RuntimeError(f'"renorm_out" not implemented for \'{D._scalar_name(input._dtype)}\'')
    d = _wrap_dim(dim, input.ndim)
    return call(_RENORM, [input, maxnorm], (float(p), d, np_dtype(input._dtype)))


def _cross_fn(st, a, b):
    dim, dt = st
    return jnp.cross(cast(a, dt), cast(b, dt), axis=dim)


_CROSS = Kernel("cross", _cross_fn, "LinalgCrossBackward0")


def _cross(input, other, dim, fname):
    if input.ndim != other.ndim:
        raise RuntimeError(f"{fname}: inputs must have the same number of dimensions.")
    shape = broadcast_shapes(input._shape, other._shape)
    d = _wrap_dim(dim, len(shape))
    if input._shape[d] != 3 or other._shape[d] != 3:
        raise RuntimeError(f"{fname}: inputs dimension {dim} must have length 3. Got {input._shape[d]} and "
                           f"{other._shape[d]}")
    dt = result_type(input, other)
    return call(_CROSS, [input.expand(shape), other.expand(shape)], (d, np_dtype(dt)))


@op(out=True)
def cross(input, other, dim=None):
    if dim is None:
        shape = broadcast_shapes(input._shape, other._shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return _cross(input, other, dim, "linalg.cross")


@op("cross", out=True, namespace="torch.linalg", method=False)
def _linalg_cross(input, other, *, dim=-1):
    return _cross(input, other, dim, "linalg.cross")


def _cdist_fn(st, a, b):
    p, dt = st
    a, b = cast(a, dt), cast(b, dt)
    diff = a[..., :, None, :] - b[..., None, :, :]
    if p == 2.0:
        sq = jnp.sum(diff * diff, axis=-1)
        safe = jnp.where(sq == 0, 1, sq)
        return jnp.where(sq == 0, 0, jnp.sqrt(safe))
    from .reduction import vector_norm_fn
    return vector_norm_fn(diff, p, (-1,), False)


_CDIST = Kernel("cdist", _cdist_fn, "CdistBackward0")


@function()
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D")
    if x1._shape[-1] != x2._shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1._shape[-1]} X2: "
                           f"{x2._shape[-1]}")
    if not x1._dtype.is_floating_point:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {D._scalar_name(x1._dtype)}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values")
    lead = broadcast_shapes(x1._shape[:-2], x2._shape[:-2])
    a = x1.expand(tuple(lead) + tuple(x1._shape[-2:]))
    b = x2.expand(tuple(lead) + tuple(x2._shape[-2:]))
    return call(_CDIST, [a, b], (float(p), np_dtype(x1._dtype)))


_ = (lax, is_scalar)
