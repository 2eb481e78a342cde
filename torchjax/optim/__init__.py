""":mod:`torch.optim`: optimizers and learning-rate schedulers.

Every built-in optimizer's `step()` updates all its parameters in one jitted XLA call (see `_fused.py`);
`from_optax(tx, params)` wraps any optax GradientTransformation as an Optimizer.
"""
from . import lr_scheduler, swa_utils  # noqa: F401
from ._adafactor import Adafactor  # noqa: F401
from .adadelta import Adadelta  # noqa: F401
from .adagrad import Adagrad  # noqa: F401
from .adam import Adam  # noqa: F401
from .adamax import Adamax  # noqa: F401
from .adamw import AdamW  # noqa: F401
from .asgd import ASGD  # noqa: F401
from .lbfgs import LBFGS  # noqa: F401
from .nadam import NAdam  # noqa: F401
from .optimizer import Optimizer  # noqa: F401
from .radam import RAdam  # noqa: F401
from .rmsprop import RMSprop  # noqa: F401
from .rprop import Rprop  # noqa: F401
from .sgd import SGD  # noqa: F401
from .sparse_adam import SparseAdam  # noqa: F401
from ._optax import from_optax  # noqa: F401


class Muon(Optimizer):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("torchjax: torch.optim.Muon is not implemented")


def swap_in_optimizer_params_and_state(*args, **kwargs):
    raise NotImplementedError("torchjax: torch.optim.swap_in_optimizer_params_and_state is not implemented")


# torch.optim deletes its submodule names (torch.optim.adam.adam stays reachable through an import)
del adadelta, adagrad, adam, adamax, adamw, asgd, lbfgs, nadam, optimizer, radam, rmsprop, rprop, sgd  # noqa: F821
del sparse_adam  # noqa: F821

__all__ = ["Adafactor", "Adadelta", "Adagrad", "Adam", "Adamax", "AdamW", "ASGD", "LBFGS", "lr_scheduler", "Muon",
           "NAdam", "Optimizer", "RAdam", "RMSprop", "Rprop", "SGD", "SparseAdam",
           "swap_in_optimizer_params_and_state", "swa_utils", "from_optax"]
