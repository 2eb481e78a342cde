"""torchvision.ops is not implemented in torchjax.vision (models use their own blocks)."""


def __getattr__(name):
    raise NotImplementedError(f"torchjax.vision: ops.{name} is not implemented")
