"""torchvision.utils: make_grid and save_image."""
import math
import pathlib

import numpy as np
from PIL import Image


def _torch():
    import torchjax
    return torchjax


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """Tile a batch (B, C, H, W) (or a list of CxHxW tensors) into one image, ``nrow`` images per row, separated by
    ``padding`` pixels of ``pad_value``; 1-channel images become 3-channel. ``normalize`` rescales to [0, 1] by
    ``value_range`` or the min/max (per image with ``scale_each``)."""
    torch = _torch()
    if not isinstance(tensor, torch.Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, torch.Tensor):
                    raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if isinstance(tensor, list):
        tensor = torch.stack(tensor, dim=0)
    dtype, device = tensor.dtype, tensor.device
    a = np.asarray(tensor.detach()._host_values())
    if a.ndim == 2:
        a = a[None]
    if a.ndim == 3:
        if a.shape[0] == 1:
            a = np.concatenate((a, a, a), 0)
        a = a[None]
    if a.ndim == 4 and a.shape[1] == 1:
        a = np.concatenate((a, a, a), 1)
    if normalize is True:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        a = a.copy()

        def norm(x, lo, hi):
            t = x.dtype.type
            np.clip(x, t(lo), t(hi), out=x)
            x -= t(lo)
            x /= t(max(hi - lo, 1e-5))

        def norm_range(x):
            if value_range is not None:
                norm(x, value_range[0], value_range[1])
            else:
                norm(x, float(x.min()), float(x.max()))

        if scale_each is True:
            for img in a:
                norm_range(img)
        else:
            norm_range(a)
    if a.shape[0] == 1:
        out = a[0]
    else:
        nmaps = a.shape[0]
        xmaps = min(nrow, nmaps)
        ymaps = int(math.ceil(float(nmaps) / xmaps))
        height, width = int(a.shape[2] + padding), int(a.shape[3] + padding)
        out = np.full((a.shape[1], height * ymaps + padding, width * xmaps + padding), pad_value).astype(a.dtype)
        k = 0
        for y in range(ymaps):
            for x in range(xmaps):
                if k >= nmaps:
                    break
                top, left = y * height + padding, x * width + padding
                out[:, top:top + height - padding, left:left + width - padding] = a[k]
                k += 1
    t = torch.from_numpy(np.ascontiguousarray(out))
    if t.dtype != dtype:
        t = t.to(dtype)
    return t if device.type == "cpu" else t.to(device)


def save_image(tensor, fp, format=None, **kwargs):
    """make_grid(tensor, **kwargs), scaled by 255 and rounded to uint8, saved with Pillow."""
    grid = make_grid(tensor, **kwargs)
    a = np.asarray(grid.detach().float()._host_values()) if grid.dtype.is_floating_point else \
        np.asarray(grid.detach()._host_values()).astype(np.float32)
    a = np.clip(a * np.float32(255) + np.float32(0.5), 0, 255)
    ndarr = np.ascontiguousarray(a.transpose(1, 2, 0)).astype(np.uint8)
    if isinstance(fp, pathlib.Path):
        fp = str(fp)
    Image.fromarray(ndarr).save(fp, format=format)


def draw_bounding_boxes(*args, **kwargs):
    raise NotImplementedError("torchjax.vision: utils.draw_bounding_boxes is not implemented")


def draw_segmentation_masks(*args, **kwargs):
    raise NotImplementedError("torchjax.vision: utils.draw_segmentation_masks is not implemented")
