"""torchjax.vision: torchvision's API on torchjax (``import torchvision`` under ``python -m torchjax``).

transforms, datasets and utils load with the package; models load on first use (they need torch.nn)."""
import importlib as _importlib

from . import datasets, transforms, utils  # noqa: F401

__version__ = "0.28.0+torchjax"
_image_backend = "PIL"


def get_image_backend():
    return _image_backend


def set_image_backend(backend):
    global _image_backend
    if backend not in ("PIL", "accimage"):
        raise ValueError(f"Invalid backend '{backend}'. Options are 'PIL' and 'accimage'")
    if backend == "accimage":
        raise NotImplementedError("torchjax.vision: the accimage backend is not supported")
    _image_backend = backend


def get_video_backend():
    return "pyav"


def __getattr__(name):
    if name in ("models", "io", "ops", "tv_tensors"):
        mod = _importlib.import_module(f"{__name__}.{name}")
        globals()[name] = mod
        return mod
    raise AttributeError(f"module 'torchvision' has no attribute '{name}'")
