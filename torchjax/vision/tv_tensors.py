"""torchvision.tv_tensors is not implemented: transforms.v2 handles plain PIL images and tensors only."""


def __getattr__(name):
    raise NotImplementedError(f"torchjax.vision: tv_tensors.{name} is not implemented (transforms.v2 works on plain "
                              f"images and tensors)")
