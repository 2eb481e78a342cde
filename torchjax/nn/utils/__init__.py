"""torch.nn.utils."""
from . import parametrizations, parametrize, rnn, stateless  # noqa: F401
from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_,  # noqa: F401
                        get_total_norm)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights  # noqa: F401
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401
from .weight_norm import remove_weight_norm, weight_norm  # noqa: F401


def skip_init(module_cls, *args, **kwargs):
    """Construct a module without running its initialisers (parameters hold uninitialised memory, as in torch)."""
    if "device" not in __import__("inspect").signature(module_cls).parameters:
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


def convert_conv2d_weight_memory_format(module, memory_format):
    return module


def convert_conv3d_weight_memory_format(module, memory_format):
    return module
