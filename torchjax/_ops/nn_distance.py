"""Distances: cosine_similarity, pairwise_distance, pdist, cdist."""
import jax.numpy as jnp
import numpy as np
from jax import lax

from .._tensor import _wrap_dim
from ._common import broadcast_shapes2, cast, float_type, np_dtype, result_type
from .kernel import Kernel, call
from .nn_norm import pnorm
from .registry import function

F = "torch.nn.functional"


def _cos_fn(st, a, b, eps):
    dim, dt = st
    a, b = cast(a, dt), cast(b, dt)
    a, b = jnp.broadcast_arrays(a, b)
    na = pnorm(a, 2, dim, True)
    nb = pnorm(b, 2, dim, True)
    # torch clamps the norms in place under no_grad: the value is clamped, the gradient is the norm's
    na = na + lax.stop_gradient(jnp.maximum(na, eps) - na)
    nb = nb + lax.stop_gradient(jnp.maximum(nb, eps) - nb)
    return jnp.sum((a / na) * (b / nb), axis=dim)


_COS = Kernel("cosine_similarity", _cos_fn, "SumBackward1")


@function(namespace=F)
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    shape = broadcast_shapes2(tuple(x1.shape), tuple(x2.shape))
    d = _wrap_dim(dim, len(shape))
    dt = float_type(result_type(x1, x2))
    return call(_COS, [x1, x2, eps], (d, np_dtype(dt)))


function("cosine_similarity")(cosine_similarity)


def _pd_fn(st, a, b, eps):
    p, keepdim, dt = st
    d = cast(a, dt) - cast(b, dt) + jnp.asarray(eps, dt)
    return pnorm(d, p, -1 if d.ndim else None, keepdim)


_PAIRWISE = Kernel("pairwise_distance", _pd_fn, "NormBackward1")


@function(namespace=F)
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    broadcast_shapes2(tuple(x1.shape), tuple(x2.shape))
    dt = float_type(result_type(x1, x2))
    return call(_PAIRWISE, [x1, x2, eps], (float(p), bool(keepdim), np_dtype(dt)))


function("pairwise_distance")(pairwise_distance)


def _pdist_fn(st, x):
    p, dt = st
    x = cast(x, dt)
    n = x.shape[0]
    i, j = np.triu_indices(n, 1)
    return pnorm(x[i] - x[j], p, -1)


_PDIST = Kernel("pdist", _pdist_fn, "PdistBackward0")


@function(namespace=F)
def pdist(input, p=2):
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return call(_PDIST, [input], (float(p), np_dtype(float_type(input.dtype))))


function("pdist")(pdist)
