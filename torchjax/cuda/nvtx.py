"""torch.cuda.nvtx: NVTX ranges have no JAX counterpart here; torch's CPU-only build raises the same error."""
from . import is_available

__all__ = ["mark", "range_push", "range_pop", "range_start", "range_end", "range"]


def _fail(*args, **kwargs):
    if not is_available():
        raise RuntimeError("NVTX functions not installed. Are you sure you have a CUDA build?")
    # with a GPU, ranges are accepted and ignored (use jax.profiler.TraceAnnotation for XLA traces)
    return 0


mark = range_push = range_pop = range_start = range_end = _fail


class range:  # noqa: A001 - torch's name
    def __init__(self, msg, *args, **kwargs):
        self.msg = msg

    def __enter__(self):
        range_push(self.msg)

    def __exit__(self, *exc):
        range_pop()
        return False
