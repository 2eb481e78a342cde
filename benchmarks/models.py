"""Benchmark models, each written twice: against the torch API (run by torch and torchjax) and in plain JAX."""
import math
from dataclasses import dataclass
from typing import Callable

import jax
import numpy as np
import jax.numpy as jnp
from jax import lax


@dataclass
class Spec:
    input_shape: tuple
    classes: int
    torch_model: Callable
    jax_init: Callable
    jax_apply: Callable
    input_kind: str = "image"

    def make_input(self, rng, batch):
        if self.input_kind == "tokens":
            return rng.integers(0, self.classes, (batch,) + self.input_shape)
        return rng.standard_normal((batch,) + self.input_shape).astype(np.float32)

    def make_target(self, rng, batch):
        if self.input_kind == "tokens":  # next-token targets, flattened as the logits are
            return rng.integers(0, self.classes, batch * int(np.prod(self.input_shape)))
        return rng.integers(0, self.classes, batch)


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
    return {"g": jnp.ones(c, jnp.float32), "b": jnp.zeros(c, jnp.float32)}


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


# ---- a small GPT (decoder-only transformer: 4 layers, d=128, 4 heads, context 64, byte vocabulary) -----------------

GPT = dict(vocab=256, ctx=64, d=128, heads=4, layers=4)


def gpt_torch(torch):
    nn, F = torch.nn, torch.nn.functional
    c = GPT

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = nn.LayerNorm(c["d"])
            self.qkv = nn.Linear(c["d"], 3 * c["d"])
            self.proj = nn.Linear(c["d"], c["d"])
            self.ln2 = nn.LayerNorm(c["d"])
            self.fc = nn.Linear(c["d"], 4 * c["d"])
            self.out = nn.Linear(4 * c["d"], c["d"])

        def forward(self, x):
            B, T, D = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(D, dim=2)
            q, k, v = (t.view(B, T, c["heads"], D // c["heads"]).transpose(1, 2) for t in (q, k, v))
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(a.transpose(1, 2).reshape(B, T, D))
            return x + self.out(F.gelu(self.fc(self.ln2(x))))

    class Gpt(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(c["vocab"], c["d"])
            self.pos = nn.Embedding(c["ctx"], c["d"])
            self.blocks = nn.Sequential(*[Block() for _ in range(c["layers"])])
            self.ln = nn.LayerNorm(c["d"])
            self.head = nn.Linear(c["d"], c["vocab"], bias=False)

        def forward(self, idx):
            T = idx.shape[1]
            x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))
            return self.head(self.ln(self.blocks(x))).view(-1, c["vocab"])
    return Gpt()


def _ln(p, x, eps=1e-5):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) * lax.rsqrt(v + eps) * p["g"] + p["b"]


def gpt_init(key):
    c = GPT
    keys = iter(jax.random.split(key, 8 * c["layers"] + 4))
    d = c["d"]
    ln = lambda: {"g": jnp.ones(d, jnp.float32), "b": jnp.zeros(d, jnp.float32)}  # noqa: E731
    p = {"tok": jax.random.normal(next(keys), (c["vocab"], d), jnp.float32),
         "pos": jax.random.normal(next(keys), (c["ctx"], d), jnp.float32),
         "ln": ln(), "head": _uniform(next(keys), (d, c["vocab"]), d), "blocks": []}
    for _ in range(c["layers"]):
        p["blocks"].append({"ln1": ln(), "qkv": _dense_params(next(keys), d, 3 * d),
                            "proj": _dense_params(next(keys), d, d), "ln2": ln(),
                            "fc": _dense_params(next(keys), d, 4 * d), "out": _dense_params(next(keys), 4 * d, d)})
    return p


def gpt_apply(p, idx):
    c = GPT
    B, T = idx.shape
    D, H = c["d"], c["heads"]
    x = p["tok"][idx] + p["pos"][:T]
    mask = jnp.tril(jnp.ones((T, T), bool))
    for b in p["blocks"]:
        h = _ln(b["ln1"], x) @ b["qkv"]["w"] + b["qkv"]["b"]
        q, k, v = (t.reshape(B, T, H, D // H).transpose(0, 2, 1, 3) for t in jnp.split(h, 3, axis=-1))
        s = jnp.where(mask, (q @ k.transpose(0, 1, 3, 2)) / math.sqrt(D // H), -jnp.inf)
        a = jax.nn.softmax(s, axis=-1) @ v
        x = x + a.transpose(0, 2, 1, 3).reshape(B, T, D) @ b["proj"]["w"] + b["proj"]["b"]
        h = jax.nn.gelu(_ln(b["ln2"], x) @ b["fc"]["w"] + b["fc"]["b"], approximate=False)
        x = x + h @ b["out"]["w"] + b["out"]["b"]
    return (_ln(p["ln"], x) @ p["head"]).reshape(-1, c["vocab"])


MODELS = {
    "lenet": Spec((3, 32, 32), 10, lenet_torch, lenet_init, lenet_apply),
    "mlp": Spec((1, 28, 28), 10, mlp_torch, mlp_init, mlp_apply),
    "resnet18": Spec((3, 64, 64), 10, resnet18_torch, resnet18_init, resnet18_apply),
    "gpt": Spec((GPT["ctx"],), GPT["vocab"], gpt_torch, gpt_init, gpt_apply, "tokens"),
}
