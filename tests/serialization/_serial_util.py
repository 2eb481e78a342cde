"""Helpers for the serialization tests: move values between real torch and torchjax through numpy (bit-exact),
and compare nested checkpoints across the two libraries."""
import collections

import ml_dtypes
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torchjax  # noqa: E402

_BITS = {  # dtypes torch's .numpy() refuses: move them as same-size integers, reinterpret in numpy
    "bfloat16": (torch.int16, ml_dtypes.bfloat16),
    "float8_e4m3fn": (torch.uint8, ml_dtypes.float8_e4m3fn),
    "float8_e5m2": (torch.uint8, ml_dtypes.float8_e5m2),
    "float8_e4m3fnuz": (torch.uint8, ml_dtypes.float8_e4m3fnuz),
    "float8_e5m2fnuz": (torch.uint8, ml_dtypes.float8_e5m2fnuz),
    "float8_e8m0fnu": (torch.uint8, ml_dtypes.float8_e8m0fnu),
}


def dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def torch_np(t):
    t = t.detach().cpu().resolve_conj().resolve_neg()
    name = dtype_name(t)
    if name in _BITS:
        ity, npd = _BITS[name]
        return t.contiguous().view(ity).numpy().view(npd)
    return t.numpy()


def tj_np(t):
    return np.asarray(t.detach()._host_values())


def np_torch(a):
    """A torch tensor holding numpy array `a` (bfloat16/float8 included)."""
    a = np.ascontiguousarray(a)
    for name, (ity, npd) in _BITS.items():
        if a.dtype == np.dtype(npd):
            return torch.from_numpy(a.view(np.int16 if ity == torch.int16 else np.uint8).copy()).view(
                getattr(torch, name))
    return torch.from_numpy(a.copy())


def to_tj(obj):
    """torch values -> torchjax values (tensors copied bit-exactly), keeping containers, OrderedDict metadata."""
    if isinstance(obj, torch.Tensor):
        t = torchjax.from_numpy(np.array(torch_np(obj)))
        if obj.requires_grad:
            t.requires_grad_(True)
        return t
    if isinstance(obj, collections.OrderedDict):
        out = collections.OrderedDict((k, to_tj(v)) for k, v in obj.items())
        if hasattr(obj, "_metadata"):
            out._metadata = to_tj(obj._metadata)
        return out
    if isinstance(obj, dict):
        return {k: to_tj(v) for k, v in obj.items()}
    if isinstance(obj, torch.Size):
        return torchjax.Size(obj)
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_tj(v) for v in obj)
    if isinstance(obj, torch.dtype):
        return getattr(torchjax, str(obj).replace("torch.", ""))
    if isinstance(obj, torch.device):
        return torchjax.device(str(obj))
    return obj


def same_bits(a, b):
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    return a.shape == b.shape and a.dtype.itemsize == b.dtype.itemsize and \
        np.array_equal(a.reshape(-1).view(np.uint8), b.reshape(-1).view(np.uint8))


def assert_tensor(expected, actual, path="", strides=True):
    """Two tensors (torch or torchjax, either side) with the same dtype, shape, strides and bits."""
    assert dtype_name(expected) == dtype_name(actual), f"{path}: dtype {actual.dtype} != {expected.dtype}"
    assert tuple(expected.shape) == tuple(actual.shape), f"{path}: shape {tuple(actual.shape)} != " \
                                                         f"{tuple(expected.shape)}"
    if strides:
        assert tuple(expected.stride()) == tuple(actual.stride()), f"{path}: strides {actual.stride()} != " \
                                                                   f"{expected.stride()}"
        assert expected.storage_offset() == actual.storage_offset(), f"{path}: storage offset"
    assert expected.requires_grad == actual.requires_grad, f"{path}: requires_grad"
    e = torch_np(expected) if isinstance(expected, torch.Tensor) else tj_np(expected)
    a = torch_np(actual) if isinstance(actual, torch.Tensor) else tj_np(actual)
    assert same_bits(e, a), f"{path}: values differ:\n{a}\n!=\n{e}"


def assert_tree(expected, actual, path="obj", strides=True):
    """A checkpoint loaded by one library matches the other's: containers, types, metadata, tensors bit-exact."""
    if isinstance(expected, (torch.Tensor, torchjax.Tensor)):
        assert isinstance(actual, (torch.Tensor, torchjax.Tensor)), f"{path}: expected a tensor, got {type(actual)}"
        assert_tensor(expected, actual, path, strides)
        return
    if isinstance(expected, (torch.dtype, torchjax.dtype, torch.device, torchjax.device, torch.Size,
                             torchjax.Size, torch.layout, torchjax.layout)):
        assert str(expected) == str(actual), f"{path}: {actual} != {expected}"
        assert type(expected).__name__ == type(actual).__name__, f"{path}: {type(actual)} != {type(expected)}"
        return
    if isinstance(expected, dict):
        assert type(expected).__name__ == type(actual).__name__, f"{path}: {type(actual)} != {type(expected)}"
        assert list(expected) == list(actual), f"{path}: keys {list(actual)} != {list(expected)}"
        for k in expected:
            assert_tree(expected[k], actual[k], f"{path}[{k!r}]", strides)
        if hasattr(expected, "_metadata"):
            assert hasattr(actual, "_metadata"), f"{path}: _metadata missing"
            assert_tree(expected._metadata, actual._metadata, f"{path}._metadata", strides)
        return
    if isinstance(expected, (list, tuple)):
        assert type(expected) is type(actual), f"{path}: {type(actual)} != {type(expected)}"
        assert len(expected) == len(actual), f"{path}: length"
        for i, (e, a) in enumerate(zip(expected, actual)):
            assert_tree(e, a, f"{path}[{i}]", strides)
        return
    if isinstance(expected, float) and expected != expected:
        assert actual != actual, f"{path}: {actual} != nan"
        return
    assert type(expected) is type(actual) and expected == actual, f"{path}: {actual!r} != {expected!r}"
