"""torch.utils.data: datasets, samplers, collation and the DataLoader."""
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset,  # noqa: F401
                      TensorDataset, random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,  # noqa: F401
                      WeightedRandomSampler)
from .distributed import DistributedSampler  # noqa: F401
from ._collate import default_collate, default_convert  # noqa: F401
from ._worker import WorkerInfo, get_worker_info  # noqa: F401
from .dataloader import DataLoader, _DatasetKind  # noqa: F401
from . import _utils  # noqa: F401

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "DistributedSampler",
           "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "StackDataset", "Subset",
           "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler", "WorkerInfo", "default_collate",
           "default_convert", "get_worker_info", "random_split"]


_DATAPIPES = {"IterDataPipe", "MapDataPipe", "DataChunk", "functional_datapipe", "datapipes", "argument_validation",
              "runtime_validation", "guaranteed_datapipes_determinism", "non_deterministic"}


def __getattr__(name):
    if name in _DATAPIPES:
        raise NotImplementedError(f"torchjax: torch.utils.data.{name} (DataPipes, deprecated in torch) is not "
                                  f"implemented")
    raise AttributeError(f"module 'torch.utils.data' has no attribute '{name}'")
