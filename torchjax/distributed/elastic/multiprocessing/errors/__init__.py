"""torch.distributed.elastic.multiprocessing.errors.record: runs the entry point; an exception propagates (the
launcher reports the failing rank and its exit status), as torch's does without an error file."""
import functools

__all__ = ["record", "ChildFailedError"]


class ChildFailedError(Exception):
    def __init__(self, name, failures):
        super().__init__(f"{name} FAILED: {failures}")
        self.name, self.failures = name, failures


def record(fn=None, error_handler=None):
    def wrap(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            return f(*args, **kwargs)
        return wrapper
    return wrap(fn) if fn is not None else wrap
