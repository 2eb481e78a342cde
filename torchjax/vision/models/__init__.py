"""torchvision.models: ResNet-18/34/50, VGG-11/16, MobileNetV2, AlexNet, ViT-B/16 with torchvision's state_dict keys.

Needs torch.nn; ``weights=`` takes a weights enum member (loaded from the torch hub cache, downloaded into it if
possible), its name, or a path to a .pth file."""
try:
    from torchjax import nn as _nn
    _nn.Conv2d, _nn.BatchNorm2d, _nn.Linear  # noqa: B018 - fail early and clearly if torch.nn is incomplete
except (ImportError, AttributeError) as _e:
    raise ImportError("torchjax.vision.models needs torchjax.nn (Conv2d, BatchNorm2d, Linear, ...), which is not "
                      f"available in this build: {_e}") from _e

from ._api import Weights, WeightsEnum  # noqa: E402,F401
from .alexnet import AlexNet, AlexNet_Weights, alexnet  # noqa: E402,F401
from .mobilenetv2 import MobileNet_V2_Weights, MobileNetV2, mobilenet_v2  # noqa: E402,F401
from .resnet import (ResNet, ResNet18_Weights, ResNet34_Weights, ResNet50_Weights, resnet18,  # noqa: E402,F401
                     resnet34, resnet50)
from .vgg import (VGG, VGG11_BN_Weights, VGG11_Weights, VGG16_BN_Weights, VGG16_Weights, vgg11,  # noqa: E402,F401
                  vgg11_bn, vgg16, vgg16_bn)
from .vision_transformer import VisionTransformer, ViT_B_16_Weights, vit_b_16  # noqa: E402,F401

_BUILDERS = {"resnet18": resnet18, "resnet34": resnet34, "resnet50": resnet50, "vgg11": vgg11, "vgg11_bn": vgg11_bn,
             "vgg16": vgg16, "vgg16_bn": vgg16_bn, "mobilenet_v2": mobilenet_v2, "alexnet": alexnet,
             "vit_b_16": vit_b_16}


def list_models(module=None, include=None, exclude=None):
    return sorted(_BUILDERS)


def get_model(name, **config):
    name = name.lower()
    if name not in _BUILDERS:
        raise ValueError(f"Unknown model {name}")
    return _BUILDERS[name](**config)


def get_model_builder(name):
    return _BUILDERS[name.lower()]


def get_weight(name):
    enum_name, member = name.split(".")
    return globals()[enum_name][member]
