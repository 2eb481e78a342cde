"""torch.special: the functions registered with namespace "torch.special" by the op families in torchjax/_ops."""
from ._ops.registry import FUNCTIONS as _FUNCTIONS

globals().update(_FUNCTIONS.get("torch.special", {}))
