"""DataLoader in the main process (num_workers=0) against real torch."""
import warnings

import numpy as np
import pytest

from _compare import assert_same, torch
from _rng import needs_exact_rng
import torchjax
from torchjax.utils.data.sampler import _random_int64

X = np.arange(40, dtype=np.float32).reshape(10, 4)
Y = np.arange(10) % 3


def make_dict_dataset(xp):
    class D(xp.utils.data.Dataset):
        def __len__(self):
            return 7

        def __getitem__(self, i):
            return {"x": X[i], "y": int(Y[i]), "name": f"s{i}", "w": float(i) / 2}
    return D()


def both(body):
    exp, act = body(torch), body(torchjax)
    assert_same(exp, act)
    return exp, act


@pytest.mark.parametrize("kwargs", [dict(), dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                    dict(batch_size=20), dict(batch_size=None)])
def test_tensor_dataset_batches(kwargs):
    def body(xp):
        ds = xp.utils.data.TensorDataset(xp.tensor(X), xp.tensor(Y))
        dl = xp.utils.data.DataLoader(ds, **kwargs)
        return [len(dl), [list(b) for b in dl]]
    both(body)


@pytest.mark.parametrize("kwargs", [dict(batch_size=2), dict(batch_size=None), dict(batch_size=3, drop_last=True)])
def test_dict_samples(kwargs):
    both(lambda xp: list(xp.utils.data.DataLoader(make_dict_dataset(xp), **kwargs)))


def test_sampler_and_batch_sampler_arguments():
    def body(xp):
        ds = xp.utils.data.TensorDataset(xp.tensor(X))
        a = list(xp.utils.data.DataLoader(ds, batch_size=2, sampler=[9, 1, 4, 4]))
        b = list(xp.utils.data.DataLoader(ds, batch_sampler=[[0, 5], [3], [9, 8, 7]]))
        c = list(xp.utils.data.DataLoader(ds, batch_size=None, sampler=[2, 6]))
        return [a, b, c]
    both(body)


def test_custom_collate_fn_and_getitems():
    class Batched(torchjax.utils.data.Dataset):
        calls = []

        def __len__(self):
            return 5

        def __getitem__(self, i):
            raise AssertionError("__getitems__ should be used")

        def __getitems__(self, idx):
            self.calls.append(list(idx))
            return [i * 10 for i in idx]

    dl = torchjax.utils.data.DataLoader(Batched(), batch_size=2, collate_fn=lambda b: sum(b))
    assert list(dl) == [10, 50, 40]
    assert Batched.calls == [[0, 1], [2, 3], [4]]


def iterable(xp, n):
    class S(xp.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(n))

        def __len__(self):
            return n
    return S()


@pytest.mark.parametrize("kwargs", [dict(), dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                    dict(batch_size=None)])
def test_iterable_dataset(kwargs):
    both(lambda xp: [len(xp.utils.data.DataLoader(iterable(xp, 7), **kwargs)),
                     list(xp.utils.data.DataLoader(iterable(xp, 7), **kwargs))])


def test_iterable_dataset_longer_than_reported_warns():
    for xp in (torch, torchjax):
        class Liar(xp.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(4))

            def __len__(self):
                return 2
        dl = xp.utils.data.DataLoader(Liar(), batch_size=1)
        assert len(dl) == 2
        with pytest.warns(UserWarning, match="was reported to be 2"):
            list(dl)


@pytest.mark.parametrize("kwargs,exc,msg", [
    (dict(num_workers=-1), ValueError, "num_workers option should be non-negative"),
    (dict(timeout=-1), ValueError, "timeout option should be non-negative"),
    (dict(prefetch_factor=2), ValueError, "prefetch_factor option could only be specified in multiprocessing"),
    (dict(persistent_workers=True), ValueError, "persistent_workers option needs num_workers > 0"),
    (dict(sampler=[0, 1], shuffle=True), ValueError, "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), ValueError, "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), ValueError, "batch_size=None option disables auto-batching"),
    (dict(multiprocessing_context="spawn"), ValueError, "multiprocessing_context can only be used with"),
    (dict(num_workers=1, multiprocessing_context="bogus"), ValueError, "should specify a valid start method"),
    (dict(num_workers=1, multiprocessing_context=3), TypeError, "multiprocessing_context option should be a valid"),
])
def test_argument_errors(kwargs, exc, msg):
    for xp in (torch, torchjax):
        with pytest.raises(exc, match=msg):
            xp.utils.data.DataLoader(range(4), **kwargs)


def test_iterable_dataset_argument_errors():
    for xp in (torch, torchjax):
        with pytest.raises(ValueError, match="expected unspecified shuffle option, but got shuffle=True"):
            xp.utils.data.DataLoader(iterable(xp, 3), shuffle=True)
        with pytest.raises(ValueError, match="expected unspecified sampler option"):
            xp.utils.data.DataLoader(iterable(xp, 3), sampler=[0])


def test_attributes_frozen_after_init():
    for xp in (torch, torchjax):
        dl = xp.utils.data.DataLoader(range(4))
        with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
            dl.batch_size = 3
        dl.num_workers = 0  # others may change


def test_pin_memory_accepted_with_torchs_warning():
    from torchjax import cuda
    if cuda.is_available():
        pytest.skip("an accelerator is present: no warning expected")
    dl = torchjax.utils.data.DataLoader(range(3), batch_size=2, pin_memory=True)
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator is found"):
        out = list(dl)
    assert [b.tolist() for b in out] == [[0, 1], [2]]


def test_shuffle_consumes_generator_like_torch():
    """base_seed (one 64-bit random_) when the iterator is made, then one randperm per epoch."""
    g = torchjax.Generator().manual_seed(8)
    dl = torchjax.utils.data.DataLoader(range(6), batch_size=6, shuffle=True, generator=g)
    epochs = [next(iter(dl)).tolist() for _ in range(2)]
    ref = torchjax.Generator().manual_seed(8)
    expected = []
    for _ in range(2):
        _random_int64(ref)
        expected.append(torchjax.randperm(6, generator=ref).tolist())
    assert epochs == expected


@needs_exact_rng
def test_shuffle_with_generator_matches_torch():
    def body(xp):
        g = xp.Generator().manual_seed(0)
        ds = xp.utils.data.TensorDataset(xp.tensor(X), xp.tensor(Y))
        dl = xp.utils.data.DataLoader(ds, batch_size=4, shuffle=True, generator=g)
        return [list(b) for b in dl] + [list(b) for b in dl]
    both(body)


@needs_exact_rng
def test_shuffle_default_generator_matches_torch():
    def body(xp):
        xp.manual_seed(3)
        dl = xp.utils.data.DataLoader(range(10), batch_size=4, shuffle=True)
        return [b for b in dl] + [xp.rand(2)]
    both(body)


def test_seed_snippet_004_shapes():
    """Seed 004: a custom Dataset over randn data; prints the batch shapes (independent of the stream)."""
    def body(xp):
        class MyDataset(xp.utils.data.Dataset):
            def __init__(self, data, labels):
                self.data = data
                self.labels = labels

            def __len__(self):
                return len(self.data)

            def __getitem__(self, idx):
                return self.data[idx], self.labels[idx]

        data = xp.randn(100, 5)
        labels = xp.randint(0, 2, (100,))
        loader = xp.utils.data.DataLoader(MyDataset(data, labels), batch_size=10, shuffle=True)
        return [f"{a.shape} {b.shape}".replace("torchjax.", "torch.") for a, b in loader]
    exp, act = body(torch), body(torchjax)
    assert exp == act


def test_seed_snippet_000_dict_samples():
    """Seed 000: samples are dicts {'data', 'label'}; batches are dicts of stacked tensors."""
    def body(xp):
        class CustomDataset(xp.utils.data.Dataset):
            def __init__(self, data, labels, transform=None):
                self.data, self.labels, self.transform = data, labels, transform

            def __len__(self):
                return len(self.data)

            def __getitem__(self, idx):
                sample = {"data": self.data[idx], "label": self.labels[idx]}
                if self.transform:
                    sample = self.transform(sample)
                return sample

        ds = CustomDataset(xp.tensor(X), xp.tensor(Y))
        out = []
        for batch in xp.utils.data.DataLoader(ds, batch_size=4, shuffle=False):
            inputs, labels = batch["data"], batch["label"]
            out.append((inputs, labels))
        return out
    both(body)


def test_len_and_iter_len():
    dl = torchjax.utils.data.DataLoader(range(10), batch_size=3)
    it = iter(dl)
    assert len(dl) == 4 and len(it) == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sum(1 for _ in it) == 4
