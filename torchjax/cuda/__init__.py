"""torch.cuda on JAX's GPU devices. Without a GPU, asking for one raises torch's error."""
from .. import _device


def is_available():
    return len(_device.gpu_devices()) > 0


def device_count():
    return len(_device.gpu_devices())


def _lazy_init():
    if not is_available():
        raise AssertionError("Torch not compiled with CUDA enabled")


def current_device():
    _lazy_init()
    return _device.current_cuda_index()


def set_device(device):
    d = _device.device(device) if not isinstance(device, int) else _device.device("cuda", device)
    if d.type != "cuda":
        return
    _lazy_init()
    _device._current_cuda[0] = d.index or 0


def get_device_name(device=None):
    _lazy_init()
    idx = _index(device)
    return _device.gpu_devices()[idx].device_kind


def _index(device):
    if device is None:
        return current_device()
    if isinstance(device, int):
        return device
    d = _device.device(device)
    return d.index if d.index is not None else current_device()


def get_device_capability(device=None):
    _lazy_init()
    cc = getattr(_device.gpu_devices()[_index(device)], "compute_capability", "0.0")
    major, minor = str(cc).split(".")[:2]
    return int(major), int(minor)


def get_device_properties(device=None):
    _lazy_init()
    d = _device.gpu_devices()[_index(device)]

    class _Props:
        name = d.device_kind
        total_memory = (d.memory_stats() or {}).get("bytes_limit", 0)
        major, minor = get_device_capability(device)
        multi_processor_count = getattr(d, "core_count", 0)

        def __repr__(self):
            return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                    f"total_memory={self.total_memory // 2**20}MB, multi_processor_count={self.multi_processor_count})")
    return _Props()


def synchronize(device=None):
    _lazy_init()
    import jax
    for d in _device.gpu_devices():
        jax.device_put(0.0, d).block_until_ready()


def empty_cache():
    pass  # XLA's allocator owns GPU memory; there is no cache to hand back without a GPU


def _stats(device):
    if not is_available():
        return {}
    return _device.gpu_devices()[_index(device)].memory_stats() or {}


def memory_allocated(device=None):
    return _stats(device).get("bytes_in_use", 0)


def max_memory_allocated(device=None):
    return _stats(device).get("peak_bytes_in_use", 0)


def memory_reserved(device=None):
    return _stats(device).get("bytes_reserved", _stats(device).get("bytes_in_use", 0))


def max_memory_reserved(device=None):
    return _stats(device).get("peak_bytes_reserved", _stats(device).get("peak_bytes_in_use", 0))


def reset_peak_memory_stats(device=None):
    pass


def manual_seed(seed):
    from .. import _random
    _random.cuda_seed = int(seed)


manual_seed_all = manual_seed


def is_initialized():
    return is_available()


def init():
    _lazy_init()


class device:
    def __init__(self, device):
        self.idx = _index(device) if device is not None else None

    def __enter__(self):
        self.prev = _device.current_cuda_index()
        if self.idx is not None:
            set_device(self.idx)

    def __exit__(self, *exc):
        _device._current_cuda[0] = self.prev


def is_bf16_supported(including_emulation=True):
    return is_available()
