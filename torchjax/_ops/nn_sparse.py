"""embedding (padding_idx, max_norm, scale_grad_by_freq), embedding_bag, one_hot."""
import functools

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd import grad_mode
from ._common import concrete, np_dtype
from .creation import _put
from .kernel import Kernel, call
from .registry import function

F = "torch.nn.functional"


def _embedding_lookup(st, w, idx):
    return _emb(st[0], st[1], w, idx)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1))
def _emb(padding_idx, scale, w, idx):
    return jnp.take(w, idx, axis=0)


def _emb_fwd(padding_idx, scale, w, idx):
    return jnp.take(w, idx, axis=0), (w, idx)


def _emb_bwd(padding_idx, scale, res, g):
    w, idx = res
    shape, dtype = w.shape, w.dtype
    g2 = g.reshape(-1, shape[1])
    flat = idx.reshape(-1)
    if scale:
        counts = jnp.zeros((shape[0],), g.dtype).at[flat].add(1)
        g2 = g2 / counts[flat][:, None]
    if padding_idx >= 0:
        g2 = jnp.where((flat == padding_idx)[:, None], jnp.zeros((), g2.dtype), g2)
    return jnp.zeros(shape, dtype).at[flat].add(g2), None


_emb.defvjp(_emb_fwd, _emb_bwd)


_EMBEDDING = Kernel("embedding", _embedding_lookup, "EmbeddingBackward0")


def _no_sparse(sparse, weight):
    if sparse and weight.requires_grad and grad_mode.is_grad_enabled():
        raise NotImplementedError("torchjax: sparse gradients (sparse=True in embedding/embedding_bag) are not "
                                  "supported; use sparse=False")


def _check_indices(input, fname="embedding"):
    if input.dtype not in (D.int64, D.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.type()} instead (while checking arguments for {fname})")


def _check_range(input, n):
    v = concrete(input)
    if v is not None and v.size and (v.min() < 0 or v.max() >= n):
        raise IndexError("index out of range in self")


def embedding_renorm_(weight, input, max_norm, norm_type):
    v = concrete(input)
    if v is None:
        raise NotImplementedError("torchjax: F.embedding(max_norm=...) inside compiled code")
    rows = np.unique(v.reshape(-1))
    with grad_mode.no_grad():
        w = np.asarray(weight._host_values())
        sel = w[rows].astype(np.float64)
        if norm_type == float("inf"):
            norms = np.abs(sel).max(1)
        else:
            norms = (np.abs(sel) ** norm_type).sum(1) ** (1.0 / norm_type)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        if (scale != 1.0).any():
            new = w.copy()
            new[rows] = (w[rows] * scale[:, None].astype(w.dtype)).astype(w.dtype)
            weight._write(_put(new, weight.device)._value())
    return weight


@function(namespace=F)
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = weight.size(0) + padding_idx
    else:
        padding_idx = -1
    _check_indices(input)
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    _check_range(input, weight.shape[0])
    if max_norm is not None:
        embedding_renorm_(weight, input, max_norm, norm_type)
    _no_sparse(sparse, weight)
    return call(_EMBEDDING, [weight, input], (int(padding_idx), bool(scale_grad_by_freq)))


function("embedding")(lambda weight, input, padding_idx=-1, scale_grad_by_freq=False, sparse=False:
                      call(_EMBEDDING, [weight, input], (int(padding_idx), bool(scale_grad_by_freq))))


# ---- embedding_bag -----------------------------------------------------------------------------------------------

def _bag_fn(st, w, idx, bag, psw):
    mode, nbags, padding_idx, scale = st
    if scale:
        # scale the gradient reaching each row by 1/(its count)
        num = w.shape[0]
        counts = jnp.zeros((num,), w.dtype).at[idx].add(1)
        w_used = _grad_scale(w, 1.0 / jnp.maximum(counts, 1))
    else:
        w_used = w
    rows = jnp.take(w_used, idx, axis=0)
    keep = idx != padding_idx if padding_idx >= 0 else jnp.ones(idx.shape, bool)
    if psw is not None:
        rows = rows * psw[:, None].astype(rows.dtype)
    if mode == 2:
        rows = jnp.where(keep[:, None], rows, -jnp.inf)
        out = jax.ops.segment_max(rows, bag, num_segments=nbags)
        cnt = jax.ops.segment_sum(keep.astype(jnp.int32), bag, num_segments=nbags)
        return jnp.where((cnt > 0)[:, None], out, 0).astype(w.dtype)
    rows = jnp.where(keep[:, None], rows, 0)
    out = jax.ops.segment_sum(rows, bag, num_segments=nbags)
    if mode == 1:
        cnt = jax.ops.segment_sum(keep.astype(w.dtype), bag, num_segments=nbags)
        out = out / jnp.maximum(cnt, 1)[:, None]
    return out


@jax.custom_vjp
def _grad_scale(w, s):
    return w


def _gs_fwd(w, s):
    return w, s


def _gs_bwd(s, g):
    return g * s[:, None], jnp.zeros_like(s)


_grad_scale.defvjp(_gs_fwd, _gs_bwd)

_BAG = Kernel("embedding_bag", _bag_fn, "EmbeddingBagBackward0")


@function(namespace=F)
def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    if weight.dtype is D.int64 and input.is_floating_point():
        import warnings
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage `embedding_bag(weight, input, "
                      "...)` is deprecated, and should now be `embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it must "
                         f"have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError(f"if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        B, L = input.shape
        bag = np.repeat(np.arange(B), L)
        nbags = B
        flat = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        off = concrete(offsets)
        if off is None:
            raise NotImplementedError("torchjax: F.embedding_bag with 1D input inside compiled code")
        off = off.astype(np.int64)
        n = input.shape[0]
        if include_last_offset:
            nbags = len(off) - 1
            bounds = off
        else:
            nbags = len(off)
            bounds = np.append(off, n)
        if nbags and off.size and off[0] != 0:
            raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                               f"position 0. However, got {off[0]}")
        bag = np.zeros(n, np.int64)
        for b in range(nbags):
            bag[bounds[b]:min(bounds[b + 1], n)] = b
        if include_last_offset and nbags and bounds[-1] < n:
            bag[bounds[-1]:] = nbags - 1
        flat = input
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    modes = {"sum": 0, "mean": 1, "max": 2}
    if mode not in modes:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max":
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    _check_indices(flat, "embedding_bag")
    _check_range(flat, weight.shape[0])
    if max_norm is not None:
        embedding_renorm_(weight, flat, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  f"GitHub.")
    _no_sparse(sparse, weight)
    if padding_idx is None:
        pidx = -1
    else:
        pidx = padding_idx + weight.shape[0] if padding_idx < 0 else padding_idx
    bag_t = _put(bag.astype(np.int64), input.device)
    return call(_BAG, [weight, flat, bag_t, per_sample_weights], (modes[mode], int(nbags), int(pidx),
                                                                 bool(scale_grad_by_freq)))


# ---- one_hot -----------------------------------------------------------------------------------------------------

_ONE_HOT = Kernel("one_hot", lambda n, x: jax.nn.one_hot(x, n, dtype=jnp.int64), "OneHotBackward0")


@function(namespace=F)
def one_hot(tensor, num_classes=-1):
    if tensor.dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    v = concrete(tensor)
    if v is not None and v.size:
        if v.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes == -1:
            num_classes = int(v.max()) + 1
        elif v.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    elif num_classes == -1:
        if v is not None:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        raise NotImplementedError("torchjax: F.one_hot(num_classes=-1) inside compiled code")
    return call(_ONE_HOT, [tensor], int(num_classes))
