"""torch.fft: fft/ifft/rfft/irfft/hfft/ihfft in 1, 2 and n dimensions, fftshift/ifftshift, fftfreq/rfftfreq."""
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from ._common import check_tensor, np_dtype
from .kernel import Kernel, call
from .registry import function, op

FFT = "torch.fft"
_SWAP = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _fft_fn(st, x):
    kind, s, dims, norm, cdt, rdt = st
    if kind in ("fft", "ifft"):
        f = jnp.fft.fftn if kind == "fft" else jnp.fft.ifftn
        return f(x.astype(cdt), s=s, axes=dims, norm=norm).astype(cdt)
    if kind == "rfft":
        return jnp.fft.rfftn(x.astype(rdt), s=s, axes=dims, norm=norm).astype(cdt)
    if kind == "irfft":
        return jnp.fft.irfftn(x.astype(cdt), s=s, axes=dims, norm=norm).astype(rdt)
    if kind == "hfft":
        return jnp.fft.irfftn(jnp.conj(x.astype(cdt)), s=s, axes=dims, norm=_SWAP[norm]).astype(rdt)
    if kind == "ihfft":
        return jnp.conj(jnp.fft.rfftn(x.astype(rdt), s=s, axes=dims, norm=_SWAP[norm])).astype(cdt)
    raise AssertionError(kind)


_FFT = Kernel("fft", _fft_fn, "FftC2CBackward0")
_NAMES = {"fft": "FftC2CBackward0", "ifft": "FftC2CBackward0", "rfft": "FftR2CBackward0",
          "irfft": "FftC2RBackward0", "hfft": "FftC2RBackward0", "ihfft": "FftR2CBackward0"}


def _norm(norm):
    if norm is None:
        return "backward"
    if norm not in ("backward", "forward", "ortho"):
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _types(input, kind):
    dt = input._dtype
    if kind in ("rfft", "ihfft") and dt.is_complex:
        raise RuntimeError(f"{kind} expects a real input tensor, but got {D._scalar_name(dt)}")
    if dt.is_complex:
        cdt = dt
    elif dt.is_floating_point:
        cdt = dt.to_complex() if dt not in (D.float16, D.bfloat16) else D.complex64
    else:
        cdt = D.get_default_dtype().to_complex()
    return cdt, cdt.to_real()


def _transform(kind, input, s, dims, norm, fname):
    """s: output signal sizes per dim (None entries keep the input size); dims: wrapped, unique."""
    check_tensor(input, fname)
    norm = _norm(norm)
    cdt, rdt = _types(input, kind)
    shape = list(input._shape)
    sizes = []
    for i, d in enumerate(dims):
        n = s[i] if s is not None and s[i] != -1 else None
        last = i == len(dims) - 1
        if n is None:
            n = shape[d]
            if kind in ("irfft", "hfft") and last:
                n = 2 * (shape[d] - 1)
        if n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
        sizes.append(n)
    st = (kind, tuple(sizes), tuple(dims), norm, np_dtype(cdt), np_dtype(rdt))
    return call(_FFT, [input], st, name=_NAMES[kind])


def _dims_1d(input, dim):
    if input.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return (_wrap_dim(dim, input.ndim),)


def _dims_nd(input, s, dim, default_last=None):
    if dim is None:
        if s is None:
            dims = tuple(range(input.ndim)) if default_last is None else None
        else:
            dims = tuple(range(input.ndim - len(s), input.ndim))
        if dims is None:
            dims = tuple(range(input.ndim))
    else:
        if isinstance(dim, int):
            dim = (dim,)
        dims = tuple(_wrap_dim(d, input.ndim) if input.ndim else _zero_dim(d) for d in dim)
    if s is not None:
        s = tuple(s)
        if len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        if len(s) > input.ndim:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {input.ndim} dimensions.")
    if len(set(dims)) != len(dims):
        raise RuntimeError("FFT dims must be unique")
    return s, dims


def _zero_dim(d):
    raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")


def _one(kind):
    def f(input, n=None, dim=-1, norm=None):
        dims = _dims_1d(input, dim)
        return _transform(kind, input, None if n is None else (n,), dims, norm, kind)
    f.__name__ = kind
    op(kind, namespace=FFT, method=False, out=True)(f)


def _two(kind):
    def f(input, s=None, dim=(-2, -1), norm=None):
        s, dims = _dims_nd(input, s, dim)
        return _transform(kind, input, s, dims, norm, kind + "2")
    f.__name__ = kind + "2"
    op(kind + "2", namespace=FFT, method=False, out=True)(f)


def _many(kind):
    def f(input, s=None, dim=None, norm=None):
        s, dims = _dims_nd(input, s, dim)
        return _transform(kind, input, s, dims, norm, kind + "n")
    f.__name__ = kind + "n"
    op(kind + "n", namespace=FFT, method=False, out=True)(f)


for _k in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft"):
    _one(_k)
    _two(_k)
    _many(_k)


def _shift(input, dim, inverse):
    from .shape_ops import roll
    if dim is None:
        dims = tuple(range(input.ndim))
    elif isinstance(dim, int):
        dims = (_wrap_dim(dim, input.ndim),)
    else:
        dims = tuple(_wrap_dim(d, input.ndim) for d in dim)
    if not dims:
        return input.clone()
    shifts = tuple(-(input._shape[d] // 2) if inverse else input._shape[d] // 2 for d in dims)
    return roll(input, shifts, dims)


@function("fftshift", namespace=FFT)
def fftshift(input, dim=None):
    return _shift(input, dim, False)


@function("ifftshift", namespace=FFT)
def ifftshift(input, dim=None):
    return _shift(input, dim, True)


def _freq(n, d, rfft, dtype, device, requires_grad):
    from .creation import _put, _device
    if n < 0:
        raise RuntimeError(f"{'rfftfreq' if rfft else 'fftfreq'}: n must be non-negative")
    dt = dtype or D.get_default_dtype()
    vals = np.fft.rfftfreq(n, d) if rfft else np.fft.fftfreq(n, d)
    t = _put(vals.astype(np.dtype(dt.np)), _device(device))
    if requires_grad:
        t.requires_grad_(True)
    return t


@function("fftfreq", namespace=FFT)
def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _freq(n, d, False, dtype, device, requires_grad)


@function("rfftfreq", namespace=FFT)
def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _freq(n, d, True, dtype, device, requires_grad)


_ = Tensor
