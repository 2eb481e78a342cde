"""Benchmark models, each written twice: against the torch API (run by torch and torchjax) and in plain JAX."""
import math
from dataclasses import dataclass
from typing import Callable

import jax
import jax.numpy as jnp
from jax import lax


@dataclass
class Spec:
    input_shape: tuple
    classes: int
    torch_model: Callable
    jax_init: Callable
    jax_apply: Callable


# ---- blitz LeNet (the seeds' CIFAR10 network) ------------------------------------------------------------------

def lenet_torch(torch):
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)
    return Net()


def _uniform(key, shape, fan_in):
    bound = 1 / math.sqrt(fan_in)
    return jax.random.uniform(key, shape, jnp.float32, -bound, bound)


def _conv_params(key, o, i, k):
    k1, k2 = jax.random.split(key)
    return {"w": _uniform(k1, (o, i, k, k), i * k * k), "b": _uniform(k2, (o,), i * k * k)}


def _dense_params(key, i, o):
    k1, k2 = jax.random.split(key)
    return {"w": _uniform(k1, (i, o), i), "b": _uniform(k2, (o,), i)}


def _conv(p, x, stride=1, padding=0):
    y = lax.conv_general_dilated(x, p["w"], (stride, stride), [(padding, padding)] * 2,
                                 dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return y + p["b"][None, :, None, None] if "b" in p else y


def _maxpool(x, k=2, s=2, pad=0):
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, k, k), (1, 1, s, s),
                             [(0, 0), (0, 0), (pad, pad), (pad, pad)])


def lenet_init(key):
    ks = jax.random.split(key, 5)
    return {"conv1": _conv_params(ks[0], 6, 3, 5), "conv2": _conv_params(ks[1], 16, 6, 5),
            "fc1": _dense_params(ks[2], 400, 120), "fc2": _dense_params(ks[3], 120, 84),
            "fc3": _dense_params(ks[4], 84, 10)}


def lenet_apply(p, x):
    x = _maxpool(jax.nn.relu(_conv(p["conv1"], x)))
    x = _maxpool(jax.nn.relu(_conv(p["conv2"], x)))
    x = x.reshape(x.shape[0], -1)
    x = jax.nn.relu(x @ p["fc1"]["w"] + p["fc1"]["b"])
    x = jax.nn.relu(x @ p["fc2"]["w"] + p["fc2"]["b"])
    return x @ p["fc3"]["w"] + p["fc3"]["b"]


# ---- MLP 784-1024-1024-10 --------------------------------------------------------------------------------------

def mlp_torch(torch):
    nn = torch.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                         nn.Linear(1024, 10))


def mlp_init(key):
    ks = jax.random.split(key, 3)
    return [_dense_params(ks[0], 784, 1024), _dense_params(ks[1], 1024, 1024), _dense_params(ks[2], 1024, 10)]


def mlp_apply(p, x):
    x = x.reshape(x.shape[0], -1)
    x = jax.nn.relu(x @ p[0]["w"] + p[0]["b"])
    x = jax.nn.relu(x @ p[1]["w"] + p[1]["b"])
    return x @ p[2]["w"] + p[2]["b"]


# ---- ResNet-18 (torchvision's architecture, 3x64x64 inputs) ------------------------------------------------------

def resnet18_torch(torch):
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += identity
            return self.relu(out)

    class ResNet18(nn.Module):
        def __init__(self, classes=10):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            layers, cin = [], 64
            for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
                layers.append(nn.Sequential(Block(cin, cout, stride), Block(cout, cout, 1)))
                cin = cout
            self.layer1, self.layer2, self.layer3, self.layer4 = layers
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))
    return ResNet18()


def _bn_init(c):
    return {"g": jnp.ones(c), "b": jnp.zeros(c)}


def _bn(p, x, eps=1e-5):
    m = x.mean((0, 2, 3), keepdims=True)
    v = x.var((0, 2, 3), keepdims=True)
    return (x - m) * lax.rsqrt(v + eps) * p["g"][None, :, None, None] + p["b"][None, :, None, None]


_STAGES = [(64, 1), (128, 2), (256, 2), (512, 2)]


def resnet18_init(key):
    keys = iter(jax.random.split(key, 64))

    def conv(o, i, k):
        return {"w": _uniform(next(keys), (o, i, k, k), i * k * k)}

    p = {"conv1": conv(64, 3, 7), "bn1": _bn_init(64), "layers": []}
    cin = 64
    for cout, stride in _STAGES:
        blocks = []
        for s in (stride, 1):
            b = {"conv1": conv(cout, cin, 3), "bn1": _bn_init(cout), "conv2": conv(cout, cout, 3),
                 "bn2": _bn_init(cout)}
            if s != 1 or cin != cout:
                b["down"] = conv(cout, cin, 1)
                b["down_bn"] = _bn_init(cout)
            blocks.append(b)
            cin = cout
        p["layers"].append(blocks)
    p["fc"] = _dense_params(next(keys), 512, 10)
    return p


def resnet18_apply(p, x):
    x = jax.nn.relu(_bn(p["bn1"], _conv(p["conv1"], x, 2, 3)))
    x = _maxpool(x, 3, 2, 1)
    for (_, stride), blocks in zip(_STAGES, p["layers"]):
        for i, b in enumerate(blocks):
            s = stride if i == 0 else 1
            identity = _bn(b["down_bn"], _conv(b["down"], x, s)) if "down" in b else x
            out = jax.nn.relu(_bn(b["bn1"], _conv(b["conv1"], x, s, 1)))
            out = _bn(b["bn2"], _conv(b["conv2"], out, 1, 1))
            x = jax.nn.relu(out + identity)
    x = x.mean((2, 3))
    return x @ p["fc"]["w"] + p["fc"]["b"]


MODELS = {
    "lenet": Spec((3, 32, 32), 10, lenet_torch, lenet_init, lenet_apply),
    "mlp": Spec((1, 28, 28), 10, mlp_torch, mlp_init, mlp_apply),
    "resnet18": Spec((3, 64, 64), 10, resnet18_torch, resnet18_init, resnet18_apply),
}
