"""torchjax.vision.transforms pixel outputs against independent formulas, Pillow, and real torch's tensor ops
(torchvision itself cannot be installed here: its tensor transforms are torch.nn.functional calls, which are the
oracle where they apply)."""
import colorsys
import math
import random

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from _compare import torch
import torchjax
from torchjax.vision import transforms as T
from torchjax.vision.transforms import functional as F

RNG = np.random.default_rng(0)


def rgb(h=10, w=13):
    return Image.fromarray(RNG.integers(0, 256, (h, w, 3), dtype=np.uint8))


def gray(h=9, w=11):
    return Image.fromarray(RNG.integers(0, 256, (h, w), dtype=np.uint8))


def npv(t):
    return np.asarray(t._host_values()) if isinstance(t, torchjax.Tensor) else np.asarray(t)


def tj(a):
    return torchjax.from_numpy(np.ascontiguousarray(a))


# ---- conversions -------------------------------------------------------------------------------------------------

def test_to_tensor_pil_rgb_and_gray():
    for img in (rgb(), gray(), rgb().convert("RGBA"), rgb().convert("LA")):
        t = T.ToTensor()(img)
        a = np.asarray(img)
        a = a[:, :, None] if a.ndim == 2 else a
        exp = a.transpose(2, 0, 1).astype(np.float32) / np.float32(255)
        assert t.dtype == torchjax.float32 and tuple(t.shape) == exp.shape
        np.testing.assert_array_equal(npv(t), exp)


def test_to_tensor_modes_1_I_F():
    b = gray().convert("1")
    np.testing.assert_array_equal(npv(T.ToTensor()(b))[0], np.asarray(b).astype(np.float32))
    i = Image.fromarray(RNG.integers(-5, 70000, (4, 5)).astype(np.int32))
    ti = T.ToTensor()(i)
    assert ti.dtype == torchjax.int32
    np.testing.assert_array_equal(npv(ti)[0], np.asarray(i))
    f = Image.fromarray(RNG.standard_normal((4, 5)).astype(np.float32))
    tf = T.ToTensor()(f)
    assert tf.dtype == torchjax.float32
    np.testing.assert_array_equal(npv(tf)[0], np.asarray(f))


def test_to_tensor_ndarray():
    a = RNG.integers(0, 256, (6, 7, 3), dtype=np.uint8)
    np.testing.assert_array_equal(npv(T.ToTensor()(a)), a.transpose(2, 0, 1).astype(np.float32) / np.float32(255))
    f = RNG.standard_normal((6, 7)).astype(np.float64)
    t = T.ToTensor()(f)
    assert t.dtype == torchjax.float64 and tuple(t.shape) == (1, 6, 7)
    np.testing.assert_array_equal(npv(t)[0], f)
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([1, 2])
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 1 dimensions."):
        T.ToTensor()(np.zeros(3))


def test_pil_to_tensor():
    img = rgb()
    t = T.PILToTensor()(img)
    assert t.dtype == torchjax.uint8
    np.testing.assert_array_equal(npv(t), np.asarray(img).transpose(2, 0, 1))
    g = gray()
    np.testing.assert_array_equal(npv(T.PILToTensor()(g))[0], np.asarray(g))


def test_to_pil_image_float_truncates_like_torch_byte():
    x = np.clip(RNG.random((3, 5, 6)).astype(np.float32), 0, 1)
    img = T.ToPILImage()(tj(x))
    assert img.mode == "RGB"
    exp = torch.from_numpy(x).mul(255).byte().permute(1, 2, 0).numpy()  # torchvision: pic.mul(255).byte()
    np.testing.assert_array_equal(np.asarray(img), exp)


@pytest.mark.parametrize("shape,dtype,mode", [((1, 4, 5), np.uint8, "L"), ((4, 5), np.uint8, "L"),
                                              ((2, 4, 5), np.uint8, "LA"), ((4, 4, 5), np.uint8, "RGBA"),
                                              ((1, 4, 5), np.int32, "I"), ((1, 4, 5), np.float32, "L"),
                                              ((3, 4, 5), np.uint8, "RGB")])
def test_to_pil_image_modes(shape, dtype, mode):
    a = (RNG.random(shape) * (1 if dtype == np.float32 else 200)).astype(dtype)
    assert T.ToPILImage()(tj(a)).mode == mode


def test_to_pil_image_errors():
    with pytest.raises(TypeError, match="pic should be Tensor or ndarray"):
        F.to_pil_image([1])
    with pytest.raises(ValueError, match="pic should not have > 4 channels. Got 5 channels."):
        F.to_pil_image(np.zeros((2, 2, 5), np.uint8))
    with pytest.raises(ValueError, match="Only modes \\['RGB', 'YCbCr', 'HSV'\\] are supported for 3D inputs"):
        F.to_pil_image(np.zeros((2, 2, 3), np.uint8), mode="RGBA")


def test_pil_round_trip():
    img = rgb()
    back = T.ToPILImage()(T.PILToTensor()(img))
    np.testing.assert_array_equal(np.asarray(back), np.asarray(img))


# ---- normalize and dtype ---------------------------------------------------------------------------------------

def test_normalize_matches_torch_arithmetic():
    x = RNG.random((3, 4, 5)).astype(np.float32)
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    out = T.Normalize(mean, std)(tj(x))
    exp = (torch.from_numpy(x) - torch.tensor(mean).view(-1, 1, 1)) / torch.tensor(std).view(-1, 1, 1)
    np.testing.assert_allclose(npv(out), exp.numpy(), rtol=1e-6, atol=1e-7)
    batch = T.Normalize((0.5,), (0.5,))(tj(x[None]))
    np.testing.assert_allclose(npv(batch), (x[None] - 0.5) / 0.5, rtol=1e-6)


def test_normalize_inplace_and_out_of_place():
    x = tj(RNG.random((3, 2, 2)).astype(np.float32))
    before = npv(x).copy()
    T.Normalize([0.5] * 3, [0.5] * 3)(x)
    np.testing.assert_array_equal(npv(x), before)
    y = T.Normalize([0.5] * 3, [0.5] * 3, inplace=True)(x)
    assert y is x
    np.testing.assert_allclose(npv(x), (before - 0.5) / 0.5, rtol=1e-6)


def test_normalize_errors():
    with pytest.raises(TypeError, match="Input tensor should be a float tensor. Got torch.uint8."):
        T.Normalize([0.5], [0.5])(torchjax.zeros(1, 2, 2, dtype=torchjax.uint8))
    with pytest.raises(ValueError, match="std evaluated to zero after conversion to torch.float32"):
        T.Normalize([0.5], [0.0])(torchjax.zeros(1, 2, 2))
    with pytest.raises(ValueError, match="Expected tensor to be a tensor image of size"):
        T.Normalize([0.5], [0.5])(torchjax.zeros(2, 2))
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        F.normalize(np.zeros((1, 2, 2)), [0.5], [0.5])


def test_normalize_keeps_autograd():
    x = torchjax.ones(3, 2, 2, requires_grad=True)
    out = T.Normalize([0.5] * 3, [0.25] * 3)(x)
    out.sum().backward()
    np.testing.assert_allclose(npv(x.grad), np.full((3, 2, 2), 4.0, np.float32))


@pytest.mark.parametrize("src,dst", [("uint8", "float32"), ("uint8", "float64"), ("float32", "uint8"),
                                     ("float64", "uint8"), ("int16", "uint8"), ("uint8", "int16"),
                                     ("int32", "int16"), ("float32", "int16"), ("int16", "float32")])
def test_convert_image_dtype_formula(src, dst):
    if src.startswith("float"):
        x = RNG.random((2, 3, 4)).astype(src)
    else:
        info = np.iinfo(src)
        x = RNG.integers(0, info.max, (2, 3, 4)).astype(src)
    out = T.ConvertImageDtype(getattr(torchjax, dst))(tj(x))
    assert str(out.dtype) == f"torch.{dst}"
    tx = torch.from_numpy(x)
    tdst = getattr(torch, dst)

    def maxv(d):
        return 1.0 if d.is_floating_point else float(torch.iinfo(d).max)
    if tx.is_floating_point() and tdst.is_floating_point:
        exp = tx.to(tdst)
    elif tx.is_floating_point():
        exp = tx.mul(maxv(tdst) + 1.0 - 1e-3).to(tdst)
    elif tdst.is_floating_point:
        exp = tx.to(tdst) / maxv(tx.dtype)
    elif maxv(tx.dtype) > maxv(tdst):
        exp = torch.div(tx, int((maxv(tx.dtype) + 1) // (maxv(tdst) + 1)), rounding_mode="floor").to(tdst)
    else:
        exp = tx.to(tdst) * int((maxv(tdst) + 1) // (maxv(tx.dtype) + 1))
    np.testing.assert_array_equal(npv(out), exp.numpy())


def test_convert_image_dtype_unsafe_cast():
    with pytest.raises(RuntimeError, match="The cast from torch.float32 to torch.int32 cannot be performed safely."):
        F.convert_image_dtype(torchjax.zeros(1, 2, 2), torchjax.int32)


# ---- resize ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size,max_size,expect_hw", [(8, None, (8, 10)), ([8], None, (8, 10)), ((5, 7), None, (5, 7)),
                                                     (12, 14, (11, 14)), (10, None, (10, 13))])
def test_resize_output_size(size, max_size, expect_hw):
    img = rgb(10, 13)  # h=10, w=13: the smaller edge is the height
    out = T.Resize(size, max_size=max_size)(img)
    assert out.size == expect_hw[::-1]
    t = T.Resize(size, max_size=max_size)(T.PILToTensor()(img))
    assert tuple(t.shape[-2:]) == expect_hw


@pytest.mark.parametrize("interp,pil", [(T.InterpolationMode.BILINEAR, Image.BILINEAR),
                                        (T.InterpolationMode.NEAREST, Image.NEAREST),
                                        (T.InterpolationMode.BICUBIC, Image.BICUBIC),
                                        (T.InterpolationMode.LANCZOS, Image.LANCZOS), (2, Image.BILINEAR)])
def test_resize_pil_uses_pillow_filters(interp, pil):
    img = rgb(20, 30)
    out = T.Resize((7, 11), interpolation=interp)(img)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(img.resize((11, 7), pil)))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("antialias", [True, False])
@pytest.mark.parametrize("hw,out_hw", [((20, 30), (7, 11)), ((8, 9), (17, 20)), ((12, 12), (12, 5))])
def test_resize_tensor_matches_torch_interpolate(mode, antialias, hw, out_hw):
    x = RNG.random((2, 3) + hw).astype(np.float32)
    out = F.resize(tj(x), list(out_hw), T.InterpolationMode(mode), antialias=antialias)
    exp = torch.nn.functional.interpolate(torch.from_numpy(x), size=out_hw, mode=mode, align_corners=False,
                                          antialias=antialias)
    np.testing.assert_allclose(npv(out), exp.numpy(), rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("mode,torch_mode", [("nearest", "nearest"), ("nearest-exact", "nearest-exact")])
@pytest.mark.parametrize("hw,out_hw", [((20, 30), (7, 11)), ((8, 9), (17, 20)), ((5, 6), (10, 12))])
def test_resize_tensor_nearest_matches_torch(mode, torch_mode, hw, out_hw):
    x = RNG.random((3,) + hw).astype(np.float32)
    out = F.resize(tj(x), list(out_hw), T.InterpolationMode(mode))
    exp = torch.nn.functional.interpolate(torch.from_numpy(x)[None], size=out_hw, mode=torch_mode)[0]
    np.testing.assert_array_equal(npv(out), exp.numpy())


def test_resize_uint8_tensor_rounds_float_result():
    x = RNG.integers(0, 256, (3, 20, 30), dtype=np.uint8)
    out = F.resize(tj(x), [7, 11])
    f = torch.nn.functional.interpolate(torch.from_numpy(x)[None].float(), size=(7, 11), mode="bilinear",
                                        align_corners=False, antialias=True)[0]
    assert out.dtype == torchjax.uint8
    np.testing.assert_array_equal(npv(out), torch.round(f).to(torch.uint8).numpy())


def test_resize_argument_errors():
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        T.Resize(2.5)
    with pytest.raises(ValueError, match="If size is a sequence, it should have 1 or 2 values"):
        T.Resize([1, 2, 3])
    with pytest.raises(ValueError, match="max_size should only be passed if size specifies the length of the smaller"):
        F.resize(rgb(), [4, 5], max_size=9)
    with pytest.raises(ValueError, match=r"max_size = 4 must be strictly greater than the requested size"):
        F.resize(rgb(), 5, max_size=4)


# ---- crops, flips, pad -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(4, 6), 5, (10, 13), (3, 3)])
def test_center_crop_offsets(size):
    img = rgb(10, 13)
    th, tw = (size, size) if isinstance(size, int) else size
    top, left = int(round((10 - th) / 2.0)), int(round((13 - tw) / 2.0))
    exp = np.asarray(img)[top:top + th, left:left + tw]
    np.testing.assert_array_equal(np.asarray(T.CenterCrop(size)(img)), exp)
    t = T.CenterCrop(size)(T.PILToTensor()(img))
    np.testing.assert_array_equal(npv(t), exp.transpose(2, 0, 1))


def test_center_crop_larger_than_image_pads_with_zeros():
    a = RNG.integers(1, 256, (3, 4, 5), dtype=np.uint8)
    out = npv(T.CenterCrop((8, 9))(tj(a)))
    exp = np.zeros((3, 8, 9), np.uint8)
    exp[:, 2:6, 2:7] = a  # (8-4)//2 = 2 rows above, (9-5)//2 = 2 columns left
    np.testing.assert_array_equal(out, exp)
    pil = np.asarray(T.CenterCrop((8, 9))(Image.fromarray(a.transpose(1, 2, 0))))
    np.testing.assert_array_equal(pil, exp.transpose(1, 2, 0))


def test_flips():
    img = rgb()
    a = np.asarray(img)
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(1.0)(img)), a[:, ::-1])
    np.testing.assert_array_equal(np.asarray(T.RandomVerticalFlip(1.0)(img)), a[::-1])
    t = T.PILToTensor()(img)
    np.testing.assert_array_equal(npv(T.RandomHorizontalFlip(1.0)(t)), a[:, ::-1].transpose(2, 0, 1))
    np.testing.assert_array_equal(npv(T.RandomVerticalFlip(1.0)(t)), a[::-1].transpose(2, 0, 1))
    assert T.RandomHorizontalFlip(0.0)(img) is img


def test_flip_consumes_one_rand():
    torchjax.manual_seed(5)
    decisions = [T.RandomHorizontalFlip(0.5)(tj(np.arange(2.0).reshape(1, 1, 2))).tolist()[0][0][0] == 1.0
                 for _ in range(20)]
    torchjax.manual_seed(5)
    expected = [torchjax.rand(1).item() < 0.5 for _ in range(20)]
    assert decisions == expected


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
@pytest.mark.parametrize("padding", [2, (1, 3), (1, 2, 3, 0)])
def test_pad_matches_numpy(mode, padding):
    a = RNG.integers(0, 256, (5, 6, 3), dtype=np.uint8)
    if isinstance(padding, int):
        l = t = r = b = padding
    elif len(padding) == 2:
        l = r = padding[0]
        t = b = padding[1]
    else:
        l, t, r, b = padding
    kw = dict(constant_values=7) if mode == "constant" else {}
    exp = np.pad(a, ((t, b), (l, r), (0, 0)), mode=mode, **kw)
    fill = 7 if mode == "constant" else 0
    np.testing.assert_array_equal(np.asarray(T.Pad(padding, fill, mode)(Image.fromarray(a))), exp)
    np.testing.assert_array_equal(npv(T.Pad(padding, fill, mode)(tj(a.transpose(2, 0, 1)))), exp.transpose(2, 0, 1))


def test_pad_tensor_matches_torch_pad():
    x = RNG.random((2, 3, 5, 6)).astype(np.float32)
    for mode, tmode in (("reflect", "reflect"), ("edge", "replicate")):
        out = F.pad(tj(x), [1, 2, 3, 1], padding_mode=mode)
        exp = torch.nn.functional.pad(torch.from_numpy(x), (1, 3, 2, 1), mode=tmode)
        np.testing.assert_array_equal(npv(out), exp.numpy())


def test_random_crop_replays_randint_draws():
    img = rgb(12, 15)
    torchjax.manual_seed(3)
    out = T.RandomCrop((5, 7))(img)
    torchjax.manual_seed(3)
    i = torchjax.randint(0, 12 - 5 + 1, size=(1,)).item()
    j = torchjax.randint(0, 15 - 7 + 1, size=(1,)).item()
    np.testing.assert_array_equal(np.asarray(out), np.asarray(img)[i:i + 5, j:j + 7])


def test_random_crop_padding_and_pad_if_needed():
    a = RNG.integers(1, 256, (3, 4, 5), dtype=np.uint8)
    torchjax.manual_seed(0)
    out = npv(T.RandomCrop((4, 5), padding=2)(tj(a)))
    torchjax.manual_seed(0)
    i = torchjax.randint(0, 8 - 4 + 1, size=(1,)).item()
    j = torchjax.randint(0, 9 - 5 + 1, size=(1,)).item()
    np.testing.assert_array_equal(out, np.pad(a, ((0, 0), (2, 2), (2, 2)))[:, i:i + 4, j:j + 5])
    torchjax.manual_seed(1)
    grown = npv(T.RandomCrop((6, 8), pad_if_needed=True)(tj(a)))
    padded = np.pad(a, ((0, 0), (2, 2), (3, 3)))  # both sides padded by the missing amount, as torchvision does
    torchjax.manual_seed(1)
    i = torchjax.randint(0, 8 - 6 + 1, size=(1,)).item()
    j = torchjax.randint(0, 11 - 8 + 1, size=(1,)).item()
    np.testing.assert_array_equal(grown, padded[:, i:i + 6, j:j + 8])
    with pytest.raises(ValueError, match=r"Required crop size \(6, 8\) is larger than input image size \(4, 5\)"):
        T.RandomCrop((6, 8))(tj(a))


def test_random_resized_crop_params_and_output():
    img = rgb(20, 24)
    torchjax.manual_seed(11)
    out = T.RandomResizedCrop((8, 9))(img)
    torchjax.manual_seed(11)
    area, log_r = 20 * 24, (math.log(3 / 4), math.log(4 / 3))
    while True:  # torchvision's sampling loop, replayed
        target = area * torchjax.empty(1).uniform_(0.08, 1.0).item()
        ar = math.exp(torchjax.empty(1).uniform_(*log_r).item())
        w, h = int(round(math.sqrt(target * ar))), int(round(math.sqrt(target / ar)))
        if 0 < w <= 24 and 0 < h <= 20:
            i = torchjax.randint(0, 20 - h + 1, size=(1,)).item()
            j = torchjax.randint(0, 24 - w + 1, size=(1,)).item()
            break
    exp = img.crop((j, i, j + w, i + h)).resize((9, 8), Image.BILINEAR)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(exp))


def test_random_resized_crop_fallback_is_center_crop():
    img = rgb(10, 40)  # ratio 4.0 is outside (3/4, 4/3): after 10 failed draws, a centred crop of ratio 4/3
    torchjax.manual_seed(0)
    i, j, h, w = T.RandomResizedCrop.get_params(img, scale=(2.0, 3.0), ratio=(3 / 4, 4 / 3))
    assert (h, w) == (10, int(round(10 * 4 / 3))) and (i, j) == (0, (40 - w) // 2)


def test_five_and_ten_crop():
    a = np.asarray(rgb(6, 8))
    img = Image.fromarray(a)
    tl, tr, bl, br, c = T.FiveCrop((2, 3))(img)
    np.testing.assert_array_equal(np.asarray(tl), a[:2, :3])
    np.testing.assert_array_equal(np.asarray(br), a[-2:, -3:])
    np.testing.assert_array_equal(np.asarray(c), a[2:4, 2:5])
    ten = T.TenCrop((2, 3))(img)
    np.testing.assert_array_equal(np.asarray(ten[5]), a[:, ::-1][:2, :3])


# ---- rotation ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("hw", [(6, 6), (7, 7)])
def test_rotate_tensor_90_degrees_is_rot90(hw):
    a = RNG.integers(0, 256, (3,) + hw, dtype=np.uint8)
    out = npv(F.rotate(tj(a), 90.0))
    np.testing.assert_array_equal(out, np.rot90(a, 1, axes=(1, 2)))  # counter-clockwise


def test_rotate_tensor_nearest_matches_inverse_mapping_formula():
    a = RNG.random((1, 9, 12)).astype(np.float32)
    angle = 23.0
    out = npv(F.rotate(tj(a), angle))[0]
    h, w = a.shape[1:]
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    exp = np.zeros((h, w), np.float32)
    for y in range(h):
        for x in range(w):
            # output pixel centre relative to the image centre, rotated back into the input
            u, v = x + 0.5 - w / 2, y + 0.5 - h / 2
            sx = cos * u - sin * v + w / 2 - 0.5
            sy = sin * u + cos * v + h / 2 - 0.5
            ix, iy = int(np.rint(sx)), int(np.rint(sy))
            if 0 <= ix < w and 0 <= iy < h:
                exp[y, x] = a[0, iy, ix]
    mismatch = np.argwhere(out != exp)
    assert len(mismatch) <= 2, mismatch  # pixels whose source lies exactly between two pixels may round either way


def test_rotate_fill_and_expand():
    a = np.ones((3, 4, 6), np.float32)
    out = npv(F.rotate(tj(a), 45.0, fill=[0.5, 0.25, 0.0]))
    assert out[0, 0, 0] == 0.5 and out[1, 0, 0] == 0.25 and out[0, 2, 3] == 1.0
    big = F.rotate(tj(a), 90.0, expand=True)
    assert tuple(big.shape) == (3, 6, 4)


def test_random_rotation_pil_matches_pillow_rotate():
    img = rgb(11, 14)
    torchjax.manual_seed(2)
    out = T.RandomRotation(40)(img)
    torchjax.manual_seed(2)
    angle = torchjax.empty(1).uniform_(-40.0, 40.0).item()
    np.testing.assert_array_equal(np.asarray(out), np.asarray(img.rotate(angle, Image.NEAREST, False, None,
                                                                          fillcolor=(0, 0, 0))))


def test_random_rotation_argument_errors():
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive."):
        T.RandomRotation(-3)
    with pytest.raises(ValueError, match="degrees should be a sequence of length 2."):
        T.RandomRotation([1, 2, 3])


def test_affine_identity_and_translation():
    a = RNG.random((1, 6, 7)).astype(np.float32)
    np.testing.assert_array_equal(npv(F.affine(tj(a), 0.0, [0, 0], 1.0, [0.0, 0.0])), a)
    shifted = npv(F.affine(tj(a), 0.0, [2, 1], 1.0, [0.0, 0.0]))
    np.testing.assert_array_equal(shifted[:, 1:, 2:], a[:, :-1, :-2])
    assert (shifted[:, 0, :] == 0).all() and (shifted[:, :, :2] == 0).all()


# ---- colour ------------------------------------------------------------------------------------------------------

def test_grayscale_tensor_formula_and_pil_luma():
    img = rgb()
    a = np.asarray(img).astype(np.float32)
    g = npv(T.Grayscale()(T.ToTensor()(img)))[0]
    x = a / np.float32(255)
    np.testing.assert_allclose(g, 0.2989 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2], rtol=1e-6)
    g3 = T.Grayscale(3)(img)
    assert g3.mode == "RGB"
    luma = (a[..., 0] * 299 + a[..., 1] * 587 + a[..., 2] * 114) / 1000  # ITU-R 601-2, as Pillow's "L"
    assert np.abs(np.asarray(g3)[..., 1].astype(np.float32) - luma).max() <= 1.0
    u8 = npv(T.Grayscale()(T.PILToTensor()(img)))[0]
    np.testing.assert_array_equal(u8, np.trunc(0.2989 * a[..., 0] + 0.587 * a[..., 1]
                                               + 0.114 * a[..., 2]).astype(np.uint8))


def test_adjust_brightness_contrast_saturation_tensor_formulas():
    x = RNG.random((3, 5, 6)).astype(np.float32)
    t = tj(x)
    np.testing.assert_allclose(npv(F.adjust_brightness(t, 1.7)), np.clip(1.7 * x, 0, 1), rtol=1e-6)
    gray = (0.2989 * x[0] + 0.587 * x[1] + 0.114 * x[2]).astype(np.float32)
    np.testing.assert_allclose(npv(F.adjust_contrast(t, 0.4)), np.clip(0.4 * x + 0.6 * gray.mean(), 0, 1),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(npv(F.adjust_saturation(t, 1.3)), np.clip(1.3 * x - 0.3 * gray[None], 0, 1),
                               rtol=1e-5, atol=1e-6)


def test_adjust_hue_tensor_matches_colorsys():
    x = RNG.random((3, 4, 5)).astype(np.float32)
    out = npv(F.adjust_hue(tj(x), 0.2))
    exp = np.zeros_like(x)
    for i in range(4):
        for j in range(5):
            h, s, v = colorsys.rgb_to_hsv(*x[:, i, j])
            exp[:, i, j] = colorsys.hsv_to_rgb((h + 0.2) % 1.0, s, v)
    np.testing.assert_allclose(out, exp, atol=2e-6)


def test_pil_color_adjustments_are_pillows_enhancers():
    img = rgb()
    np.testing.assert_array_equal(np.asarray(F.adjust_brightness(img, 1.4)),
                                  np.asarray(ImageEnhance.Brightness(img).enhance(1.4)))
    np.testing.assert_array_equal(np.asarray(F.adjust_contrast(img, 0.6)),
                                  np.asarray(ImageEnhance.Contrast(img).enhance(0.6)))
    np.testing.assert_array_equal(np.asarray(F.adjust_saturation(img, 0.3)),
                                  np.asarray(ImageEnhance.Color(img).enhance(0.3)))


def test_pil_hue_rotates_hsv_hue_channel():
    img = rgb()
    out = F.adjust_hue(img, -0.25)
    hsv0 = np.asarray(img.convert("HSV")).astype(np.int64)
    h1 = np.asarray(out.convert("HSV"))[..., 0].astype(np.int64)
    shift = (h1 - hsv0[..., 0]) % 256
    vivid = (hsv0[..., 1] > 60) & (hsv0[..., 2] > 60)  # hue is well defined; HSV->RGB->HSV is off by <= 2
    expected = (256 - 63) % 256  # int(-0.25 * 255) = -63, modulo 256
    assert np.abs((shift[vivid] - expected + 128) % 256 - 128).max() <= 2
    assert F.adjust_hue(gray(), 0.3).mode == "L"


def test_color_jitter_draws_in_torchvision_order():
    img = rgb()
    torchjax.manual_seed(7)
    out = T.ColorJitter(brightness=0.5, contrast=0.4, saturation=0.3, hue=0.1)(img)
    torchjax.manual_seed(7)
    order = torchjax.randperm(4).tolist()
    b = torchjax.empty(1).uniform_(0.5, 1.5).item()
    c = torchjax.empty(1).uniform_(0.6, 1.4).item()
    s = torchjax.empty(1).uniform_(0.7, 1.3).item()
    h = torchjax.empty(1).uniform_(-0.1, 0.1).item()
    exp = img
    for k in order:
        exp = [lambda i: ImageEnhance.Brightness(i).enhance(b), lambda i: ImageEnhance.Contrast(i).enhance(c),
               lambda i: ImageEnhance.Color(i).enhance(s), lambda i: F.adjust_hue(i, h)][k](exp)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(exp))


def test_color_jitter_argument_checks():
    assert T.ColorJitter().brightness is None
    assert T.ColorJitter(brightness=2.0).brightness == (0.0, 3.0)
    with pytest.raises(ValueError, match="If brightness is a single number, it must be non negative."):
        T.ColorJitter(brightness=-1)
    with pytest.raises(ValueError, match=r"hue values should be between \(-0.5, 0.5\)"):
        T.ColorJitter(hue=0.7)
    with pytest.raises(TypeError, match="contrast should be a single number or a list/tuple with length 2."):
        T.ColorJitter(contrast=[1, 2, 3])


def test_random_grayscale_keeps_channel_count():
    torchjax.manual_seed(0)
    out = T.RandomGrayscale(p=1.0)(rgb())
    assert out.mode == "RGB"
    a = np.asarray(out)
    assert (a[..., 0] == a[..., 1]).all() and (a[..., 1] == a[..., 2]).all()


# ---- blur --------------------------------------------------------------------------------------------------------

def _torch_blur(x, k, sigma):
    half = (k - 1) * 0.5
    xs = torch.linspace(-half, half, k)
    pdf = torch.exp(-0.5 * (xs / sigma) ** 2)
    k1 = pdf / pdf.sum()
    k2 = torch.outer(k1, k1)
    c = x.shape[-3]
    weight = k2.expand(c, 1, k, k)
    padded = torch.nn.functional.pad(x[None], (k // 2,) * 4, mode="reflect")
    return torch.nn.functional.conv2d(padded, weight, groups=c)[0]


@pytest.mark.parametrize("k,sigma", [(3, 0.8), (5, 1.5), (7, 0.3)])
def test_gaussian_blur_tensor_matches_torch_conv(k, sigma):
    x = RNG.random((3, 9, 10)).astype(np.float32)
    out = npv(F.gaussian_blur(tj(x), [k, k], [sigma, sigma]))
    np.testing.assert_allclose(out, _torch_blur(torch.from_numpy(x), k, sigma).numpy(), rtol=1e-5, atol=1e-6)


def test_gaussian_blur_pil_rounds_uint8():
    img = rgb()
    out = F.gaussian_blur(img, 5, 1.2)
    x = torch.from_numpy(np.asarray(img).transpose(2, 0, 1).astype(np.float32))
    exp = torch.round(_torch_blur(x, 5, 1.2)).to(torch.uint8).permute(1, 2, 0).numpy()
    np.testing.assert_array_equal(np.asarray(out), exp)


def test_random_gaussian_blur_draws_sigma():
    x = tj(RNG.random((3, 8, 8)).astype(np.float32))
    torchjax.manual_seed(4)
    out = T.GaussianBlur(3, sigma=(0.1, 2.0))(x)
    torchjax.manual_seed(4)
    sigma = torchjax.empty(1).uniform_(0.1, 2.0).item()
    np.testing.assert_array_equal(npv(out), npv(F.gaussian_blur(x, [3, 3], [sigma, sigma])))
    with pytest.raises(ValueError, match="Kernel size value should be an odd and positive number."):
        T.GaussianBlur(4)
    with pytest.raises(ValueError, match="sigma values should be positive and of the form"):
        T.GaussianBlur(3, sigma=(2.0, 1.0))


# ---- containers and randomness -----------------------------------------------------------------------------------

def test_compose_lambda_and_repr():
    t = T.Compose([T.Lambda(lambda x: x + 1), T.Lambda(lambda x: x * 2)])
    assert t(3) == 8
    assert repr(T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])) == \
        "Compose(\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n)"
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)


def test_random_apply_uses_torch_rand():
    torchjax.manual_seed(9)
    outs = [T.RandomApply([T.Lambda(lambda x: x + 1)], p=0.5)(0) for _ in range(30)]
    torchjax.manual_seed(9)
    assert outs == [0 if 0.5 < torchjax.rand(1).item() else 1 for _ in range(30)]


def test_random_choice_and_order_use_python_random():
    ts = [T.Lambda(lambda x: x + "a"), T.Lambda(lambda x: x + "b"), T.Lambda(lambda x: x + "c")]
    random.seed(1)
    got = [T.RandomChoice(ts, p=[0.2, 0.3, 0.5])("") for _ in range(10)]
    random.seed(1)
    assert got == [random.choices("abc", weights=[0.2, 0.3, 0.5])[0] for _ in range(10)]
    random.seed(2)
    order = T.RandomOrder(ts)("")
    random.seed(2)
    idx = [0, 1, 2]
    random.shuffle(idx)
    assert order == "".join("abc"[i] for i in idx)


def test_random_erasing_replays_draws():
    x = tj(RNG.random((3, 10, 12)).astype(np.float32))
    torchjax.manual_seed(1)
    out = npv(T.RandomErasing(p=1.0, value=0.5)(x))
    erased = np.argwhere((out != npv(x)).any(0))
    assert len(erased) > 0 and np.all(out[:, erased[:, 0], erased[:, 1]] == 0.5)


def test_v2_names():
    from torchjax.vision.transforms import v2
    img = rgb()
    t = v2.Compose([v2.ToImage(), v2.ToDtype(torchjax.float32, scale=True), v2.Normalize([0.5] * 3, [0.5] * 3)])
    out = t(img)
    exp = (np.asarray(img).transpose(2, 0, 1) / np.float32(255) - 0.5) / 0.5
    np.testing.assert_allclose(npv(out), exp, rtol=1e-6, atol=1e-6)
    assert v2.RandomResizedCrop is T.RandomResizedCrop


def test_seed_snippet_002_numpy_images():
    """Seed 002: ToTensor + Normalize(mean=[0.5], std=[0.5]) on HxW float data inside a Dataset."""
    data = [RNG.random((4, 5)).astype(np.float32) for _ in range(6)]
    transform = T.Compose([T.ToTensor(), T.Normalize(mean=[0.5], std=[0.5])])
    loader = torchjax.utils.data.DataLoader([(transform(d), i) for i, d in enumerate(data)], batch_size=4)
    batches = list(loader)
    assert tuple(batches[0][0].shape) == (4, 1, 4, 5)
    np.testing.assert_allclose(npv(batches[1][0])[1, 0], (data[5] - 0.5) / 0.5, rtol=1e-6)
