"""torch.nn.parallel: DataParallel on one device (the module itself runs; JAX-device sharding is not done here)."""
from ..modules.module import Module

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]


class DataParallel(Module):
    """On a single device (the CPU, or one GPU) torch's DataParallel calls the wrapped module directly; that is what
    this does. Replicating over several devices is not implemented and raises NotImplementedError."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        from ... import cuda
        n_gpu = cuda.device_count() if cuda.is_available() else 0
        if device_ids is not None and len(list(device_ids)) > 1:
            raise NotImplementedError("torchjax: nn.DataParallel over several devices is not supported")
        self.module = module
        self.device_ids = [] if n_gpu == 0 else list(device_ids or [0])
        self.dim = dim
        self.output_device = output_device if output_device is not None else (self.device_ids[0] if self.device_ids
                                                                               else None)
        if n_gpu > 1 and device_ids is None:
            import warnings
            warnings.warn("torchjax: nn.DataParallel uses one device; the others are not used", stacklevel=2)

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))


class DistributedDataParallel(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("torchjax: nn.parallel.DistributedDataParallel lives with torch.distributed (not "
                                  "provided by torchjax.nn)")
