"""Tensor creation: from data (tensor, as_tensor, from_numpy), filled (zeros, ones, full, empty, eye, arange,
linspace, logspace), random (rand, randn, randint, randperm, normal), *_like and new_* variants."""
import builtins
import functools
import math
import numbers
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .. import _random
from .._device import canonical, jax_device
from .._size import Size
from .._storage import Storage
from .._tensor import Tensor, get_default_device, wrap
from ..autograd import grad_mode
from ._common import as_int_tuple, np_dtype
from .registry import function, method, op


def _device(device):
    return get_default_device() if device is None else canonical(device)


def _put(arr, dev):
    """Move a host numpy array onto a torch device as a new tensor. `arr` must be private: nobody may write it
    afterwards (device_put may alias an aligned buffer); copy user arrays first."""
    return wrap(jax.device_put(arr, jax_device(dev)), dev)


def _finish(t, requires_grad):
    if requires_grad:
        if not (t._dtype.is_floating_point or t._dtype.is_complex):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t.requires_grad_(True)
    return t


# ---- from data ------------------------------------------------------------------------------------------------

_KIND_ORDER = {"b": 0, "i": 1, "f": 2, "c": 3}


def _scan(data, depth, shape, flat, kinds):
    """Flatten nested sequences, checking they are rectangular, collecting element kinds."""
    if isinstance(data, Tensor):
        if data.ndim:
            if len(shape) <= depth:
                shape.extend(data.shape)
            flat.extend(np.asarray(data._host_values()).reshape(-1).tolist())
        else:
            flat.append(data.item())
        kinds.append(data._dtype)
        return
    if isinstance(data, np.ndarray):
        if len(shape) <= depth:
            shape.extend(data.shape)
        flat.extend(data.reshape(-1).tolist())
        kinds.append(D.from_np(data.dtype))
        return
    if isinstance(data, (list, tuple)) or (hasattr(data, "__len__") and hasattr(data, "__getitem__")
                                           and not isinstance(data, (str, bytes))):
        n = len(data)
        if len(shape) <= depth:
            shape.append(n)
        elif shape[depth] != n:
            raise ValueError(f"expected sequence of length {shape[depth]} at dim {depth} (got {n})")
        for x in data:
            _scan(x, depth + 1, shape, flat, kinds)
        return
    if len(shape) > depth:
        raise TypeError(f"not a sequence")
    if isinstance(data, np.generic):
        kinds.append(D.from_np(data.dtype))
    elif isinstance(data, bool):
        kinds.append("b")
    elif isinstance(data, numbers.Integral):
        kinds.append("i")
    elif isinstance(data, numbers.Real):
        kinds.append("f")
    elif isinstance(data, numbers.Complex):
        kinds.append("c")
    else:
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    flat.append(data.item() if isinstance(data, np.generic) else data)


def _infer_dtype(kinds):
    """Python numbers count as torch's default types; tensors, arrays and numpy scalars keep theirs."""
    best = None
    for k in kinds:
        d = _DEFAULT_OF_KIND[k]() if isinstance(k, str) else k
        best = d if best is None else D.promote_types(best, d)
    return best or D.get_default_dtype()


_DEFAULT_OF_KIND = {"b": lambda: D.bool, "i": lambda: D.int64, "f": D.get_default_dtype,
                    "c": D.default_complex_dtype}


def _host_array(data, dtype):
    """A numpy array holding `data` as torch would type it."""
    if isinstance(data, np.ndarray):
        d = dtype or D.from_np(data.dtype)
        return np.array(data, dtype=np_dtype(d), copy=True), d  # a private copy: device_put may alias it
    if isinstance(data, Tensor):
        d = dtype or data._dtype
        return np.asarray(data._host_values()).astype(np_dtype(d)), d
    shape, flat, kinds = [], [], []
    _scan(data, 0, shape, flat, kinds)
    d = dtype or _infer_dtype(kinds)
    npd = np_dtype(d)
    if d.is_complex:
        arr = np.array(flat, dtype=npd)
    elif d.is_floating_point:
        arr = np.array([x.real if isinstance(x, builtins.complex) else x for x in flat], dtype=np.float64)
        arr = arr.astype(npd)
    elif d is D.bool:
        arr = np.array(flat, dtype=bool)
    else:
        arr = _int_array(flat, npd)
    return arr.reshape(shape), d


def _int_array(flat, npd):
    try:
        return np.array(flat, dtype=npd)
    except OverflowError:
        raise RuntimeError(f"value cannot be converted to type {npd} without overflow") from None
    except (TypeError, ValueError):
        return np.array([int(x) for x in flat], dtype=np.float64).astype(npd)


@function()
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        t = data.detach().to(dtype=dtype or data.dtype, device=device or data.device, copy=True)
        return _finish(t, requires_grad)
    arr, d = _host_array(data, dtype)
    return _finish(_put(arr, _device(device)), requires_grad)


@function()
def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor):
        return data.to(dtype=dtype or data.dtype, device=device or data.device)
    if isinstance(data, np.ndarray) and (device is None or canonical(device).type == "cpu") and \
            data.dtype.kind in "biufc" and (dtype is None or dtype.np == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


asarray_ = as_tensor


@function()
def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    if copy:
        return tensor(obj, dtype=dtype, device=device, requires_grad=requires_grad)
    t = as_tensor(obj, dtype=dtype, device=device)
    return _finish(t, requires_grad)


@function()
def from_numpy(ndarray):
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making a copy "
                         "of your array  with array.copy().) ")
    dt = D.from_np(ndarray.dtype)
    if not ndarray.flags.writeable:
        warnings.warn("The given NumPy array is not writable, and PyTorch does not support non-writable tensors. "
                      "This means writing to this tensor will result in undefined behavior. You may want to copy "
                      "the array to protect its data or make it writable before converting it to a tensor. This "
                      "type of warning will be suppressed for the rest of this program.", UserWarning, stacklevel=2)
    if not ndarray.dtype.isnative:
        ndarray = ndarray.astype(ndarray.dtype.newbyteorder("="))
    st = Storage.from_numpy(ndarray, canonical("cpu"))
    strides = None
    if ndarray.size and not ndarray.flags.c_contiguous:
        strides = tuple(s // ndarray.itemsize for s in ndarray.strides)
    return Tensor._from_parts(st, None, Size(ndarray.shape), dt, strides)


@function()
def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    arr = np.frombuffer(buffer, dtype=np_dtype(dtype), count=count, offset=offset)
    return _finish(from_numpy(arr), requires_grad)


# ---- filled ---------------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=2048)
def _filler(shape, npd, dev):
    sharding = jax.sharding.SingleDeviceSharding(jax_device(dev))
    return jax.jit(lambda v: jnp.full(shape, v, npd), out_shardings=sharding)


def _full(shape, value, dtype, device):
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    dev = _device(device)
    return wrap(_filler(shape, np_dtype(dtype), dev)(value), dev)


def _factory(name, value):
    def f(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None, names=None):
        shape = as_int_tuple(size, name)
        t = _finish(_full(shape, value, dtype or D.get_default_dtype(), device), requires_grad)
        if out is not None:
            from .registry import copy_out
            return copy_out(out, t, name)
        return t
    f.__name__ = name
    function(name)(f)
    return f


zeros = _factory("zeros", 0)
ones = _factory("ones", 1)
empty = _factory("empty", 0)


@function()
def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    shape = as_int_tuple((size,), "full")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = _scalar_dtype(fill_value)
    return _finish(_full(shape, fill_value, dtype, device), requires_grad)


def _scalar_dtype(v):
    from ._common import scalar_dtype
    return scalar_dtype(v)


@function()
def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return _finish(_full(tuple(size), 0, dtype or D.get_default_dtype(), device), requires_grad)


@function()
def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return _finish(_full((), s, dtype or D.get_default_dtype(), device), requires_grad)


def _like(name, value):
    def f(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
        return _finish(_full(input._shape, value, dtype or input._dtype, device or input.device), requires_grad)
    f.__name__ = name
    function(name)(f)
    return f


zeros_like = _like("zeros_like", 0)
ones_like = _like("ones_like", 1)
empty_like = _like("empty_like", 0)


@function()
def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _finish(_full(input._shape, fill_value, dtype or input._dtype, device or input.device), requires_grad)


def _new(name, value):
    def f(self, *size, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
        shape = as_int_tuple(size, name)
        return _finish(_full(shape, value, dtype or self._dtype, device or self.device), requires_grad)
    f.__name__ = name
    method(name)(f)


_new("new_zeros", 0)
_new("new_ones", 1)
_new("new_empty", 0)


@method()
def new_full(self, size, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    return _finish(_full(as_int_tuple((size,)), fill_value, dtype or self._dtype, device or self.device),
                   requires_grad)


@method()
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "tensor.new_tensor(sourceTensor).", UserWarning, stacklevel=2)
        return _finish(data.detach().to(dtype=dtype or self._dtype, device=device or self.device, copy=True),
                       requires_grad)
    arr, d = _host_array(data, dtype or self._dtype)
    return _finish(_put(arr, canonical(device) if device else self.device), requires_grad)


@method()
def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    return _finish(_full(tuple(size), 0, dtype or self._dtype, device or self.device), requires_grad)


@function()
def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    m = n if m is None else m
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    arr = np.eye(n, m, dtype=np_dtype(dtype or D.get_default_dtype()))
    return _finish(_put(arr, _device(device)), requires_grad)


def _num(x):
    if isinstance(x, Tensor):
        return x.item()
    return x


@function()
def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
           pin_memory=False):
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if dtype is None and out is not None:
        dtype = out.dtype
    if dtype is None:
        dtype = D.get_default_dtype() if any(isinstance(x, float) for x in (start, end, step)) else D.int64
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not (dtype.is_floating_point or dtype.is_complex) and int(step) == 0:
        raise ValueError("step must be nonzero")
    for v in (start, end):
        if isinstance(v, float) and not math.isfinite(v):
            raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype.is_floating_point or any(isinstance(x, float) for x in (start, end, step)):
        n = math.ceil((end - start) / step)
        vals = start + np.arange(n, dtype=np.float64) * step
    else:
        n = -((start - end) // step) if step > 0 else -((end - start) // -step)
        n = max(n, 0)
        vals = start + np.arange(n, dtype=np.int64) * step
    t = _finish(_put(vals.astype(np_dtype(dtype)), _device(device)), requires_grad)
    if out is not None:
        from .registry import copy_out
        return copy_out(out, t, "arange")
    return t


@function()
def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,  # noqa: A001
          requires_grad=False):
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    start, end, step = _num(start), _num(end), _num(step)
    n = int(math.floor((end - start) / step)) + 1
    vals = start + np.arange(n, dtype=np.float64) * step
    return _finish(_put(vals.astype(np_dtype(dtype or D.get_default_dtype())), _device(device)), requires_grad)


def _linspace_values(start, end, steps):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    if steps == 0:
        return np.zeros(0)
    if steps == 1:
        return np.array([start], dtype=np.complex128 if isinstance(start, builtins.complex) else np.float64)
    step = (end - start) / (steps - 1)
    i = np.arange(steps)
    half = steps // 2
    return np.where(i < half, start + step * i, end - step * (steps - i - 1))


def _check_steps(steps, name):
    if isinstance(steps, Tensor):
        steps = steps.item()
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"{name}() received an invalid combination of arguments - got steps of type "
                        f"{type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


@function()
def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    steps = _check_steps(steps, "linspace")
    start, end = _num(start), _num(end)
    if dtype is None:
        dtype = D.default_complex_dtype() if isinstance(start, builtins.complex) or isinstance(end, builtins.complex) \
            else D.get_default_dtype()
    vals = _linspace_values(start, end, int(steps))
    if not (dtype.is_floating_point or dtype.is_complex):
        vals = np.trunc(vals.real) if vals.dtype.kind != "c" else vals
    return _finish(_put(vals.astype(np_dtype(dtype)), _device(device)), requires_grad)


@function()
def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    steps = _check_steps(steps, "logspace")
    dtype = dtype or D.get_default_dtype()
    vals = np.power(base, _linspace_values(_num(start), _num(end), int(steps)))
    return _finish(_put(vals.astype(np_dtype(dtype)), _device(device)), requires_grad)


@function()
def complex(real, imag, *, out=None):  # noqa: A001
    from .kernel import Kernel, call
    for name, pos, v in (("real", 1, real), ("imag", 2, imag)):
        if not isinstance(v, Tensor):
            raise TypeError(f"complex(): argument '{name}' (position {pos}) must be Tensor, not {type(v).__name__}")
    if real._dtype is not imag._dtype:
        raise RuntimeError(f"Expected object of scalar type {D._scalar_name(real._dtype)} but got scalar type "
                           f"{D._scalar_name(imag._dtype)} for second argument")
    if real._dtype not in (D.float32, D.float64, D.float16):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{D._scalar_name(real._dtype)} and {D._scalar_name(imag._dtype)}")
    from ._common import broadcast_shapes
    shape = tuple(broadcast_shapes(real._shape, imag._shape))
    r = call(_COMPLEX, [real.expand(shape), imag.expand(shape)], None)
    if out is not None and isinstance(out, Tensor) and out._dtype is not r._dtype:
        raise RuntimeError(f"Expected object of scalar type {D._scalar_name(r._dtype)} but got scalar type "
                           f"{D._scalar_name(out._dtype)} for argument 'out'")
    if out is not None:
        from .registry import copy_out
        return copy_out(out, r, "complex")
    return r


def _complex_fn(_, re, im):
    from jax import lax
    return lax.complex(re, im)


def _polar_fn(_, r, theta):
    from jax import lax
    return lax.complex(r * jnp.cos(theta), r * jnp.sin(theta))


from .kernel import Kernel as _Kernel  # noqa: E402

_COMPLEX = _Kernel("complex", _complex_fn, "ComplexBackward0")
_POLAR = _Kernel("polar", _polar_fn, "PolarBackward0")


@function()
def polar(abs, angle, *, out=None):  # noqa: A002
    from .kernel import call
    for name, pos, v in (("abs", 1, abs), ("angle", 2, angle)):
        if not isinstance(v, Tensor):
            raise TypeError(f"polar(): argument '{name}' (position {pos}) must be Tensor, not {type(v).__name__}")
    if abs._dtype is not angle._dtype:
        raise RuntimeError(f"Expected object of scalar type {D._scalar_name(abs._dtype)} but got scalar type "
                           f"{D._scalar_name(angle._dtype)} for second argument")
    if abs._dtype not in (D.float32, D.float64, D.float16):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{D._scalar_name(abs._dtype)} and {D._scalar_name(angle._dtype)}")
    from ._common import broadcast_shapes
    shape = tuple(broadcast_shapes(abs._shape, angle._shape))
    r = call(_POLAR, [abs.expand(shape), angle.expand(shape)], None)
    if out is not None:
        from .registry import copy_out
        return copy_out(out, r, "polar")
    return r


# ---- random ---------------------------------------------------------------------------------------------------

def _gen(generator):
    return _random.default_generator if generator is None else generator


def _random_factory(name, draw):
    def f(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
        shape = as_int_tuple(size, name)
        dtype = dtype or D.get_default_dtype()
        if not (dtype.is_floating_point or dtype.is_complex):
            raise RuntimeError(f"\"{name}_cpu\" not implemented for '{D._scalar_name(dtype)}'" if name != "rand"
                               else f"\"check_uniform_bounds\" not implemented for '{D._scalar_name(dtype)}'")
        if _random._trace_keys[0] is not None:  # inside compiled code: a JAX draw from a traced key
            arr = _jax_draw(name, _gen(generator)._jax_key(), shape, dtype)
        else:
            arr = draw(_gen(generator), shape, dtype)
        return _finish(_put(arr, _device(device)), requires_grad)
    f.__name__ = name
    function(name)(f)
    return f


def _jax_draw(name, key, shape, dtype):
    import jax
    dt = np_dtype(dtype.to_real() if dtype.is_complex else dtype)
    fn = jax.random.uniform if name == "rand" else jax.random.normal
    if dtype.is_complex:
        pair = fn(key, shape + (2,), dt)
        z = pair[..., 0] + 1j * pair[..., 1]
        return (z if name == "rand" else z * np.sqrt(0.5)).astype(np_dtype(dtype))
    return fn(key, shape, dt)


def _draw_complex(draw):
    def d(g, shape, dtype):
        if dtype.is_complex:
            real = dtype.to_real()
            pair = draw(g, shape + (2,), real)
            return (pair[..., 0] + 1j * pair[..., 1]).astype(np_dtype(dtype)) if draw is not _draw_normal_raw else \
                ((pair[..., 0] + 1j * pair[..., 1]) * np.sqrt(0.5)).astype(np_dtype(dtype))
        return draw(g, shape, dtype)
    return d


def _draw_uniform_raw(g, shape, dtype):
    return g._uniform(shape, np_dtype(dtype), 0.0, 1.0)


def _draw_normal_raw(g, shape, dtype):
    return g._normal(shape, np_dtype(dtype), 0.0, 1.0)


rand = _random_factory("rand", _draw_complex(_draw_uniform_raw))
randn = _random_factory("randn", _draw_complex(_draw_normal_raw))


@function()
def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return rand(input._shape, dtype=dtype or input._dtype, device=device or input.device,
                requires_grad=requires_grad)


@function()
def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return randn(input._shape, dtype=dtype or input._dtype, device=device or input.device,
                 requires_grad=requires_grad)


@function()
def randint(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False):
    args = list(args)
    if size is None:
        if not args or not isinstance(args[-1], (tuple, list, Size)):
            raise TypeError("randint() received an invalid combination of arguments - missing 'size'")
        size = args.pop()
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError("randint() received an invalid combination of arguments")
    low, high = _num(low), _num(high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dtype = dtype or D.int64
    if _random._trace_keys[0] is not None:  # inside compiled code: a JAX draw from a traced key
        import jax
        arr = jax.random.randint(_gen(generator)._jax_key(), tuple(size), int(low), int(high), np_dtype(dtype))
        return _finish(_put(arr, _device(device)), requires_grad)
    arr = _gen(generator)._randint(tuple(size), np_dtype(dtype), int(low), int(high))
    return _finish(_put(arr, _device(device)), requires_grad)


@function()
def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, input._shape, dtype=dtype or input._dtype, device=device or input.device,
                   requires_grad=requires_grad)


@function()
def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    dtype = dtype or D.int64
    arr = _gen(generator)._randperm(int(n), np_dtype(dtype))
    return _finish(_put(arr, _device(device)), requires_grad)


# ---- legacy constructors: torch.Tensor(...), torch.FloatTensor(...) ----------------------------------------------

def _legacy_new(cls, dtype, *args, device=None, **kwargs):
    if cls is not Tensor and not getattr(cls, "_legacy_dtype", None):
        # a subclass (nn.Parameter) handles its own construction
        return object.__new__(cls)
    if "size" in kwargs:
        args = tuple(kwargs.pop("size"))
    if kwargs:
        raise TypeError(f"new() received an invalid combination of arguments - got {tuple(kwargs)}")
    if not args:
        return _full((0,), 0, dtype, device)
    if len(args) == 1 and isinstance(args[0], Tensor):
        return args[0].to(dtype) if args[0]._dtype is not dtype else args[0].detach()
    if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args) or \
            (len(args) == 1 and isinstance(args[0], Size)):
        return _full(as_int_tuple(args), 0, dtype, device)
    if len(args) == 1:
        arr, _ = _host_array(args[0], dtype)
        return _put(arr, _device(device))
    raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")


class _LegacyTensorMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls._legacy_dtype and obj.device.type == cls._device_type

    def __call__(cls, *args, **kwargs):
        return _legacy_new(Tensor, cls._legacy_dtype, *args, device=cls._device_type, **kwargs)


def _legacy_type(name, dtype, device_type="cpu"):
    return _LegacyTensorMeta(name, (), {"_legacy_dtype": dtype, "_device_type": device_type,
                                        "dtype": dtype, "is_cuda": device_type == "cuda"})


LEGACY_TYPES = {n: _legacy_type(n, getattr(D, d)) for n, d in [
    ("FloatTensor", "float32"), ("DoubleTensor", "float64"), ("HalfTensor", "float16"),
    ("BFloat16Tensor", "bfloat16"), ("ByteTensor", "uint8"), ("CharTensor", "int8"), ("ShortTensor", "int16"),
    ("IntTensor", "int32"), ("LongTensor", "int64"), ("BoolTensor", "bool")]}
