"""torch.distributed on torchjax: process groups, collectives and rendezvous stores (see distributed_c10d.py and
README.md). Launch multi-process jobs with `python -m torchjax.distributed.run --nproc_per_node=N script.py`."""
from ._store import FileStore, HashStore, PrefixStore, Store, TCPStore, JaxStore  # noqa: F401
from .distributed_c10d import *  # noqa: F401,F403
from .distributed_c10d import (Backend, GroupMember, ProcessGroup, ReduceOp, Work, group,  # noqa: F401
                               is_available, _world)


def __getattr__(name):
    if name in ("run", "launch"):
        import importlib
        return importlib.import_module(f"{__name__}.run")
    raise AttributeError(f"module 'torch.distributed' has no attribute '{name}'")
