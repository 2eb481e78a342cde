"""clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_: one jitted kernel over all grads."""
import functools
import types
import warnings

import jax.numpy as jnp

from ..._ops._common import concrete
from ..._ops.creation import tensor
from ..._ops.kernel import Kernel, call
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _no_grad(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with no_grad():
            return func(*args, **kwargs)
    return wrapper


def _vnorm(g, p):
    a = jnp.abs(g.astype(jnp.float32) if g.dtype.itemsize < 4 else g)
    if p == float("inf"):
        return jnp.max(a) if a.size else jnp.zeros((), a.dtype)
    if p == -float("inf"):
        return jnp.min(a)
    if p == 0:
        return jnp.sum(a != 0).astype(a.dtype)
    if p == 1:
        return jnp.sum(a)
    if p == 2:
        return jnp.sqrt(jnp.sum(a * a))
    return jnp.power(jnp.sum(jnp.power(a, p)), 1.0 / p)


def _total_norm_fn(p, *grads):
    norms = jnp.stack([_vnorm(g, p).astype(grads[0].dtype) for g in grads])
    return _vnorm(norms, p).astype(grads[0].dtype)


def _clip_fn(st, max_norm, total, *grads):
    coef = jnp.minimum(max_norm / (total + 1e-6), 1.0)
    return tuple((g * coef.astype(g.dtype)).astype(g.dtype) for g in grads)


def _value_fn(st, clip, *grads):
    return tuple(jnp.clip(g, -clip, clip).astype(g.dtype) for g in grads)


_TOTAL = Kernel("total_norm", _total_norm_fn, "NormBackward")
_CLIP = Kernel("clip_grads", _clip_fn, "MulBackward0")
_VALUE = Kernel("clip_grad_value", _value_fn, "ClampBackward1")


def _as_list(x):
    return [x] if isinstance(x, Tensor) else list(x)


def _write_all(grads, news):
    if not isinstance(news, tuple):
        news = (news,)
    for g, n in zip(grads, news):
        g._write(n._value())


@_no_grad
def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return tensor(0.0)
    total = call(_TOTAL, tensors, norm_type)
    if error_if_nonfinite:
        v = concrete(total)
        if v is not None and not float("-inf") < float(v) < float("inf"):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                               f"so it cannot be clipped. To disable this error and scale the gradients by the "
                               f"non-finite norm anyway, set `error_if_nonfinite=False`")
    return total


@_no_grad
def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    _write_all(grads, call(_CLIP, [float(max_norm), total_norm] + grads, None))


@_no_grad
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_gen = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_gen and len(parameters) == 0:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@_no_grad
def clip_grad_value_(parameters, clip_value, foreach=None):
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    _write_all(grads, call(_VALUE, [float(clip_value)] + grads, None))
