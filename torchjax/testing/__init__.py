"""torch.testing: assert_close (torch's default tolerances per dtype) and make_tensor."""
import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor

_TOL = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
        "float64": (1e-7, 1e-7), "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7)}


def _np(x):
    if isinstance(x, Tensor):
        x = x.detach()
        if x.dtype is D.bfloat16:
            x = x.float()
        return np.asarray(x._host_values())
    return np.asarray(x)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {'rtol' if rtol is None else 'atol'}.")
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(actual) != len(expected):
            raise AssertionError(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device,
                         check_dtype=check_dtype, msg=msg)
        return
    if isinstance(actual, dict) and isinstance(expected, dict):
        if set(actual) != set(expected):
            raise AssertionError("The keys of the mappings do not match")
        for k in actual:
            assert_close(actual[k], expected[k], rtol=rtol, atol=atol, equal_nan=equal_nan, msg=msg)
        return
    if isinstance(actual, Tensor) and isinstance(expected, Tensor):
        if actual.shape != expected.shape:
            raise AssertionError(msg or f"The values for attribute 'shape' do not match: {actual.shape} != "
                                        f"{expected.shape}.")
        if check_dtype and actual.dtype is not expected.dtype:
            raise AssertionError(msg or f"The values for attribute 'dtype' do not match: {actual.dtype} != "
                                        f"{expected.dtype}.")
        if check_device and actual.device != expected.device:
            raise AssertionError(msg or f"The values for attribute 'device' do not match: {actual.device} != "
                                        f"{expected.device}.")
        dt = expected.dtype.name
    elif isinstance(actual, (int, float, complex, bool)) and isinstance(expected, (int, float, complex, bool)):
        if check_dtype and type(actual) is not type(expected):
            raise AssertionError(msg or f"The values for attribute 'dtype' do not match")
        dt = "float64" if isinstance(expected, float) else "int64"
    else:
        raise TypeError(f"Comparing {type(actual).__name__} and {type(expected).__name__} is not supported")
    if rtol is None:
        rtol, atol = _TOL.get(dt, (0.0, 0.0))
    a, e = _np(actual), _np(expected)
    if a.dtype.kind in "biu" and e.dtype.kind in "biu":
        close = a == e
    else:
        close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not np.all(close):
        bad = int(np.size(close) - np.count_nonzero(close))
        diff = np.abs(a.astype(np.float64) - e.astype(np.float64)) if a.dtype.kind != "c" else np.abs(a - e)
        idx = np.unravel_index(np.nanargmax(np.where(close, -np.inf, diff)), a.shape) if a.ndim else ()
        text = (f"{'Tensor-likes' if isinstance(actual, Tensor) else 'Scalars'} are not close!\n\n"
                f"Mismatched elements: {bad} / {np.size(close)} ({100.0 * bad / max(np.size(close), 1):.1f}%)\n"
                f"Greatest absolute difference: {np.nanmax(np.where(close, 0, diff))} at index {tuple(int(i) for i in idx)} "
                f"(up to {atol} allowed)")
        raise AssertionError(msg or text)


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False,
                 msg=msg or None)


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    from .. import _random
    from .._ops.creation import _put, _device
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    g = _random.default_generator
    if dtype is D.bool:
        arr = g._randint(shape, np.int64, 0, 2).astype(bool)
    elif dtype.is_floating_point or dtype.is_complex:
        lo = -9.0 if low is None else low
        hi = 9.0 if high is None else high
        real = dtype.to_real() if dtype.is_complex else dtype
        arr = g._uniform(shape, np.float64, lo, hi)
        if dtype.is_complex:
            arr = arr + 1j * g._uniform(shape, np.float64, lo, hi)
        arr = arr.astype(D.to_np(dtype) if not dtype.is_complex else D.to_np(dtype))
        if exclude_zero:
            arr[arr == 0] = np.finfo(D.to_np(real)).eps
    else:
        info = np.iinfo(D.to_np(dtype))
        lo = max(info.min, -9 if low is None else math.ceil(low))
        hi = min(info.max, 10 if high is None else math.ceil(high))
        arr = g._randint(shape, np.int64, lo, hi).astype(D.to_np(dtype))
        if exclude_zero:
            arr[arr == 0] = 1
    t = _put(arr, _device(device))
    return t.requires_grad_(requires_grad) if requires_grad else t
