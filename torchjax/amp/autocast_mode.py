"""torch.autocast on torchjax.

The ops torch autocasts (see `_policy.py`) are wrapped once, when torchjax is imported, in every namespace they
appear in (torch.*, Tensor methods and operators, torch.nn.functional, torch.linalg, torch.fft, torch.special). A
wrapper costs one attribute test while autocast is off; while it is on for the device of the op's first tensor,
it casts the inputs by the op's policy and runs the op with autocast excluded (as torch's dispatcher does), so
torchjax's internal helpers never cast twice. Casts of float32 leaf parameters to the autocast dtype are cached
for the outermost autocast region (torch's weight-cast cache), so a weight used by several ops is cast once.
"""
import collections
import functools
import sys
import warnings
import weakref

from .. import _dtype as D
from .._tensor import Tensor
from . import _policy

__all__ = ["autocast_decorator", "autocast", "is_autocast_available", "custom_fwd", "custom_bwd"]

_AVAILABLE = ("cpu", "cuda", "mtia", "maia", "xpu", "ipu", "hpu", "xla", "privateuseone", "mps")
_DEFAULT_DTYPE = {"cpu": D.bfloat16, "cuda": D.float16, "xla": D.bfloat16, "hpu": D.bfloat16, "xpu": D.float16,
                  "mps": D.float16, "ipu": D.float16, "mtia": D.float16, "maia": D.float16,
                  "privateuseone": D.float16}


class _State:
    def __init__(self):
        self.enabled = {}  # device type -> bool
        self.dtype = dict(_DEFAULT_DTYPE)
        self.cache_enabled = True
        self.nesting = 0
        self.active = False  # some device type is enabled (the wrappers' fast test)
        self.excluded = 0  # > 0 while an autocast-wrapped op runs
        self.cache = {}  # id(fp32 leaf) -> (weakref, version, cast tensor)

    def refresh(self):
        self.active = any(self.enabled.values())


_state = _State()


def is_autocast_available(device_type):
    return device_type in _AVAILABLE


def _check_device_type(device_type):
    if not isinstance(device_type, str):
        raise TypeError(f"is_autocast_enabled(): argument 'device_type' (position 1) must be str, not "
                        f"{type(device_type).__name__}")
    if device_type not in _AVAILABLE:
        raise RuntimeError(f"unknown device type for autocast in get_autocast_dispatch_key_from_device_type")
    return device_type


# ---- torch.* state functions ---------------------------------------------------------------------------------
def is_autocast_enabled(device_type=None):
    if device_type is None:
        return _state.enabled.get("cuda", False)
    return _state.enabled.get(_check_device_type(device_type), False)


is_enabled = is_autocast_enabled


def set_autocast_enabled(device_type, enabled=None):
    if enabled is None:  # the deprecated one-argument form sets CUDA's flag
        device_type, enabled = "cuda", device_type
    _state.enabled[_check_device_type(device_type)] = bool(enabled)
    _state.refresh()


def get_autocast_dtype(device_type):
    return _state.dtype[_check_device_type(device_type)]


def set_autocast_dtype(device_type, dtype):
    _state.dtype[_check_device_type(device_type)] = dtype


def is_autocast_cache_enabled():
    return _state.cache_enabled


def set_autocast_cache_enabled(enabled):
    _state.cache_enabled = bool(enabled)


def clear_autocast_cache():
    _state.cache.clear()


def autocast_increment_nesting():
    _state.nesting += 1
    return _state.nesting


def autocast_decrement_nesting():
    _state.nesting -= 1
    return _state.nesting


def _deprecated_state(old, new):
    warnings.warn(f"torch.{old}() is deprecated. Please use torch.{new} instead.", DeprecationWarning, stacklevel=3)


def is_autocast_cpu_enabled():
    _deprecated_state("is_autocast_cpu_enabled", "is_autocast_enabled('cpu')")
    return is_autocast_enabled("cpu")


def set_autocast_cpu_enabled(enabled):
    _deprecated_state("set_autocast_cpu_enabled", "set_autocast_enabled('cpu', enabled)")
    set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype():
    _deprecated_state("get_autocast_cpu_dtype", "get_autocast_dtype('cpu')")
    return get_autocast_dtype("cpu")


def set_autocast_cpu_dtype(dtype):
    _deprecated_state("set_autocast_cpu_dtype", "set_autocast_dtype('cpu', dtype)")
    set_autocast_dtype("cpu", dtype)


def get_autocast_gpu_dtype():
    _deprecated_state("get_autocast_gpu_dtype", "get_autocast_dtype('cuda')")
    return get_autocast_dtype("cuda")


def set_autocast_gpu_dtype(dtype):
    _deprecated_state("set_autocast_gpu_dtype", "set_autocast_dtype('cuda', dtype)")
    set_autocast_dtype("cuda", dtype)


# ---- the context manager / decorator -------------------------------------------------------------------------
def autocast_decorator(autocast_instance, func):
    @functools.wraps(func)
    def decorate_autocast(*args, **kwargs):
        with autocast_instance:
            return func(*args, **kwargs)
    decorate_autocast.__script_unsupported = "@autocast() decorator is not supported in script mode"
    return decorate_autocast


class autocast:
    """Regions of mixed precision: listed ops run in the autocast dtype (float16 on CUDA, bfloat16 on the CPU by
    default), or in float32, per torch's op lists. Works as a context manager and as a decorator."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None and device_type in _AVAILABLE else dtype
        self.device = device_type
        if not is_autocast_available(self.device):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{self.device}'")
        supported = [D.bfloat16, D.float16]
        self._cache_enabled = is_autocast_cache_enabled() if cache_enabled is None else cache_enabled
        device_name = self.device.upper()
        if enabled:
            if self.device == "cuda":
                from ..cuda.amp.common import amp_definitely_not_available
                if amp_definitely_not_available():
                    warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
                    enabled = False
                elif self.fast_dtype == D.bfloat16:
                    from .. import cuda
                    if not cuda.is_bf16_supported():
                        raise RuntimeError("Current CUDA Device does not support bfloat16. Please switch dtype to "
                                           "float16.")
            elif self.fast_dtype not in supported:
                warnings.warn(f"In {device_name} autocast, but the target dtype is not supported. Disabling "
                              f"autocast.\n{device_name} Autocast only supports dtypes of "
                              + ", ".join(map(str, supported)) + " currently.", stacklevel=2)
                enabled = False
        self._enabled = enabled

    def __enter__(self):
        self.prev_cache_enabled = is_autocast_cache_enabled()
        self.prev = is_autocast_enabled(self.device)
        self.prev_fastdtype = get_autocast_dtype(self.device)
        set_autocast_enabled(self.device, self._enabled)
        set_autocast_dtype(self.device, self.fast_dtype)
        autocast_increment_nesting()
        set_autocast_cache_enabled(self._cache_enabled)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if autocast_decrement_nesting() == 0:
            clear_autocast_cache()
        set_autocast_enabled(self.device, self.prev)
        set_autocast_dtype(self.device, self.prev_fastdtype)
        set_autocast_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(f"autocast()(func) requires a callable, but got {type(func).__name__}. Did you mean to "
                            f"use autocast as a context manager? For example:\n    with torch.autocast(device_type="
                            f"...):\n        output = model(input)")
        return autocast_decorator(self, func)


class _UnmanagedAutocast(autocast):
    pass


def _enter_autocast(*vals):
    mode = _UnmanagedAutocast(*vals)
    mode.__enter__()
    return mode


def _exit_autocast(mode):
    mode.__exit__(None, None, None)


def _cast(value, device_type, dtype):
    """torch.amp.autocast_mode._cast: cast floating tensors (not float64) on `device_type` inside nested containers."""
    if isinstance(value, Tensor):
        ok = value.is_floating_point() and value.device.type == device_type and value.dtype is not D.float64
        return value.to(dtype) if ok else value
    if isinstance(value, (str, bytes)):
        return value
    try:
        import numpy as np
        if isinstance(value, np.ndarray):
            return value
    except ImportError:
        pass
    if isinstance(value, collections.abc.Mapping):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype) for k, v in value.items()}
    if isinstance(value, collections.abc.Iterable):
        it = (_cast(v, device_type, dtype) for v in value)
        return type(value)(it) if isinstance(value, (list, tuple)) else it
    return value


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorator for a custom autograd Function's forward: runs it under the caller's autocast state, or (with
    cast_inputs) casts floating inputs to that dtype and runs it with autocast off."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        args[0]._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            args[0]._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        autocast_context = is_autocast_enabled(device_type)
        args[0]._fwd_used_autocast = False
        if autocast_context:
            with autocast(device_type=device_type, enabled=False):
                return fwd(*_cast(args, device_type, cast_inputs), **_cast(kwargs, device_type, cast_inputs))
        return fwd(*args, **kwargs)
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorator for a custom autograd Function's backward: runs it with the autocast state its forward had."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        with autocast(device_type=device_type, enabled=args[0]._fwd_used_autocast, dtype=args[0]._dtype):
            return bwd(*args, **kwargs)
    return decorate_bwd


# ---- casting -------------------------------------------------------------------------------------------------
def _eligible(t, dev):
    return t._dtype.is_floating_point and t._dtype is not D.float64 and t._storage.device.type == dev


def _cached_cast(to, t, dev):
    if not isinstance(t, Tensor) or not _eligible(t, dev) or t._dtype is to:
        return t
    st = _state
    if (st.cache_enabled and to is st.dtype[dev] and t._dtype is D.float32 and t.requires_grad and t._grad_fn is None
            and t._base is None):
        hit = st.cache.get(id(t))
        if hit is not None and hit[0]() is t and hit[1] == t._vc[0]:
            return hit[2]
        c = t.to(to)
        st.cache[id(t)] = (weakref.ref(t), t._vc[0], c)
        return c
    return t.to(to)


def _cast_args(to, args, dev):
    out = []
    for a in args:
        if isinstance(a, Tensor):
            out.append(_cached_cast(to, a, dev))
        elif isinstance(a, (list, tuple)) and a and any(isinstance(x, Tensor) for x in a):
            out.append(type(a)(_cached_cast(to, x, dev) for x in a) if type(a) in (list, tuple) else a)
        else:
            out.append(a)
    return out


def _tensors(args, kwargs):
    for a in args:
        if isinstance(a, Tensor):
            yield a
        elif isinstance(a, (list, tuple)):
            for x in a:
                if isinstance(x, Tensor):
                    yield x
    for a in kwargs.values():
        if isinstance(a, Tensor):
            yield a


def _promote_type(lower, args, kwargs, dev):
    cur = lower
    for t in _tensors(args, kwargs):
        if not (t._dtype.is_floating_point and t._storage.device.type == dev):
            continue
        nxt = t._dtype
        if nxt is D.float64:
            continue
        if cur is D.float32 or nxt is D.float32:
            cur = D.float32
        elif cur is lower and nxt is lower:
            cur = lower
        else:
            raise RuntimeError("Unexpected floating ScalarType in at::autocast::prioritize")
    return cur


def _pad_policy(args, kwargs):
    mode = kwargs.get("mode", args[2] if len(args) > 2 else "constant")
    pad = kwargs.get("pad", args[1] if len(args) > 1 else ())
    nd = len(pad) // 2
    if (mode == "reflect" and nd in (1, 2)) or (mode == "replicate" and nd in (1, 2, 3)):
        return "fp32"
    return None


def _run(policy, entry, orig, args, kwargs, dev):
    st = _state
    if policy == "pad_cpu":
        policy = _pad_policy(args, kwargs)
        if policy is None:
            return orig(*args, **kwargs)
    if policy == "lower":
        to = st.dtype[dev]
    elif policy == "fp32":
        to = D.float32
    elif policy == "promote":
        to = _promote_type(st.dtype[dev], args, kwargs, dev)
    elif policy in ("fp32_set_dtype", "fp32_append_dtype"):
        first = args[0] if args else None
        if not (isinstance(first, Tensor) and _eligible(first, dev)):
            return orig(*args, **kwargs)
        pos = _policy.DTYPE_POSITION.get(entry)
        given = kwargs.get("dtype") is not None or (pos is not None and len(args) > pos and args[pos] is not None)
        if not given:
            kwargs = dict(kwargs, dtype=D.float32)
        st.excluded += 1
        try:
            return orig(*args, **kwargs)
        finally:
            st.excluded -= 1
    elif policy == "banned":
        raise RuntimeError(_policy.BCE_BANNED)
    else:
        return orig(*args, **kwargs)
    args = _cast_args(to, args, dev)
    if kwargs:
        kwargs = dict(zip(kwargs, _cast_args(to, list(kwargs.values()), dev)))
    st.excluded += 1
    try:
        return orig(*args, **kwargs)
    finally:
        st.excluded -= 1


def _make_wrapper(orig, op_name, entry):
    st = _state
    tables = _policy.POLICIES

    def dispatch(*args, **kwargs):
        if not st.active:
            return orig(*args, **kwargs)
        if st.excluded or kwargs.get("out") is not None:
            return orig(*args, **kwargs)
        for t in _tensors(args, kwargs):
            dev = t._storage.device.type
            break
        else:
            return orig(*args, **kwargs)
        if not st.enabled.get(dev):
            return orig(*args, **kwargs)
        policy = tables.get(dev, {}).get(op_name)
        if policy is None:
            return orig(*args, **kwargs)
        return _run(policy, entry, orig, args, kwargs, dev)

    functools.update_wrapper(dispatch, orig)
    dispatch._autocast_wrapped = orig
    return dispatch


# ---- installing the wrappers -----------------------------------------------------------------------------------
_NAMESPACES = {"torch": ["torch"], "F": ["torch.nn.functional"], "linalg": ["torch.linalg"], "fft": ["torch.fft"],
               "special": ["torch.special"], "torch._C._nn": ["torch._C._nn"]}
_MODULES = {"torch": "torchjax", "F": "torchjax.nn.functional", "linalg": "torchjax.linalg", "fft": "torchjax.fft",
            "special": "torchjax.special"}
_installed = {}


def install():
    """Wrap every entry point of every autocast-listed op (idempotent; new entry points are wrapped on a rerun)."""
    from .._ops.registry import FUNCTIONS
    for op_name in sorted(_policy.all_op_names()):
        for entry in _policy.entry_points(op_name):
            if entry in _installed:
                continue
            if entry.startswith("torch._C._nn."):
                ns, attr = "torch._C._nn", entry[len("torch._C._nn."):]
            else:
                ns, attr = entry.split(".", 1)
            if ns == "Tensor":
                orig = Tensor.__dict__.get(attr)
                if orig is None or not callable(orig):
                    continue
                w = _make_wrapper(orig, op_name, entry)
                setattr(Tensor, attr, w)
                _installed[entry] = w
                continue
            found = False
            for key in _NAMESPACES[ns]:
                table = FUNCTIONS.get(key)
                if table and attr in table and not hasattr(table[attr], "_autocast_wrapped"):
                    orig = table[attr]
                    w = _make_wrapper(orig, op_name, entry)
                    table[attr] = w
                    found = True
                    mod = sys.modules.get(_MODULES.get(ns, ""))
                    if mod is not None and getattr(mod, attr, None) is orig:
                        setattr(mod, attr, w)
                    _installed[entry] = w
            if not found:
                mod = sys.modules.get(_MODULES.get(ns, ""))
                orig = getattr(mod, attr, None) if mod is not None else None
                if orig is not None and callable(orig) and not hasattr(orig, "_autocast_wrapped"):
                    w = _make_wrapper(orig, op_name, entry)
                    setattr(mod, attr, w)
                    _installed[entry] = w
