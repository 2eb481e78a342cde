"""Pooling: max/avg/lp pools (return_indices, ceil_mode, dilation), adaptive pools, max_unpool."""
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as D
from .._csrc import max_pool2x2 as native_max_pool
from .._tensor import Tensor
from ._common import cast, np_dtype
from ._windows import blocks, first_max, strided_max, windows_last
from .kernel import Kernel, call
from .registry import function

F = "torch.nn.functional"


def _tup(x, n, name):
    if isinstance(x, (list, tuple)):
        x = tuple(int(v) for v in x)
        if len(x) == 1:
            return x * n
        if len(x) != n:
            raise RuntimeError(f"{name} must either be a single int, or a tuple of {n} ints")
        return x
    return (int(x),) * n


def _out_size(L, k, s, p, d, ceil):
    num = L + 2 * p - d * (k - 1) - 1
    o = (-(-num // s) if ceil else num // s) + 1
    if ceil and (o - 1) * s >= L + p:
        o -= 1
    return o


def _pool_geometry(shape, n, kernel_size, stride, padding, dilation, ceil_mode, fname, avg=False):
    k = _tup(kernel_size, n, "kernel_size")
    s = k if (stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0)) else _tup(stride, n, "stride")
    p = _tup(padding, n, "padding")
    d = _tup(dilation, n, "dilation")
    for v in p:
        if v < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {v}")
    if any(v == 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_size={list(k)}")
    for i in range(n):
        if p[i] > ((k[i] - 1) * d[i] + 1) // 2 if not avg else p[i] > k[i] // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p[i]}, "
                               f"kernel_size={k[i]} and dilation={d[i]}" if not avg else
                               f"pad should be at most half of effective kernel size, but got pad={p[i]}, "
                               f"kernel_size={k[i]} and dilation=1")
    spatial = shape[-n:]
    out = tuple(_out_size(spatial[i], k[i], s[i], p[i], d[i], ceil_mode) for i in range(n))
    if any(o <= 0 for o in out):
        lead = shape[-n - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (lead,) + tuple(spatial)))}). Calculated output "
                           f"size: ({'x'.join(map(str, (lead,) + out))}). Output size is too small")
    return k, s, p, d, out


def _check_nonempty_planes(input, n, batched):
    """max_pool*d: every non-batch dimension must be non-empty (torch's CPU kernels' checks and messages)."""
    for i in range(1 if batched else 0, input.ndim):
        if input.shape[i] == 0:
            if n == 3:
                raise RuntimeError(f"max_pool3d_with_indices_out_cpu_template(): Expected input's non-batch dimensions "
                                   f"to have positive length, but input has a shape of {list(input.shape)} and "
                                   f"non-batch dimension {i - (input.ndim - 4)} has length zero!")
            raise RuntimeError(f"{'max_pool1d: ' if n == 1 else ''}Expected {n + 1}D or {n + 2}D (batch mode) tensor "
                               f"with optional 0 dim batch size for input, but got:{list(input.shape)}")


def _check_dims(input, n, fname):
    if input.ndim not in (n + 1, n + 2):
        if n == 1:
            raise RuntimeError(f"{fname}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                               f"input, but got:{list(input.shape)}")
        raise RuntimeError(f"non-empty {n + 1}D or {n + 2}D (batch mode) tensor expected for input")


# ---- window gathering (max with indices, adaptive pools) -------------------------------------------------------

def _gather_windows(x, idx, valid, fill):
    """x (..., *spatial); idx[d]/valid[d] (O_d, K_d). Returns (..., O_1..O_n, K_1*...*K_n) windows, masked by fill."""
    n = len(idx)
    lead = x.ndim - n
    # advanced indexing with broadcast index arrays laid out (O1, K1, O2, K2, ...)
    ix = []
    vm = None
    for d in range(n):
        shape = [1] * (2 * n)
        shape[2 * d] = idx[d].shape[0]
        shape[2 * d + 1] = idx[d].shape[1]
        ix.append(jnp.asarray(np.clip(idx[d], 0, x.shape[lead + d] - 1).reshape(shape)))
        v = valid[d].reshape(shape)
        vm = v if vm is None else (vm & v)
    g = x[(Ellipsis,) + tuple(ix)]  # (..., O1, K1, O2, K2, ...)
    return windows_last(jnp.where(jnp.asarray(vm), g, jnp.asarray(fill, g.dtype)), n)


def _max_with_indices(x, idx, valid, spatial):
    n = len(idx)
    w = _gather_windows(x, idx, valid, -jnp.inf if jnp.issubdtype(x.dtype, jnp.floating) else jnp.iinfo(x.dtype).min)
    a = first_max(w)
    val = jnp.take_along_axis(w, a[..., None], -1)[..., 0]
    ks = [t.shape[1] for t in idx]
    rem = a
    coords = [None] * n
    for d in reversed(range(n)):
        coords[d] = rem % ks[d]
        rem = rem // ks[d]
    flat = 0
    lead = x.ndim - n
    for d in range(n):
        tab = jnp.asarray(idx[d])  # (O_d, K_d)
        shape = [1] * n
        shape[d] = tab.shape[0]
        o_idx = jnp.arange(tab.shape[0]).reshape(shape)
        pos = tab[o_idx, coords[d]]
        flat = flat * spatial[d] + pos
    return val, flat.astype(jnp.int64)


def _window_tables(L, k, s, p, d, o):
    idx = np.arange(o)[:, None] * s - p + np.arange(k)[None, :] * d
    return idx, (idx >= 0) & (idx < L)


def _adaptive_tables(L, o):
    starts = [(i * L) // o for i in range(o)]
    ends = [-(-((i + 1) * L) // o) for i in range(o)]
    K = max(e - s for s, e in zip(starts, ends))
    idx = np.array([[s + j for j in range(K)] for s in starts])
    valid = np.array([[s + j < e for j in range(K)] for s, e in zip(starts, ends)])
    return idx, valid


# ---- max pool ----------------------------------------------------------------------------------------------------

@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def _block_max(x, k):
    """Max pool with kernel == stride, no padding or dilation, the spatial sizes multiples of the kernel: the
    maximum of the prod(k) strided slices, and a gradient through the reshaped windows. XLA's CPU backend runs
    both several times faster than reduce_window and its select-and-scatter gradient. The gradient goes to the
    first maximum of each window (or its last NaN), as torch's. (2x2 pools use the native kernels of
    torchjax/_csrc/max_pool2x2.cc instead: the same values without XLA's transposes.)"""
    return strided_max(x, k)


@_block_max.defjvp
def _block_max_jvp(k, primals, tangents):
    (x,), (t,) = primals, tangents
    w = blocks(x, k)
    first = jax.nn.one_hot(first_max(w), w.shape[-1], dtype=t.dtype)
    return _block_max(x, k), jnp.sum(blocks(t, k) * first, -1)


def _maxpool_fn(st, x):
    n, k, s, p, d, out, batched, with_idx = st
    if not batched:
        x = x[None]
    spatial = x.shape[-n:]
    if with_idx or any(v != 1 for v in d):  # (JAX has no gradient for reduce_window with window dilation)
        tabs = [_window_tables(spatial[i], k[i], s[i], p[i], d[i], out[i]) for i in range(n)]
        val, ind = _max_with_indices(x, [t[0] for t in tabs], [t[1] for t in tabs], spatial)
        if not with_idx:
            return val if batched else val[0]
        return (val, ind) if batched else (val[0], ind[0])
    if (k == s and not any(p) and jnp.issubdtype(x.dtype, jnp.floating)
            and all(o * kk <= L for o, kk, L in zip(out, k, spatial))):
        x = x[(Ellipsis,) + tuple(slice(0, o * kk) for o, kk in zip(out, k))]
        y = native_max_pool.max_pool2x2(x) if k == (2, 2) else _block_max(x, k)
        return y if batched else y[0]
    pads = [(0, 0), (0, 0)]
    for i in range(n):
        right = (out[i] - 1) * s[i] + d[i] * (k[i] - 1) + 1 - spatial[i] - p[i]
        pads.append((p[i], max(right, 0)))
    init = -np.inf if jnp.issubdtype(x.dtype, jnp.floating) else jnp.iinfo(x.dtype).min
    y = lax.reduce_window(x, np.array(init, x.dtype), lax.max, (1, 1) + k, (1, 1) + s, pads,
                          window_dilation=(1, 1) + d)
    y = y[(slice(None), slice(None)) + tuple(slice(0, o) for o in out)]
    return y if batched else y[0]


_MAXPOOL = Kernel("max_pool", _maxpool_fn, "MaxPool2DWithIndicesBackward0")
_MAXPOOL_IDX = Kernel("max_pool_with_indices", _maxpool_fn, "MaxPool2DWithIndicesBackward0", diff_out=(0,))


def _max_pool(n, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, fname):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    _check_dims(input, n, fname)
    batched = input.ndim == n + 2
    _check_nonempty_planes(input, n, batched)
    k, s, p, d, out = _pool_geometry(tuple(input.shape), n, kernel_size, stride, padding, dilation, ceil_mode, fname)
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation={list(d)}")
    st = (n, k, s, p, d, out, batched, bool(return_indices))
    name = f"MaxPool{n}DWithIndicesBackward0" if n > 1 else "SqueezeBackward1"
    if n > 1 and not batched:
        name = "SqueezeBackward1"
    if return_indices:
        return call(_MAXPOOL_IDX, [input], st, name=name)
    return call(_MAXPOOL, [input], st, name=name)


def _make_max(n):
    def max_pool(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
        return _max_pool(n, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                         f"max_pool{n}d")

    def max_pool_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                              return_indices=True):
        return _max_pool(n, input, kernel_size, stride, padding, dilation, ceil_mode, True, f"max_pool{n}d")
    max_pool.__name__ = f"max_pool{n}d"
    function(f"max_pool{n}d", namespace=F)(max_pool)
    function(f"max_pool{n}d_with_indices", namespace=F)(max_pool_with_indices)
    function(f"max_pool{n}d")(lambda input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False:
                              max_pool(input, kernel_size, stride or None, padding, dilation, ceil_mode))
    return max_pool


max_pool1d = _make_max(1)
max_pool2d = _make_max(2)
max_pool3d = _make_max(3)


# ---- avg pool ----------------------------------------------------------------------------------------------------

def _avgpool_fn(st, x):
    n, k, s, p, out, batched, include_pad, divisor, dt = st
    x = cast(x, dt)
    if not batched:
        x = x[None]
    spatial = x.shape[-n:]
    pads = [(0, 0), (0, 0)]
    for i in range(n):
        right = (out[i] - 1) * s[i] + k[i] - spatial[i] - p[i]
        pads.append((p[i], max(right, 0)))
    y = lax.reduce_window(x, np.array(0, x.dtype), lax.add, (1, 1) + k, (1, 1) + s, pads)
    y = y[(slice(None), slice(None)) + tuple(slice(0, o) for o in out)]
    if divisor:
        y = y / jnp.asarray(divisor, y.dtype)
    else:
        # per-window divisor: window clipped to the padded extent (count_include_pad) or to the input
        cnt = None
        for i in range(n):
            starts = np.arange(out[i]) * s[i] - p[i]
            ends = np.minimum(starts + k[i], spatial[i] + p[i])
            if include_pad:
                c = ends - starts
            else:
                c = np.minimum(ends, spatial[i]) - np.maximum(starts, 0)
            shape = [1] * n
            shape[i] = out[i]
            c = c.reshape(shape)
            cnt = c if cnt is None else cnt * c
        y = y / jnp.asarray(cnt, y.dtype)
    return y if batched else y[0]


_AVGPOOL = Kernel("avg_pool", _avgpool_fn, "AvgPool2DBackward0")


def _avg_pool(n, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, fname):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    _check_dims(input, n, fname)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    batched = input.ndim == n + 2
    k, s, p, _, out = _pool_geometry(tuple(input.shape), n, kernel_size, stride, padding, 1, ceil_mode, fname,
                                     avg=True)
    st = (n, k, s, p, out, bool(count_include_pad), divisor_override, np_dtype(input.dtype))
    name = f"AvgPool{n}DBackward0" if n > 1 and batched else "SqueezeBackward1"
    return call(_AVGPOOL, [input], st[:5] + (batched,) + st[5:], name=name)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, "avg_pool1d")


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                     "avg_pool2d")


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                     "avg_pool3d")


for _f in (avg_pool1d, avg_pool2d, avg_pool3d):
    function(namespace=F)(_f)
function("avg_pool1d")(avg_pool1d)


# ---- lp pool -----------------------------------------------------------------------------------------------------

@jax.custom_vjp
def _signed_relu(a):
    return a


def _sr_fwd(a):
    return a, a


def _torch_sign(a):
    # torch: sign(nan) == 0
    return jnp.where(a > 0, 1, jnp.where(a < 0, -1, 0)).astype(a.dtype)


def _sr_bwd(a, g):
    # torch computes sign(a) * relu(abs(a)); its backward multiplies (so a NaN gradient stays NaN)
    s = _torch_sign(a)
    live = ((jnp.abs(a) > 0) | jnp.isnan(a)).astype(a.dtype)
    return (g * s * live * s,)


_signed_relu.defvjp(_sr_fwd, _sr_bwd)
_SIGNED_RELU = Kernel("signed_relu", lambda _, a: _signed_relu(a), "MulBackward0")


def _lp_pool(n, input, norm_type, kernel_size, stride, ceil_mode):
    k = _tup(kernel_size, n, "kernel_size")
    pooler = (avg_pool1d, avg_pool2d, avg_pool3d)[n - 1]
    out = pooler(input.pow(norm_type), k, stride, 0, ceil_mode)
    return call(_SIGNED_RELU, [out], None).mul(math.prod(k)).pow(1.0 / norm_type)


@function(namespace=F)
def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


@function(namespace=F)
def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


@function(namespace=F)
def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


# ---- adaptive pools ----------------------------------------------------------------------------------------------

def _adaptive_fn(st, x):
    n, out, batched, mode, dt = st
    if dt is not None:
        x = cast(x, dt)
    spatial = x.shape[-n:]
    tabs = [_adaptive_tables(spatial[i], out[i]) for i in range(n)]
    if mode == "max":
        val, ind = _max_with_indices(x, [t[0] for t in tabs], [t[1] for t in tabs], spatial)
        return val, ind
    w = _gather_windows(x, [t[0] for t in tabs], [t[1] for t in tabs], 0)
    cnt = None
    for i in range(n):
        c = tabs[i][1].sum(1)
        shape = [1] * n
        shape[i] = out[i]
        c = c.reshape(shape)
        cnt = c if cnt is None else cnt * c
    return w.sum(-1) / jnp.asarray(cnt, w.dtype)


_ADAPTIVE_AVG = Kernel("adaptive_avg_pool", _adaptive_fn, "AdaptiveAvgPool2DBackward0")
_ADAPTIVE_MAX = Kernel("adaptive_max_pool", _adaptive_fn, "AdaptiveMaxPool2DBackward0", diff_out=(0,))


def _adaptive_out(input, n, output_size, fname):
    if isinstance(output_size, (list, tuple)):
        if len(output_size) != n:
            raise RuntimeError(f"{fname}(): internal error: output_size.size() must be {n}")
        out = tuple(input.shape[input.ndim - n + i] if v is None else int(v) for i, v in enumerate(output_size))
    else:
        out = (int(output_size),) * n
    return out


def _adaptive(n, input, output_size, mode, return_indices=False):
    fname = f"adaptive_{mode}_pool{n}d"
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if n > 1 and isinstance(output_size, (list, tuple)) and input.ndim <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")  # torch's _list_with_default
    if input.ndim not in (n + 1, n + 2):
        if n == 1:
            raise RuntimeError(f"{fname}(): Expected 2D or 3D tensor, but got {list(input.shape)}" if mode == "avg"
                               else f"{fname}(): Expected 2D or 3D tensor, but got: {list(input.shape)}")
        raise RuntimeError(f"{fname}(): Expected {n + 1}D or {n + 2}D tensor, but got {list(input.shape)}")
    for i in range(1, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(f"{fname}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(input.shape)} with dimension {i} being empty")
    out = _adaptive_out(input, n, output_size, fname)
    if any(o < 0 for o in out):
        if mode == "avg":
            raise RuntimeError(f"adaptive_avg_pool{max(n, 2)}d: elements of output_size must be greater than or equal "
                               f"to 0 but received {{{', '.join(map(str, (1,) * (n == 1) + out))}}}")
        shape = list(input.shape[:input.ndim - n]) + [1] * (n == 1) + list(out)
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: {shape}")
    batched = input.ndim == n + 2
    if 0 in out or input.numel() == 0:  # an empty result (torch allows output_size 0 and an empty batch)
        from .creation import zeros
        shape = tuple(input.shape[:input.ndim - n]) + out
        val = zeros(shape, dtype=input.dtype) + input.sum() * 0 if input.requires_grad else \
            zeros(shape, dtype=input.dtype)
        if mode == "avg":
            return val
        ind = zeros(shape, dtype=D.int64)
        return (val, ind) if return_indices else val
    if mode == "avg":
        if all(o == 1 for o in out) and n > 1:
            return input.mean(tuple(range(-n, 0)), keepdim=True)
        name = f"AdaptiveAvgPool{n}DBackward0" if n > 1 else "SqueezeBackward1"
        return call(_ADAPTIVE_AVG, [input], (n, out, batched, "avg", np_dtype(input.dtype)), name=name)
    name = f"AdaptiveMaxPool{n}DBackward0" if n > 1 else "SqueezeBackward1"
    val, ind = call(_ADAPTIVE_MAX, [input], (n, out, batched, "max", None), name=name)
    return (val, ind) if return_indices else val


def _make_adaptive(n):
    def avg(input, output_size):
        return _adaptive(n, input, output_size, "avg")

    def mx(input, output_size, return_indices=False):
        return _adaptive(n, input, output_size, "max", return_indices)

    def mx_idx(input, output_size, return_indices=True):
        return _adaptive(n, input, output_size, "max", True)
    avg.__name__ = f"adaptive_avg_pool{n}d"
    mx.__name__ = f"adaptive_max_pool{n}d"
    function(avg.__name__, namespace=F)(avg)
    function(mx.__name__, namespace=F)(mx)
    function(mx.__name__ + "_with_indices", namespace=F)(mx_idx)
    if n == 1:
        function("adaptive_avg_pool1d")(avg)
        function("adaptive_max_pool1d")(mx_idx)
    return avg, mx


adaptive_avg_pool1d, adaptive_max_pool1d = _make_adaptive(1)
adaptive_avg_pool2d, adaptive_max_pool2d = _make_adaptive(2)
adaptive_avg_pool3d, adaptive_max_pool3d = _make_adaptive(3)


# ---- max_unpool --------------------------------------------------------------------------------------------------

def _unpool_fn(st, x, ind):
    n, out, batched = st
    if not batched:
        x, ind = x[None], ind[None]
    N, C = x.shape[:2]
    plane = math.prod(out)
    y = _unpool_scatter(x.reshape(N, C, -1), ind.reshape(N, C, -1), plane).reshape((N, C) + out)
    return y if batched else y[0]


@functools.partial(jax.custom_vjp, nondiff_argnums=(2,))
def _unpool_scatter(xf, idf, plane):
    N, C = xf.shape[:2]
    return jnp.zeros((N, C, plane), xf.dtype).at[jnp.arange(N)[:, None, None], jnp.arange(C)[None, :, None],
                                                 idf].set(xf)


def _unpool_scatter_fwd(xf, idf, plane):
    return _unpool_scatter(xf, idf, plane), idf


def _unpool_scatter_bwd(plane, idf, g):
    # torch's backward gathers the output gradient at every index, also where indices repeat
    return jnp.take_along_axis(g, idf, axis=-1), None


_unpool_scatter.defvjp(_unpool_scatter_fwd, _unpool_scatter_bwd)


_UNPOOL = Kernel("max_unpool", _unpool_fn, "MaxUnpool2DBackward0")


def _unpool_default_size(input, n, kernel_size, stride, padding):
    k = _tup(kernel_size, n, "kernel_size")
    s = k if stride is None else _tup(stride, n, "stride")
    p = _tup(padding, n, "padding")
    sp = input.shape[-n:]
    return [(sp[i] - 1) * s[i] + k[i] - 2 * p[i] for i in range(n)]


def _max_unpool(n, input, indices, kernel_size, stride, padding, output_size):
    if isinstance(indices, Tensor) and tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) but "
                           f"got indices tensor with shape: {list(indices.shape)}")
    default = _unpool_default_size(input, n, kernel_size, stride, padding)
    if output_size is None:
        out = default
    else:
        out = list(output_size)
        if len(out) == n + 2:
            out = out[2:]
        elif len(out) == n + 1:
            out = out[1:]
        if len(out) != n:
            raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, but it has a "
                             f"length of '{len(out)}'")
        k = _tup(kernel_size, n, "kernel_size")
        s = k if stride is None else _tup(stride, n, "stride")
        for d in range(n):
            lo = default[d] - s[d]
            hi = default[d] + s[d]
            if not lo < out[d] < hi:
                raise ValueError(f'invalid output_size "{tuple(out)}" (dim {d} must be between {lo} and {hi})')
    out = tuple(int(v) for v in out)
    from ._common import concrete
    iv = concrete(indices)
    plane = math.prod(out)
    if iv is not None and iv.size and (iv.max() >= plane or iv.min() < 0):
        bad = int(iv.max()) if iv.max() >= plane else int(iv.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, out))})")
    batched = input.ndim == n + 2
    name = f"MaxUnpool{n}DBackward0" if n > 1 else "SqueezeBackward1"
    return call(_UNPOOL, [input, indices], (n, out, batched), name=name)


@function(namespace=F)
def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


@function(namespace=F)
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


@function(namespace=F)
def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


# ---- fractional max pool -----------------------------------------------------------------------------------------

def _frac_intervals(sample, in_size, out_size, k, np_dt):
    seq = np.zeros(out_size, np.int64)
    if out_size > 1:
        alpha = np_dt(in_size - k) / np_dt(out_size - 1)
        for i in range(out_size - 1):
            seq[i] = int(np_dt((np_dt(i) + sample) * alpha)) - int(np_dt(sample * alpha))
    if out_size > 0:
        seq[out_size - 1] = in_size - k
    return seq


def _frac_fn(st, x, *tabs):
    n, batched = st
    if not batched:
        x = x[None]
    N, C = x.shape[:2]
    spatial = x.shape[2:]
    # tabs[d]: (N, C, O_d, K_d) absolute input indices
    ix = [jnp.arange(N).reshape((N, 1) + (1,) * (2 * n)), jnp.arange(C).reshape((1, C) + (1,) * (2 * n))]
    for d in range(n):
        t = tabs[d]
        shape = [N, C] + [1] * (2 * n)
        shape[2 + 2 * d] = t.shape[2]
        shape[3 + 2 * d] = t.shape[3]
        ix.append(t.reshape(shape))
    g = x[tuple(ix)]  # (N, C, O1, K1, O2, K2, ...)
    perm = [0, 1] + [2 + 2 * d for d in range(n)] + [3 + 2 * d for d in range(n)]
    g = g.transpose(perm)
    outs = g.shape[2:2 + n]
    ks = [t.shape[3] for t in tabs]
    w = g.reshape((N, C) + outs + (-1,))
    isnan = jnp.isnan(w)
    a = jnp.where(isnan.any(-1), jnp.argmax(isnan, -1), jnp.argmax(w, -1))
    val = jnp.take_along_axis(w, a[..., None], -1)[..., 0]
    rem = a
    coords = [None] * n
    for d in reversed(range(n)):
        coords[d] = rem % ks[d]
        rem = rem // ks[d]
    flat = 0
    for d in range(n):
        t = tabs[d]
        starts = t[..., 0]  # (N, C, O_d)
        shape = [N, C] + [1] * n
        shape[2 + d] = t.shape[2]
        pos = starts.reshape(shape) + coords[d]
        flat = flat * spatial[d] + pos
    flat = flat.astype(jnp.int64)
    return (val, flat) if batched else (val[0], flat[0])


_FRAC = Kernel("fractional_max_pool", _frac_fn, "FractionalMaxPool2DBackward0", diff_out=(0,))


def _fractional(n, input, kernel_size, output_size, output_ratio, return_indices, _random_samples):
    from ._common import concrete
    from .creation import _put, rand
    fname = f"fractional_max_pool{n}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{fname} requires specifying either an output_size or an output_ratio")
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{fname}(): Expected {n + 1}D or {n + 2}D tensor, but got: {list(input.shape)}")
    k = _tup(kernel_size, n, "kernel_size")
    if output_size is None:
        r = (float(output_ratio),) * n if not isinstance(output_ratio, (list, tuple)) else \
            tuple(float(v) for v in output_ratio) * (n if len(output_ratio) == 1 else 1)
        output_size = [int(input.size(-n + i) * r[i]) for i in range(n)]
    out = _tup(output_size, n, "output_size")
    batched = input.ndim == n + 2
    N = input.size(0) if batched else 1
    C = input.size(-n - 1)
    if _random_samples is None:
        _random_samples = rand(N, C, n, dtype=input.dtype, device=input.device)
    samples = concrete(_random_samples)
    if samples is None:
        raise NotImplementedError(f"torchjax: F.{fname} inside compiled code")
    spatial = tuple(input.shape[-n:])
    for i in range(n):
        if out[i] + k[i] - 1 > spatial[i]:
            raise RuntimeError(f"{fname}(): pool height {k[i]} too large relative to input height {spatial[i]}"
                               if n == 2 else f"{fname}_out(): pool size {k[i]} too large relative to input size "
                               f"{spatial[i]}")
    np_dt = np.float32 if input.dtype.itemsize <= 4 else np.float64
    # sample slot s drives spatial dim: 2-D: [0] -> W, [1] -> H; 3-D: [0] -> T, [1] -> H, [2] -> W
    slot = {2: {0: 1, 1: 0}, 3: {0: 0, 1: 1, 2: 2}, 1: {0: 0}}[n]
    tabs = []
    for d in range(n):
        starts = np.zeros((N, C, out[d]), np.int64)
        for b in range(N):
            for c in range(C):
                starts[b, c] = _frac_intervals(np_dt(samples[b, c, slot[d]]), spatial[d], out[d], k[d], np_dt)
        tabs.append(_put(starts[..., None] + np.arange(k[d]), input.device))
    val, ind = call(_FRAC, [input] + tabs, (n, batched), name=f"FractionalMaxPool{n}DBackward0")
    return (val, ind) if return_indices else val


@function(namespace=F)
def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    return _fractional(2, input, kernel_size, output_size, output_ratio, return_indices, _random_samples)


@function(namespace=F)
def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    return _fractional(3, input, kernel_size, output_size, output_ratio, return_indices, _random_samples)


function("fractional_max_pool2d_with_indices", namespace=F)(
    lambda input, kernel_size, output_size=None, output_ratio=None, return_indices=False, _random_samples=None:
    _fractional(2, input, kernel_size, output_size, output_ratio, True, _random_samples))
function("fractional_max_pool3d_with_indices", namespace=F)(
    lambda input, kernel_size, output_size=None, output_ratio=None, return_indices=False, _random_samples=None:
    _fractional(3, input, kernel_size, output_size, output_ratio, True, _random_samples))
