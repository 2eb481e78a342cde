"""Image operations on tensors ([..., C, H, W]) with torchvision's tensor semantics.

Pixels are computed on the host with numpy, in the dtypes torch would use (integer images are processed in
float32 and cast back by truncation, or by rounding where torchvision rounds), and the result comes back as a tensor
on the input's device. Geometric and colour transforms are therefore not differentiable; ``normalize`` uses tensor
ops and is. Resampling follows torch's ``interpolate`` (antialiased bilinear/bicubic as PIL does, legacy nearest,
nearest-exact) and ``grid_sample`` (align_corners=False, zeros padding) formulas.
"""
import math

import numpy as np

from ... import _dtype as D

_INT_MAX = {"uint8": 255, "int8": 127, "int16": 32767, "uint16": 65535, "int32": 2147483647,
            "int64": 9223372036854775807}


def _torch():
    import torchjax
    return torchjax


def _is_tensor(x):
    return isinstance(x, _torch().Tensor)


def _arr(img):
    """The tensor's values as a numpy array (a view where possible: never written to)."""
    t = img.detach()
    if t.dtype is D.bfloat16:
        return np.asarray(t.float()._host_values())
    if t.device.type == "cpu" and not _is_tracer(t):
        return t.numpy()  # the host buffer itself (CPU tensors keep it), no copy
    return np.asarray(t._host_values())


def _out(arr, like, dtype=None):
    torch = _torch()
    dtype = dtype or like.dtype
    if dtype is D.bfloat16:
        t = torch.from_numpy(np.array(arr, np.float32, order="C")).to(torch.bfloat16)
    else:
        # always a fresh buffer: the result never shares memory with the input image
        t = torch.from_numpy(np.array(arr, dtype.np, order="C"))
    return t if like.device.type == "cpu" else t.to(like.device)


def _max_value(dtype):
    return _INT_MAX.get(dtype.name, 1)


def _is_float(dtype):
    return dtype.is_floating_point


def _assert_image_tensor(img):
    if img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")


def get_dimensions(img):
    _assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else img.shape[-3]
    height, width = img.shape[-2:]
    return [channels, height, width]


def get_image_size(img):
    _assert_image_tensor(img)
    return [img.shape[-1], img.shape[-2]]


def get_image_num_channels(img):
    _assert_image_tensor(img)
    if img.ndim == 2:
        return 1
    return img.shape[-3]


def _assert_channels(img, permitted):
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found {c}")


def _work_dtype(dtype):
    """torch computes integer images in the default float dtype (float32), float images in their own."""
    return dtype.np.type if dtype.is_floating_point and dtype is not D.bfloat16 else np.float32


def _cast_to(arr, dtype):
    """``Tensor.to(dtype)`` on host values: float -> int truncates toward zero."""
    npd = np.float32 if dtype is D.bfloat16 else dtype.np
    if not dtype.is_floating_point and arr.dtype.kind == "f":
        arr = np.trunc(arr)
    with np.errstate(invalid="ignore", over="ignore"):
        return arr.astype(npd)


# ---- dtype conversion ----------------------------------------------------------------------------------------

def convert_image_dtype(image, dtype):
    if image.dtype is dtype:
        return image
    src = image.dtype
    a = _arr(image)
    if src.is_floating_point:
        if dtype.is_floating_point:
            return image.to(dtype)
        if (src is D.float32 and dtype in (D.int32, D.int64)) or (src is D.float64 and dtype is D.int64):
            raise RuntimeError(f"The cast from {src} to {dtype} cannot be performed safely.")
        eps = 1e-3
        scaled = a * a.dtype.type(float(_max_value(dtype)) + 1.0 - eps)
        return _out(_cast_to(scaled, dtype), image, dtype)
    in_max = float(_max_value(src))
    if dtype.is_floating_point:
        f = a.astype(np.float32 if dtype is D.bfloat16 else dtype.np)
        return _out(f / f.dtype.type(in_max), image, dtype)
    out_max = float(_max_value(dtype))
    if in_max > out_max:
        factor = int((in_max + 1) // (out_max + 1))
        return _out((a.astype(np.int64) // factor).astype(dtype.np), image, dtype)
    factor = int((out_max + 1) // (in_max + 1))
    return _out(a.astype(dtype.np) * dtype.np.type(factor), image, dtype)


# ---- flips and crops -----------------------------------------------------------------------------------------------

def hflip(img):
    _assert_image_tensor(img)
    return _out(_arr(img)[..., ::-1], img)


def vflip(img):
    _assert_image_tensor(img)
    return _out(_arr(img)[..., ::-1, :], img)


def crop(img, top, left, height, width):
    _assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        pad_ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0), max(right - max(w, left), 0),
                    max(bottom - max(h, top), 0)]
        inner = _arr(img)[..., max(top, 0):bottom, max(left, 0):right]
        return pad(_out(inner, img), pad_ltrb, fill=0)
    return _out(_arr(img)[..., top:bottom, left:right], img)


# ---- padding ---------------------------------------------------------------------------------------------------

def _parse_pad_padding(padding):
    if isinstance(padding, int):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[0], padding[1], padding[1]]
    return [padding[0], padding[2], padding[1], padding[3]]  # left, right, top, bottom


def pad(img, padding, fill=0, padding_mode="constant"):
    _assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, right, top, bottom = _parse_pad_padding(padding)
    a = _arr(img)
    # negative padding crops
    h, w = a.shape[-2:]
    a = a[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    left, right, top, bottom = (max(v, 0) for v in (left, right, top, bottom))
    widths = [(0, 0)] * (a.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        fill_v = np.array(fill).astype(a.dtype) if not (a.dtype.kind in "iu" and isinstance(fill, float)) else \
            np.array(math.trunc(fill)).astype(a.dtype)
        return _out(np.pad(a, widths, mode="constant", constant_values=fill_v), img)
    if padding_mode == "reflect":
        if top >= a.shape[-2] or bottom >= a.shape[-2] or left >= a.shape[-1] or right >= a.shape[-1]:
            raise RuntimeError("Padding size should be less than the corresponding input dimension, but got: "
                               f"padding ({left}, {right}) at dimension 3 of input {list(a.shape)}")
    mode = {"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}[padding_mode]
    return _out(np.pad(a, widths, mode=mode), img)


# ---- resizing --------------------------------------------------------------------------------------------------

def _linear_filter(x):
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


def _cubic_filter(a):
    def f(x):
        x = np.abs(x)
        near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
        far = (((x - 5.0) * x + 8.0) * x - 4.0) * a
        return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))
    return f


def _aa_weights(in_size, out_size, filt, support_base):
    """Antialiased resampling matrix (out_size, in_size): PIL's and torch's `_upsample_*_aa` weights."""
    scale = in_size / out_size
    support = support_base * scale if scale >= 1.0 else support_base
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    m = np.zeros((out_size, in_size), np.float64)
    for i in range(out_size):
        center = scale * (i + 0.5)
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), in_size)
        j = np.arange(lo, hi)
        w = filt((j - center + 0.5) * invscale)
        total = w.sum()
        m[i, lo:hi] = w / total if total != 0 else w
    return m


def _linear_weights(in_size, out_size):
    """torch's upsample_bilinear (align_corners=False) along one axis."""
    scale = in_size / out_size
    m = np.zeros((out_size, in_size), np.float64)
    for i in range(out_size):
        src = max(scale * (i + 0.5) - 0.5, 0.0)
        i0 = int(src)
        i1 = i0 + (1 if i0 < in_size - 1 else 0)
        l1 = src - i0
        m[i, i0] += 1.0 - l1
        m[i, i1] += l1
    return m


def _cubic_weights(in_size, out_size, a=-0.75):
    """torch's upsample_bicubic (align_corners=False): 4 taps, borders clamped."""
    scale = in_size / out_size
    cubic = _cubic_filter(a)
    m = np.zeros((out_size, in_size), np.float64)
    for i in range(out_size):
        real = scale * (i + 0.5) - 0.5
        base = math.floor(real)
        t = real - base
        for k, dist in zip(range(-1, 3), (t + 1.0, t, 1.0 - t, 2.0 - t)):
            m[i, min(max(base + k, 0), in_size - 1)] += float(cubic(np.array(dist)))
    return m


def _nearest_index(in_size, out_size, exact):
    if out_size == in_size:
        return np.arange(out_size)
    if not exact and out_size == 2 * in_size:
        return np.arange(out_size) >> 1
    scale = np.float32(in_size) / np.float32(out_size)
    pos = np.arange(out_size, dtype=np.float32)
    if exact:
        pos = pos + np.float32(0.5)
    return np.minimum(np.floor(pos * scale).astype(np.int64), in_size - 1)


def _resample(a, out_h, out_w, mode, antialias):
    """Resize the last two axes of a float array."""
    in_h, in_w = a.shape[-2:]
    if mode in ("nearest", "nearest-exact"):
        ys = _nearest_index(in_h, out_h, mode == "nearest-exact")
        xs = _nearest_index(in_w, out_w, mode == "nearest-exact")
        return a[..., ys[:, None], xs[None, :]]
    if mode == "bilinear":
        wy = _aa_weights(in_h, out_h, _linear_filter, 1.0) if antialias else _linear_weights(in_h, out_h)
        wx = _aa_weights(in_w, out_w, _linear_filter, 1.0) if antialias else _linear_weights(in_w, out_w)
    elif mode == "bicubic":
        if antialias:
            wy = _aa_weights(in_h, out_h, _cubic_filter(-0.5), 2.0)
            wx = _aa_weights(in_w, out_w, _cubic_filter(-0.5), 2.0)
        else:
            wy, wx = _cubic_weights(in_h, out_h), _cubic_weights(in_w, out_w)
    else:
        raise ValueError(f"Interpolation mode '{mode}' is unsupported with Tensor input")
    wy = wy.astype(a.dtype)
    wx = wx.astype(a.dtype)
    out = np.einsum("...hw,vw->...hv", a, wx)  # horizontal pass first, as torch's separable kernels do
    return np.einsum("...hv,uh->...uv", out, wy)


def resize(img, size, interpolation="bilinear", antialias=True):
    """`size` is [h, w] (computed by functional.resize); `interpolation` is a mode name."""
    _assert_image_tensor(img)
    if antialias is None:
        antialias = False
    if antialias and interpolation not in ("bilinear", "bicubic"):
        antialias = False
    dtype = img.dtype
    a = _arr(img)
    work = a if a.dtype in (np.float32, np.float64) else a.astype(np.float32)
    out = _resample(work, int(size[0]), int(size[1]), interpolation, antialias)
    if interpolation == "bicubic" and dtype is D.uint8:
        out = np.clip(out, 0, 255)
    if not dtype.is_floating_point:
        out = np.round(out)
    return _out(_cast_to(out, dtype), img)


# ---- grid transforms (affine, rotate, perspective) -------------------------------------------------------------

def _sample_grid(a, gx, gy, mode, fill):
    """grid_sample(align_corners=False, padding zeros) of float array a (..., C, H, W) at normalised grid
    coordinates gx, gy (oh, ow); `fill` paints the outside like torchvision's mask trick."""
    h, w = a.shape[-2:]
    px = ((gx + 1.0) * w - 1.0) / 2.0
    py = ((gy + 1.0) * h - 1.0) / 2.0
    lead = a.shape[:-2]
    if mode == "nearest":
        ix = np.rint(px).astype(np.int64)
        iy = np.rint(py).astype(np.int64)
        valid = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        out = a[..., np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1)] * valid
        mask = valid.astype(a.dtype)
    elif mode == "bilinear":
        x0 = np.floor(px).astype(np.int64)
        y0 = np.floor(py).astype(np.int64)
        out = np.zeros(lead + px.shape, a.dtype)
        mask = np.zeros(px.shape, a.dtype)
        for dy in (0, 1):
            for dx in (0, 1):
                xi, yi = x0 + dx, y0 + dy
                wgt = ((1 - np.abs(px - xi)) * (1 - np.abs(py - yi))).astype(a.dtype)
                valid = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
                wgt = wgt * valid
                out += a[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)] * wgt
                mask += wgt
    else:
        raise ValueError(f"Interpolation mode '{mode}' is unsupported with Tensor input")
    if fill is not None:
        fills = np.asarray(fill if isinstance(fill, (list, tuple)) else [float(fill)], a.dtype)
        fill_img = fills.reshape((-1, 1, 1)) if a.ndim >= 3 else fills.reshape(())
        if mode == "nearest":
            out = np.where(mask < 0.5, fill_img, out)
        else:
            out = out * mask + (1.0 - mask) * fill_img
    return out


def _affine_grid(theta, w, h, ow, oh):
    """torchvision's _gen_affine_grid in float32: output pixel centres mapped by theta, normalised by (w, h)."""
    f = np.float32
    xs = np.linspace(-ow * 0.5 + 0.5, ow * 0.5 + 0.5 - 1, ow, dtype=np.float64).astype(f)
    ys = np.linspace(-oh * 0.5 + 0.5, oh * 0.5 + 0.5 - 1, oh, dtype=np.float64).astype(f)
    X, Y = np.meshgrid(xs, ys)
    t = np.asarray(theta, f).reshape(2, 3) / np.array([[0.5 * w], [0.5 * h]], f)
    gx = X * t[0, 0] + Y * t[0, 1] + t[0, 2]
    gy = X * t[1, 0] + Y * t[1, 1] + t[1, 2]
    return gx.astype(f), gy.astype(f)


def _check_grid_inputs(img, matrix, interpolation, fill, coeffs=None):
    if not _is_tensor(img):
        raise TypeError("Input img should be Tensor")
    _assert_image_tensor(img)
    if matrix is not None and not isinstance(matrix, list):
        raise TypeError("Argument matrix should be a list")
    if matrix is not None and len(matrix) != 6:
        raise ValueError("Argument matrix should have 6 float values")
    if coeffs is not None and len(coeffs) != 8:
        raise ValueError("Argument coeffs should have 8 float values")
    channels = get_dimensions(img)[0]
    if fill is not None and isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != channels:
        raise ValueError("The number of elements in 'fill' cannot broadcast to match the number of channels of the "
                         f"image ({len(fill)} != {channels})")
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")


def _grid_transform(img, gx, gy, mode, fill):
    dtype = img.dtype
    a = _arr(img)
    work = a if a.dtype in (np.float32, np.float64) else a.astype(np.float32)
    out = _sample_grid(work, gx.astype(work.dtype), gy.astype(work.dtype), mode, fill)
    if not dtype.is_floating_point:
        out = np.round(out)
    return _out(_cast_to(out, dtype), img)


def affine(img, matrix, interpolation="nearest", fill=None):
    _check_grid_inputs(img, matrix, interpolation, fill)
    h, w = img.shape[-2:]
    gx, gy = _affine_grid(matrix, w, h, w, h)
    return _grid_transform(img, gx, gy, interpolation, fill)


def _affine_output_size(matrix, w, h):
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, -0.5 * h, 1.0]], np.float32)
    theta = np.asarray(matrix, np.float32).reshape(2, 3)
    new = pts @ theta.T
    lo = new.min(0) + np.array([w * 0.5, h * 0.5], np.float32)
    hi = new.max(0) + np.array([w * 0.5, h * 0.5], np.float32)
    tol = np.float32(1e-4)
    cmax = np.ceil(np.trunc(hi / tol) * tol)
    cmin = np.floor(np.trunc(lo / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def rotate(img, matrix, interpolation="nearest", expand=False, fill=None):
    _check_grid_inputs(img, matrix, interpolation, fill)
    h, w = img.shape[-2:]
    ow, oh = _affine_output_size(matrix, w, h) if expand else (w, h)
    gx, gy = _affine_grid(matrix, w, h, ow, oh)
    return _grid_transform(img, gx, gy, interpolation, fill)


def perspective(img, coeffs, interpolation="bilinear", fill=None):
    _check_grid_inputs(img, None, interpolation, fill, coeffs)
    oh, ow = img.shape[-2:]
    f = np.float32
    xs = np.linspace(0.5, ow + 0.5 - 1.0, ow, dtype=np.float64).astype(f)
    ys = np.linspace(0.5, oh + 0.5 - 1.0, oh, dtype=np.float64).astype(f)
    X, Y = np.meshgrid(xs, ys)
    c = [f(v) for v in coeffs]
    den = c[6] * X + c[7] * Y + f(1.0)
    gx = ((c[0] * X + c[1] * Y + c[2]) / f(0.5 * ow)) / den - f(1.0)
    gy = ((c[3] * X + c[4] * Y + c[5]) / f(0.5 * oh)) / den - f(1.0)
    return _grid_transform(img, gx, gy, interpolation, fill)


# ---- colour --------------------------------------------------------------------------------------------------

def _gray(a, work):
    r, g, b = (a[..., i, :, :].astype(work) for i in range(3))
    return work(0.2989) * r + work(0.587) * g + work(0.114) * b


def rgb_to_grayscale(img, num_output_channels=1):
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    a = _arr(img)
    if a.shape[-3] == 3:
        g = _cast_to(_gray(a, _work_dtype(img.dtype)), img.dtype)[..., None, :, :]
    else:
        g = a.copy()
    if num_output_channels == 3:
        g = np.broadcast_to(g, a.shape)
    return _out(g, img)


def _blend_arr(a1, a2, ratio, dtype):
    work = _work_dtype(dtype)
    ratio = float(ratio)
    out = work(ratio) * a1.astype(work) + work(1.0 - ratio) * np.asarray(a2).astype(work)
    return _cast_to(np.clip(out, 0, _max_value(dtype)), dtype)


def adjust_brightness(img, brightness_factor):
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    a = _arr(img)
    return _out(_blend_arr(a, np.zeros_like(a), brightness_factor, img.dtype), img)


def adjust_contrast(img, contrast_factor):
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [3, 1])
    a = _arr(img)
    work = _work_dtype(img.dtype)
    if a.shape[-3] == 3:
        gray = _cast_to(_gray(a, work), img.dtype)[..., None, :, :].astype(work)
    else:
        gray = a.astype(work)
    mean = gray.mean(axis=(-3, -2, -1), keepdims=True, dtype=np.float64).astype(work)
    return _out(_blend_arr(a, mean, contrast_factor, img.dtype), img)


def adjust_saturation(img, saturation_factor):
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    a = _arr(img)
    gray = _cast_to(_gray(a, _work_dtype(img.dtype)), img.dtype)[..., None, :, :]
    return _out(_blend_arr(a, gray, saturation_factor, img.dtype), img)


def _rgb2hsv(a):
    r, g, b = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
    maxc = a.max(-3)
    minc = a.min(-3)
    eqc = maxc == minc
    cr = maxc - minc
    one = np.ones_like(maxc)
    s = cr / np.where(eqc, one, maxc)
    div = np.where(eqc, one, cr)
    rc, gc, bc = (maxc - r) / div, (maxc - g) / div, (maxc - b) / div
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (a.dtype.type(2.0) + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (a.dtype.type(4.0) + gc - rc)
    h = hr + hg + hb
    h = np.fmod(h / a.dtype.type(6.0) + a.dtype.type(1.0), a.dtype.type(1.0))
    return np.stack((h, s, maxc), -3)


def _hsv2rgb(a):
    h, s, v = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
    one = a.dtype.type(1.0)
    i = np.floor(h * a.dtype.type(6.0))
    f = h * a.dtype.type(6.0) - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (one - s), 0.0, 1.0)
    q = np.clip(v * (one - s * f), 0.0, 1.0)
    t = np.clip(v * (one - s * (one - f)), 0.0, 1.0)
    r = np.choose(i, [v, q, p, p, t, v])
    g = np.choose(i, [t, v, v, q, p, p])
    b = np.choose(i, [p, p, t, v, v, q])
    return np.stack((r, g, b), -3)


def adjust_hue(img, hue_factor):
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not _is_tensor(img):
        raise TypeError("Input img should be Tensor image")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    orig = img.dtype
    f32 = convert_image_dtype(img, D.float32)
    hsv = _rgb2hsv(_arr(f32))
    hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + np.float32(hue_factor), np.float32(1.0))
    rgb = _out(_hsv2rgb(hsv), f32)
    return convert_image_dtype(rgb, orig)


def adjust_gamma(img, gamma, gain=1.0):
    if not _is_tensor(img):
        raise TypeError("Input img should be a Tensor.")
    _assert_channels(img, [1, 3])
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    dtype = img.dtype
    f = img if dtype.is_floating_point else convert_image_dtype(img, D.float32)
    a = _arr(f)
    out = _out(np.clip(a.dtype.type(gain) * a ** a.dtype.type(gamma), 0, 1), f)
    return convert_image_dtype(out, dtype)


def invert(img):
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _assert_channels(img, [1, 3])
    a = _arr(img)
    return _out(np.asarray(_max_value(img.dtype), a.dtype) - a, img)


# ---- blur, normalize, erase --------------------------------------------------------------------------------------

def _gaussian_kernel1d(ksize, sigma, work):
    half = (ksize - 1) * 0.5
    x = np.linspace(-half, half, ksize).astype(work)
    pdf = np.exp(work(-0.5) * (x / work(sigma)) ** 2)
    return (pdf / pdf.sum()).astype(work)


def gaussian_blur(img, kernel_size, sigma):
    if not _is_tensor(img):
        raise TypeError(f"img should be Tensor. Got {type(img)}")
    _assert_image_tensor(img)
    dtype = img.dtype
    work = dtype.np.type if dtype in (D.float32, D.float64) else np.float32
    kx = _gaussian_kernel1d(kernel_size[0], sigma[0], work)
    ky = _gaussian_kernel1d(kernel_size[1], sigma[1], work)
    k2 = np.outer(ky, kx).astype(work)
    a = _arr(img).astype(work)
    px, py = kernel_size[0] // 2, kernel_size[1] // 2
    h, w = a.shape[-2:]
    if py >= h or px >= w:
        raise RuntimeError("Padding size should be less than the corresponding input dimension, but got: padding "
                           f"({px}, {px}) at dimension 3 of input {list(a.shape)}")
    p = np.pad(a, [(0, 0)] * (a.ndim - 2) + [(py, py), (px, px)], mode="reflect")
    out = np.zeros_like(a)
    for dy in range(kernel_size[1]):
        for dx in range(kernel_size[0]):
            out += k2[dy, dx] * p[..., dy:dy + h, dx:dx + w]
    if not dtype.is_floating_point:
        out = np.round(out)
    return _out(_cast_to(out, dtype), img)


def normalize(tensor, mean, std, inplace=False):
    torch = _torch()
    _assert_image_tensor(tensor)
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    dtype = tensor.dtype
    if not tensor.requires_grad and tensor.device.type == "cpu" and dtype in (D.float32, D.float64, D.float16) \
            and not _is_tracer(tensor):
        return _normalize_host(tensor, mean, std, inplace)
    mean_t = torch.as_tensor(mean, dtype=dtype, device=tensor.device)
    std_t = torch.as_tensor(std, dtype=dtype, device=tensor.device)
    if (std_t == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {dtype}, leading to division by zero.")
    if mean_t.ndim == 1:
        mean_t = mean_t.view(-1, 1, 1)
    if std_t.ndim == 1:
        std_t = std_t.view(-1, 1, 1)
    if inplace:
        return tensor.sub_(mean_t).div_(std_t)
    return tensor.sub(mean_t).div(std_t)


def _is_tracer(t):
    """Inside compiled code (values are JAX tracers): looks at the storage without moving its value."""
    import jax
    return isinstance(t._storage._array, jax.core.Tracer)


def _normalize_host(tensor, mean, std, inplace):
    """normalize on the host for plain CPU tensors (no autograd): the same float arithmetic, far fewer dispatches."""
    npd = tensor.dtype.np
    m = np.asarray(mean._host_values() if _is_tensor(mean) else mean, dtype=npd)
    s = np.asarray(std._host_values() if _is_tensor(std) else std, dtype=npd)
    if (s == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    if m.ndim == 1:
        m = m.reshape(-1, 1, 1)
    if s.ndim == 1:
        s = s.reshape(-1, 1, 1)
    if inplace:
        buf = tensor.numpy()
        np.subtract(buf, m, out=buf)
        np.divide(buf, s, out=buf)
        return tensor
    return _out((_arr(tensor) - m) / s, tensor)


def erase(img, i, j, h, w, v, inplace=False):
    _assert_image_tensor(img)
    if not inplace:
        img = img.clone()
    img[..., i:i + h, j:j + w] = v
    return img


# ---- auto-augment style ops --------------------------------------------------------------------------------------

def _check_3d_channels(img):
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _assert_channels(img, [1, 3])


def posterize(img, bits):
    _check_3d_channels(img)
    if img.dtype is not D.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    mask = np.uint8((-int(2 ** (8 - bits))) & 0xFF)
    return _out(_arr(img) & mask, img)


def solarize(img, threshold):
    _check_3d_channels(img)
    if threshold > _max_value(img.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    a = _arr(img)
    inv = np.asarray(_max_value(img.dtype), a.dtype) - a
    return _out(np.where(a >= threshold, inv, a), img)


def adjust_sharpness(img, sharpness_factor):
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if img.shape[-1] <= 2 or img.shape[-2] <= 2:
        return img
    dtype = img.dtype
    work = _work_dtype(dtype)
    a = _arr(img)
    k = np.ones((3, 3), work)
    k[1, 1] = 5.0
    k /= k.sum()
    f = a.astype(work)
    h, w = f.shape[-2:]
    blurred = np.zeros(f.shape[:-2] + (h - 2, w - 2), work)
    for dy in range(3):
        for dx in range(3):
            blurred += k[dy, dx] * f[..., dy:dy + h - 2, dx:dx + w - 2]
    if not dtype.is_floating_point:
        blurred = np.round(blurred)
    degenerate = a.copy()
    degenerate[..., 1:-1, 1:-1] = _cast_to(blurred, dtype)
    return _out(_blend_arr(a, degenerate, sharpness_factor, dtype), img)


def autocontrast(img):
    _check_3d_channels(img)
    bound = _max_value(img.dtype)
    work = _work_dtype(img.dtype)
    a = _arr(img)
    lo = a.min(axis=(-2, -1), keepdims=True).astype(work)
    hi = a.max(axis=(-2, -1), keepdims=True).astype(work)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = work(bound) / (hi - lo)
    bad = ~np.isfinite(scale)
    lo = np.where(bad, 0, lo).astype(work)
    scale = np.where(bad, 1, scale).astype(work)
    return _out(_cast_to(np.clip((a - lo) * scale, 0, bound), img.dtype), img)


def _equalize_channel(ch):
    hist = np.bincount(ch.reshape(-1), minlength=256)
    nonzero = hist[hist != 0]
    step = nonzero[:-1].sum() // 255
    if step == 0:
        return ch
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.clip(np.concatenate([[0], lut[:-1]]), 0, 255)
    return lut[ch.astype(np.int64)].astype(np.uint8)


def equalize(img):
    _assert_image_tensor(img)
    if not 3 <= img.ndim <= 4:
        raise TypeError(f"Input image tensor should have 3 or 4 dimensions, but found {img.ndim}")
    if img.dtype is not D.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    _assert_channels(img, [1, 3])
    a = _arr(img)
    flat = a.reshape((-1,) + a.shape[-2:])
    out = np.stack([_equalize_channel(c) for c in flat]).reshape(a.shape)
    return _out(out, img)
