"""torch.utils.data._utils.fetch (same objects as torch.utils.data._worker)."""
from .._worker import _IterableDatasetFetcher, _MapDatasetFetcher  # noqa: F401
