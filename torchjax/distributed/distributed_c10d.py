"""torch.distributed's process groups and collectives on torchjax.

`init_process_group` rendezvouses through env:// (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE), tcp://host:port or
file://path, or a given `store`. The default group's collectives run as XLA computations across processes when
jax.distributed was initialized for this job (see _transport.py), and through the store otherwise; a one-process
group needs neither. Collectives are synchronous; `async_op=True` returns a completed Work. The backend name
('gloo', 'nccl', ...) is recorded and reported as torch does; torchjax picks the transport itself.
"""
import datetime
import enum
import io
import os
import pickle
import urllib.parse

import numpy as np

from ._store import FileStore, HashStore, PrefixStore, Store, TCPStore, JaxStore
from ._transport import JaxTransport, LocalTransport, StoreTransport

__all__ = ["Backend", "ReduceOp", "RedOpType", "ProcessGroup", "Work", "GroupMember", "group", "init_process_group",
           "is_initialized", "destroy_process_group", "get_rank", "get_world_size", "get_backend", "new_group",
           "get_process_group_ranks", "get_global_rank", "get_group_rank", "barrier", "monitored_barrier",
           "all_reduce", "reduce", "broadcast", "all_gather", "all_gather_into_tensor", "reduce_scatter",
           "reduce_scatter_tensor", "gather", "scatter", "all_to_all", "all_to_all_single", "send", "recv", "isend",
           "irecv", "all_gather_object", "broadcast_object_list", "gather_object", "scatter_object_list",
           "is_gloo_available", "is_nccl_available", "is_mpi_available", "is_ucc_available", "is_xccl_available",
           "is_torchelastic_launched", "is_backend_available", "default_pg_timeout"]

default_pg_timeout = datetime.timedelta(minutes=30)
_NOT_INIT = "Default process group has not been initialized, please make sure to call init_process_group."


class Backend(str):
    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"
    XCCL = "xccl"
    backend_list = ["undefined", "gloo", "nccl", "ucc", "mpi", "xccl"]
    default_device_backend_map = {"cpu": "gloo", "cuda": "nccl"}

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: {type(name)}")
        value = getattr(Backend, name.upper(), Backend.UNDEFINED)
        if value == Backend.UNDEFINED:
            value = name.lower()
        return str.__new__(cls, value)


class RedOpType(enum.Enum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8
    UNUSED = 9


class ReduceOp:
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM
    UNUSED = RedOpType.UNUSED
    RedOpType = RedOpType


class Work:
    """A completed collective (torchjax runs collectives synchronously)."""

    def __init__(self, result=None):
        self._result = result

    def wait(self, timeout=None):
        return True

    def is_completed(self):
        return True

    def is_success(self):
        return True

    def result(self):
        return self._result if self._result is not None else []

    def get_future(self):
        import concurrent.futures
        f = concurrent.futures.Future()
        f.set_result(self.result())
        f.wait = f.result
        f.value = f.result
        return f

    def synchronize(self):
        pass


class ProcessGroup:
    """A group of ranks with its own transport. `rank()`/`size()` are group-relative."""

    def __init__(self, ranks, group_rank, transport, backend, name):
        self._ranks = list(ranks)
        self._rank = group_rank
        self._transport = transport
        self._backend = backend
        self.group_name = name
        self.group_desc = name
        self._p2p_seq = {}

    def rank(self):
        return self._rank

    def size(self):
        return len(self._ranks)

    def name(self):
        return self._backend

    def _get_backend_name(self):
        return self._backend

    def __repr__(self):
        return f"<torch.distributed.distributed_c10d.ProcessGroup object at {hex(id(self))}>"


class _NonMember:
    def __repr__(self):
        return "<object object>"


class _World:
    default_pg = None
    store = None
    backend = None
    rank = -1
    size = -1
    groups = {}  # ProcessGroup -> global ranks
    group_count = 0
    store_prefix = ""


_world = _World()


class _WorldMeta(type):
    @property
    def WORLD(cls):
        return _world.default_pg


class GroupMember(metaclass=_WorldMeta):
    NON_GROUP_MEMBER = _NonMember()


class group(metaclass=_WorldMeta):
    pass


def is_available():
    return True


def is_gloo_available():
    return True


def is_nccl_available():
    from .. import cuda
    return cuda.is_available()


def is_mpi_available():
    return False


def is_ucc_available():
    return False


def is_xccl_available():
    return False


def is_backend_available(backend):
    return {"gloo": True, "nccl": is_nccl_available()}.get(str(backend).lower(), False)


def is_torchelastic_launched():
    return os.getenv("TORCHELASTIC_RUN_ID") is not None


def is_initialized():
    return _world.default_pg is not None


def _default():
    if _world.default_pg is None:
        raise ValueError(_NOT_INIT)
    return _world.default_pg


def _group(g):
    if g is None or g is GroupMember.WORLD:
        return _default()
    if g is GroupMember.NON_GROUP_MEMBER:
        raise ValueError("Invalid process group specified")
    return g


# ---- rendezvous ------------------------------------------------------------------------------------------------
def _env(name, method):
    v = os.environ.get(name)
    if v is None:
        raise ValueError(f"Error initializing torch.distributed using {method} rendezvous: environment variable "
                         f"{name} expected, but not set")
    return v


def _rendezvous(init_method, rank, world_size, timeout):
    """(store, rank, world_size) for an init_method URL."""
    url = urllib.parse.urlparse(init_method)
    query = dict(urllib.parse.parse_qsl(url.query))
    if "rank" in query:
        rank = int(query["rank"])
    if "world_size" in query:
        world_size = int(query["world_size"])
    if url.scheme == "env":
        if rank < 0:
            rank = int(_env("RANK", "env://"))
        if world_size < 0:
            world_size = int(_env("WORLD_SIZE", "env://"))
        addr = _env("MASTER_ADDR", "env://")
        port = int(_env("MASTER_PORT", "env://"))
        if world_size == 1:
            return HashStore(), rank, world_size
        if _jax_ready(rank, world_size):
            return JaxStore(), rank, world_size
        return TCPStore(addr, port, world_size, rank == 0, timeout), rank, world_size
    if url.scheme == "tcp":
        if rank < 0:
            raise ValueError("Error initializing torch.distributed using tcp:// rendezvous: rank parameter missing")
        if world_size < 0:
            raise ValueError("Error initializing torch.distributed using tcp:// rendezvous: world size parameter "
                             "missing")
        if world_size == 1:
            return HashStore(), rank, world_size
        if _jax_ready(rank, world_size):
            return JaxStore(), rank, world_size
        return TCPStore(url.hostname, url.port, world_size, rank == 0, timeout), rank, world_size
    if url.scheme == "file":
        if rank < 0:
            raise ValueError("Error initializing torch.distributed using file:// rendezvous: rank parameter missing")
        if world_size < 0:
            raise ValueError("Error initializing torch.distributed using file:// rendezvous: world size parameter "
                             "missing")
        path = url.path if not url.netloc else url.netloc + url.path
        store = FileStore(path, world_size)
        store.set_timeout(timeout)
        return store, rank, world_size
    raise RuntimeError(f"No rendezvous handler for {url.scheme}://")


def _jax_ready(rank, world_size):
    """jax.distributed was initialized for this job (same process count and index)."""
    try:
        from jax._src import distributed
        st = distributed.global_state
        return st.client is not None and st.num_processes == world_size and st.process_id == rank
    except Exception:  # noqa: BLE001
        return False


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Initialize the default process group (env:// unless init_method or store is given)."""
    if _world.default_pg is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if not (store is None or init_method is None):
        raise AssertionError("Cannot specify both init_method and store.")
    if store is not None:
        if not world_size > 0:
            raise AssertionError("world_size must be positive if using store")
        if not rank >= 0:
            raise AssertionError("rank must be non-negative if using store")
    elif init_method is None:
        init_method = "env://"
    name = "gloo" if backend is None else Backend(str(backend))
    parts = [p.split(":")[-1] for p in str(name).split(",")]
    for p in parts:
        if p not in ("gloo", "nccl", "mpi", "ucc", "xccl", "undefined"):
            raise AssertionError(f"Unknown backend type {p}")
        if p == "nccl" and not is_nccl_available():
            raise RuntimeError("Distributed package doesn't have NCCL built in")
        if p in ("mpi", "ucc", "xccl"):
            raise RuntimeError(f"Distributed package doesn't have {p.upper()} built in")
    timeout = timeout or default_pg_timeout
    if store is None:
        store, rank, world_size = _rendezvous(init_method, rank, world_size, timeout)
    if not 0 <= rank < world_size:
        raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {world_size - 1}]")
    _world.store = store
    _world.rank, _world.size = rank, world_size
    _world.backend = str(name)
    transport = _make_transport(store, "default_pg", rank, world_size, world=True)
    pg = ProcessGroup(range(world_size), rank, transport, str(name), group_name or "0")
    _world.default_pg = pg
    _world.groups = {pg: list(range(world_size))}
    _world.group_count = 1
    barrier()


def _make_transport(store, prefix, group_rank, size, world=False):
    if size == 1:
        return LocalTransport()
    host = StoreTransport(PrefixStore(prefix, store), group_rank, size)
    if world and isinstance(store, JaxStore):
        return JaxTransport(group_rank, size, host)
    return host


def destroy_process_group(group=None):
    if group is None or group is GroupMember.WORLD:
        if _world.default_pg is None:
            raise AssertionError("Process group cannot be None")
        _world.default_pg = None
        _world.groups = {}
        _world.store = None
        _world.rank = _world.size = -1
        return
    _world.groups.pop(group, None)


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None):
    """A subgroup of the default group; every rank of the default group must call it, members or not."""
    pg = _default()
    ranks = sorted(range(_world.size) if ranks is None else ranks)
    for r in ranks:
        if not 0 <= r < _world.size:
            raise ValueError(f"The new group's rank should be within the world_size set by init_process_group")
    _world.group_count += 1
    gid = _world.group_count
    if _world.rank not in ranks:
        return GroupMember.NON_GROUP_MEMBER
    grank = ranks.index(_world.rank)
    transport = _make_transport(_world.store, f"group_{gid}", grank, len(ranks))
    g = ProcessGroup(ranks, grank, transport, Backend(str(backend)) if backend else pg._backend, str(gid - 1))
    _world.groups[g] = ranks
    return g


def get_process_group_ranks(group):
    return list(_group(group)._ranks)


def get_global_rank(group, group_rank):
    g = _group(group)
    if not 0 <= group_rank < g.size():
        raise ValueError(f"Group rank {group_rank} is not part of group {g}")
    return g._ranks[group_rank]


def get_group_rank(group, global_rank):
    g = _group(group)
    if global_rank not in g._ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {g}")
    return g._ranks.index(global_rank)


def get_rank(group=None):
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    if group is None or group is GroupMember.WORLD:
        return _default().rank()
    _default()
    return group.rank()


def get_world_size(group=None):
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group).size()


def get_backend(group=None):
    return _group(group)._backend


# ---- tensor plumbing -------------------------------------------------------------------------------------------
def _value(t, transport):
    """The tensor's value as the transport wants it: a jax.Array for XLA collectives, numpy for the store."""
    import jax
    if isinstance(t._value(), jax.core.Tracer):
        raise NotImplementedError("torchjax: torch.distributed collectives inside compiled code (torchjax.compile of "
                                  "a whole step, jax.jit) are not supported; compile the model's forward "
                                  "(torch.compile(model)) and let DistributedDataParallel reduce gradients eagerly")
    return t._jax() if transport.kind == "jax" else np.asarray(t._host_values())


def _assign(t, value):
    import jax
    from .._device import jax_device
    arr = jax.device_put(jax.numpy.asarray(value).astype(t._dtype.np).reshape(tuple(t.shape)), jax_device(t.device))
    t._write(arr)


def _check_tensor(t, name="tensor"):
    from .._tensor import Tensor
    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type torch.Tensor\n             "
                        f"but got {type(t)} instead.")


def _op_name(op, t):
    if isinstance(op, RedOpType):
        name = op.name
    else:
        name = str(op).rsplit(".", 1)[-1]
    if name in ("BAND", "BOR", "BXOR") and (t.is_floating_point() or t.is_complex()):
        raise RuntimeError(f"Cannot use ReduceOp.{name} with non-integral dtype")
    if name == "AVG" and not (t.is_floating_point() or t.is_complex()):
        from .._dtype import _scalar_name
        raise RuntimeError(f"result type Float can't be cast to the desired output type {_scalar_name(t.dtype)}")
    if name not in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"):
        raise NotImplementedError(f"torchjax: ReduceOp.{name} is not supported")
    return name


def _done(async_op, result=None):
    return Work(result) if async_op else None


def _member(g):
    return g is not GroupMember.NON_GROUP_MEMBER


def _src_in_group(g, src, group_src, what):
    if group_src is not None:
        return group_src
    if src is None:
        return 0
    if g is _world.default_pg:
        if not 0 <= src < g.size():
            raise RuntimeError(f"ProcessGroupGloo::{what}: invalid root rank: {src}")
        return src
    return get_group_rank(g, src)


# ---- collectives ---------------------------------------------------------------------------------------------
def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce `tensor` across the group in place (SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR)."""
    _check_tensor(tensor)
    if not _member(group):
        return None
    g = _group(group)
    name = _op_name(op, tensor)
    tr = g._transport
    if tr.kind != "local":
        _assign(tensor, tr.all_reduce_array(_value(tensor, tr), name))
    return _done(async_op, [tensor])


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduce into `tensor` on rank `dst` (other ranks keep their values)."""
    _check_tensor(tensor)
    if not _member(group):
        return None
    g = _group(group)
    root = _src_in_group(g, dst, group_dst, "reduce")
    name = _op_name(op, tensor)
    tr = g._transport
    if tr.kind != "local":
        r = tr.all_reduce_array(_value(tensor, tr), name)
        if g.rank() == root:
            _assign(tensor, r)
    return _done(async_op, [tensor])


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copy `tensor` of rank `src` into `tensor` of every rank."""
    _check_tensor(tensor)
    if not _member(group):
        return None
    g = _group(group)
    root = _src_in_group(g, src, group_src, "broadcast")
    tr = g._transport
    if tr.kind != "local":
        r = tr.broadcast_array(_value(tensor, tr), root)
        if g.rank() != root:
            _assign(tensor, r)
    return _done(async_op, [tensor])


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """tensor_list[i] = `tensor` of group rank i."""
    _check_tensor(tensor)
    if not _member(group):
        return None
    g = _group(group)
    if len(tensor_list) != g.size():
        raise RuntimeError(f"ProcessGroupGloo::allgather: invalid output tensor list at index 0 (expected length "
                           f"{g.size()}, got {len(tensor_list)})")
    tr = g._transport
    parts = tr.all_gather_array(_value(tensor, tr))
    for out, p in zip(tensor_list, parts):
        _assign(out, p)
    return _done(async_op, tensor_list)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Gather every rank's `input_tensor` into `output_tensor`, concatenated (or stacked) along dim 0."""
    _check_tensor(output_tensor, "output_tensor")
    _check_tensor(input_tensor, "input_tensor")
    if not _member(group):
        return None
    g = _group(group)
    n = g.size()
    if output_tensor.numel() != input_tensor.numel() * n:
        raise ValueError("output tensor size must be equal to world_size times input tensor size")
    want = (input_tensor.shape[0] * n,) + tuple(input_tensor.shape[1:]) if input_tensor.ndim else (n,)
    if g._backend != "nccl" and tuple(output_tensor.shape) != want:  # gloo only concatenates along dim 0
        chunk = (output_tensor.shape[0] // n,) + tuple(output_tensor.shape[1:]) if output_tensor.ndim else ()
        fmt = lambda s: "(" + ", ".join(map(str, s)) + ")"  # noqa: E731
        raise RuntimeError(f"ProcessGroupGloo::allgather: invalid tensor size at index 0 (expected "
                           f"{fmt(tuple(input_tensor.shape))}, got {fmt(chunk)})")
    tr = g._transport
    parts = tr.all_gather_array(_value(input_tensor, tr))
    import jax.numpy as jnp
    _assign(output_tensor, jnp.concatenate([jnp.ravel(jnp.asarray(p)) for p in parts]))
    return _done(async_op, [output_tensor])


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """output = reduction over ranks of input_list[my rank]."""
    _check_tensor(output, "output")
    if not _member(group):
        return None
    g = _group(group)
    if len(input_list) != g.size():
        raise ValueError(f"reduce_scatter: expected {g.size()} input tensors, got {len(input_list)}")
    name = _op_name(op, output)
    tr = g._transport
    if tr.kind == "local":
        _assign(output, _value(input_list[0], tr))
    else:
        import jax.numpy as jnp
        flat = jnp.stack([jnp.asarray(_value(t, tr)) for t in input_list]) if tr.kind == "jax" else \
            np.stack([_value(t, tr) for t in input_list])
        _assign(output, tr.all_reduce_array(flat, name)[g.rank()])
    return _done(async_op, [output])


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Like reduce_scatter with `input` split into group-size chunks along dim 0."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    if not _member(group):
        return None
    g = _group(group)
    n = g.size()
    if input.numel() != output.numel() * n:
        raise ValueError("input tensor must be the same size as output size times world size")
    return reduce_scatter(output, list(input.reshape(n, -1).unbind(0)), op, group, async_op)


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """On rank `dst`, gather_list[i] = `tensor` of group rank i."""
    _check_tensor(tensor)
    if not _member(group):
        return None
    g = _group(group)
    root = _src_in_group(g, dst, group_dst, "gather")
    tr = g._transport
    parts = tr.all_gather_array(_value(tensor, tr))
    if g.rank() == root:
        if gather_list is None or len(gather_list) != g.size():
            raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
        for out, p in zip(gather_list, parts):
            _assign(out, p)
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    return _done(async_op, gather_list or [])


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """`tensor` of group rank i = scatter_list[i] of rank `src`."""
    _check_tensor(tensor)
    if not _member(group):
        return None
    g = _group(group)
    root = _src_in_group(g, src, group_src, "scatter")
    tr = g._transport
    if g.rank() == root:
        if scatter_list is None or len(scatter_list) != g.size():
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    if tr.kind == "local":
        _assign(tensor, _value(scatter_list[0], tr))
        return _done(async_op, [tensor])
    shape = tuple(tensor.shape)
    if g.rank() == root:
        import jax.numpy as jnp
        stacked = (jnp.stack([jnp.asarray(_value(t, tr)) for t in scatter_list]) if tr.kind == "jax"
                   else np.stack([_value(t, tr) for t in scatter_list]))
    else:
        stacked = np.zeros((g.size(),) + shape, tensor._dtype.np)
        if tr.kind == "jax":
            import jax
            from .._device import jax_device
            stacked = jax.device_put(stacked, jax_device(tensor.device))
    _assign(tensor, tr.broadcast_array(stacked, root)[g.rank()])
    return _done(async_op, [tensor])


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None, async_op=False):
    """Rank i sends the i-th split of its input to every rank; outputs are concatenated in rank order."""
    g = _group(group)
    n = g.size()
    in_splits = input_split_sizes or [input.shape[0] // n] * n
    out_splits = output_split_sizes or [output.shape[0] // n] * n
    pieces = list(input.split(list(in_splits), 0))
    received = [None] * n
    tr = g._transport
    parts = tr.all_gather_bytes(pickle.dumps([np.asarray(p._host_values()) for p in pieces]))
    for r in range(n):
        received[r] = pickle.loads(parts[r])[g.rank()]
    import jax.numpy as jnp
    _assign(output, jnp.concatenate([jnp.asarray(x).reshape((s,) + tuple(output.shape[1:]))
                                     for x, s in zip(received, out_splits)]))
    return _done(async_op, [output])


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    g = _group(group)
    tr = g._transport
    parts = tr.all_gather_bytes(pickle.dumps([np.asarray(t._host_values()) for t in input_tensor_list]))
    for r, out in enumerate(output_tensor_list):
        _assign(out, pickle.loads(parts[r])[g.rank()])
    return _done(async_op, output_tensor_list)


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank of the group reaches this point."""
    if not _member(group):
        return None
    g = _group(group)
    g._transport.all_gather_bytes(b"")
    return _done(async_op)


def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    return barrier(group)


# ---- point to point through the store ---------------------------------------------------------------------------
def _p2p_key(g, src, dst):
    k = (src, dst)
    n = g._p2p_seq.get(k, 0)
    g._p2p_seq[k] = n + 1
    return f"p2p/{id(g) if g is not _world.default_pg else 'w'}/{src}->{dst}/{n}"


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    g = _group(group)
    me = g._ranks[g.rank()]
    dst = g._ranks[group_dst] if group_dst is not None else dst
    if dst == me:
        raise ValueError("Invalid destination rank: should not be the same as the rank of the current process.")
    _world.store.set(_p2p_key(g, me, dst) + f"/{tag}", pickle.dumps(np.asarray(tensor._host_values())))


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    g = _group(group)
    me = g._ranks[g.rank()]
    src = g._ranks[group_src] if group_src is not None else src
    if src is None:
        raise NotImplementedError("torchjax: recv from any source is not supported; pass src")
    key = _p2p_key(g, src, me) + f"/{tag}"
    _assign(tensor, pickle.loads(_world.store.get(key)))
    _world.store.delete_key(key)
    return src


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    send(tensor, dst, group, tag, group_dst)
    return Work()


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    recv(tensor, src, group, tag, group_src)
    return Work()


# ---- Python objects ----------------------------------------------------------------------------------------------
def _dumps(obj):
    f = io.BytesIO()
    pickle.Pickler(f).dump(obj)
    return f.getvalue()


def all_gather_object(object_list, obj, group=None):
    if not _member(group):
        return None
    g = _group(group)
    parts = g._transport.all_gather_bytes(_dumps(obj))
    for i, p in enumerate(parts):
        object_list[i] = pickle.loads(p)


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    if not _member(group):
        return None
    g = _group(group)
    root = _src_in_group(g, dst, group_dst, "gather")
    parts = g._transport.all_gather_bytes(_dumps(obj))
    if g.rank() == root:
        for i, p in enumerate(parts):
            object_gather_list[i] = pickle.loads(p)


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    if not _member(group):
        return None
    g = _group(group)
    root = _src_in_group(g, src, group_src, "broadcast")
    payload = _dumps(list(object_list)) if g.rank() == root else b""
    objs = pickle.loads(g._transport.all_gather_bytes(payload)[root])
    object_list[:] = objs


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None, group=None,
                        group_src=None):
    if not _member(group):
        return None
    g = _group(group)
    root = _src_in_group(g, src, group_src, "scatter")
    payload = _dumps(list(scatter_object_input_list)) if g.rank() == root else b""
    objs = pickle.loads(g._transport.all_gather_bytes(payload)[root])
    scatter_object_output_list[0] = objs[g.rank()]


Store = Store
