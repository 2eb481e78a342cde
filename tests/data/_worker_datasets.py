"""Datasets for worker-process tests. Importable in workers (no real torch import here)."""
import math
import os
import random
import signal
import threading
import time

import numpy as np

import torchjax as torch
from torchjax.utils.data import Dataset, IterableDataset, get_worker_info


class Rows(Dataset):
    """Sample i: a dict with a float row, an int label, a string, a float and tensors of several dtypes."""

    def __init__(self, n=11):
        self.x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": torch.from_numpy(self.x[i]), "y": i % 4, "name": f"row{i}", "w": i / 4,
                "f64": torch.tensor([i], dtype=torch.float64), "i32": torch.tensor(i, dtype=torch.int32),
                "mask": torch.tensor([i % 2 == 0, True]), "u8": np.full((2,), i, np.uint8)}


class WhoAmI(Dataset):
    """Reports the worker it ran in, its seeds and random draws from every generator a worker seeds."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return {"index": i, "id": info.id, "num_workers": info.num_workers, "seed": info.seed,
                "same_dataset": info.dataset is self, "pid": os.getpid(),
                "torch_rand": torch.rand(1).item(), "np_rand": float(np.random.rand()), "py_rand": random.random()}


class Failing(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 4:
            raise ValueError(f"bad sample {i}")
        return i


class MissingKey(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        return {}["nope"]


class Suicidal(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return i


class Exits(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 1:
            os._exit(3)
        return i


class Slow(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(30)
        return i


class Range(IterableDataset):
    """torch's documented example: split [start, end) between workers with get_worker_info."""

    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        per = int(math.ceil((self.end - self.start) / float(info.num_workers)))
        lo = self.start + info.id * per
        return iter(range(lo, min(lo + per, self.end)))


class WithLock(Dataset):
    def __init__(self):
        self.lock = threading.Lock()

    def __len__(self):
        return 2

    def __getitem__(self, i):
        return i


def record_init(worker_id):
    info = get_worker_info()
    info.dataset.init_calls = getattr(info.dataset, "init_calls", []) + [worker_id]
