"""torchjax: PyTorch's API on JAX. `import torchjax as torch`."""
import jax as _jax

_jax.config.update("jax_enable_x64", True)  # int64/float64 exist, as in torch; dtypes never default to them

import builtins as _builtins  # noqa: E402

from . import _dtype  # noqa: E402
from ._dtype import (bfloat16, bool, cdouble, cfloat, chalf, complex32, complex64, complex128, double,  # noqa: E402,F401,A004
                     dtype, finfo, float, float8_e4m3fn, float8_e4m3fnuz, float8_e5m2, float8_e5m2fnuz,
                     float8_e8m0fnu, float16, float32, float64, get_default_dtype, half, iinfo, int, int8, int16,
                     int32, int64, long, promote_types, qint8, qint32, quint2x4, quint4x2, quint8, set_default_dtype,
                     short, uint8, uint16, uint32, uint64)
from ._device import device  # noqa: E402,F401
from ._qscheme import (qscheme, per_tensor_affine, per_channel_affine, per_tensor_symmetric,  # noqa: E402,F401
                       per_channel_symmetric, per_channel_affine_float_qparams)
from ._size import Size  # noqa: E402,F401
from ._tensor import Tensor, get_default_device, set_default_device  # noqa: E402,F401
from . import _ops  # noqa: E402

_ops.load()

from ._ops.registry import FUNCTIONS as _FUNCTIONS  # noqa: E402

globals().update(_FUNCTIONS["torch"])
from ._ops.aten_ops import ops  # noqa: E402,F401 - torch.ops.aten.<name>

from . import autograd, return_types  # noqa: E402,F401
from ._random import Generator, default_generator, initial_seed, manual_seed, seed  # noqa: E402,F401
from ._rng_state import get_rng_state, set_rng_state, fork_rng  # noqa: E402,F401
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: E402,F401
                                 is_inference_mode_enabled, no_grad, set_grad_enabled)
from ._ops._common import broadcast_shapes, result_type  # noqa: E402,F401
from ._ops.creation import LEGACY_TYPES as _LEGACY  # noqa: E402
from ._tensor_str import set_printoptions, get_printoptions  # noqa: E402,F401
from ._misc import *  # noqa: E402,F401,F403
from . import cuda, backends  # noqa: E402,F401
from .serialization import save, load  # noqa: E402,F401
from .storage import *  # noqa: E402,F401,F403 - UntypedStorage, TypedStorage, the legacy <Name>Storage classes

globals().update(_LEGACY)

# autocast: wrap the ops torch's autocast lists name (one flag test per call while autocast is off)
from .amp import autocast_mode as _autocast_mode  # noqa: E402
from .amp.autocast_mode import (autocast, autocast_decrement_nesting, autocast_increment_nesting,  # noqa: E402,F401
                                clear_autocast_cache, get_autocast_cpu_dtype, get_autocast_dtype,
                                get_autocast_gpu_dtype, is_autocast_available, is_autocast_cache_enabled,
                                is_autocast_cpu_enabled, is_autocast_enabled, set_autocast_cache_enabled,
                                set_autocast_cpu_dtype, set_autocast_cpu_enabled, set_autocast_dtype,
                                set_autocast_enabled, set_autocast_gpu_dtype)
from .amp.grad_scaler import _amp_foreach_non_finite_check_and_unscale_, _amp_update_scale_  # noqa: E402,F401

_autocast_mode.install()

# torchjax implements torch 2.13's API; scripts that print or compare torch.__version__ see that release.
__version__ = "2.13.0+cpu" if not cuda.is_available() else "2.13.0+cu128"
__torchjax_version__ = "0.1.0"


def _lazy(name):
    import importlib
    return importlib.import_module(f"{__name__}.{name}")


def __getattr__(name):
    # heavier subpackages load on first use (torch.nn, torch.optim, torch.utils, ...)
    if name in _SUBMODULES:
        mod = _lazy(name)
        globals()[name] = mod
        return mod
    raise AttributeError(f"module 'torch' has no attribute '{name}'")


_SUBMODULES = {"cpu", "nn", "optim", "utils", "linalg", "fft", "special", "distributions", "amp", "jit", "onnx",
               "distributed", "multiprocessing", "testing", "func", "quantization", "ao", "hub", "profiler",
               "serialization", "storage", "export", "compiler", "library", "overrides", "types", "vision",
               "interop", "sparse", "masked", "signal", "random", "version", "mps", "xpu", "package"}
