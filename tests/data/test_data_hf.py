"""Hugging Face `datasets` objects used directly in torchjax's DataLoader (datasets built locally, no hub)."""
import numpy as np
import pytest

datasets = pytest.importorskip("datasets")

import torchjax  # noqa: E402
from torchjax.utils.data import DataLoader  # noqa: E402

ROWS = {"x": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 10.0]], "y": [0, 1, 0, 1, 1],
        "s": ["a", "b", "c", "d", "e"]}


def make():
    return datasets.Dataset.from_dict(ROWS)


def check_batches(batches, x_dtype):
    assert [b["s"] for b in batches] == [["a", "b"], ["c", "d"], ["e"]]
    xs = np.concatenate([b["x"].numpy() for b in batches])
    np.testing.assert_array_equal(xs, np.array(ROWS["x"]))
    assert all(b["x"].dtype == x_dtype for b in batches)
    assert [b["y"].tolist() for b in batches] == [[0, 1], [0, 1], [1]]


def test_plain_format_python_lists():
    """Unformatted rows are Python lists: torch's collate transposes lists of floats into lists of float64
    tensors per position."""
    batches = list(DataLoader(make(), batch_size=2))
    assert [b["s"] for b in batches] == [["a", "b"], ["c", "d"], ["e"]]
    first = batches[0]["x"]
    assert isinstance(first, list) and len(first) == 2
    assert first[0].dtype == torchjax.float64 and first[0].tolist() == [1.0, 3.0]
    assert batches[0]["y"].dtype == torchjax.int64


def test_numpy_format():
    check_batches(list(DataLoader(make().with_format("numpy"), batch_size=2)), torchjax.float32)


def test_jax_format():
    pytest.importorskip("jax")
    batches = list(DataLoader(make().with_format("jax", columns=["x", "y"], output_all_columns=True), batch_size=2))
    check_batches(batches, torchjax.float32)


def test_shuffled_map_style_covers_everything():
    g = torchjax.Generator().manual_seed(0)
    out = [s for b in DataLoader(make().with_format("numpy"), batch_size=2, shuffle=True, generator=g) for s in b["s"]]
    assert sorted(out) == ROWS["s"]


def test_iterable_dataset():
    it = make().to_iterable_dataset(num_shards=1).with_format("numpy")
    batches = list(DataLoader(it, batch_size=2))
    check_batches(batches, torchjax.float32)


def test_iterable_dataset_sharded_across_workers():
    it = make().to_iterable_dataset(num_shards=2).with_format("numpy")
    out = [s for b in DataLoader(it, batch_size=1, num_workers=2) for s in b["s"]]
    assert sorted(out) == ROWS["s"]  # each shard read once, by one worker


def test_torch_format_with_real_torch_installed():
    """with_format("torch") yields real torch tensors when real torch is installed: they collate like numpy."""
    pytest.importorskip("torch")
    batches = list(DataLoader(make().with_format("torch", columns=["x", "y"], output_all_columns=True),
                              batch_size=2))
    check_batches(batches, torchjax.float32)
