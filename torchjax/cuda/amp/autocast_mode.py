"""torch.cuda.amp.autocast (deprecated): torch.amp.autocast('cuda', ...), with torch's FutureWarning."""
import functools
import warnings

from ... import _dtype as D
from ...amp import autocast_mode as _am

__all__ = ["autocast", "custom_fwd", "custom_bwd"]


class autocast(_am.autocast):
    """See torch.autocast. ``torch.cuda.amp.autocast(args...)`` is deprecated; use
    ``torch.amp.autocast("cuda", args...)``."""

    def __new__(cls, enabled=True, dtype=D.float16, cache_enabled=True):
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cuda', "
                      "args...)` instead.", FutureWarning, stacklevel=2)
        return super().__new__(cls)

    def __init__(self, enabled=True, dtype=D.float16, cache_enabled=True):
        super().__init__("cuda", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


def _cast(value, dtype):
    warnings.warn("`torch.cuda.amp.autocast_mode._cast(value, dtype)` is deprecated. Please use "
                  "`torch.amp.autocast_mode._cast(value, 'cuda', dtype)` instead.", FutureWarning, stacklevel=2)
    return _am._cast(value, "cuda", dtype)


def custom_fwd(fwd=None, *, cast_inputs=None):
    warnings.warn("`torch.cuda.amp.custom_fwd(args...)` is deprecated. Please use `torch.amp.custom_fwd(args..., "
                  "device_type='cuda')` instead.", FutureWarning, stacklevel=2)
    return functools.partial(_am.custom_fwd, device_type="cuda")(fwd=fwd, cast_inputs=cast_inputs)


def custom_bwd(bwd):
    warnings.warn("`torch.cuda.amp.custom_bwd(args...)` is deprecated. Please use `torch.amp.custom_bwd(args..., "
                  "device_type='cuda')` instead.", FutureWarning, stacklevel=2)
    return functools.partial(_am.custom_bwd, device_type="cuda")(bwd)
