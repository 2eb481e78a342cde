"""torch.utils.data._utils.collate (same objects as torch.utils.data._collate)."""
from .._collate import *  # noqa: F401,F403
from .._collate import collate_jax_array_fn  # noqa: F401
