"""torchvision.transforms (v1 API); ``transforms.v2`` offers the same classes plus ToImage/ToDtype."""
from .transforms import *  # noqa: F401,F403
from .transforms import InterpolationMode  # noqa: F401
from . import functional  # noqa: F401
from .functional import InterpolationMode as _IM  # noqa: F401


_MISSING = {"AutoAugment", "AutoAugmentPolicy", "RandAugment", "TrivialAugmentWide", "AugMix", "Scale",
            "RandomSizedCrop"}


def __getattr__(name):
    if name in _MISSING:
        raise NotImplementedError(f"torchjax.vision: transforms.{name} is not implemented")
    if name == "v2":
        import importlib
        mod = importlib.import_module(f"{__name__}.v2")
        globals()["v2"] = mod
        return mod
    raise AttributeError(f"module 'torchvision.transforms' has no attribute '{name}'")
