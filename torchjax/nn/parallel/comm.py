"""torch.nn.parallel.comm (torch.cuda.comm): broadcast, reduce_add, scatter and gather across GPU devices, as JAX
device-to-device transfers. These are not differentiable themselves (see _functions.py for the autograd ones)."""
from ...autograd import grad_mode

__all__ = ["broadcast", "broadcast_coalesced", "reduce_add", "reduce_add_coalesced", "scatter", "gather"]


def _dev(d):
    from ..._device import device
    if d is None:
        from ... import cuda
        return device("cuda", cuda.current_device())
    if isinstance(d, int):
        return device("cpu") if d == -1 else device("cuda", d)
    return device(d)


def _copy_to(t, d):
    with grad_mode.no_grad():
        out = t.to(d)
    return out


def broadcast(tensor, devices=None, *, out=None):
    if (devices is None) == (out is None):
        raise RuntimeError("Exactly one of 'devices' and 'out' must be specified, but got devices={} and out={}"
                           .format(devices, out))
    if devices is not None:
        return tuple(_copy_to(tensor, _dev(d)) for d in devices)
    for o in out:
        o.copy_(tensor)
    return tuple(out)


def broadcast_coalesced(tensors, devices, buffer_size=10485760):
    """Copies of `tensors` on each device; on the tensors' own device the tensors themselves, as torch does."""
    return [[_copy_to(t, _dev(d)) for t in tensors] for d in devices]


def reduce_add(inputs, destination=None):
    dest = _dev(destination)
    total = None
    with grad_mode.no_grad():
        for t in inputs:
            t = t.to(dest)
            total = t.clone() if total is None else total + t
    return total


def reduce_add_coalesced(inputs, destination=None, buffer_size=10485760):
    return tuple(reduce_add([per_dev[i] for per_dev in inputs], destination) for i in range(len(inputs[0])))


def scatter(tensor, devices=None, chunk_sizes=None, dim=0, streams=None, *, out=None):
    """Chunks of `tensor` along `dim` (torch.chunk sizes unless chunk_sizes is given), one per device."""
    if out is not None:
        raise NotImplementedError("torchjax: comm.scatter(out=...) is not supported")
    devices = list(devices)
    with grad_mode.no_grad():
        if chunk_sizes is None:
            chunks = tensor.chunk(len(devices), dim)
        else:
            if sum(chunk_sizes) != tensor.size(dim):
                raise RuntimeError(f"Expected chunk sizes to sum to {tensor.size(dim)}, but got {sum(chunk_sizes)}")
            chunks = tensor.split(list(chunk_sizes), dim)
        outs = []
        for c, d in zip(chunks, devices):
            o = c.to(_dev(d))
            outs.append(o.clone() if o._storage is tensor._storage else o)
        return tuple(outs)


def gather(tensors, dim=0, destination=None, *, out=None):
    """Concatenation of `tensors` along `dim` on `destination` (-1 or 'cpu': the CPU)."""
    if out is not None:
        raise NotImplementedError("torchjax: comm.gather(out=...) is not supported")
    from ..._ops.shape_views import cat
    dest = _dev(destination) if destination != "cpu" else _dev("cpu")
    with grad_mode.no_grad():
        return cat([t.to(dest) for t in tensors], dim)
