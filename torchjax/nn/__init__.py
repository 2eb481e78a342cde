"""torch.nn: modules, parameters, functional, init, utils."""
import importlib as _importlib

from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules.module import Module  # noqa: F401
from . import functional, init, parameter  # noqa: F401
from . import modules  # noqa: F401

# `from .modules import *` binds the name `utils` to torch.nn.modules.utils; torch.nn.utils is the package
utils = _importlib.import_module(".utils", __name__)
