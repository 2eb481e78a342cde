"""default_collate / default_convert against real torch on the same inputs."""
import collections

import numpy as np
import pytest

from _compare import assert_same, torch
import torchjax

Point = collections.namedtuple("Point", ["x", "y"])


class Box:
    def __init__(self, v):
        self.v = v


def both(make, fn="default_collate"):
    exp = getattr(torch.utils.data, fn)(make(torch))
    act = getattr(torchjax.utils.data, fn)(make(torchjax))
    return exp, act


def check(make, fn="default_collate"):
    exp, act = both(make, fn)
    assert_same(exp, act)
    assert _types(exp) == _types(act)
    return exp, act


def _types(x):
    """The container structure (type names), tensors reduced to 'Tensor'."""
    if isinstance(x, (torch.Tensor, torchjax.Tensor)):
        return "Tensor"
    if isinstance(x, dict):
        return (type(x).__name__, {k: _types(v) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_types(v) for v in x])
    return type(x).__name__


A = np.arange(12, dtype=np.float32).reshape(3, 4)


@pytest.mark.parametrize("name,make", [
    ("ints", lambda xp: [0, 1, 2, 3]),
    ("floats", lambda xp: [0.5, 1.25, -2.0]),
    ("bools", lambda xp: [True, False, True]),
    ("mixed int float", lambda xp: [1, 2.5]),
    ("strings", lambda xp: ["a", "bb", "c"]),
    ("bytes", lambda xp: [b"a", b"b"]),
    ("tensors", lambda xp: [xp.tensor(A[i]) for i in range(3)]),
    ("int tensors", lambda xp: [xp.tensor([i, i + 1]) for i in range(4)]),
    ("0-d tensors", lambda xp: [xp.tensor(1.5), xp.tensor(2.5)]),
    ("numpy arrays", lambda xp: [A[i] for i in range(3)]),
    ("numpy uint8", lambda xp: [np.full((2, 2), i, np.uint8) for i in range(3)]),
    ("numpy scalars", lambda xp: [np.float32(1.5), np.float32(2.0)]),
    ("numpy int scalars", lambda xp: [np.int64(3), np.int64(4)]),
    ("numpy float64 scalars", lambda xp: [np.float64(1.5), np.float64(2.0)]),
    ("numpy bool scalars", lambda xp: [np.bool_(True), np.bool_(False)]),
    ("0-d numpy", lambda xp: [np.array(1.0), np.array(2.0)]),
    ("dicts", lambda xp: [{"a": 1, "b": 2.5, "c": "x"}, {"a": 3, "b": 1.0, "c": "y"}]),
    ("nested dicts", lambda xp: [{"a": {"b": xp.ones(2)}, "n": [1, 2]}, {"a": {"b": xp.zeros(2)}, "n": [3, 4]}]),
    ("ordered dict", lambda xp: [collections.OrderedDict(a=1, b=2), collections.OrderedDict(a=3, b=4)]),
    ("defaultdict", lambda xp: [collections.defaultdict(int, a=1), collections.defaultdict(int, a=2)]),
    ("namedtuples", lambda xp: [Point(1, 2.0), Point(3, 4.0)]),
    ("tuples", lambda xp: [(xp.ones(2), 1), (xp.zeros(2), 0)]),
    ("lists", lambda xp: [[1, 2], [3, 4]]),
    ("nested lists", lambda xp: [[[1.0, 2.0], "a"], [[3.0, 4.0], "b"]]),
    ("image label pairs", lambda xp: [(xp.full((3, 2, 2), float(i)), i) for i in range(4)]),
])
def test_default_collate_matches_torch(name, make):
    check(make)


def test_collate_namedtuple_type_kept():
    out = torchjax.utils.data.default_collate([Point(1, 2), Point(3, 4)])
    assert type(out) is Point


@pytest.mark.parametrize("name,make", [
    ("objects", lambda xp: [Box(1), Box(2)]),
    ("None", lambda xp: [None, None]),
    ("numpy strings", lambda xp: [np.array(["a"]), np.array(["b"])]),
    ("numpy objects", lambda xp: [np.array([Box(1)]), np.array([Box(2)])]),
])
def test_default_collate_errors_match_torch(name, make):
    errs = []
    for xp in (torch, torchjax):
        with pytest.raises(Exception) as ei:
            xp.utils.data.default_collate(make(xp))
        errs.append(ei.value)
    assert type(errs[0]) is type(errs[1])
    # the message names the offending type; our Box lives in this module in both cases
    assert str(errs[0]) == str(errs[1])


def test_unequal_sequence_lengths_error():
    for xp in (torch, torchjax):
        with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
            xp.utils.data.default_collate([[1, 2], [3]])


def test_stack_shape_mismatch_raises_runtime_error():
    for xp in (torch, torchjax):
        with pytest.raises(RuntimeError):
            xp.utils.data.default_collate([xp.ones(2), xp.ones(3)])


def test_negative_stride_numpy_rejected_like_torch():
    flipped = [np.arange(4)[::-1], np.arange(4)[::-1]]
    for xp in (torch, torchjax):
        with pytest.raises(ValueError, match="negative"):
            xp.utils.data.default_collate(flipped)


def test_jax_arrays_collate_like_numpy():
    import jax.numpy as jnp
    out = torchjax.utils.data.default_collate([jnp.ones(3, jnp.float32), jnp.zeros(3, jnp.float32)])
    exp = torch.utils.data.default_collate([np.ones(3, np.float32), np.zeros(3, np.float32)])
    assert_same(exp, out)


@pytest.mark.parametrize("name,make", [
    ("int", lambda xp: 0),
    ("numpy array", lambda xp: np.array([0, 1])),
    ("numpy scalar", lambda xp: np.float32(2.5)),
    ("numpy strings kept", lambda xp: np.array(["a", "b"])),
    ("namedtuple", lambda xp: Point(np.array(0), np.array(1))),
    ("tuple becomes list", lambda xp: (np.array([1]), 2)),
    ("list", lambda xp: [np.array([0, 1]), np.array([2, 3])]),
    ("dict", lambda xp: {"a": np.ones(2), "b": "s"}),
    ("tensor", lambda xp: xp.ones(2)),
    ("string", lambda xp: "abc"),
])
def test_default_convert_matches_torch(name, make):
    exp, act = both(make, "default_convert")
    if isinstance(exp, np.ndarray):
        assert isinstance(act, np.ndarray) and np.array_equal(exp, act)
        return
    assert_same(exp, act)
    assert _types(exp) == _types(act)


def test_collate_fn_map_extension():
    from torchjax.utils.data._utils.collate import collate, default_collate_fn_map

    def box_fn(batch, *, collate_fn_map=None):
        return [b.v for b in batch]

    out = collate([(Box(1), 2), (Box(3), 4)], collate_fn_map={**default_collate_fn_map, Box: box_fn})
    assert out[0] == [1, 3]
    assert out[1].tolist() == [2, 4]
