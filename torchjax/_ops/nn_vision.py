"""Spatial ops: pad, interpolate/upsample (nearest, nearest-exact, linear family, bicubic, area, antialias),
grid_sample, affine_grid, pixel_shuffle/unshuffle, channel_shuffle, unfold/fold."""
import math
import warnings

import jax.numpy as jnp
import numpy as np
from jax import lax

from .._tensor import Tensor
from ._common import cast, np_dtype
from .kernel import Kernel, call
from .registry import function

F = "torch.nn.functional"


# ---- pad ---------------------------------------------------------------------------------------------------------

def _pad_fn(st, x, value):
    mode, pads, dt = st  # pads: ((lo, hi) per dim, first dim first)
    x = cast(x, dt)
    if mode == "constant":
        cfg = [(lo, hi, 0) for lo, hi in pads]
        return lax.pad(x, cast(0 if value is None else value, x.dtype), cfg)
    # non-constant modes: crop negative pads first, then pad
    sl = tuple(slice(max(-lo, 0), x.shape[i] - max(-hi, 0)) for i, (lo, hi) in enumerate(pads))
    x = x[sl]
    pw = [(max(lo, 0), max(hi, 0)) for lo, hi in pads]
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    return jnp.pad(x, pw, mode=np_mode)


_PAD = Kernel("pad", _pad_fn, "ConstantPadNdBackward0")


@function(namespace=F)
def pad(input, pad, mode="constant", value=None):
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    n = len(pad) // 2
    nd = input.ndim
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode == "constant":
        if len(pad) > 2 * nd:
            raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                               f"padding length {len(pad)} and input of dimension {nd}")
    else:
        if value is not None and value != 0:
            raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
        ok = {1: (2, 3), 2: (3, 4), 3: (4, 5)}.get(n, ())
        if nd not in ok:
            raise NotImplementedError(
                f"Padding size {len(pad)} is not supported for {nd}D input tensor.\nSupported combinations for "
                f"non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D "
                f"input: padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 "
                f"dimensions)")
    pads = [(0, 0)] * nd
    for i in range(n):
        d = nd - 1 - i
        pads[d] = (pad[2 * i], pad[2 * i + 1])
        size = input.shape[d]
        lo, hi = pads[d]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, but "
                               f"got: padding ({lo}, {hi}) at dimension {d} of input {list(input.shape)}")
        if mode == "circular" and (lo > size or hi > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and size == 0 and (lo or hi):
            raise RuntimeError(f"input tensor must have non-zero size along padded dimensions")
        if mode == "constant" and size + lo + hi < 0:
            raise RuntimeError(f"The input size {size}, plus negative padding {lo} and {hi} resulted in a negative "
                               f"output size, which is invalid. Check dimension {d} of your input.")
    if mode == "constant":
        name = "ConstantPadNdBackward0"
    elif mode == "circular":
        name = "torch::autograd::CopySlices"
    else:
        name = f"{'ReflectionPad' if mode == 'reflect' else 'ReplicationPad'}{n}DBackward0"
    return call(_PAD, [input, value if mode == "constant" else None], (mode, tuple(pads), np_dtype(input.dtype)),
                name=name)


function("constant_pad_nd")(lambda input, pad_, value=0: pad(input, pad_, "constant", value))


# ---- interpolate -------------------------------------------------------------------------------------------------

_f32 = np.float32


def _scale_value(scale, in_size, out_size):
    """compute_scales_value<float>: 1/scale_factor when one is given, else in/out (as float32)."""
    if scale is not None and scale > 0:
        return _f32(1.0 / scale)
    return _f32(in_size) / _f32(out_size)


def _area_scale(in_size, out_size, align_corners, scale):
    if align_corners:
        return _f32(in_size - 1) / _f32(out_size - 1) if out_size > 1 else _f32(0)
    return _scale_value(scale, in_size, out_size)


def _nearest_table(in_size, out_size, scale, exact):
    o = np.arange(out_size)
    if not exact and out_size == in_size:
        idx = o
    elif not exact and out_size == 2 * in_size:
        idx = o >> 1
    else:
        s = _scale_value(scale, in_size, out_size)
        src = (o.astype(_f32) + _f32(0.5)) * s if exact else o.astype(_f32) * s
        idx = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    return idx[:, None], None


def _linear_table(in_size, out_size, scale, align_corners):
    s = _area_scale(in_size, out_size, align_corners, scale)
    o = np.arange(out_size).astype(_f32)
    if align_corners:
        real = s * o
    else:
        real = np.maximum(s * (o + _f32(0.5)) - _f32(0.5), _f32(0))
    i0 = real.astype(np.int64)
    off = (i0 < in_size - 1).astype(np.int64)
    l1 = np.clip(real - i0.astype(_f32), 0, 1).astype(_f32)
    l0 = (_f32(1) - l1).astype(_f32)
    return np.stack([i0, i0 + off], 1), np.stack([l0, l1], 1)


def _cubic_coeffs(t, A):
    def c1(x):
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def c2(x):
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    return np.stack([c2(t + 1), c1(t), c1(1 - t), c2(2 - t)], 1).astype(_f32)


def _cubic_table(in_size, out_size, scale, align_corners):
    s = _area_scale(in_size, out_size, align_corners, scale)
    o = np.arange(out_size).astype(_f32)
    real = s * o if align_corners else s * (o + _f32(0.5)) - _f32(0.5)
    i = np.floor(real).astype(np.int64)
    t = (real - i.astype(_f32)).astype(_f32)
    idx = np.clip(np.stack([i - 1, i, i + 1, i + 2], 1), 0, in_size - 1)
    return idx, _cubic_coeffs(t, _f32(-0.75))


def _aa_filter(mode):
    if mode == "bilinear":
        return 2, lambda x: np.where(np.abs(x) < 1, 1 - np.abs(x), 0).astype(_f32)
    a = _f32(-0.5)

    def cubic(x):
        x = np.abs(x).astype(_f32)
        r1 = ((a + 2) * x - (a + 3)) * x * x + 1
        r2 = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        return np.where(x < 1, r1, np.where(x < 2, r2, 0)).astype(_f32)
    return 4, cubic


def _aa_table(in_size, out_size, scale, align_corners, mode):
    interp, filt = _aa_filter(mode)
    s = _area_scale(in_size, out_size, align_corners, scale)
    support = _f32(interp * 0.5 * s) if s >= 1.0 else _f32(interp * 0.5)
    kmax = int(math.ceil(support)) * 2 + 1
    inv = _f32(1.0 / s) if s >= 1.0 else _f32(1.0)
    idx = np.zeros((out_size, kmax), np.int64)
    w = np.zeros((out_size, kmax), _f32)
    for i in range(out_size):
        center = _f32(s * (i + 0.5))
        xmin = max(int(center - support + _f32(0.5)), 0)
        xsize = min(int(center + support + _f32(0.5)), in_size) - xmin
        xsize = min(max(xsize, 0), kmax)
        j = np.arange(xsize)
        ws = filt(((j + xmin).astype(_f32) - center + _f32(0.5)) * inv)
        total = ws.sum(dtype=_f32)
        if total != 0:
            ws = (ws / total).astype(_f32)
        idx[i, :xsize] = j + xmin
        idx[i, xsize:] = xmin
        w[i, :xsize] = ws
    return idx, w


def _interp_fn(st, x):
    tables, dt = st
    x = cast(x, dt)
    n = len(tables)
    for d in reversed(range(n)):
        axis = x.ndim - n + d
        idx, w = tables[d]
        idx = np.asarray(idx)
        if w is None:
            x = jnp.take(x, jnp.asarray(idx[:, 0]), axis=axis)
            continue
        w = np.asarray(w)
        shape = [1] * x.ndim
        shape[axis] = idx.shape[0]
        acc = None
        for t in range(idx.shape[1]):
            term = jnp.take(x, jnp.asarray(idx[:, t]), axis=axis) * jnp.asarray(w[:, t].reshape(shape), x.dtype)
            acc = term if acc is None else acc + term
        x = acc
    return x


_INTERP = Kernel("upsample", _interp_fn, "UpsampleNearest2DBackward0")


class _Tables(tuple):
    """Hashable wrapper: per-dim (idx, weights) numpy tables keyed by their bytes."""
    def __hash__(self):
        return hash(tuple((i.tobytes(), i.shape, None if w is None else w.tobytes()) for i, w in self))

    def __eq__(self, other):
        return hash(self) == hash(other)


_MODE_NAME = {"nearest": "UpsampleNearest", "nearest-exact": "UpsampleNearestExact", "linear": "UpsampleLinear",
              "bilinear": "UpsampleBilinear", "trilinear": "UpsampleTrilinear", "bicubic": "UpsampleBicubic"}


def _upsample(input, out_size, scales, mode, align_corners, antialias):
    n = input.ndim - 2
    in_sp = tuple(input.shape[2:])
    tables = []
    for d in range(n):
        sc = None if scales is None else scales[d]
        if mode in ("nearest", "nearest-exact"):
            tables.append(_nearest_table(in_sp[d], out_size[d], sc, mode == "nearest-exact"))
        elif antialias:
            tables.append(_aa_table(in_sp[d], out_size[d], sc, align_corners, mode))
        elif mode == "bicubic":
            tables.append(_cubic_table(in_sp[d], out_size[d], sc, align_corners))
        else:
            tables.append(_linear_table(in_sp[d], out_size[d], sc, align_corners))
    name = f"{_MODE_NAME[mode]}{n}D{'Aa' if antialias else ''}Backward0"
    return call(_INTERP, [input], (_Tables(tables), np_dtype(input.dtype)), name=name)


def _is_int(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool) or (isinstance(x, Tensor) and
                                                                           not x.is_floating_point())


@function(namespace=F)
def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                             "bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    elif size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                                 f"spatial dimensions of {list(input.shape[2:])} and output size of {size}. Please "
                                 f"provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                                 f"...,oK) format.")
            if not all(_is_int(x) for x in size):
                raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, "
                                f"int], but got size with types {[type(x) for x in size]}")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(input.shape[2:])} and scale_factor of shape "
                                 f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                                 f"scale_factor in (s1, s2, ...,sK) format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor is not None and recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [int(math.floor(float(input.size(i + 2)) * scale_factors[i])) for i in range(dim)]
        scale_factors = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")
    modes_for = {3: ("nearest", "nearest-exact", "area", "linear"), 4: ("nearest", "nearest-exact", "area",
                                                                         "bilinear", "bicubic"),
                 5: ("nearest", "nearest-exact", "area", "trilinear")}
    nd = input.dim()
    if nd in modes_for and mode in modes_for[nd]:
        if output_size is None:
            output_size = [int(math.floor(float(input.size(i + 2)) * scale_factors[i])) for i in range(dim)]
        if any(o <= 0 for o in output_size):
            names = ("D", "H", "W")[3 - dim:]
            ins = ", ".join(f"{n}: {s}" for n, s in zip(names, input.shape[2:]))
            outs = ", ".join(f"{n}: {s}" for n, s in zip(names, output_size))
            raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({ins}) output ({outs})")
        if mode == "area":
            from .nn_pooling import _adaptive
            return _adaptive(dim, input, output_size, "avg")
        return _upsample(input, output_size, scale_factors, mode, align_corners, antialias)
    if mode == "lanczos":
        raise NotImplementedError("torchjax: F.interpolate(mode='lanczos') is not supported")
    need = {"linear": 3, "bilinear": 4, "trilinear": 5}
    if mode in need and nd in (3, 4, 5):
        raise NotImplementedError(f"Got {nd}D input, but {mode} mode needs {need[mode]}D input")
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {nd}D) for the modes: "
                              f"nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact "
                              f"(got {mode})")


@function(namespace=F)
def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn(f"`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


@function(namespace=F)
def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


@function(namespace=F)
def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---- grid_sample / affine_grid -------------------------------------------------------------------------------------

def _unnormalize(c, size, align_corners):
    if align_corners:
        return (c + 1) / 2 * (size - 1)
    return ((c + 1) * size - 1) / 2


def _reflect(c, twice_low, twice_high):
    if twice_low == twice_high:
        return jnp.zeros_like(c)
    mn = twice_low / 2
    span = (twice_high - twice_low) / 2
    c = jnp.abs(c - mn)
    extra = jnp.fmod(c, span)
    flips = jnp.floor(c / span)
    return jnp.where(jnp.fmod(flips, 2) == 0, extra + mn, span - extra + mn)


def _pad_coord(c, size, padding, align_corners):
    if padding == 1:
        return jnp.clip(c, 0, size - 1)
    if padding == 2:
        c = _reflect(c, 0, 2 * (size - 1)) if align_corners else _reflect(c, -1, 2 * size - 1)
        return jnp.clip(c, 0, size - 1)
    return c


def _grid_sample_fn(st, x, grid):
    mode, padding, align_corners, dt = st
    x, grid = cast(x, dt), cast(grid, dt)
    n = x.ndim - 2
    N, C = x.shape[:2]
    in_sp = x.shape[2:]
    xt = jnp.moveaxis(x, 1, -1)  # (N, *in, C)
    out_sp = grid.shape[1:-1]
    bidx = jnp.arange(N).reshape((N,) + (1,) * n)

    def fetch(idxs):
        valid = None
        clipped = []
        for d, i in enumerate(idxs):
            v = (i >= 0) & (i < in_sp[d])
            valid = v if valid is None else valid & v
            clipped.append(jnp.clip(i, 0, in_sp[d] - 1))
        vals = xt[(bidx,) + tuple(clipped)]  # (N, *out, C)
        return jnp.where(valid[..., None], vals, jnp.zeros((), vals.dtype))

    coords = [_unnormalize(grid[..., n - 1 - d], in_sp[d], align_corners) for d in range(n)]
    if mode == 2:  # bicubic (2-D only)
        iy, ix = coords
        y0, x0 = jnp.floor(iy), jnp.floor(ix)
        ty, tx = iy - y0, ix - x0
        A = -0.75

        def coeffs(t):
            def c1(v):
                return ((A + 2) * v - (A + 3)) * v * v + 1

            def c2(v):
                return ((A * v - 5 * A) * v + 8 * A) * v - 4 * A
            return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)]
        cy, cx = coeffs(ty), coeffs(tx)
        out = 0
        for a in range(4):
            row = 0
            for b in range(4):
                yy = _pad_coord(y0 - 1 + a, in_sp[0], padding, align_corners)
                xx = _pad_coord(x0 - 1 + b, in_sp[1], padding, align_corners)
                v = fetch([yy.astype(jnp.int32), xx.astype(jnp.int32)])
                row = row + v * cx[b][..., None]
            out = out + row * cy[a][..., None]
        return jnp.moveaxis(out, -1, 1)
    coords = [_pad_coord(c, in_sp[d], padding, align_corners) for d, c in enumerate(coords)]
    if mode == 1:  # nearest
        idx = [jnp.round(c).astype(jnp.int32) for c in coords]
        return jnp.moveaxis(fetch(idx), -1, 1)
    lo = [jnp.floor(c) for c in coords]
    fr = [c - l for c, l in zip(coords, lo)]
    out = 0
    for corner in range(2 ** n):
        w = 1
        idx = []
        for d in range(n):
            bit = (corner >> (n - 1 - d)) & 1
            idx.append((lo[d] + bit).astype(jnp.int32))
            w = w * (fr[d] if bit else 1 - fr[d])
        out = out + fetch(idx) * w[..., None]
    return jnp.moveaxis(out, -1, 1)


_GRID_SAMPLE = Kernel("grid_sample", _grid_sample_fn, "GridSampler2DBackward0")


def _grid_warn():
    warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please "
                  "specify align_corners=True if the old behavior is desired. See the documentation of grid_sample for "
                  "details.", stacklevel=3)


@function(namespace=F)
def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        _grid_warn()
        align_corners = False
    if input.ndim not in (4, 5):
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but got "
                           f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.ndim != input.ndim or grid.shape[0] != input.shape[0] or grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with sizes "
                           f"{list(input.shape)} and grid with sizes {list(grid.shape)}"
                           if grid.ndim == input.ndim and grid.shape[0] != input.shape[0] else
                           f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, but got "
                           f"grid with sizes {list(grid.shape)}")
    if mode == "bicubic" and input.ndim == 5:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    m = {"bilinear": 0, "nearest": 1, "bicubic": 2}[mode]
    p = {"zeros": 0, "border": 1, "reflection": 2}[padding_mode]
    from ._common import result_type
    dt = input.dtype
    return call(_GRID_SAMPLE, [input, grid], (m, p, bool(align_corners), np_dtype(dt)),
                name=f"GridSampler{input.ndim - 2}DBackward0")


def _base_coords(size, align_corners):
    if size <= 1:
        return np.zeros((max(size, 1),), np.float64)
    v = np.linspace(-1, 1, size)
    return v if align_corners else v * (size - 1) / size


def _affine_fn(st, theta):
    size, align_corners = st
    n = len(size) - 2
    sp = size[2:]
    axes = [_base_coords(s, align_corners) for s in sp]
    mesh = np.meshgrid(*axes, indexing="ij")  # per spatial dim (D, H, W order)
    comps = [mesh[n - 1 - k] for k in range(n)] + [np.ones(tuple(sp))]  # (x, y, [z], 1)
    base = jnp.asarray(np.stack(comps, -1), theta.dtype)  # (*sp, n+1)
    base = base.reshape(-1, n + 1)
    out = jnp.einsum("pk,bik->bpi", base, theta, precision=lax.Precision.HIGHEST)
    return out.reshape((theta.shape[0],) + tuple(sp) + (n,))


_AFFINE = Kernel("affine_grid", _affine_fn, "AffineGridGeneratorBackward0")


@function(namespace=F)
def affine_grid(theta, size, align_corners=None):
    if align_corners is None:
        _grid_warn()
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = [int(s) for s in size]
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                             f"{theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got "
                             f"{theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation of "
                      "affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    return call(_AFFINE, [theta], (tuple(size), bool(align_corners)))


# ---- pixel / channel shuffle ---------------------------------------------------------------------------------------

def _ps_fn(st, x):
    r, down = st
    lead = x.shape[:-3]
    c, h, w = x.shape[-3:]
    if not down:
        oc = c // (r * r)
        x = x.reshape(lead + (oc, r, r, h, w))
        k = len(lead)
        x = x.transpose(tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
        return x.reshape(lead + (oc, h * r, w * r))
    oh, ow = h // r, w // r
    x = x.reshape(lead + (c, oh, r, ow, r))
    k = len(lead)
    x = x.transpose(tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return x.reshape(lead + (c * r * r, oh, ow))


_PS = Kernel("pixel_shuffle", _ps_fn, "PixelShuffleBackward0", linear=True)


@function(namespace=F)
def pixel_shuffle(input, upscale_factor):
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    r = int(upscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    return call(_PS, [input], (r, False))


@function(namespace=F)
def pixel_unshuffle(input, downscale_factor):
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    r = int(downscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    h, w = input.shape[-2:]
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)={h}"
                           f" is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)={w} "
                           f"is not divisible by {r}")
    return call(_PS, [input], (r, True), name="PixelUnshuffleBackward0")


function("pixel_shuffle")(pixel_shuffle)
function("pixel_unshuffle")(pixel_unshuffle)


def _cs_fn(g, x):
    n, c = x.shape[:2]
    rest = x.shape[2:]
    x = x.reshape((n, g, c // g) + rest)
    return jnp.swapaxes(x, 1, 2).reshape((n, c) + rest)


_CS = Kernel("channel_shuffle", _cs_fn, "ChannelShuffleBackward0", linear=True)


@function(namespace=F)
def channel_shuffle(input, groups):
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    c = input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    return call(_CS, [input], int(groups))


function("channel_shuffle")(channel_shuffle)
function("native_channel_shuffle", namespace=F)(channel_shuffle)
function("native_channel_shuffle")(channel_shuffle)


# ---- unfold / fold -------------------------------------------------------------------------------------------------

def _pair(v, name="kernel_size"):
    if isinstance(v, (list, tuple)):
        return tuple(int(a) for a in v)
    return (int(v), int(v))


def _unfold_fn(st, x):
    k, d, p, s, out = st
    N, C = x.shape[:2]
    x = jnp.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    ih = (np.arange(out[0])[:, None] * s[0] + np.arange(k[0])[None, :] * d[0])
    iw = (np.arange(out[1])[:, None] * s[1] + np.arange(k[1])[None, :] * d[1])
    g = x[:, :, ih[:, :, None, None], iw[None, None, :, :]]  # (N, C, oh, kh, ow, kw)
    g = g.transpose(0, 1, 3, 5, 2, 4)
    return g.reshape(N, C * k[0] * k[1], out[0] * out[1])


def _fold_fn(st, x):
    k, d, p, s, out, size = st
    N = x.shape[0]
    C = x.shape[1] // (k[0] * k[1])
    x = x.reshape(N, C, k[0], k[1], out[0], out[1]).transpose(0, 1, 4, 2, 5, 3)  # (N, C, oh, kh, ow, kw)
    ih = (np.arange(out[0])[:, None] * s[0] + np.arange(k[0])[None, :] * d[0])
    iw = (np.arange(out[1])[:, None] * s[1] + np.arange(k[1])[None, :] * d[1])
    y = jnp.zeros((N, C, size[0] + 2 * p[0], size[1] + 2 * p[1]), x.dtype)
    y = y.at[:, :, ih[:, :, None, None], iw[None, None, :, :]].add(x)
    return y[:, :, p[0]:p[0] + size[0], p[1]:p[1] + size[1]]


_UNFOLD = Kernel("im2col", _unfold_fn, "Im2ColBackward0", linear=True)
_FOLD = Kernel("col2im", _fold_fn, "Col2ImBackward0", linear=True)


def _conv_out(size, k, d, p, s):
    return [(size[i] + 2 * p[i] - (d[i] * (k[i] - 1) + 1)) // s[i] + 1 for i in range(2)]


@function(namespace=F)
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    k, d, p, s = _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)
    batched = input.ndim == 4
    if input.ndim not in (3, 4):
        if input.ndim < 3:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{input.ndim}, {input.ndim - 1}], "
                             f"but got {input.ndim})")
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    x = input if batched else input.unsqueeze(0)
    out = _conv_out(tuple(x.shape[2:]), k, d, p, s)
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), kernel_size ({k[0]}, {k[1]}), "
                           f"dilation ({d[0]}, {d[1]}), padding ({p[0]}, {p[1]}), calculated shape of the array of "
                           f"sliding blocks as ({out[0]}, {out[1]}), but its components must be at least one.")
    r = call(_UNFOLD, [x], (k, d, p, s, tuple(out)))
    return r if batched else r.squeeze(0)


@function(namespace=F)
def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    size = _pair(output_size)
    k, d, p, s = _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)
    batched = input.ndim == 3
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    x = input if batched else input.unsqueeze(0)
    if x.shape[1] % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={x.shape[1]} and kernel_size=({k[0]}, {k[1]})")
    out = _conv_out(size, k, d, p, s)
    if out[0] * out[1] != x.shape[2]:
        raise RuntimeError(f"Given output_size=({size[0]}, {size[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, "
                           f"{d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of input's "
                           f"dimension 2 to match the calculated number of sliding blocks {out[0]} * {out[1]} = "
                           f"{out[0] * out[1]}, but got input.size(2)={x.shape[2]}.")
    r = call(_FOLD, [x], (k, d, p, s, tuple(out), size))
    return r if batched else r.squeeze(0)
