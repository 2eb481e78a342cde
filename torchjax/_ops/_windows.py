"""Pooling windows as a trailing axis, and the maximum torch's pooling kernels pick in them; shared by the pools
(nn_pooling) and the pure-JAX reference of the native 2x2 max pool (torchjax/_csrc/max_pool2x2.py)."""
import functools
import itertools

import jax.numpy as jnp


def windows_last(g, n):
    """(..., O1, K1, ..., On, Kn) -> (..., O1, ..., On, K1*...*Kn)"""
    lead = g.ndim - 2 * n
    perm = tuple(range(lead)) + tuple(lead + 2 * d for d in range(n)) + tuple(lead + 2 * d + 1 for d in range(n))
    g = g.transpose(perm)
    return g.reshape(g.shape[:lead + n] + (-1,))


def blocks(x, k):
    """Non-overlapping windows: x (..., k0*o0, k1*o1, ...) -> (..., o0, o1, ..., k0*k1*...)."""
    n = len(k)
    lead = x.ndim - n
    split = tuple(v for i in range(n) for v in (x.shape[lead + i] // k[i], k[i]))
    return windows_last(x.reshape(x.shape[:lead] + split), n)


def strided_max(x, k):
    """The maximum of each non-overlapping k window, as the maximum of the prod(k) strided slices (which XLA's CPU
    backend runs several times faster than reduce_window or a reshape and max)."""
    offsets = itertools.product(*[range(v) for v in k])
    return functools.reduce(jnp.maximum, [x[(Ellipsis,) + tuple(slice(o, None, v) for o, v in zip(off, k))]
                                          for off in offsets])


def first_max(w):
    """Index of the first maximum along the last axis, or of the last NaN, as torch's kernels (which take a value
    when it is greater or NaN)."""
    isnan = jnp.isnan(w) if jnp.issubdtype(w.dtype, jnp.floating) else jnp.zeros(w.shape, bool)
    last_nan = w.shape[-1] - 1 - jnp.argmax(isnan[..., ::-1], -1)
    return jnp.where(isnan.any(-1), last_nan, jnp.argmax(w, -1))
