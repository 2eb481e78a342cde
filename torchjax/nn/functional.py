"""torch.nn.functional: the functions registered by the nn op families (torchjax/_ops/nn_*.py)."""
from .._ops.registry import FUNCTIONS as _FUNCTIONS

globals().update(_FUNCTIONS.get("torch.nn.functional", {}))

from .._ops.nn_reduction import _Reduction  # noqa: E402,F401

from . import grad  # noqa: E402,F401  (torch.nn.functional.grad is torch.nn.grad)
