"""torchvision's model layouts as (state_dict key, shape) lists, written from the architecture definitions (the
spec), with torchvision's published parameter counts."""


def bn(prefix, c):
    return [(f"{prefix}.weight", (c,)), (f"{prefix}.bias", (c,)), (f"{prefix}.running_mean", (c,)),
            (f"{prefix}.running_var", (c,)), (f"{prefix}.num_batches_tracked", ())]


def resnet_spec(layers, bottleneck):
    """conv1/bn1, four stages of blocks (BasicBlock: two 3x3 convs; Bottleneck: 1x1, 3x3, 1x1 with 4x
    expansion), a 1x1 conv + BN downsample on the first block of a stage whose shape changes, then fc."""
    keys = [("conv1.weight", (64, 3, 7, 7))] + bn("bn1", 64)
    inplanes = 64
    expansion = 4 if bottleneck else 1
    for stage, (n, planes) in enumerate(zip(layers, (64, 128, 256, 512)), 1):
        for b in range(n):
            p = f"layer{stage}.{b}"
            cin = inplanes if b == 0 else planes * expansion
            if bottleneck:
                keys += [(f"{p}.conv1.weight", (planes, cin, 1, 1))] + bn(f"{p}.bn1", planes)
                keys += [(f"{p}.conv2.weight", (planes, planes, 3, 3))] + bn(f"{p}.bn2", planes)
                keys += [(f"{p}.conv3.weight", (planes * 4, planes, 1, 1))] + bn(f"{p}.bn3", planes * 4)
            else:
                keys += [(f"{p}.conv1.weight", (planes, cin, 3, 3))] + bn(f"{p}.bn1", planes)
                keys += [(f"{p}.conv2.weight", (planes, planes, 3, 3))] + bn(f"{p}.bn2", planes)
            if b == 0 and (stage > 1 or cin != planes * expansion):
                keys += [(f"{p}.downsample.0.weight", (planes * expansion, cin, 1, 1))] + \
                    bn(f"{p}.downsample.1", planes * expansion)
        inplanes = planes * expansion
    return keys + [("fc.weight", (1000, 512 * expansion)), ("fc.bias", (1000,))]


def vgg_spec(cfg):
    keys, idx, cin = [], 0, 3
    for v in cfg:
        if v == "M":
            idx += 1
        else:
            keys += [(f"features.{idx}.weight", (v, cin, 3, 3)), (f"features.{idx}.bias", (v,))]
            idx += 2  # conv, relu
            cin = v
    for i, (o, c) in zip((0, 3, 6), ((4096, 25088), (4096, 4096), (1000, 4096))):
        keys += [(f"classifier.{i}.weight", (o, c)), (f"classifier.{i}.bias", (o,))]
    return keys


VGG11 = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]
VGG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def alexnet_spec():
    convs = [(0, 64, 3, 11), (3, 192, 64, 5), (6, 384, 192, 3), (8, 256, 384, 3), (10, 256, 256, 3)]
    keys = []
    for i, o, c, k in convs:
        keys += [(f"features.{i}.weight", (o, c, k, k)), (f"features.{i}.bias", (o,))]
    for i, (o, c) in zip((1, 4, 6), ((4096, 9216), (4096, 4096), (1000, 4096))):
        keys += [(f"classifier.{i}.weight", (o, c)), (f"classifier.{i}.bias", (o,))]
    return keys


def mobilenet_v2_spec():
    """features.0: 3x3 stride-2 conv to 32 + BN; inverted residual blocks (t, c, n, s); features.18: 1x1 conv to
    1280 + BN; classifier.1: Linear. A block: [1x1 expand conv + BN (if t != 1)], 3x3 depthwise conv + BN,
    1x1 projection conv, BN."""
    keys = [("features.0.0.weight", (32, 3, 3, 3))] + bn("features.0.1", 32)
    setting = [(1, 16, 1), (6, 24, 2), (6, 32, 3), (6, 64, 4), (6, 96, 3), (6, 160, 3), (6, 320, 1)]
    cin, f = 32, 1
    for t, c, n in setting:
        for _ in range(n):
            hidden = cin * t
            p, j = f"features.{f}.conv", 0
            if t != 1:
                keys += [(f"{p}.0.0.weight", (hidden, cin, 1, 1))] + bn(f"{p}.0.1", hidden)
                j = 1
            keys += [(f"{p}.{j}.0.weight", (hidden, 1, 3, 3))] + bn(f"{p}.{j}.1", hidden)
            keys += [(f"{p}.{j + 1}.weight", (c, hidden, 1, 1))] + bn(f"{p}.{j + 2}", c)
            cin, f = c, f + 1
    keys += [(f"features.{f}.0.weight", (1280, 320, 1, 1))] + bn(f"features.{f}.1", 1280)
    return keys + [("classifier.1.weight", (1000, 1280)), ("classifier.1.bias", (1000,))]


def vit_b_16_spec():
    d, mlp = 768, 3072
    keys = [("class_token", (1, 1, d)), ("conv_proj.weight", (d, 3, 16, 16)), ("conv_proj.bias", (d,)),
            ("encoder.pos_embedding", (1, 197, d))]
    for i in range(12):
        p = f"encoder.layers.encoder_layer_{i}"
        keys += [(f"{p}.ln_1.weight", (d,)), (f"{p}.ln_1.bias", (d,)),
                 (f"{p}.self_attention.in_proj_weight", (3 * d, d)), (f"{p}.self_attention.in_proj_bias", (3 * d,)),
                 (f"{p}.self_attention.out_proj.weight", (d, d)), (f"{p}.self_attention.out_proj.bias", (d,)),
                 (f"{p}.ln_2.weight", (d,)), (f"{p}.ln_2.bias", (d,)),
                 (f"{p}.mlp.0.weight", (mlp, d)), (f"{p}.mlp.0.bias", (mlp,)),
                 (f"{p}.mlp.3.weight", (d, mlp)), (f"{p}.mlp.3.bias", (d,))]
    return keys + [("encoder.ln.weight", (d,)), ("encoder.ln.bias", (d,)), ("heads.head.weight", (1000, d)),
                   ("heads.head.bias", (1000,))]


CASES = {
    "resnet18": (lambda: resnet_spec([2, 2, 2, 2], False), 11689512),
    "resnet34": (lambda: resnet_spec([3, 4, 6, 3], False), 21797672),
    "resnet50": (lambda: resnet_spec([3, 4, 6, 3], True), 25557032),
    "vgg11": (lambda: vgg_spec(VGG11), 132863336),
    "vgg16": (lambda: vgg_spec(VGG16), 138357544),
    "alexnet": (alexnet_spec, 61100840),
    "mobilenet_v2": (mobilenet_v2_spec, 3504872),
    "vit_b_16": (vit_b_16_spec, 86567656),
}
