"""torch.nn.parallel: DataParallel over local JAX GPU devices and DistributedDataParallel over torch.distributed
process groups (see torchjax/distributed)."""
from .data_parallel import DataParallel, data_parallel
from .parallel_apply import parallel_apply
from .replicate import replicate
from .scatter_gather import gather, scatter

__all__ = ["replicate", "scatter", "parallel_apply", "gather", "data_parallel", "DataParallel",
           "DistributedDataParallel"]


def __getattr__(name):
    if name == "DistributedDataParallel":
        from .distributed import DistributedDataParallel
        globals()[name] = DistributedDataParallel
        return DistributedDataParallel
    raise AttributeError(f"module 'torch.nn.parallel' has no attribute '{name}'")
