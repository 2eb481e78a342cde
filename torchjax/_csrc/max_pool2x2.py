"""2x2 max pooling with stride 2 over the last two dimensions (sizes even), on the native CPU kernels of
max_pool2x2.cc: `forward_p` gives the maxima and their offsets in the window, `scatter_p` writes a gradient back to
those offsets and `gather_p` reads a tangent at them; scatter and gather are each other's transposes."""
import jax
import jax.numpy as jnp
from jax.interpreters import ad

from . import primitive
from .._ops._windows import blocks, first_max, strided_max


def _forward_ref(x):
    return strided_max(x, (2, 2)), first_max(blocks(x, (2, 2))).astype(jnp.uint8)


def _gather_ref(t, idx):
    return jnp.take_along_axis(blocks(t, (2, 2)), idx[..., None].astype(jnp.int32), -1)[..., 0]


def _scatter_ref(g, idx):
    *lead, ho, wo = g.shape
    w = (jax.nn.one_hot(idx, 4, dtype=g.dtype) * g[..., None]).reshape(*lead, ho, wo, 2, 2)
    return jnp.moveaxis(w, -2, -3).reshape(*lead, 2 * ho, 2 * wo)


def _pooled(x, dtype=None):
    return jax.core.ShapedArray(x.shape[:-2] + (x.shape[-2] // 2, x.shape[-1] // 2), dtype or x.dtype)


def _no_attributes():
    return {}


forward_p = primitive("torchjax_max_pool2x2", "torchjax_max_pool2x2_forward", _forward_ref,
                      lambda x: (_pooled(x), _pooled(x, jnp.uint8)), _no_attributes, multiple_results=True)
gather_p = primitive("torchjax_max_pool2x2_gather", "torchjax_max_pool2x2_gather", _gather_ref,
                     lambda t, idx: _pooled(t), _no_attributes)
scatter_p = primitive("torchjax_max_pool2x2_scatter", "torchjax_max_pool2x2_scatter", _scatter_ref,
                      lambda g, idx: jax.core.ShapedArray(g.shape[:-2] + (2 * g.shape[-2], 2 * g.shape[-1]), g.dtype),
                      _no_attributes)


def _linear_in_first(p, transpose_p):
    """p(t, idx) is linear in t; its transpose is transpose_p(ct, idx)."""
    def jvp(primals, tangents):
        t, idx = primals
        return p.bind(t, idx), p.bind(ad.instantiate_zeros(tangents[0]), idx)

    def transpose(ct, t, idx):
        if type(ct) is ad.Zero:
            return [ad.Zero(t.aval), None]
        return [transpose_p.bind(ct, idx), None]

    ad.primitive_jvps[p] = jvp
    ad.primitive_transposes[p] = transpose


_linear_in_first(gather_p, scatter_p)
_linear_in_first(scatter_p, gather_p)


def _forward_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    y, idx = forward_p.bind(x)
    return (y, idx), (gather_p.bind(ad.instantiate_zeros(t), idx), ad.Zero(jax.typeof(idx).to_tangent_aval()))


ad.primitive_jvps[forward_p] = _forward_jvp


@jax.custom_jvp
def max_pool2x2(x):
    """x (..., 2 Ho, 2 Wo) -> (..., Ho, Wo): the maximum of each 2x2 window; the gradient goes to the first maximum
    of each window, or to its last NaN, as torch's. Without a derivative it is XLA's maximum of four
    strided slices (fused with what comes before it, and faster than the native kernel, which also finds the
    offsets); differentiated, the native forward gives the offsets that the gradient needs."""
    return strided_max(x, (2, 2))


@max_pool2x2.defjvp
def _max_pool2x2_jvp(primals, tangents):
    (y, idx), (ty, _) = _forward_jvp(primals, tangents)
    return y, ty
