"""Recurrent kernels: one layer (both directions) of RNN_TANH / RNN_RELU / LSTM (with projection) / GRU as a lax.scan,
with per-sequence lengths for packed input; single-step cells; packing/padding of sequences."""
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .._tensor import Tensor
from ._common import cast, np_dtype
from .kernel import Kernel, call
from .registry import function

_HI = lax.Precision.HIGHEST


def _mm(x, w):
    return jnp.matmul(x, w.T, precision=_HI)


def _cell_step(mode, x_proj, h, c, w_hh, b_hh, w_hr):
    """One step given the precomputed input projection x_proj = x W_ih^T + b_ih."""
    gh = _mm(h, w_hh)
    if b_hh is not None:
        gh = gh + b_hh
    if mode == "LSTM":
        g = x_proj + gh
        i, f, gg, o = jnp.split(g, 4, axis=-1)
        i, f, gg, o = jax.nn.sigmoid(i), jax.nn.sigmoid(f), jnp.tanh(gg), jax.nn.sigmoid(o)
        c2 = f * c + i * gg
        h2 = o * jnp.tanh(c2)
        if w_hr is not None:
            h2 = _mm(h2, w_hr)
        return h2, c2
    if mode == "GRU":
        ir, iz, inn = jnp.split(x_proj, 3, axis=-1)
        hr, hz, hn = jnp.split(gh, 3, axis=-1)
        r = jax.nn.sigmoid(ir + hr)
        z = jax.nn.sigmoid(iz + hz)
        n = jnp.tanh(inn + r * hn)
        return (1 - z) * n + z * h, None
    pre = x_proj + gh
    return (jnp.tanh(pre) if mode == "RNN_TANH" else jax.nn.relu(pre)), None


def _run_direction(mode, x, lengths, h0, c0, w, reverse):
    """x (T, B, I); lengths (B,) int or None. Returns out (T, B, Hout), hT, cT."""
    w_ih, w_hh, b_ih, b_hh, w_hr = w
    T = x.shape[0]
    if reverse:
        if lengths is None:
            x = x[::-1]
        else:
            t = jnp.arange(T)[:, None]
            idx = jnp.where(t < lengths[None, :], lengths[None, :] - 1 - t, t)
            x = jnp.take_along_axis(x, idx[:, :, None], 0)
    xp = _mm(x, w_ih)
    if b_ih is not None:
        xp = xp + b_ih
    steps = jnp.arange(T)

    def body(carry, inp):
        h, c = carry
        xt, t = inp
        h2, c2 = _cell_step(mode, xt, h, c, w_hh, b_hh, w_hr)
        if lengths is not None:
            live = (t < lengths)[:, None]
            out = jnp.where(live, h2, jnp.zeros_like(h2))
            h2 = jnp.where(live, h2, h)
            if c2 is not None:
                c2 = jnp.where(live, c2, c)
        else:
            out = h2
        return (h2, c2), out

    (hT, cT), out = lax.scan(body, (h0, c0), (xp, steps))
    if reverse:
        if lengths is None:
            out = out[::-1]
        else:
            out = jnp.take_along_axis(out, idx[:, :, None], 0)
            t = jnp.arange(T)[:, None]
            out = jnp.where((t < lengths[None, :])[:, :, None], out, jnp.zeros((), out.dtype))
    return out, hT, cT


def _layer_fn(st, x, lengths, h0, c0, *weights):
    """One layer: x (T, B, I) time-major; h0/c0 (D, B, H); weights per direction (w_ih, w_hh, b_ih, b_hh, w_hr)."""
    mode, ndir, has_len, dt = st
    x = cast(x, dt)
    outs, hs, cs = [], [], []
    for d in range(ndir):
        w = weights[5 * d:5 * d + 5]
        o, h, c = _run_direction(mode, x, lengths if has_len else None, h0[d], None if c0 is None else c0[d], w,
                                 d == 1)
        outs.append(o)
        hs.append(h)
        cs.append(c)
    out = outs[0] if ndir == 1 else jnp.concatenate(outs, axis=-1)
    hn = jnp.stack(hs)
    if mode == "LSTM":
        return out, hn, jnp.stack(cs)
    return out, hn


_LAYER = Kernel("rnn_layer", _layer_fn, "MkldnnRnnLayerBackward0")


def rnn_layer(mode, x, lengths, h0, c0, weights, ndir):
    """Run one recurrent layer. weights: list over directions of (w_ih, w_hh, b_ih|None, b_hh|None, w_hr|None)."""
    flat = [t for w in weights for t in w]
    st = (mode, ndir, lengths is not None, np_dtype(x.dtype))
    return call(_LAYER, [x, lengths, h0, c0] + flat, st)


# ---- cells -------------------------------------------------------------------------------------------------------

def _cell_fn(st, x, h, c, w_ih, w_hh, b_ih, b_hh):
    mode, dt = st
    x = cast(x, dt)
    xp = _mm(x, w_ih)
    if b_ih is not None:
        xp = xp + b_ih
    h2, c2 = _cell_step(mode, xp, h, c, w_hh, b_hh, None)
    return (h2, c2) if mode == "LSTM" else h2


_CELL_NAMES = {"LSTM": "MulBackward0", "GRU": "AddBackward0", "RNN_TANH": "TanhBackward0",
               "RNN_RELU": "ReluBackward0"}
_CELL = Kernel("rnn_cell", _cell_fn, "TanhBackward0")


def rnn_cell(mode, x, h, c, w_ih, w_hh, b_ih, b_hh):
    return call(_CELL, [x, h, c, w_ih, w_hh, b_ih, b_hh], (mode, np_dtype(x.dtype)), name=_CELL_NAMES[mode])


# ---- packing -----------------------------------------------------------------------------------------------------

_GATHER_ROWS = Kernel("pack_padded_sequence", lambda st, x, idx: x.reshape((-1,) + x.shape[2:])[idx],
                      "PackPaddedSequenceBackward0")


def _pad_fn(st, data, value):
    idx, total, batch = st
    out = jnp.full((total * batch,) + data.shape[1:], cast(value, data.dtype), data.dtype)
    out = out.at[np.asarray(idx)].set(data)
    return out.reshape((total, batch) + data.shape[1:])


_PAD_PACKED = Kernel("pad_packed_sequence", _pad_fn, "torch::autograd::CopySlices")


def pack_padded(input, lengths, batch_first):
    """torch._pack_padded_sequence: (data, batch_sizes) with lengths a host int array (sorted, descending)."""
    from .creation import _put
    x = input.transpose(0, 1) if batch_first else input
    T, B = x.shape[0], x.shape[1]
    rows = []
    sizes = []
    for t in range(int(lengths[0]) if len(lengths) else 0):
        n = int((lengths > t).sum())
        sizes.append(n)
        rows.extend(t * B + b for b in range(n))
    idx = _put(np.asarray(rows, np.int64), input.device)
    data = call(_GATHER_ROWS, [x, idx], None)
    from .creation import tensor
    return data, tensor(sizes, dtype=__import__("torchjax")._dtype.int64)


def pad_packed(data, batch_sizes, batch_first, padding_value, total_length):
    bs = np.asarray(batch_sizes._host_values(), np.int64)
    B = int(bs[0]) if len(bs) else 0
    idx = []
    for t, n in enumerate(bs):
        idx.extend(t * B + b for b in range(int(n)))
    out = call(_PAD_PACKED, [data, padding_value], (tuple(idx), int(total_length), B))
    lengths = np.array([int((bs > b).sum()) for b in range(B)], np.int64)
    if batch_first:
        out = out.transpose(0, 1)
    return out, lengths


def _pad_seq_fn(st, value, *seqs):
    batch_first, left, T = st
    dt = seqs[0].dtype
    outs = []
    for s in seqs:
        pad = [(T - s.shape[0], 0) if left else (0, T - s.shape[0])] + [(0, 0)] * (s.ndim - 1)
        outs.append(jnp.pad(s, pad, constant_values=cast(value, dt)))
    return jnp.stack(outs, 0 if batch_first else 1)


_PAD_SEQ = Kernel("pad_sequence", _pad_seq_fn, "torch::autograd::CopySlices")


def pad_sequence_impl(sequences, batch_first, padding_value, padding_side):
    T = max(int(s.shape[0]) for s in sequences)
    return call(_PAD_SEQ, [padding_value] + list(sequences), (bool(batch_first), padding_side == "left", T))
