"""Scans and finite differences: cummax, cummin, logcumsumexp, diff, gradient, trapezoid/trapz,
cumulative_trapezoid."""
import math

import jax
import jax.numpy as jnp
from jax import lax

from .. import _dtype as D
from .. import return_types
from .._tensor import Tensor, _wrap_dim
from ._common import cast, check_tensor, float_type, np_dtype, result_type
from .kernel import Kernel, call
from .registry import function, op


# ---- cummax / cummin ------------------------------------------------------------------------------------------------

def _cum_extreme(st, x):
    dim, is_max = st
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    idx = lax.broadcasted_iota(jnp.int64, x.shape, dim)
    floating = jnp.issubdtype(x.dtype, jnp.inexact)

    def combine(a, b):
        av, ai = a
        bv, bi = b
        better = (bv >= av) if is_max else (bv <= av)
        if floating:
            better = (better | jnp.isnan(bv)) & ~jnp.isnan(av)
        return jnp.where(better, bv, av), jnp.where(better, bi, ai)

    v, i = lax.associative_scan(combine, (x, idx), axis=dim)
    return v, i


_CUMMAX = Kernel("cummax", _cum_extreme, "CummaxBackward0", diff_out=(0,))


def _cum(input, dim, is_max):
    check_tensor(input, "cummax" if is_max else "cummin")
    d = _wrap_dim(dim, input.ndim) if input.ndim else (_wrap_dim(dim, 0) and 0)
    v, i = call(_CUMMAX, [input], (d, is_max), name="CummaxBackward0" if is_max else "CumminBackward0")
    return (return_types.cummax if is_max else return_types.cummin)(v, i)


@op(out=True)
def cummax(input, dim):
    return _cum(input, dim, True)


@op(out=True)
def cummin(input, dim):
    return _cum(input, dim, False)


def _lcse(x, dim, reverse=False):
    def combine(a, b):
        m = jnp.maximum(a, b)
        m_safe = jnp.where(jnp.isinf(m), 0, m)
        return jnp.where(jnp.isneginf(a) & jnp.isneginf(b), -jnp.inf,
                         m_safe + jnp.log(jnp.exp(a - m_safe) + jnp.exp(b - m_safe)))

    return lax.associative_scan(combine, x, axis=dim, reverse=reverse)


def _logcumsumexp_real(dim):
    @jax.custom_vjp
    def f(x):
        return _lcse(x, dim)

    def fwd(x):
        r = _lcse(x, dim)
        return r, (x, r)

    def bwd(res, g):
        # torch's formula: split the cotangent by sign and accumulate each in log space, from the end
        x, r = res
        la = jnp.log(jnp.abs(g))
        pos = jnp.where(g > 0, la, -jnp.inf)
        neg = jnp.where(g < 0, la, -jnp.inf)
        out = jnp.exp(_lcse(pos - r, dim, True) + x) - jnp.exp(_lcse(neg - r, dim, True) + x)
        return (out,)

    f.defvjp(fwd, bwd)
    return f


def _logcumsumexp_fn(st, x):
    dim, dt = st
    x = cast(x, dt)
    if x.ndim == 0:
        return x
    if jnp.iscomplexobj(x):
        return jnp.log(jnp.cumsum(jnp.exp(x), axis=dim))
    return _logcumsumexp_real(dim)(x)


_LOGCUMSUMEXP = Kernel("logcumsumexp", _logcumsumexp_fn, "LogcumsumexpBackward0")


@op(out=True)
def logcumsumexp(input, dim):
    check_tensor(input, "logcumsumexp")
    d = _wrap_dim(dim, input.ndim) if input.ndim else (_wrap_dim(dim, 0) and 0)
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        raise RuntimeError(f'"logcumsumexp_out_cpu" not implemented for \'{D._scalar_name(input._dtype)}\'')
    return call(_LOGCUMSUMEXP, [input], (d, np_dtype(input._dtype)))


# ---- diff -------------------------------------------------------------------------------------------------------------

def _diff_fn(st, x):
    n, dim, is_bool = st
    for _ in range(n):
        if x.shape[dim] == 0:
            break
        a = lax.slice_in_dim(x, 1, x.shape[dim], axis=dim)
        b = lax.slice_in_dim(x, 0, x.shape[dim] - 1, axis=dim)
        x = (a != b) if is_bool else a - b
    return x


_DIFF = Kernel("diff", _diff_fn, "SubBackward0", linear=True)


@op(out=True)
def diff(input, n=1, dim=-1, prepend=None, append=None):
    check_tensor(input, "diff")
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _wrap_dim(dim, input.ndim)
    if n == 0:
        return input
    from .shape_views import cat
    parts = []
    for extra, name in ((prepend, "prepend"), (None, None), (append, "append")):
        if name is None:
            parts.append(input)
            continue
        if extra is None:
            continue
        if not isinstance(extra, Tensor):
            from .creation import full
            shape = list(input._shape)
            shape[d] = 1
            extra = full(shape, extra, dtype=input._dtype, device=input.device)
        elif extra.ndim != input.ndim:
            raise RuntimeError(f"diff expects prepend or append to be the same dimension as input")
        parts.append(extra)
    x = cat(parts, d) if len(parts) > 1 else input
    return call(_DIFF, [x], (int(n), d, x._dtype is D.bool))


# ---- gradient ---------------------------------------------------------------------------------------------------------

def _gradient_fn(st, x, *spacing):
    dims, edge_order, kinds, dt = st
    x = cast(x, dt)
    outs = []
    for k, (d, kind) in enumerate(zip(dims, kinds)):
        h = spacing[k]
        n = x.shape[d]
        sl = lambda a, b: lax.slice_in_dim(x, a, b, axis=d)  # noqa: E731

        def shape_b(v):
            s = [1] * x.ndim
            s[d] = v.shape[0]
            return v.reshape(s)

        if kind == "scalar":
            h = cast(h, dt)
            interior = (sl(2, n) - sl(0, n - 2)) / (2 * h)
            if edge_order == 1:
                first = (sl(1, 2) - sl(0, 1)) / h
                last = (sl(n - 1, n) - sl(n - 2, n - 1)) / h
            else:
                first = (-1.5 * sl(0, 1) + 2 * sl(1, 2) - 0.5 * sl(2, 3)) / h
                last = (0.5 * sl(n - 3, n - 2) - 2 * sl(n - 2, n - 1) + 1.5 * sl(n - 1, n)) / h
        else:
            c = cast(h, dt)
            dx = c[1:] - c[:-1]
            a_ = dx[:-1]
            b_ = dx[1:]
            w0 = shape_b(-b_ / (a_ * (a_ + b_)))
            w1 = shape_b((b_ - a_) / (a_ * b_))
            w2 = shape_b(a_ / (b_ * (a_ + b_)))
            interior = w0 * sl(0, n - 2) + w1 * sl(1, n - 1) + w2 * sl(2, n)
            if edge_order == 1:
                first = (sl(1, 2) - sl(0, 1)) / dx[0]
                last = (sl(n - 1, n) - sl(n - 2, n - 1)) / dx[-1]
            else:
                h1, h2 = dx[0], dx[1]
                first = (-(2 * h1 + h2) / (h1 * (h1 + h2)) * sl(0, 1) + (h1 + h2) / (h1 * h2) * sl(1, 2)
                         - h1 / (h2 * (h1 + h2)) * sl(2, 3))
                h1, h2 = dx[-2], dx[-1]
                last = (h2 / (h1 * (h1 + h2)) * sl(n - 3, n - 2) - (h1 + h2) / (h1 * h2) * sl(n - 2, n - 1)
                        + (2 * h2 + h1) / (h2 * (h1 + h2)) * sl(n - 1, n))
        outs.append(jnp.concatenate([first, interior, last], axis=d))
    return tuple(outs)


_GRADIENT = Kernel("gradient", _gradient_fn, "CatBackward0")


@function()
def gradient(input, *, spacing=1, dim=None, edge_order=1):
    check_tensor(input, "gradient")
    if dim is None:
        dims = tuple(range(input.ndim))
    elif isinstance(dim, int):
        dims = (_wrap_dim(dim, input.ndim),)
    else:
        dims = tuple(_wrap_dim(d, input.ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError("torch.gradient expected each dimension size to be unique")
    if edge_order not in (1, 2):
        raise RuntimeError(f"torch.gradient only supports edge_order=1 and edge_order=2.")
    for d in dims:
        if input._shape[d] < edge_order + 1:
            raise RuntimeError(f"torch.gradient expected each dimension size to be at least edge_order+1")
    if spacing is None:
        spacing = 1
    if isinstance(spacing, (list, tuple)):
        sp = list(spacing)
        if len(sp) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                               f"arguments to have the same length, but got a spacing argument of length {len(sp)} "
                               f"and a dim argument of length {len(dims)}.")
    else:
        if isinstance(spacing, Tensor) and spacing.ndim:
            raise RuntimeError("torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                               "arguments to have the same length")
        sp = [spacing] * len(dims)
    kinds = []
    args = []
    dt = float_type(input._dtype)
    for s, d in zip(sp, dims):
        if isinstance(s, Tensor) and s.ndim == 1:
            if s._shape[0] != input._shape[d]:
                raise RuntimeError(f"torch.gradient expected each tensor to be on the same device and to have the "
                                   f"same size as the input along dim {d}")
            kinds.append("coords")
            dt = D.promote_types(dt, s._dtype) if s._dtype.is_floating_point else dt
        else:
            kinds.append("scalar")
            if isinstance(s, Tensor):
                s = s.item()
        args.append(s)
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        dt = D.get_default_dtype()
    else:
        dt = input._dtype
    return call(_GRADIENT, [input] + args, (dims, int(edge_order), tuple(kinds), np_dtype(dt)))


# ---- trapezoid --------------------------------------------------------------------------------------------------------

def _trapz_fn(st, y, x, dx):
    dim, kind, dt, cumulative = st
    y = cast(y, dt)
    n = y.shape[dim]
    if n == 0:
        shape = list(y.shape)
        if cumulative:
            shape[dim] = 0
            return jnp.zeros(shape, dt)
        del shape[dim]
        return jnp.zeros(shape, dt)
    lo = lax.slice_in_dim(y, 0, n - 1, axis=dim)
    hi = lax.slice_in_dim(y, 1, n, axis=dim)
    if kind == "x":
        x = cast(x, dt)
        if x.ndim == 1:
            s = [1] * y.ndim
            s[dim] = x.shape[0]
            x = x.reshape(s)
        m = x.shape[dim]
        d = lax.slice_in_dim(x, 1, m, axis=dim) - lax.slice_in_dim(x, 0, m - 1, axis=dim)
        area = d * (lo + hi) / 2
    else:
        area = (lo + hi) * cast(dx, dt) / 2
    return jnp.cumsum(area, axis=dim) if cumulative else jnp.sum(area, axis=dim)


_TRAPZ = Kernel("trapezoid", _trapz_fn, "SumBackward1")


def _trapezoid(y, x, dx, dim, cumulative):
    name = "cumulative_trapezoid" if cumulative else "trapezoid"
    check_tensor(y, name, "y")
    if y.ndim == 0:
        raise IndexError(f"{name}: Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
    d = _wrap_dim(dim, y.ndim)
    dt = float_type(result_type(y, x) if isinstance(x, Tensor) else y._dtype)
    if isinstance(x, Tensor):
        if x.ndim == 1 and x._shape[0] != y._shape[d]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        if x.ndim not in (1, y.ndim):
            raise RuntimeError(f"{name}: x must have the same number of dimensions as y or be 1-D")
        return call(_TRAPZ, [y, x, None], (d, "x", np_dtype(dt), cumulative))
    if dx is None:
        dx = 1.0 if x is None else x
    if isinstance(dx, Tensor):
        dx = dx.item()
    return call(_TRAPZ, [y, None, dx], (d, "dx", np_dtype(dt), cumulative))


@function()
def trapezoid(y, x=None, *, dx=None, dim=-1):
    return _trapezoid(y, x, dx, dim, False)


@function()
def trapz(y, x=None, *, dx=None, dim=-1):
    return _trapezoid(y, x, dx, dim, False)


@function()
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    return _trapezoid(y, x, dx, dim, True)


_ = (math, jax)
