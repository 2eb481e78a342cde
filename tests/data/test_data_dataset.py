"""Dataset classes against real torch on the same data."""
import numpy as np
import pytest

from _compare import assert_same, torch
import torchjax

X = np.arange(24, dtype=np.float32).reshape(6, 4)
Y = np.arange(6)


def run(body):
    exp, act = body(torch), body(torchjax)
    assert_same(exp, act)
    return exp, act


def test_tensor_dataset():
    def body(xp):
        ds = xp.utils.data.TensorDataset(xp.tensor(X), xp.tensor(Y))
        return [len(ds), list(ds[2]), list(ds[-1]), list(ds[1:3])]
    run(body)


def test_tensor_dataset_size_mismatch():
    for xp in (torch, torchjax):
        with pytest.raises(AssertionError, match="Size mismatch between tensors"):
            xp.utils.data.TensorDataset(xp.ones(3), xp.ones(4))


def test_concat_dataset():
    def body(xp):
        a = xp.utils.data.TensorDataset(xp.tensor(X[:2]))
        b = xp.utils.data.TensorDataset(xp.tensor(X[2:]))
        ds = a + b
        return [len(ds), ds.cumulative_sizes, [list(ds[i]) for i in range(-6, 6)]]
    run(body)


def test_concat_dataset_errors():
    for xp in (torch, torchjax):
        ds = xp.utils.data.ConcatDataset([range(3), range(2)])
        with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
            ds[-6]
        with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
            xp.utils.data.ConcatDataset([])


class Stream:
    """Defined for both libraries: an IterableDataset over range(n)."""

    @staticmethod
    def make(xp, n):
        class S(xp.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(n))

            def __len__(self):
                return n
        return S()


def test_chain_dataset_and_iterable_add():
    for xp in (torch, torchjax):
        a, b = Stream.make(xp, 3), Stream.make(xp, 2)
        chained = a + b
        assert isinstance(chained, xp.utils.data.ChainDataset)
        assert list(chained) == [0, 1, 2, 0, 1]
        assert len(chained) == 5
        with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
            xp.utils.data.ConcatDataset([a])
        with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
            list(xp.utils.data.ChainDataset([range(3)]))


def test_subset():
    def body(xp):
        base = xp.utils.data.TensorDataset(xp.tensor(X))
        s = xp.utils.data.Subset(base, [4, 0, 2])
        return [len(s), list(s[0]), s.__getitems__([2, 1])[0][0]]
    run(body)


def test_subset_overriding_getitem_only_raises():
    for xp in (torch, torchjax):
        class Bad(xp.utils.data.Subset):
            def __getitem__(self, i):
                return 0
        with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
            Bad(range(3), [0])


def test_stack_dataset():
    def body(xp):
        a = xp.utils.data.TensorDataset(xp.tensor(X))
        st = xp.utils.data.StackDataset(a, range(6))
        sd = xp.utils.data.StackDataset(img=a, idx=range(6))
        return [len(st), list(st[1]), sd[2], st.__getitems__([0, 5]), sd.__getitems__([3])]
    run(body)


def test_stack_dataset_errors():
    for xp in (torch, torchjax):
        with pytest.raises(ValueError, match="At least one dataset should be passed"):
            xp.utils.data.StackDataset()
        with pytest.raises(ValueError, match="Size mismatch between datasets"):
            xp.utils.data.StackDataset(range(2), range(3))
        with pytest.raises(ValueError, match="but both types are given"):
            xp.utils.data.StackDataset(range(2), a=range(2))


def test_base_dataset_getitem_not_implemented():
    for xp in (torch, torchjax):
        with pytest.raises(NotImplementedError, match="Subclasses of Dataset should implement __getitem__."):
            xp.utils.data.Dataset()[0]


def test_dataset_is_generic():
    ds_type = torchjax.utils.data.Dataset[int]
    assert ds_type is not None
    assert issubclass(torchjax.utils.data.IterableDataset, torchjax.utils.data.Dataset)
