"""torch.cuda on JAX's GPU devices: 'cuda:N' is this process's N-th JAX GPU.

Without a GPU every call behaves as torch's CPU-only build does: the query functions answer (is_available() is
False, device_count() is 0, memory counters are 0), the ones that need a device raise torch's AssertionError
"Torch not compiled with CUDA enabled" (or the RuntimeError/AttributeError torch raises), and the seeding functions
are silently accepted. Streams and events map onto JAX's asynchronous dispatch: a stream is a label (XLA orders work
per device), `synchronize()` waits for the device's queued work, and an Event records a host timestamp after
waiting for the queued work, so `elapsed_time` measures completed device work.
"""
import collections
import importlib
import time
import warnings

from .. import _device
from .. import _dtype as D

_NOT_COMPILED = "Torch not compiled with CUDA enabled"

has_half = True
has_magma = False
default_generators = ()


def is_available():
    return len(_device.gpu_devices()) > 0


def device_count():
    return len(_device.gpu_devices())


def _lazy_init():
    if not is_available():
        raise AssertionError(_NOT_COMPILED)


def init():
    _lazy_init()


def is_initialized():
    return is_available()


def _get_device_index(device, optional=False, allow_cpu=False):
    """torch.cuda._utils._get_device_index: int as is; torch.device/str must be cuda (or cpu with allow_cpu -> -1);
    None or an index-less 'cuda' give the current device when `optional`."""
    if isinstance(device, int) and not isinstance(device, bool):
        return device
    if isinstance(device, str):
        device = _device.device(device)
    if isinstance(device, globals()["device"]):
        return device.idx
    if isinstance(device, _device.device):
        if allow_cpu:
            if device.type not in ("cuda", "cpu"):
                raise ValueError(f"Expected a cuda or cpu device, but got: {device}")
            if device.type == "cpu":
                return -1
        elif device.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {device}")
        if device.index is not None:
            return device.index
    if device is None or isinstance(device, _device.device):
        if optional:
            return current_device() if is_available() else None
        raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{device}")
    raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{device}")


def _index(device):
    """Index of `device` (None: the current device), validated against the available GPUs."""
    _lazy_init()
    if device is None:
        return current_device()
    idx = _get_device_index(device, optional=True)
    if idx is None or idx < 0:
        idx = current_device()
    if idx >= device_count():
        raise AssertionError("Invalid device id")
    return idx


def current_device():
    _lazy_init()
    return _device.current_cuda_index()


def set_device(device):
    idx = _get_device_index(device)
    if idx < 0:
        return
    if not is_available():
        raise AttributeError("module 'torch._C' has no attribute '_cuda_setDevice'")
    if idx >= device_count():
        raise RuntimeError("CUDA error: invalid device ordinal")
    _device._current_cuda[0] = idx


def _exchange_device(idx):
    if idx is None or idx < 0:
        return -1
    if not is_available():
        raise RuntimeError("PyTorch was compiled without CUDA support")
    prev = _device.current_cuda_index()
    set_device(idx)
    return prev


class device:
    """Context manager that changes the current CUDA device (a no-op for a negative index)."""

    def __init__(self, device):
        self.idx = _get_device_index(device, optional=True)
        self.prev_idx = -1

    def __enter__(self):
        if self.idx is None:
            raise TypeError("'<' not supported between instances of 'NoneType' and 'int'")
        self.prev_idx = _exchange_device(self.idx)

    def __exit__(self, *exc):
        if self.prev_idx >= 0:
            _device._current_cuda[0] = self.prev_idx
        self.idx = self.prev_idx
        return False


class device_of(device):
    """Context manager selecting the device of a tensor (a no-op for CPU tensors)."""

    def __init__(self, obj):
        super().__init__(obj.get_device() if obj.is_cuda else -1)


def _jax_gpu(idx):
    return _device.gpu_devices()[idx]


def get_device_name(device=None):
    return _jax_gpu(_index(device)).device_kind


def get_device_capability(device=None):
    cc = getattr(_jax_gpu(_index(device)), "compute_capability", "0.0")
    major, minor = (str(cc).split(".") + ["0"])[:2]
    return int(major), int(minor)


class _CudaDeviceProperties:
    def __init__(self, idx):
        d = _jax_gpu(idx)
        self.name = d.device_kind
        self.major, self.minor = get_device_capability(idx)
        stats = _memory_stats_of(d)
        self.total_memory = int(stats.get("bytes_limit", 0))
        self.multi_processor_count = int(getattr(d, "core_count", 0) or 0)
        self.is_integrated = False
        self.is_multi_gpu_board = False

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // 2 ** 20}MB, multi_processor_count={self.multi_processor_count})")


def get_device_properties(device=None):
    return _CudaDeviceProperties(_index(device))


def get_arch_list():
    return []


def get_gencode_flags():
    return ""


def is_bf16_supported(including_emulation=True):
    return is_available()


def is_tf32_supported():
    if not is_available():
        return False
    return get_device_capability()[0] >= 8


def synchronize(device=None):
    """Wait until the device's queued work has finished."""
    idx = _index(device)
    import jax
    jax.effects_barrier()
    jax.device_put(0, _jax_gpu(idx)).block_until_ready()
    for a in jax.live_arrays():
        try:
            if _jax_gpu(idx) in a.devices():
                a.block_until_ready()
        except Exception:  # noqa: BLE001 - deleted or donated arrays have nothing to wait for
            pass


def ipc_collect():
    _lazy_init()


def empty_cache():
    """XLA's allocator owns GPU memory and keeps it pooled; there is no cache for torchjax to hand back."""


# ---- memory statistics (XLA's allocator counters; zeros without a GPU, as torch's CPU-only build reports) -------
def _memory_stats_of(d):
    try:
        return d.memory_stats() or {}
    except Exception:  # noqa: BLE001 - some platforms do not report
        return {}


def _stats(device):
    if not is_available():
        return {}
    idx = _get_device_index(device, optional=True)
    return _memory_stats_of(_jax_gpu(idx if idx is not None and idx >= 0 else current_device()))


_peak_offset = collections.defaultdict(int)


def memory_allocated(device=None):
    return int(_stats(device).get("bytes_in_use", 0))


def max_memory_allocated(device=None):
    return int(_stats(device).get("peak_bytes_in_use", 0))


def memory_reserved(device=None):
    s = _stats(device)
    return int(s.get("pool_bytes", s.get("bytes_reserved", s.get("bytes_in_use", 0))))


def max_memory_reserved(device=None):
    s = _stats(device)
    return int(s.get("peak_pool_bytes", s.get("peak_bytes_reserved", s.get("peak_bytes_in_use", 0))))


def memory_cached(device=None):
    warnings.warn("`torch.cuda.memory_cached` has been renamed to `torch.cuda.memory_reserved`", FutureWarning,
                  stacklevel=2)
    return memory_reserved(device)


def max_memory_cached(device=None):
    warnings.warn("`torch.cuda.max_memory_cached` has been renamed to `torch.cuda.max_memory_reserved`",
                  FutureWarning, stacklevel=2)
    return max_memory_reserved(device)


def memory_stats(device=None):
    s = _stats(device)
    out = collections.OrderedDict()
    if not s:
        return out
    out["allocated_bytes.all.current"] = int(s.get("bytes_in_use", 0))
    out["allocated_bytes.all.peak"] = int(s.get("peak_bytes_in_use", 0))
    out["reserved_bytes.all.current"] = memory_reserved(device)
    out["reserved_bytes.all.peak"] = max_memory_reserved(device)
    out["num_alloc_retries"] = 0
    out["num_ooms"] = 0
    for k, v in sorted(s.items()):
        out["xla." + k] = v
    return out


def memory_stats_as_nested_dict(device=None):
    nested = {}
    for k, v in memory_stats(device).items():
        cur = nested
        parts = k.split(".")
        for p in parts[:-1]:
            cur = cur.setdefault(p, {})
        cur[parts[-1]] = v
    return nested


def memory_summary(device=None, abbreviated=False):
    stats = memory_stats(device)
    if "allocated_bytes.all.current" not in stats:
        raise KeyError("allocated_bytes.all.current")
    lines = ["|" + "=" * 75 + "|", "|{:^75}|".format("torchjax CUDA memory summary (XLA allocator)"),
             "|" + "=" * 75 + "|"]
    for k in ("allocated_bytes.all.current", "allocated_bytes.all.peak", "reserved_bytes.all.current",
              "reserved_bytes.all.peak"):
        lines.append("| {:<50} {:>22} |".format(k, stats[k]))
    lines.append("|" + "=" * 75 + "|")
    return "\n".join(lines) + "\n"


def _no_c(name):
    raise AttributeError(f"module 'torch._C' has no attribute '{name}'")


def reset_peak_memory_stats(device=None):
    if not is_available():
        _no_c("_cuda_resetPeakMemoryStats")
    # XLA's peak counter cannot be reset; torchjax reports XLA's own peak


def reset_accumulated_memory_stats(device=None):
    if not is_available():
        _no_c("_cuda_resetAccumulatedMemoryStats")


def reset_max_memory_allocated(device=None):
    warnings.warn("torch.cuda.reset_max_memory_allocated now calls torch.cuda.reset_peak_memory_stats, which resets "
                  "/all/ peak memory stats.", FutureWarning, stacklevel=2)
    return reset_peak_memory_stats(device)


def reset_max_memory_cached(device=None):
    warnings.warn("torch.cuda.reset_max_memory_cached now calls torch.cuda.reset_peak_memory_stats, which resets "
                  "/all/ peak memory stats.", FutureWarning, stacklevel=2)
    return reset_peak_memory_stats(device)


def host_memory_stats():
    return collections.OrderedDict()


def mem_get_info(device=None):
    s = _stats(_index(device))
    limit = int(s.get("bytes_limit", 0))
    return limit - int(s.get("bytes_in_use", 0)), limit


def set_per_process_memory_fraction(fraction, device=None):
    _index(device)
    raise NotImplementedError("torchjax: the GPU memory fraction is fixed when JAX starts; set "
                              "XLA_PYTHON_CLIENT_MEM_FRACTION before importing torchjax")


def get_per_process_memory_fraction(device=None):
    _index(device)
    import os
    return float(os.environ.get("XLA_PYTHON_CLIENT_MEM_FRACTION", "0.75"))


def caching_allocator_alloc(size, device=None, stream=None):
    _index(device)
    raise NotImplementedError("torchjax: raw allocations from XLA's GPU allocator are not supported")


def can_device_access_peer(device, peer_device):
    _index(device)
    _index(peer_device)
    return True


def list_gpu_processes(device=None):
    return "pynvml module not found, please install nvidia-ml-py"


def _nvml(*args, **kwargs):
    raise ModuleNotFoundError("nvidia-ml-py does not seem to be installed or it can't be imported.")


utilization = temperature = power_draw = clock_rate = memory_usage = device_memory_used = _nvml


def get_sync_debug_mode():
    _lazy_init()
    return 0


def set_sync_debug_mode(debug_mode):
    _lazy_init()


def current_blas_handle():
    _lazy_init()
    return 0


# ---- random numbers: GPU draws come from the same generator machinery; seeds are recorded ----------------------
_seed = [None]


def manual_seed(seed):
    _seed[0] = int(seed)


def manual_seed_all(seed):
    _seed[0] = int(seed)


def seed():
    pass


def seed_all():
    pass


def initial_seed():
    _lazy_init()
    from .. import _random
    return _seed[0] if _seed[0] is not None else _random.initial_seed()


def get_rng_state(device="cuda"):
    _lazy_init()
    from .. import get_rng_state as _g
    return _g()


def get_rng_state_all():
    return [get_rng_state(i) for i in range(device_count())]


def set_rng_state(new_state, device="cuda"):
    if is_available():
        from .. import set_rng_state as _s
        _s(new_state)


def set_rng_state_all(new_states):
    for i, s in enumerate(new_states):
        set_rng_state(s, i)


# ---- streams and events ------------------------------------------------------------------------------------------
class Stream:
    """A CUDA stream. XLA orders the work it queues per device, so a stream is a label: work never overlaps
    differently from the default stream; `synchronize`/`query`/`wait_*` wait for (or report) the device's work."""

    def __new__(cls, device=None, priority=0, **kwargs):
        if not is_available():
            raise RuntimeError("torch.cuda.Stream requires CUDA support")
        return super().__new__(cls)

    def __init__(self, device=None, priority=0, **kwargs):
        self.device_index = _index(device)
        self.priority = priority
        self.stream_id = kwargs.get("stream_id", 0)
        self.cuda_stream = 0

    @property
    def device(self):
        return _device.device("cuda", self.device_index)

    def synchronize(self):
        synchronize(self.device_index)

    def query(self):
        return True

    def wait_event(self, event):
        event.synchronize()

    def wait_stream(self, stream):
        pass

    def record_event(self, event=None):
        event = event if event is not None else Event()
        event.record(self)
        return event

    def __eq__(self, other):
        return isinstance(other, Stream) and other.device_index == self.device_index and \
            other.stream_id == self.stream_id

    def __hash__(self):
        return hash((self.device_index, self.stream_id))

    def __repr__(self):
        return f"<torch.cuda.Stream device=cuda:{self.device_index} cuda_stream={hex(self.cuda_stream)}>"


class ExternalStream(Stream):
    def __init__(self, stream_ptr, device=None, **kwargs):
        super().__init__(device, **kwargs)
        self.cuda_stream = stream_ptr


class Event:
    """A CUDA event: `record` waits for the work queued so far and stamps the host clock."""

    def __new__(cls, enable_timing=False, blocking=False, interprocess=False, external=False):
        if not is_available():
            raise RuntimeError("Tried to instantiate dummy base class Event")
        return super().__new__(cls)

    def __init__(self, enable_timing=False, blocking=False, interprocess=False, external=False):
        self.enable_timing = enable_timing
        self._time = None
        self._device = None

    def record(self, stream=None):
        idx = stream.device_index if stream is not None else current_device()
        synchronize(idx)
        self._device = idx
        self._time = time.perf_counter()

    def wait(self, stream=None):
        pass

    def query(self):
        return True

    def synchronize(self):
        pass

    def elapsed_time(self, end_event):
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        if self._time is None or end_event._time is None:
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        return (end_event._time - self._time) * 1000.0

    def __repr__(self):
        return "<torch.cuda.Event uninitialized>" if self._time is None else "<torch.cuda.Event>"


_current_streams = {}


def current_stream(device=None):
    idx = _index(device)
    return _current_streams.get(idx) or default_stream(idx)


def default_stream(device=None):
    idx = _index(device)
    s = Stream.__new__(Stream)
    Stream.__init__(s, idx)
    return s


def set_stream(stream):
    if stream is None:
        return
    _current_streams[stream.device_index] = stream


class StreamContext:
    """Makes `stream` the current stream in its block (a no-op for None)."""

    def __init__(self, stream):
        self.stream = stream
        self.prev = None

    def __enter__(self):
        if self.stream is None:
            return None
        self.prev = current_stream(self.stream.device_index)
        set_stream(self.stream)
        return self.stream

    def __exit__(self, *exc):
        if self.stream is not None and self.prev is not None:
            set_stream(self.prev)
        return False


def stream(stream):
    return StreamContext(stream)


def is_current_stream_capturing():
    if not is_available():
        raise RuntimeError("Tried to instantiate dummy base class _cuda_isCurrentStreamCapturing")
    return False


class CUDAGraph:
    def __new__(cls, *args, **kwargs):
        if not is_available():
            raise RuntimeError("Tried to instantiate dummy base class CUDAGraph")
        raise NotImplementedError("torchjax: CUDA graphs are not supported; use torch.compile / torchjax.compile, "
                                  "which run a whole step as one XLA program")


def make_graphed_callables(callables, sample_args, num_warmup_iters=3, allow_unused_input=False, pool=None):
    raise NotImplementedError("torchjax: torch.cuda.make_graphed_callables is not supported; use torch.compile")


class CudaError(RuntimeError):
    def __init__(self, code):
        super().__init__(f"CUDA error {code}")


class DeferredCudaCallError(Exception):
    pass


OutOfMemoryError = MemoryError


def check_error(res):
    if res != 0:
        raise CudaError(res)


# ---- legacy tensor types: torch.cuda.FloatTensor(...) ----------------------------------------------------------
def _legacy_cuda_types():
    from .._ops.creation import _LegacyTensorMeta

    class _CudaLegacyMeta(_LegacyTensorMeta):
        def __call__(cls, *args, **kwargs):
            if not is_available():
                raise TypeError(f"type torch.cuda.{cls.__name__} not available. {_NOT_COMPILED}.")
            return super().__call__(*args, **kwargs)

    out = {}
    for n, d in [("FloatTensor", "float32"), ("DoubleTensor", "float64"), ("HalfTensor", "float16"),
                 ("BFloat16Tensor", "bfloat16"), ("ByteTensor", "uint8"), ("CharTensor", "int8"),
                 ("ShortTensor", "int16"), ("IntTensor", "int32"), ("LongTensor", "int64"), ("BoolTensor", "bool")]:
        dt = getattr(D, d)
        out[n] = _CudaLegacyMeta(n, (), {"_legacy_dtype": dt, "_device_type": "cuda", "dtype": dt, "is_cuda": True,
                                         "__module__": "torch.cuda"})
    return out


globals().update(_legacy_cuda_types())


# ---- submodules (torch.cuda.amp, nvtx, ...) load on first use -------------------------------------------------
_SUBMODULES = {"amp", "nvtx", "random", "memory", "streams"}


def __getattr__(name):
    if name in _SUBMODULES:
        mod = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = mod
        return mod
    raise AttributeError(f"module 'torch.cuda' has no attribute '{name}'")


# ---- the dispatcher's mixed-device check, only where GPUs exist --------------------------------------------------
if is_available():
    from .._ops import kernel as _kernel
    from ._device_check import check as _check
    _kernel.device_check = _check
