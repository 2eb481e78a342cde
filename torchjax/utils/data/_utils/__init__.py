"""torch.utils.data._utils: where some code imports collate helpers and worker info from."""
from . import collate, worker, fetch  # noqa: F401
from .._worker import _ExceptionWrapper as ExceptionWrapper  # noqa: F401

MP_STATUS_CHECK_INTERVAL = 5.0
IS_WINDOWS = False
HAS_NUMPY = True
