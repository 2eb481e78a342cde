"""torchvision.datasets: MNIST family, CIFAR, image folders, FakeData."""
from .cifar import CIFAR10, CIFAR100  # noqa: F401
from .fakedata import FakeData  # noqa: F401
from .folder import DatasetFolder, ImageFolder  # noqa: F401
from .mnist import FashionMNIST, KMNIST, MNIST  # noqa: F401
from .vision import StandardTransform, VisionDataset  # noqa: F401

__all__ = ["CIFAR10", "CIFAR100", "DatasetFolder", "FakeData", "FashionMNIST", "ImageFolder", "KMNIST", "MNIST",
           "VisionDataset"]
_MISSING = {"ImageNet", "CocoDetection", "CocoCaptions", "SVHN", "STL10", "VOCDetection", "VOCSegmentation",
            "CelebA", "EMNIST", "QMNIST", "Omniglot", "LSUN", "Cityscapes", "Flowers102", "OxfordIIITPet",
            "Food101", "Caltech101", "Caltech256", "Places365", "Kinetics", "UCF101", "HMDB51"}


def __getattr__(name):
    if name in _MISSING:
        raise NotImplementedError(f"torchjax.vision: datasets.{name} is not implemented (available: "
                                  f"{', '.join(__all__)})")
    raise AttributeError(f"module 'torchvision.datasets' has no attribute '{name}'")
