"""torch.nn: modules, parameters, functional, init, utils."""
import importlib as _importlib

from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules.module import Module  # noqa: F401
from . import common_types, functional, grad, init, parameter  # noqa: F401
from . import modules  # noqa: F401

# `from .modules import *` binds the name `utils` to torch.nn.modules.utils; torch.nn.utils is the package
utils = _importlib.import_module(".utils", __name__)
parallel = _importlib.import_module(".parallel", __name__)
DataParallel = parallel.DataParallel


def factory_kwargs(kwargs):
    """torch.nn.factory_kwargs: the device/dtype/memory_format subset of kwargs."""
    if kwargs is None:
        return {}
    simple = {"device", "dtype", "memory_format"}
    expected = simple | {"factory_kwargs"}
    if not kwargs.keys() <= expected:
        raise TypeError(f"unexpected kwargs {kwargs.keys() - expected}")
    r = dict(kwargs.get("factory_kwargs", {}))
    for k in simple:
        if k in kwargs:
            if k in r:
                raise TypeError(f"{k} specified twice, in **kwargs and in factory_kwargs")
            r[k] = kwargs[k]
    return r
