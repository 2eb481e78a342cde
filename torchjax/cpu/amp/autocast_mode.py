"""torch.cpu.amp.autocast (deprecated): torch.amp.autocast('cpu', ...), with torch's FutureWarning."""
import warnings

from ... import _dtype as D
from ...amp import autocast_mode as _am

__all__ = ["autocast"]


class autocast(_am.autocast):
    """See torch.autocast. ``torch.cpu.amp.autocast(args...)`` is deprecated; use
    ``torch.amp.autocast("cpu", args...)``."""

    def __new__(cls, enabled=True, dtype=D.bfloat16, cache_enabled=True):
        warnings.warn("`torch.cpu.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cpu', "
                      "args...)` instead.", FutureWarning, stacklevel=2)
        return super().__new__(cls)

    def __init__(self, enabled=True, dtype=D.bfloat16, cache_enabled=True):
        super().__init__("cpu", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)
