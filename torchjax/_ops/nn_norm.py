"""Normalization: batch_norm (running statistics), instance_norm, layer_norm, group_norm, rms_norm,
local_response_norm, normalize."""
import math

import jax.numpy as jnp
from jax import lax

from .. import _dtype as D
from .._size import Size
from .._tensor import Tensor
from ..autograd import grad_mode
from ._common import cast, np_dtype
from .kernel import Kernel, call
from .registry import function

F = "torch.nn.functional"


def _acc(dt):
    """Statistics are accumulated in float32 at least (torch uses an accumulate type)."""
    return jnp.float32 if jnp.dtype(dt).itemsize < 4 else dt


def _affine(y, w, b, shape):
    if w is not None:
        y = y * w.reshape(shape).astype(y.dtype)
    if b is not None:
        y = y + b.reshape(shape).astype(y.dtype)
    return y


# ---- batch norm --------------------------------------------------------------------------------------------------

def _bn_fn(st, x, w, b, rm, rv, eps):
    training, dt = st
    acc = _acc(dt)
    xa = x.astype(acc)
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if training:
        mean = xa.mean(axes)
        var = jnp.square(xa - mean.reshape(shape)).mean(axes)
        n = x.size // x.shape[1]
        unbiased = var * (n / max(n - 1, 1))
    else:
        mean, var = rm.astype(acc), rv.astype(acc)
        unbiased = var
    inv = lax.rsqrt(var + jnp.asarray(eps, acc))
    y = (xa - mean.reshape(shape)) * inv.reshape(shape)
    y = _affine(y, w, b, shape).astype(dt)
    return y, lax.stop_gradient(mean), lax.stop_gradient(unbiased)


_BN = Kernel("batch_norm", _bn_fn, "NativeBatchNormBackward0", diff_out=(0,))
_EMA = Kernel("running_update", lambda dt, r, new, m: (r * (1 - m) + new.astype(r.dtype) * m).astype(r.dtype),
              "RunningUpdateBackward")


def _update_running(buf, new, momentum):
    """buf <- (1 - momentum) * buf + momentum * new, in place, outside autograd."""
    with grad_mode.no_grad():
        r = call(_EMA, [buf, new, momentum], None)
    buf._write(r._value())


@function(namespace=F)
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05):
    if training:
        size = tuple(input.shape)
        n = size[0]
        for s in size[2:]:
            n *= s
        if n == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {Size(size)}")
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    return _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)


def _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, name=None):
    if input.ndim < 2:
        raise RuntimeError(f"batch_norm(): expected input to have at least 2 dimensions, but got {input.ndim}")
    c = input.shape[1]
    for nm, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                  ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{nm} should contain {c} elements not {t.numel()}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean must be defined in evaluation mode" if running_mean is None else
                           "running_var must be defined in evaluation mode")
    dt = input.dtype
    if input.numel() == 0:
        # torch returns an empty result and leaves the running statistics untouched
        return call(_BN, [input, weight, bias, None, None, eps], (True, np_dtype(dt)), name=name)[0]
    y, mean, var = call(_BN, [input, weight, bias, running_mean if not training else None,
                              running_var if not training else None, eps], (bool(training), np_dtype(dt)),
                        name=name)
    if training and momentum is not None:
        if running_mean is not None:
            _update_running(running_mean, mean, momentum)
        if running_var is not None:
            _update_running(running_var, var, momentum)
    return y


function("batch_norm")(lambda input, weight, bias, running_mean, running_var, training, momentum, eps,
                       cudnn_enabled=True: _batch_norm(input, weight, bias, running_mean, running_var, training,
                                                       momentum, eps))


@function(namespace=F)
def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-05):
    if use_input_stats:
        size = tuple(input.shape)
        n = 1
        for s in size[2:]:
            n *= s
        if n == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {Size(size)}")
    if input.ndim < 2:
        raise RuntimeError("instance_norm(): expected input to have at least 2 dimensions")
    if use_input_stats:
        y, mean, var = call(_IN, [input, weight, bias, None, None, eps], (True, np_dtype(input.dtype)),
                            name="ViewBackward0")
        if running_mean is not None and momentum is not None:
            _update_running(running_mean, mean, momentum)
        if running_var is not None and momentum is not None:
            _update_running(running_var, var, momentum)
        return y
    if running_mean is None or running_var is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    return call(_IN, [input, weight, bias, running_mean, running_var, eps], (False, np_dtype(input.dtype)),
                name="ViewBackward0")[0]


def _in_fn(st, x, w, b, rm, rv, eps):
    use_stats, dt = st
    acc = _acc(dt)
    xa = x.astype(acc)
    axes = tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if use_stats:
        mean = xa.mean(axes, keepdims=True)
        var = jnp.square(xa - mean).mean(axes, keepdims=True)
        n = 1
        for a in axes:
            n *= x.shape[a]
        run_mean = lax.stop_gradient(mean.reshape(x.shape[:2]).mean(0))
        run_var = lax.stop_gradient((var * (n / max(n - 1, 1))).reshape(x.shape[:2]).mean(0))
    else:
        mean = rm.astype(acc).reshape(shape)
        var = rv.astype(acc).reshape(shape)
        run_mean, run_var = rm, rv
    y = (xa - mean) * lax.rsqrt(var + jnp.asarray(eps, acc))
    return _affine(y, w, b, shape).astype(dt), run_mean, run_var


_IN = Kernel("instance_norm", _in_fn, "ViewBackward0", diff_out=(0,))


# ---- layer / group / rms norm ------------------------------------------------------------------------------------

def _ln_fn(st, x, w, b, eps):
    k, dt = st
    acc = _acc(dt)
    xa = x.astype(acc)
    axes = tuple(range(x.ndim - k, x.ndim))
    mean = xa.mean(axes, keepdims=True)
    var = jnp.square(xa - mean).mean(axes, keepdims=True)
    y = (xa - mean) * lax.rsqrt(var + jnp.asarray(eps, acc))
    if w is not None:
        y = y * w.astype(acc)
    if b is not None:
        y = y + b.astype(acc)
    return y.astype(dt)


_LN = Kernel("layer_norm", _ln_fn, "NativeLayerNormBackward0")


def _norm_shape(normalized_shape):
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


@function(namespace=F)
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    ns = _norm_shape(normalized_shape)
    k = len(ns)
    if k == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           "element, but got normalized_shape = []")
    for nm, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"Expected {nm} to be of same shape as normalized_shape, but got {nm} of shape "
                               f"{list(t.shape)} and normalized_shape = {list(ns)}")
    if input.ndim < k or tuple(input.shape[-k:]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape [*, "
                           f"{', '.join(map(str, ns))}], but got input of size{list(input.shape)}")
    return call(_LN, [input, weight, bias, eps], (k, np_dtype(input.dtype)))


function("layer_norm")(lambda input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True:
                       layer_norm(input, normalized_shape, weight, bias, eps))


def _gn_fn(st, x, w, b, eps):
    g, dt = st
    acc = _acc(dt)
    N, C = x.shape[:2]
    xa = x.astype(acc).reshape((N, g, -1))
    mean = xa.mean(-1, keepdims=True)
    var = jnp.square(xa - mean).mean(-1, keepdims=True)
    y = ((xa - mean) * lax.rsqrt(var + jnp.asarray(eps, acc))).reshape(x.shape)
    shape = (1, C) + (1,) * (x.ndim - 2)
    return _affine(y, w, b, shape).astype(dt)


_GN = Kernel("group_norm", _gn_fn, "NativeGroupNormBackward0")


@function(namespace=F)
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    C = input.shape[1]
    if C % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    for nm, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != C):
            raise RuntimeError(f"Expected {nm} to be a vector of size equal to the number of channels in input, but "
                               f"got {nm} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    return call(_GN, [input, weight, bias, eps], (int(num_groups), np_dtype(input.dtype)))


function("group_norm")(lambda input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True:
                       group_norm(input, num_groups, weight, bias, eps))


def _rms_fn(st, x, w, eps):
    k, dt = st
    acc = _acc(dt)
    xa = x.astype(acc)
    axes = tuple(range(x.ndim - k, x.ndim))
    y = xa * lax.rsqrt(jnp.square(xa).mean(axes, keepdims=True) + jnp.asarray(eps, acc))
    y = y.astype(dt)
    if w is not None:
        y = y * w.astype(dt)
    return y


_RMS = Kernel("rms_norm", _rms_fn, "MulBackward0")


@function(namespace=F)
def rms_norm(input, normalized_shape, weight=None, eps=None):
    ns = _norm_shape(normalized_shape)
    k = len(ns)
    if input.ndim < k or tuple(input.shape[-k:]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape [*"
                           f"{', '.join(map(str, ns))}], but got input of size{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != ns:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(ns)}")
    if eps is None:
        eps = D.finfo(input.dtype).eps
    return call(_RMS, [input, weight, eps], (k, np_dtype(input.dtype)))


function("rms_norm")(rms_norm)


# ---- local response norm / normalize -------------------------------------------------------------------------------

def _lrn_fn(st, x, alpha, beta, k):
    size, dt = st
    x = cast(x, dt)
    sq = jnp.square(x)
    C = x.shape[1]
    pad = [(0, 0)] * x.ndim
    pad[1] = (size // 2, (size - 1) // 2)
    sq = jnp.pad(sq, pad)
    acc = sum(lax.slice_in_dim(sq, i, i + C, axis=1) for i in range(size)) / size
    div = jnp.power(acc * alpha + k, beta)
    return x / div


_LRN = Kernel("local_response_norm", _lrn_fn, "DivBackward0")


@function(namespace=F)
def local_response_norm(input, size, alpha=0.0001, beta=0.75, k=1.0):
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {input.ndim} "
                         f"dimensions)")
    if input.numel() == 0:
        return input
    return call(_LRN, [input, alpha, beta, k], (int(size), np_dtype(input.dtype)))


def _normalize_fn(st, x, eps):
    p, dim, dt = st
    x = cast(x, dt)
    if p == float("inf"):
        n = jnp.max(jnp.abs(x), axis=dim, keepdims=True)
    else:
        n = pnorm(x, p, dim, True)
    return x / jnp.maximum(n, eps)


def _safe_root(s, p):
    # the p-th root with a zero (not NaN) gradient at 0, as torch's norm backward
    z = s == 0
    r = jnp.where(z, 1, s)
    return jnp.where(z, 0, jnp.sqrt(r) if p == 2 else jnp.power(r, 1.0 / p))


def pnorm(x, p, axis, keepdims=False):
    """Vector p-norm along axis, differentiable like torch's (zero subgradient at 0)."""
    a = x * lax.stop_gradient(jnp.sign(x))  # |x| with torch's zero subgradient at 0
    if p == float("inf"):
        return jnp.max(a, axis=axis, keepdims=keepdims)
    if p == -float("inf"):
        return jnp.min(a, axis=axis, keepdims=keepdims)
    if p == 0:
        return jnp.sum((a != 0).astype(x.dtype), axis=axis, keepdims=keepdims)
    if p == 1:
        return jnp.sum(a, axis=axis, keepdims=keepdims)
    if p == 2:
        return _safe_root(jnp.sum(a * a, axis=axis, keepdims=keepdims), 2)
    za = a == 0
    pw = jnp.where(za, 0, jnp.power(jnp.where(za, 1, a), p))
    return _safe_root(jnp.sum(pw, axis=axis, keepdims=keepdims), p)


_NORMALIZE = Kernel("normalize", _normalize_fn, "DivBackward0")


@function(namespace=F)
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    from .._tensor import _wrap_dim
    d = _wrap_dim(dim, input.ndim)
    r = call(_NORMALIZE, [input, eps], (float(p), d, np_dtype(input.dtype)))
    if out is not None:
        out.copy_(r)
        return out
    return r


# ---- weight norm -------------------------------------------------------------------------------------------------

def _norm_except(v, p, dim):
    if dim == -1:
        return pnorm(v.reshape(-1), p, 0).reshape(())
    axes = tuple(a for a in range(v.ndim) if a != dim)
    return pnorm(v, p, axes, True)


def _weight_norm_fn(st, v, g):
    dim, dt = st
    v, g = cast(v, dt), cast(g, dt)
    return v * (g / _norm_except(v, 2, dim))


_WEIGHT_NORM = Kernel("weight_norm", _weight_norm_fn, "WeightNormInterfaceBackward0")
_NORM_EXCEPT = Kernel("norm_except_dim", lambda st, v: _norm_except(cast(v, st[2]), st[0], st[1]), "NormBackward1")


def _wn_dim(dim, ndim):
    if dim is None:
        return -1
    if dim < -1:
        dim += ndim
    return dim


@function("_weight_norm")
def _weight_norm(v, g, dim=0):
    return call(_WEIGHT_NORM, [v, g], (_wn_dim(dim, v.ndim), np_dtype(v.dtype)))


@function()
def norm_except_dim(v, pow=2, dim=0):  # noqa: A002
    return call(_NORM_EXCEPT, [v], (float(pow), _wn_dim(dim, v.ndim), np_dtype(v.dtype)))
