"""FakeData: random images, the same image for the same index every time."""
from .vision import VisionDataset


def _torch():
    import torchjax
    return torchjax


def _save_rng():
    """torch.get_rng_state(), or (with the placeholder generator of issue 10, which has no state bytes) a copy of
    the generator object; returns a function that restores it."""
    import copy
    torch = _torch()
    gen = torch.default_generator
    if hasattr(gen, "get_state"):
        state = torch.get_rng_state()
        return lambda: torch.set_rng_state(state)
    saved = copy.deepcopy(gen.__dict__)
    return lambda: gen.__dict__.update(saved)


class FakeData(VisionDataset):
    """``size`` samples of (PIL image from ``torch.randn(*image_size)`` seeded with ``index + random_offset``,
    int label from ``torch.randint(0, num_classes)``); the global RNG state is left as it was."""

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None, target_transform=None,
                 random_offset=0):
        super().__init__(transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index):
        torch = _torch()
        from ..transforms import ToPILImage
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        restore = _save_rng()
        torch.manual_seed(index + self.random_offset)
        img = torch.randn(*self.image_size)
        target = torch.randint(0, self.num_classes, size=(1,), dtype=torch.long)[0]
        restore()
        img = ToPILImage()(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target.item()

    def __len__(self):
        return self.size
