"""torchvision.io (images only, through Pillow): read/decode to uint8 CHW tensors, encode/write PNG and JPEG."""
import enum
import io as _io

import numpy as np
from PIL import Image


class ImageReadMode(enum.Enum):
    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = 4


_PIL_MODES = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
              ImageReadMode.RGB_ALPHA: "RGBA"}


def _torch():
    import torchjax
    return torchjax


def _to_tensor(img, mode):
    if isinstance(mode, str):
        mode = ImageReadMode[mode.upper()]
    if mode is not ImageReadMode.UNCHANGED:
        img = img.convert(_PIL_MODES[mode])
    elif img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    a = np.array(img)
    if a.dtype == bool:
        a = a.astype(np.uint8) * 255
    if a.ndim == 2:
        a = a[:, :, None]
    return _torch().from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))


def read_file(path):
    with open(path, "rb") as f:
        return _torch().from_numpy(np.frombuffer(f.read(), dtype=np.uint8).copy())


def write_file(filename, data):
    with open(filename, "wb") as f:
        f.write(np.asarray(data._host_values(), dtype=np.uint8).tobytes())


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """A 1-D uint8 tensor of encoded bytes (or a path) -> uint8 tensor (C, H, W)."""
    if isinstance(input, str) or hasattr(input, "__fspath__"):
        return read_image(input, mode, apply_exif_orientation)
    img = Image.open(_io.BytesIO(np.asarray(input._host_values(), dtype=np.uint8).tobytes()))
    if apply_exif_orientation:
        from PIL import ImageOps
        img = ImageOps.exif_transpose(img)
    return _to_tensor(img, mode)


decode_png = decode_jpeg = decode_image


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """An image file -> uint8 tensor (C, H, W)."""
    with Image.open(path) as img:
        if apply_exif_orientation:
            from PIL import ImageOps
            img = ImageOps.exif_transpose(img)
        return _to_tensor(img, mode)


def _from_tensor(t):
    a = np.asarray(t.detach()._host_values())
    if a.dtype != np.uint8:
        raise RuntimeError(f"Input tensor dtype should be uint8, got {t.dtype}")
    if a.ndim != 3 or a.shape[0] not in (1, 3, 4):
        raise RuntimeError(f"Input tensor should have shape (C, H, W) with C in (1, 3, 4), got {tuple(a.shape)}")
    a = a.transpose(1, 2, 0)
    return Image.fromarray(a[:, :, 0] if a.shape[2] == 1 else np.ascontiguousarray(a))


def _encode(t, fmt, **kw):
    buf = _io.BytesIO()
    _from_tensor(t).save(buf, format=fmt, **kw)
    return _torch().from_numpy(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def encode_png(input, compression_level=6):
    return _encode(input, "PNG", compress_level=compression_level)


def encode_jpeg(input, quality=75):
    return _encode(input, "JPEG", quality=quality)


def write_png(input, filename, compression_level=6):
    _from_tensor(input).save(filename, format="PNG", compress_level=compression_level)


def write_jpeg(input, filename, quality=75):
    _from_tensor(input).save(filename, format="JPEG", quality=quality)


def read_video(*args, **kwargs):
    raise NotImplementedError("torchjax.vision: io.read_video is not implemented")
