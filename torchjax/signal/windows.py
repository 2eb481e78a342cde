"""torch.signal.windows: window functions, computed in float64 on the host and returned in the requested dtype."""
import math
from collections.abc import Iterable

import numpy as np

from .. import _dtype as D

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine", "general_hamming",
           "hamming", "hann", "kaiser", "nuttall"]


def _checks(name, M, dtype, layout):
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    from .. import strided
    if layout is not None and layout is not strided:
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    if dtype not in (D.float32, D.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dtype}")


def _finish(values, dtype, device, requires_grad):
    from .._ops.creation import _device, _put
    t = _put(np.asarray(values, np.float64).astype(np.dtype(dtype.np)), _device(device))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _window(name, M, sym, dtype, layout, device, requires_grad, values):
    dtype = dtype or D.get_default_dtype()
    _checks(name, M, dtype, layout)
    if M == 0:
        return _finish(np.zeros(0), dtype, device, requires_grad)
    return _finish(values(), dtype, device, requires_grad)


def _span(M, sym):
    """Denominator of the sample positions: M - 1 for symmetric windows, M for periodic ones."""
    return M if not sym else M - 1


def general_cosine(M, *, a, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    def values():
        if M == 1:
            return np.ones(1)
        if not isinstance(a, Iterable):
            raise TypeError("Coefficients must be a list/tuple")
        coef = list(a)
        if not coef:
            raise ValueError("Coefficients cannot be empty")
        n = np.arange(M) * (2 * math.pi / _span(M, sym))
        return sum(((-1) ** i) * c * np.cos(i * n) for i, c in enumerate(coef))
    return _window("general_cosine", M, sym, dtype, layout, device, requires_grad, values)


def general_hamming(M, *, alpha=0.54, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or D.get_default_dtype()
    _checks("general_hamming", M, dtype, layout)
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def hamming(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or D.get_default_dtype()
    _checks("hamming", M, dtype, layout)
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)


def hann(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or D.get_default_dtype()
    _checks("hann", M, dtype, layout)
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def blackman(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or D.get_default_dtype()
    _checks("blackman", M, dtype, layout)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def nuttall(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or D.get_default_dtype()
    _checks("nuttall", M, dtype, layout)
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


def bartlett(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    def values():
        if M == 1:
            return np.ones(1)
        k = -1 + np.arange(M) * (2.0 / _span(M, sym))
        return 1 - np.abs(k)
    return _window("bartlett", M, sym, dtype, layout, device, requires_grad, values)


def cosine(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    def values():
        step = math.pi / (M + 1 if not sym and M > 1 else M)
        return np.sin((0.5 + np.arange(M)) * step)
    return _window("cosine", M, sym, dtype, layout, device, requires_grad, values)


def exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or D.get_default_dtype()
    _checks("exponential", M, dtype, layout)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")

    def values():
        c = (M if not sym and M > 1 else M - 1) / 2.0 if center is None else center
        return np.exp(-np.abs(np.arange(M) - c) / tau)
    return _window("exponential", M, sym, dtype, layout, device, requires_grad, values)


def gaussian(M, *, std=1.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or D.get_default_dtype()
    _checks("gaussian", M, dtype, layout)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")

    def values():
        start = -(M if not sym and M > 1 else M - 1) / 2.0
        k = (start + np.arange(M)) / (std * math.sqrt(2))
        return np.exp(-k ** 2)
    return _window("gaussian", M, sym, dtype, layout, device, requires_grad, values)


def kaiser(M, *, beta=12.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or D.get_default_dtype()
    _checks("kaiser", M, dtype, layout)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")

    def values():
        if M == 1:
            return np.ones(1)
        step = 2.0 * beta / _span(M, sym)
        k = np.minimum(-beta + np.arange(M) * step, beta)
        return np.i0(beta * np.sqrt(np.maximum(1 - (k / beta) ** 2, 0) if beta else np.ones(M))) / np.i0(beta)
    return _window("kaiser", M, sym, dtype, layout, device, requires_grad, values)
