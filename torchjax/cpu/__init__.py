"""torch.cpu: the CPU device module (always available; one device) and the deprecated torch.cpu.amp."""
import importlib

__all__ = ["is_available", "synchronize", "current_device", "current_stream", "stream", "set_device",
           "device_count", "Stream", "StreamContext", "Event"]


def is_available():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def set_device(device):
    pass


def synchronize(device=None):
    """Wait for the work JAX has queued on the CPU."""
    import jax
    jax.effects_barrier()


class Stream:
    def __init__(self, priority=-1):
        pass

    def wait_stream(self, stream):
        pass

    def record_event(self):
        pass

    def wait_event(self, event):
        pass


class Event:
    def query(self):
        return True

    def record(self, stream=None):
        pass

    def synchronize(self):
        pass

    def wait(self, stream=None):
        pass


_default_stream = Stream()


def current_stream(device=None):
    return _default_stream


class StreamContext:
    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self.stream

    def __exit__(self, *exc):
        return False


def stream(stream):
    return StreamContext(stream)


def __getattr__(name):
    if name == "amp":
        mod = importlib.import_module(__name__ + ".amp")
        globals()["amp"] = mod
        return mod
    raise AttributeError(f"module 'torch.cpu' has no attribute '{name}'")
