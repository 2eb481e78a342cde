"""torchvision.transforms.v2: the v1 transforms under their v2 names, plus ToImage, ToDtype, ToPureTensor.

Only plain images (PIL or tensors) are supported: no tv_tensors (bounding boxes, masks) dispatch."""
from ..transforms import (CenterCrop, ColorJitter, Compose, ConvertImageDtype, ElasticTransform,  # noqa: F401
                          FiveCrop, GaussianBlur, Grayscale, InterpolationMode, Lambda, LinearTransformation,
                          Normalize, Pad, PILToTensor, RandomAdjustSharpness, RandomAffine, RandomApply,
                          RandomAutocontrast, RandomChoice, RandomCrop, RandomEqualize, RandomErasing,
                          RandomGrayscale, RandomHorizontalFlip, RandomInvert, RandomOrder, RandomPerspective,
                          RandomPosterize, RandomResizedCrop, RandomRotation, RandomSolarize, RandomVerticalFlip,
                          Resize, TenCrop, ToPILImage, ToTensor, _Transform)
from .. import functional  # noqa: F401
from .. import functional as _F

Transform = _Transform


class ToImage(_Transform):
    """PIL image or HxWxC ndarray -> CxHxW tensor of the same dtype (no scaling); tensors pass through."""

    def forward(self, inpt):
        import numpy as np
        from ..functional import _is_tensor
        if _is_tensor(inpt):
            return inpt
        if isinstance(inpt, np.ndarray):
            import torchjax
            arr = inpt[:, :, None] if inpt.ndim == 2 else inpt
            return torchjax.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))
        return _F.pil_to_tensor(inpt)

    def __repr__(self):
        return "ToImage()"


class ToDtype(_Transform):
    """Cast to `dtype`; with ``scale=True`` rescale values between integer and float ranges like
    ConvertImageDtype."""

    def __init__(self, dtype, scale=False):
        super().__init__()
        if isinstance(dtype, dict):
            raise NotImplementedError("torchjax.vision: ToDtype with a per-type dtype dict is not implemented")
        self.dtype = dtype
        self.scale = scale

    def forward(self, inpt):
        if self.scale:
            return _F.convert_image_dtype(inpt, self.dtype)
        return inpt.to(self.dtype)

    def __repr__(self):
        return f"ToDtype(dtype={self.dtype}, scale={self.scale})"


class ToPureTensor(_Transform):
    def forward(self, inpt):
        return inpt


class Identity(_Transform):
    def forward(self, inpt):
        return inpt
