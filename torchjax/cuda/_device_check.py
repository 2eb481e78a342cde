"""torch's mixed-device check for ops, installed into the dispatcher (`_ops.kernel.device_check`) only when this
process has GPU devices: on a CPU-only machine every tensor is on the CPU and nothing is checked."""
import jax

from .._device import jax_device
from .._tensor import Tensor


def check(args, vals, dev):
    """All tensor arguments must be on `dev` (the first tensor's device), except 0-dim CPU tensors, which torch
    accepts in GPU ops (they are moved). Returns (vals, dev) with the result's device."""
    bad = None
    for a in args:
        if isinstance(a, Tensor):
            d = a._storage.device
            if d is not dev and d != dev:
                bad = d
                break
    if bad is None:
        return vals, dev
    # the result lives on the non-CPU device; 0-dim CPU tensors are moved there, anything else is an error
    target = None
    for a in args:
        if isinstance(a, Tensor):
            d = a._storage.device
            if d.type == "cpu" and a.ndim == 0:
                continue
            if target is None:
                target = d
            elif d != target:
                raise _mixed(target, d)
    if target is None:  # only 0-dim tensors, on several devices: torch keeps the first non-CPU one
        target = next(a._storage.device for a in args if isinstance(a, Tensor) and a._storage.device.type != "cpu")
    jd = jax_device(target)
    vals = list(vals)
    for i, a in enumerate(args):
        if isinstance(a, Tensor) and a._storage.device != target:
            if a._storage.device.type == "cpu" and a.ndim == 0:
                vals[i] = jax.device_put(vals[i], jd)
            else:
                raise _mixed(target, a._storage.device)
    return vals, target


def _mixed(a, b):
    return RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, {a} and {b}!")
