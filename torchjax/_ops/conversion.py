"""Dtype and device conversions: to, type_as, float()/long()/..., cpu, cuda."""
import jax
import jax.numpy as jnp

from .. import _dtype as D
from .._device import canonical, device as _device_cls, jax_device
from .._tensor import Tensor, wrap
from ..autograd import grad_mode
from ..autograd.graph import Node
from .kernel import Kernel, call
from .registry import method

def _cast(dt, x):
    if jnp.iscomplexobj(x) and not jnp.issubdtype(dt, jnp.complexfloating):
        x = jnp.real(x)
    if jnp.issubdtype(x.dtype, jnp.floating) and jnp.issubdtype(dt, jnp.integer) and jnp.dtype(dt).itemsize < 8:
        # torch (C++ on x86) truncates to a wide int, then keeps the low bits; XLA would saturate
        return x.astype(jnp.int64).astype(dt)
    return x.astype(dt)


_CAST = Kernel("to", _cast, "ToCopyBackward0")


def _parse_to(args, kwargs):
    dev = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    for a in args:
        if isinstance(a, D.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dev, dtype = a.device, a._dtype
        elif isinstance(a, (str, _device_cls, int)) and not isinstance(a, bool):
            dev = a
        elif isinstance(a, bool):
            copy = a if dtype is not None or dev is not None else copy
        elif a is None:
            continue
        else:
            raise TypeError(f"to() received an invalid combination of arguments - got ({type(a).__name__})")
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    return (canonical(dev) if dev is not None else None), dtype, copy


@method()
def to(self, *args, **kwargs):
    dev, dtype, copy = _parse_to(args, dict(kwargs))
    out = self
    if dtype is not None and dtype is not self._dtype:
        D.to_np(dtype)
        out = call(_CAST, [out], dtype.np)
    if dev is not None and dev != out.device:
        out = _to_device(out, dev)
    if out is self and copy:
        from .shape_views import clone
        out = clone(self)
    return out


def _transfer(dev):
    sharding = jax.sharding.SingleDeviceSharding(jax_device(dev))
    return lambda x: jax.device_put(x, sharding)


class ToCopyBackward0(Node):
    """Backward of a copy to another device: copies the gradient back to the source device."""
    __slots__ = ("src",)

    def _apply(self, grads):
        g = grads[0]
        return [None if g is None else to(g, self.src)]


def _to_device(t, dev):
    """Copy to another device; the backward copies the gradient back."""
    arr = _transfer(dev)(t._jax())
    out = wrap(arr, dev)
    if grad_mode.state.enabled and t.requires_grad:
        node = ToCopyBackward0((t._edge(),))
        node.src = t.device
        out._grad_fn = node
    return out


def _dtype_method(name, dtype):
    def f(self, memory_format=None):
        return to(self, dtype)
    f.__name__ = name
    method(name)(f)


for _n, _d in [("float", D.float32), ("double", D.float64), ("half", D.float16), ("bfloat16", D.bfloat16),
               ("long", D.int64), ("int", D.int32), ("short", D.int16), ("char", D.int8), ("byte", D.uint8),
               ("bool", D.bool), ("cfloat", D.complex64), ("cdouble", D.complex128)]:
    _dtype_method(_n, _d)


@method()
def type_as(self, other):
    return to(self, other._dtype)


@method()
def cpu(self, memory_format=None):
    return to(self, "cpu")


@method()
def cuda(self, device=None, non_blocking=False, memory_format=None):
    if device is None:
        device = "cuda"
    elif isinstance(device, int):
        device = f"cuda:{device}"
    return to(self, device)
