"""parallel_apply: run each replica on its inputs with its device current. Replicas are launched one after the
other from this thread: JAX dispatches asynchronously, so the devices compute concurrently (torch uses a thread
per device for the same effect)."""
from ..._tensor import Tensor

__all__ = ["get_a_var", "parallel_apply"]


def get_a_var(obj):
    if isinstance(obj, Tensor):
        return obj
    if isinstance(obj, (list, tuple)):
        for r in map(get_a_var, obj):
            if isinstance(r, Tensor):
                return r
    if isinstance(obj, dict):
        for r in map(get_a_var, obj.items()):
            if isinstance(r, Tensor):
                return r
    return None


def parallel_apply(modules, inputs, kwargs_tup=None, devices=None):
    from ... import cuda
    if len(modules) != len(inputs):
        raise AssertionError(f"The number of modules {len(modules)} is not equal to the number of inputs "
                             f"{len(inputs)}")
    if kwargs_tup is not None:
        if len(modules) != len(kwargs_tup):
            raise AssertionError(f"The number of modules {len(modules)} is not equal to the number of kwargs_tup "
                                 f"{len(kwargs_tup)}")
    else:
        kwargs_tup = ({},) * len(modules)
    if devices is not None:
        if len(modules) != len(devices):
            raise AssertionError(f"The number of modules {len(modules)} is not equal to the number of devices "
                                 f"{len(devices)}")
    else:
        devices = [None] * len(modules)
    devices = [cuda._get_device_index(x, True) if x is not None else None for x in devices]
    results = []
    for i, (module, inp, kw, device) in enumerate(zip(modules, inputs, kwargs_tup, devices)):
        if device is None:
            t = get_a_var(inp)
            if t is None:
                raise RuntimeError(f"Caught RuntimeError in replica {i}: no device was provided and no tensor input "
                                   f"was found; device cannot be resolved")
            device = t.get_device()
        if not isinstance(inp, (list, tuple)):
            inp = (inp,)
        with cuda.device(device):
            results.append(module(*inp, **kw))
    return results
