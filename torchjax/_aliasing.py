"""Import aliasing for `python -m torchjax`: `torch`, `torch.*` resolve to torchjax, `torchvision*` to
torchjax.vision, so an unmodified PyTorch script runs on torchjax."""
import importlib
import importlib.abc
import importlib.util
import sys

ALIASES = {"torch": "torchjax", "torchvision": "torchjax.vision"}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass


class AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        root = fullname.split(".", 1)[0]
        if root not in ALIASES:
            return None
        real = ALIASES[root] + fullname[len(root):]
        try:
            if importlib.util.find_spec(real) is None:
                return None
        except (ModuleNotFoundError, ValueError):
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(real))


def install():
    if not any(isinstance(f, AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, AliasFinder())
