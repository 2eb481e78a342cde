"""torch.nn.utils.init: skip_init."""
import inspect

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """Construct a module without running its initialisers (parameters hold uninitialised memory, as in torch)."""
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    from .. import init
    saved = {n: getattr(init, n) for n in init.__all__ if n.endswith("_")}
    try:
        for n in saved:
            setattr(init, n, lambda t, *a, **k: t)
        return module_cls(*args, **kwargs)
    finally:
        for n, f in saved.items():
            setattr(init, n, f)
