"""torch.ao: quantization (dynamic int8 / float16 quantization of Linear layers; see ao/quantization)."""
import importlib as _importlib


def __getattr__(name):
    if name in ("quantization", "nn"):
        mod = _importlib.import_module(f"{__name__}.{name}")
        globals()[name] = mod
        return mod
    raise AttributeError(f"module 'torch.ao' has no attribute '{name}'")
