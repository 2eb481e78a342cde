"""DataLoader with worker processes: results equal num_workers=0, worker info and seeding, errors and deaths.

Workers are fresh interpreters (a few seconds each to start here), so these tests use few loaders."""
import os
import random
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import _worker_datasets as wd
from _compare import torch
import torchjax
from torchjax.utils.data import DataLoader
from torchjax.utils.data._worker import _generate_state
from torchjax.utils.data.sampler import _random_int64

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


@pytest.fixture(autouse=True)
def no_hang():
    """A worker test that hangs fails instead of blocking the suite."""
    def boom(*_):
        raise TimeoutError("test took too long: a DataLoader hang?")
    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(240)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def same(a, b, path="out"):
    if isinstance(a, torchjax.Tensor):
        assert isinstance(b, torchjax.Tensor), path
        assert a.dtype == b.dtype and a.shape == b.shape, path
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=path)
    elif isinstance(a, dict):
        assert type(a) is type(b) and a.keys() == b.keys(), path
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    else:
        assert type(a) is type(b) and a == b, path


def test_generate_state_matches_torch():
    from torch.utils.data._utils.worker import _generate_state as torch_generate_state
    for base, wid in [(0, 0), (1, 3), (2 ** 40 + 12345, 1), (2 ** 63 - 1, 7), (987654321987, 0)]:
        assert _generate_state(base, wid) == torch_generate_state(base, wid)


def test_workers_match_single_process_and_persist():
    ds = wd.Rows(11)
    ref = list(DataLoader(ds, batch_size=3))
    dl = DataLoader(ds, batch_size=3, num_workers=2, persistent_workers=True)
    first = list(dl)
    pids = [w.pid for w in dl._iterator._workers]
    second = list(dl)
    assert [w.pid for w in dl._iterator._workers] == pids  # the same processes served both epochs
    same(ref, first)
    same(ref, second)
    assert (first[0]["x"] * 2).sum().item() == float(ref[0]["x"].numpy().sum() * 2)  # usable tensors
    assert first[0]["f64"].dtype == torchjax.float64 and first[0]["mask"].dtype == torchjax.bool
    dl._iterator._shutdown_workers()


def test_worker_info_seeds_and_init_fn():
    g = torchjax.Generator().manual_seed(1234)
    ds = wd.WhoAmI()
    dl = DataLoader(ds, batch_size=None, num_workers=2, generator=g, worker_init_fn=wd.record_init)
    out = list(dl)
    base = _random_int64(torchjax.Generator().manual_seed(1234))  # the loader's first draw: base_seed
    assert [o["index"] for o in out] == list(range(8))
    assert [o["id"] for o in out] == [0, 1] * 4  # round robin, in order
    for o in out:
        assert o["num_workers"] == 2 and o["seed"] == base + o["id"] and o["same_dataset"]
    assert out[0]["pid"] != out[1]["pid"] != os.getpid()
    for first in out[:2]:  # each worker's first sample: the first draws after torch's worker seeding
        seed, wid = first["seed"], first["id"]
        assert first["torch_rand"] == torchjax.rand(1, generator=torchjax.Generator().manual_seed(seed)).item()
        np.random.seed(_generate_state(base, wid))
        assert first["np_rand"] == np.random.rand()
        random.seed(seed)
        assert first["py_rand"] == random.random()
    assert out[0]["torch_rand"] != out[1]["torch_rand"]


def test_worker_exception_reraised_with_traceback():
    dl = DataLoader(wd.Failing(), batch_size=2, num_workers=2)
    got = []
    with pytest.raises(ValueError) as ei:
        for b in dl:
            got.append(b.tolist())
    assert got == [[0, 1], [2, 3]]
    msg = str(ei.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 0.\nOriginal Traceback (most recent call "
                          "last):\n")
    assert "_worker_datasets.py" in msg and 'raise ValueError(f"bad sample {i}")' in msg
    assert msg.rstrip().endswith("ValueError: bad sample 4")


def test_worker_key_error_message_is_readable():
    with pytest.raises(KeyError) as ei:
        list(DataLoader(wd.MissingKey(), num_workers=1))
    assert "Caught KeyError in DataLoader worker process 0." in str(ei.value)
    assert "\\n" not in str(ei.value)  # the multi-line message is not repr-escaped


def test_killed_worker_is_reported_not_hung():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\) is killed by signal: Killed"):
        list(DataLoader(wd.Suicidal(), batch_size=1, num_workers=2))


def test_exiting_worker_is_reported():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly with exit code 3"):
        list(DataLoader(wd.Exits(), batch_size=1, num_workers=1))


def test_timeout():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 2 seconds"):
        next(iter(DataLoader(wd.Slow(), num_workers=1, timeout=2)))


@pytest.mark.filterwarnings("ignore:This DataLoader will create")
@pytest.mark.parametrize("workers", [2, 3])
def test_iterable_dataset_sharded_with_get_worker_info(workers):
    """torch's documented example: Range(3, 7) split between workers gives 3, 5, 4, 6 (round robin)."""
    ds = wd.Range(3, 7)
    assert [t.tolist() for t in DataLoader(ds, num_workers=0)] == [[3], [4], [5], [6]]
    shards = {}
    per = -(-4 // workers)
    for w in range(workers):
        shards[w] = list(range(3 + w * per, min(3 + (w + 1) * per, 7)))
    expected, k = [], 0
    while any(shards.values()):  # round robin over the workers that still have data
        if shards[k % workers]:
            expected.append(shards[k % workers].pop(0))
        k += 1
    assert [t.tolist() for t in DataLoader(ds, num_workers=workers)] == [[v] for v in expected]


def test_out_of_order_delivery_returns_everything():
    out = list(DataLoader(range(10), batch_size=2, num_workers=2, in_order=False))
    assert sorted(v for b in out for v in b.tolist()) == list(range(10))


def test_unpicklable_dataset_fails_clearly():
    with pytest.raises(TypeError, match="must be picklable"):
        iter(DataLoader(wd.WithLock(), num_workers=1))


SCRIPT = textwrap.dedent("""
    import math
    import numpy as np
    import torch
    from torch.utils.data import DataLoader, Dataset
    from collections import namedtuple

    Pair = namedtuple("Pair", "x y")
    SCALE = 2.5

    def helper(v):
        return v * SCALE

    class CustomDataset(Dataset):
        def __init__(self, data, labels, transform=None):
            self.data, self.labels, self.transform = data, labels, transform

        def __len__(self):
            return len(self.data)

        def __getitem__(self, idx):
            x = self.data[idx]
            if self.transform:
                x = self.transform(x)
            return Pair(x, int(self.labels[idx]))

    data = torch.arange(24, dtype=torch.float32).reshape(8, 3)
    labels = torch.arange(8) % 3
    ds = CustomDataset(data, labels, transform=lambda t: helper(t) + 1)
    loader = DataLoader(ds, batch_size=3, num_workers=2, collate_fn=None)
    for batch in loader:
        print(type(batch).__name__, batch.x, batch.y)
    loader = DataLoader(ds, batch_size=4, num_workers=2, collate_fn=lambda b: [p.y for p in b])
    print(list(loader))
""")


def test_unmodified_script_with_main_classes_and_lambdas(tmp_path):
    """An unguarded script whose Dataset class, namedtuple and lambdas live in __main__ runs with workers under
    `python -m torchjax` and prints what real torch prints."""
    path = tmp_path / "script.py"
    path.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    real = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=200, env=env,
                          cwd=tmp_path)
    assert real.returncode == 0, real.stderr
    ours = subprocess.run([sys.executable, "-m", "torchjax", str(path)], capture_output=True, text=True,
                          timeout=200, env=env, cwd=tmp_path)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == real.stdout
