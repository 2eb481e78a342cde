"""torch.linalg: the functions registered with namespace "torch.linalg" by the op families in torchjax/_ops."""
from ._ops.registry import FUNCTIONS as _FUNCTIONS

globals().update(_FUNCTIONS.get("torch.linalg", {}))
