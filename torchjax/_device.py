"""torch.device and its mapping onto JAX devices: 'cpu' is JAX's CPU device, 'cuda:N' the N-th JAX GPU."""
import functools

import jax


class device:
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 - torch's parameter name
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            if type < 0:
                raise RuntimeError(f"Device index must not be negative")
            self.type, self.index = "cuda", type
            return
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({_tn(type)})")
        s = type
        if ":" in s:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {s}")
            s, _, idx = s.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if s not in _KNOWN_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_KNOWN_TYPES)} device type at start of device string: {type}")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative")
        self.type, self.index = s, index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index) if self.index is not None else (self.type,))

    def __enter__(self):
        from . import _tensor
        self._prev = _tensor.get_default_device()
        _tensor.set_default_device(self)
        return self

    def __exit__(self, *exc):
        from . import _tensor
        _tensor.set_default_device(self._prev)


device.__slots__ = ("type", "index", "_prev")
_KNOWN_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


def _tn(x):
    return type(x).__name__


CPU = device("cpu")


@functools.lru_cache(None)
def gpu_devices():
    """This process's JAX GPU devices (local ones: under jax.distributed, jax.devices() lists every process's).

    Testing without a GPU: TORCHJAX_CUDA_ON_CPU=1 makes the host's CPU devices stand in for 'cuda:N' (run with
    XLA_FLAGS=--xla_force_host_platform_device_count=N to get several)."""
    import os
    if os.environ.get("TORCHJAX_CUDA_ON_CPU", "") not in ("", "0"):
        return tuple(jax.local_devices(backend="cpu"))
    try:
        return tuple(jax.local_devices(backend="gpu"))
    except RuntimeError:
        return ()


def _cuda_unavailable():
    raise AssertionError("Torch not compiled with CUDA enabled")


def canonical(dev):
    """A torch.device with an explicit index for cuda ('cuda' -> 'cuda:<current>'); validates availability."""
    if dev is None:
        return None
    if not isinstance(dev, device):
        dev = device(dev)
    if dev.type == "cpu":
        return CPU
    if dev.type == "cuda":
        gpus = gpu_devices()
        if not gpus:
            _cuda_unavailable()
        idx = current_cuda_index() if dev.index is None else dev.index
        if idx >= len(gpus):
            raise RuntimeError(f"CUDA error: invalid device ordinal")
        return _cuda_device(idx)
    if dev.type == "meta":
        raise NotImplementedError("torchjax: the 'meta' device is not supported")
    raise RuntimeError(f"torchjax supports the 'cpu' and 'cuda' devices, not '{dev.type}'")


@functools.lru_cache(None)
def _cuda_device(i):
    return device("cuda", i)


_current_cuda = [0]


def current_cuda_index():
    return _current_cuda[0]


def jax_device(dev):
    """The jax.Device for a canonical torch.device."""
    if dev.type == "cpu":
        return _cpu_jax()
    return gpu_devices()[dev.index]


@functools.lru_cache(None)
def _cpu_jax():
    return jax.local_devices(backend="cpu")[0]


def from_jax_device(d):
    if d.platform == "cpu" and (d == _cpu_jax() or d not in gpu_devices()):
        return CPU
    return _cuda_device(gpu_devices().index(d))
