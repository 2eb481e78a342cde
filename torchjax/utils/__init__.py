"""torch.utils: submodules load on first use (`torch.utils.data`, ...)."""
import importlib as _importlib


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        mod = _importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module 'torch.utils' has no attribute '{name}'") from None
    globals()[name] = mod
    return mod
