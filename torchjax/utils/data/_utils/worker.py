"""torch.utils.data._utils.worker (same objects as torch.utils.data._worker)."""
from .._worker import (WorkerInfo, _generate_state, _IterableDatasetStopIteration, _ResumeIteration,  # noqa: F401
                       get_worker_info)
