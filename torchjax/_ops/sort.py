"""Sorting and selection: sort, argsort, msort, topk, kthvalue."""
import jax.numpy as jnp
from jax import lax

from .. import return_types
from .._tensor import _wrap_dim
from .kernel import Kernel, call
from .registry import op


def _sort_fn(st, x):
    dim, descending, stable = st
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    idx = jnp.argsort(x, axis=dim, stable=True, descending=descending)
    return jnp.take_along_axis(x, idx, axis=dim), idx.astype(jnp.int64)


_SORT = Kernel("sort", _sort_fn, "SortBackward0", diff_out=(0,))


@op(out=True)
def sort(input, dim=-1, descending=False, stable=False):
    if isinstance(dim, bool):
        dim, descending = -1, dim
    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    v, i = call(_SORT, [input], (d, bool(descending), bool(stable)))
    return return_types.sort(v, i)


@op(out=True)
def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable)[1]


@op(out=True)
def msort(input):
    return sort(input, 0)[0]


def _topk_fn(st, x):
    k, dim, largest = st
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    idx = jnp.argsort(x, axis=dim, stable=True, descending=largest)
    idx = lax.slice_in_dim(idx, 0, k, axis=dim)
    return jnp.take_along_axis(x, idx, axis=dim), idx.astype(jnp.int64)


_TOPK = Kernel("topk", _topk_fn, "TopkBackward0", diff_out=(0,))


@op(out=True)
def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    size = input._shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    v, i = call(_TOPK, [input], (int(k), d, bool(largest)))
    return return_types.topk(v, i)


def _kth_fn(st, x):
    k, dim, keep = st
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    idx = jnp.argsort(x, axis=dim, stable=True)
    i = lax.slice_in_dim(idx, k - 1, k, axis=dim)
    v = jnp.take_along_axis(x, i, axis=dim)
    if not keep:
        v, i = jnp.squeeze(v, dim), jnp.squeeze(i, dim)
    return v, i.astype(jnp.int64)


_KTH = Kernel("kthvalue", _kth_fn, "KthvalueBackward0", diff_out=(0,))


@op(out=True, out_alias_ok=False)
def kthvalue(input, k, dim=-1, keepdim=False):
    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    size = input._shape[d] if input.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    v, i = call(_KTH, [input], (int(k), d, bool(keepdim)))
    return return_types.kthvalue(v, i)
