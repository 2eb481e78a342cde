"""Small torch.* names: type predicates, layouts, memory formats, determinism flags, compile entry points."""
from . import _dtype as D
from ._tensor import Tensor

__all__ = ["from_jax", "from_dlpack", "is_tensor", "is_storage", "is_floating_point", "is_complex", "is_nonzero", "numel", "typename",
           "can_cast", "strided", "sparse_coo", "sparse_csr", "layout", "memory_format", "contiguous_format",
           "channels_last", "channels_last_3d", "preserve_format", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "set_float32_matmul_precision", "get_float32_matmul_precision",
           "set_num_threads", "get_num_threads", "set_num_interop_threads", "get_num_interop_threads",
           "is_grad_enabled", "is_autocast_enabled", "set_default_tensor_type", "is_warn_always_enabled",
           "set_warn_always", "compile", "Stream", "Event"]


def from_jax(array):
    """A tensor over a jax.Array (or a tracer inside jax.jit), without copying."""
    import jax
    from ._device import from_jax_device
    from ._tensor import get_default_device, wrap
    if isinstance(array, jax.core.Tracer):
        return wrap(array, get_default_device())
    array = jax.numpy.asarray(array)
    return wrap(array, from_jax_device(next(iter(array.devices()))))


def from_dlpack(ext_tensor):
    """torch.from_dlpack: a tensor sharing memory with a DLPack producer (numpy, jax, PyTorch, a capsule)."""
    from .utils.dlpack import from_dlpack as f
    return f(ext_tensor)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_storage(obj):
    from .storage import UntypedStorage, TypedStorage
    return isinstance(obj, (UntypedStorage, TypedStorage))


def is_floating_point(input):
    return input.dtype.is_floating_point


def is_complex(input):
    return input.dtype.is_complex


def is_nonzero(input):
    if input.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous" if input.numel() else
                           "Boolean value of Tensor with no values is ambiguous")
    return bool(input.item())


def numel(input):
    return input.numel()


def typename(obj):
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(type(obj), "__module__", "") or ""
    return (module + "." if module not in ("", "builtins") else "") + type(obj).__qualname__


def can_cast(from_, to):
    return D.can_cast(from_, to)


class layout:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


strided = layout("strided")
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")


class memory_format:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

_deterministic = [False, False]


def use_deterministic_algorithms(mode, *, warn_only=False):
    _deterministic[0], _deterministic[1] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _deterministic[0]


_matmul_precision = ["highest"]


def set_float32_matmul_precision(precision):
    from jax import lax
    from ._ops import blas
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision {precision}")
    _matmul_precision[0] = precision
    blas.precision.value = lax.Precision.HIGHEST if precision == "highest" else lax.Precision.DEFAULT


def get_float32_matmul_precision():
    return _matmul_precision[0]


_threads = [None]


def set_num_threads(n):
    _threads[0] = int(n)  # XLA's CPU thread pool is fixed at start-up; recorded for get_num_threads


def get_num_threads():
    import os
    return _threads[0] or os.cpu_count()


def set_num_interop_threads(n):
    pass


def get_num_interop_threads():
    import os
    return os.cpu_count()


def is_grad_enabled():
    from .autograd.grad_mode import state
    return state.enabled


def is_autocast_enabled(device_type=None):
    try:
        from .amp import autocast_mode
        return autocast_mode.is_enabled(device_type)
    except ImportError:
        return False


def set_default_tensor_type(t):
    import warnings
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    name = t if isinstance(t, str) else t.__name__
    mapping = {"FloatTensor": D.float32, "DoubleTensor": D.float64, "HalfTensor": D.float16,
               "BFloat16Tensor": D.bfloat16}
    d = mapping.get(name.rsplit(".", 1)[-1])
    if d is None:
        raise TypeError("only floating-point types are supported as the default type")
    D.set_default_dtype(d)


_warn_always = [False]


def is_warn_always_enabled():
    return _warn_always[0]


def set_warn_always(b):
    _warn_always[0] = bool(b)


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False, donate=True):
    from ._compile import compile as _c
    return _c(model, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode, options=options,
              disable=disable, donate=donate)


class Stream:
    def __init__(self, device=None, priority=0, **kwargs):
        self.device = device

    def synchronize(self):
        pass

    def wait_stream(self, other):
        pass


class Event:
    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        self._t = None

    def record(self, stream=None):
        import time
        self._t = time.perf_counter()

    def synchronize(self):
        pass

    def elapsed_time(self, end):
        return (end._t - self._t) * 1000.0
