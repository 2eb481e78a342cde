"""Short-time Fourier transforms: torch.stft and torch.istft (framing + FFT, overlap-add inverse)."""
import warnings

import jax.numpy as jnp

from .. import _dtype as D
from .._tensor import Tensor
from ._common import check_tensor, np_dtype
from .kernel import Kernel, call
from .registry import op

_PAD_MODES = {"reflect": "reflect", "constant": "constant", "replicate": "edge", "circular": "wrap"}


def _full_window(window, win_length, n_fft, dt):
    w = jnp.ones((win_length,), dt) if window is None else window.astype(dt)
    left = (n_fft - win_length) // 2
    return jnp.pad(w, (left, n_fft - win_length - left))


def _stft_fn(st, x, window):
    n_fft, hop, win_length, center, pad_mode, normalized, onesided, cdt, rdt = st
    complex_in = jnp.iscomplexobj(x)
    x = x.astype(cdt if complex_in else rdt)
    if center:
        p = n_fft // 2
        x = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(p, p)], mode=_PAD_MODES[pad_mode])
    n = x.shape[-1]
    frames = 1 + (n - n_fft) // hop
    idx = jnp.arange(frames)[:, None] * hop + jnp.arange(n_fft)[None, :]
    seg = x[..., idx] * _full_window(window, win_length, n_fft, x.real.dtype if complex_in else rdt)
    spec = jnp.fft.rfft(seg, axis=-1) if onesided else jnp.fft.fft(seg.astype(cdt), axis=-1)
    if normalized:
        spec = spec / jnp.sqrt(jnp.asarray(n_fft, rdt))
    return jnp.swapaxes(spec, -1, -2).astype(cdt)


_STFT = Kernel("stft", _stft_fn, "StftBackward0")


@op()
def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode="reflect",
         normalized=False, onesided=None, return_complex=None):
    check_tensor(input, "stft")
    if return_complex is None and not (input._dtype.is_complex or (window is not None and window._dtype.is_complex)):
        raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will further "
                           "require that return_complex=True in a future PyTorch release.")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, but got {input.ndim}D tensor")
    hop = n_fft // 4 if hop_length is None else hop_length
    wl = n_fft if win_length is None else win_length
    if not 0 < n_fft:
        raise RuntimeError(f"stft: expected 0 < n_fft, but got n_fft={n_fft}")
    if hop <= 0:
        raise RuntimeError(f"stft: expected hop_length > 0, but got hop_length={hop}")
    if not 0 < wl <= n_fft:
        raise RuntimeError(f"stft: expected 0 < win_length <= n_fft, but got win_length={wl}")
    if window is not None and (window.ndim != 1 or window._shape[0] != wl):
        raise RuntimeError(f"stft: expected a 1D window tensor of size equal to win_length={wl}, but got window "
                           f"with size {list(window._shape)}")
    if pad_mode not in _PAD_MODES:
        raise RuntimeError(f"stft: unsupported pad_mode {pad_mode}")
    length = input._shape[-1] + (2 * (n_fft // 2) if center else 0)
    if n_fft > length:
        raise RuntimeError(f"stft: expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied,which is known to cause "
                      "spectral leakage. Other windows such as torch.hann_window or torch.hamming_window are "
                      "recommended to reduce spectral leakage.", UserWarning, stacklevel=2)
    is_complex = input._dtype.is_complex or (window is not None and window._dtype.is_complex)
    if onesided is None:
        onesided = not is_complex
    elif onesided and is_complex:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    base = input._dtype if (input._dtype.is_floating_point or input._dtype.is_complex) else D.float32
    cdt = base if base.is_complex else base.to_complex()
    rdt = cdt.to_real()
    out = call(_STFT, [input, window], (int(n_fft), int(hop), int(wl), bool(center), pad_mode, bool(normalized),
                                        bool(onesided), np_dtype(cdt), np_dtype(rdt)))
    if return_complex is False:
        from .shape_views import view_as_real
        return view_as_real(out)
    return out


def _istft_fn(st, spec, window):
    n_fft, hop, win_length, center, normalized, onesided, length, return_complex, cdt, rdt = st
    spec = spec.astype(cdt)
    if normalized:
        spec = spec * jnp.sqrt(jnp.asarray(n_fft, rdt))
    seg = jnp.swapaxes(spec, -1, -2)  # (..., frames, freq)
    if return_complex:
        frames = jnp.fft.ifft(seg, n=n_fft, axis=-1)
    else:  # a real signal: only the one-sided half of the spectrum is used
        frames = jnp.fft.irfft(seg[..., :n_fft // 2 + 1], n=n_fft, axis=-1)
    wdt = cdt if window is not None and jnp.iscomplexobj(window) else rdt
    from jax import lax
    # torch's istft has no derivative w.r.t. the window (its gradient is zero)
    w = _full_window(None if window is None else lax.stop_gradient(window), win_length, n_fft, wdt)
    frames = frames * w
    nf = frames.shape[-2]
    total = n_fft + hop * (nf - 1)
    idx = (jnp.arange(nf)[:, None] * hop + jnp.arange(n_fft)[None, :]).reshape(-1)
    y = jnp.zeros(frames.shape[:-2] + (total,), frames.dtype).at[..., idx].add(
        frames.reshape(frames.shape[:-2] + (-1,)))
    env = jnp.zeros((total,), w.dtype).at[idx].add(jnp.tile(w * w, nf))
    start = n_fft // 2 if center else 0
    end = total - (n_fft // 2 if center else 0) if length is None else start + length
    y = y[..., start:min(end, total)]
    env = env[start:min(end, total)]
    y = y / jnp.where(jnp.abs(env) > 1e-11, env, 1.0)
    if length is not None and y.shape[-1] < length:
        y = jnp.pad(y, [(0, 0)] * (y.ndim - 1) + [(0, length - y.shape[-1])])
    return y


_ISTFT = Kernel("istft", _istft_fn, "IstftBackward0")


@op()
def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
          onesided=None, length=None, return_complex=False):
    check_tensor(input, "istft")
    if not input._dtype.is_complex:
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"istft: expected a tensor with 2 or 3 dimensions of complex dtype, but got "
                           f"{input.ndim}")
    hop = n_fft // 4 if hop_length is None else hop_length
    wl = n_fft if win_length is None else win_length
    if not 0 < wl <= n_fft:
        raise RuntimeError(f"istft: expected 0 < win_length <= n_fft, but got win_length={wl}")
    if hop <= 0 or hop > wl:
        raise RuntimeError(f"istft: expected 0 < hop_length <= win_length")
    if window is not None and (window.ndim != 1 or window._shape[0] != wl):
        raise RuntimeError(f"istft: expected a 1D window tensor of size equal to win_length={wl}, but got window "
                           f"with size {list(window._shape)}")
    n_freq = input._shape[-2]
    if onesided is None:
        onesided = n_freq != n_fft
    if onesided:
        if n_fft // 2 + 1 != n_freq:
            raise RuntimeError(f"istft: expected the frequency dimension (3rd to the last) of the input tensor to "
                               f"match n_fft / 2 + 1 when onesided=True, but got {n_freq}")
        if return_complex:
            raise RuntimeError("cannot have onesided output if window or input is complex")
    elif n_fft != n_freq:
        raise RuntimeError(f"istft: expected the frequency dimension (3rd to the last) of the input tensor to match "
                           f"n_fft when onesided=False, but got {n_freq}")
    nf = input._shape[-1]
    total = n_fft + hop * (nf - 1)
    w = _full_window(None if window is None else window._jax(), wl, n_fft,
                     jnp.complex128 if window is not None and window._dtype.is_complex else jnp.float64)
    import numpy as np
    env = np.zeros(total)
    for f in range(nf):
        env = env + 0j if np.iscomplexobj(w) and not np.iscomplexobj(env) else env
        env[f * hop:f * hop + n_fft] += np.asarray(w) ** 2
    start = n_fft // 2 if center else 0
    end = total - (n_fft // 2 if center else 0) if length is None else min(start + length, total)
    if env[start:end].size and np.abs(env[start:end]).min() < 1e-11:
        raise RuntimeError("istft: window overlap add min: " + str(float(np.abs(env[start:end]).min())))
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied.Please provide the same "
                      "window used by stft to make the inversion lossless.", UserWarning, stacklevel=2)
    cdt = input._dtype
    rdt = cdt.to_real()
    return call(_ISTFT, [input, window], (int(n_fft), int(hop), int(wl), bool(center), bool(normalized),
                                          bool(onesided), length, bool(return_complex), np_dtype(cdt),
                                          np_dtype(rdt)))


_ = Tensor
