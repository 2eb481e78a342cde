"""How a process group moves data between its processes.

- JaxTransport: collectives are XLA computations over a global mesh with one device per process (jax.distributed;
  CPU collectives through gloo, GPU collectives through NCCL). Used for the default group when jax.distributed was
  initialized for exactly this job (the launcher `python -m torchjax.distributed.run` does that before torchjax
  starts JAX).
- StoreTransport: every collective is an all-gather through a key-value store (TCPStore, FileStore or the JAX
  coordination service) with the reduction done on the host, in rank order, so every rank computes bit-identical
  results. Used otherwise, and for subgroups.
- LocalTransport: a group of one process: every collective is the identity.
"""
import functools
import pickle

import numpy as np


def _np_reduce(op, arrays):
    if op == "SUM" or op == "AVG":
        out = arrays[0].copy()
        for a in arrays[1:]:
            out = out + a
        if op == "AVG":
            out = out / len(arrays)
        return out.astype(arrays[0].dtype)
    if op == "PRODUCT":
        out = arrays[0].copy()
        for a in arrays[1:]:
            out = out * a
        return out
    fn = {"MIN": np.minimum, "MAX": np.maximum, "BAND": np.bitwise_and, "BOR": np.bitwise_or,
          "BXOR": np.bitwise_xor}[op]
    return functools.reduce(fn, arrays)


class LocalTransport:
    kind = "local"

    def __init__(self):
        self.rank, self.size = 0, 1

    def all_gather_array(self, x):
        return [x]

    def all_reduce_array(self, x, op):
        return x

    def broadcast_array(self, x, src):
        return x

    def all_gather_bytes(self, payload):
        return [payload]


class StoreTransport:
    kind = "store"

    def __init__(self, store, rank, size):
        self.store = store
        self.rank, self.size = rank, size
        self.seq = 0

    def all_gather_bytes(self, payload):
        """Every rank's payload, in rank order. Each rank deletes its own key two collectives later: by then every
        rank has read it (a rank that has finished collective k-1 saw every rank post it, so all finished k-2)."""
        seq = self.seq
        self.seq += 1
        self.store.set(f"{seq}/{self.rank}", payload)
        out = [payload if r == self.rank else self.store.get(f"{seq}/{r}") for r in range(self.size)]
        if seq >= 2:
            self.store.delete_key(f"{seq - 2}/{self.rank}")
        return out

    def all_gather_array(self, x):
        x = np.asarray(x)
        return [pickle.loads(b) for b in self.all_gather_bytes(pickle.dumps(x, protocol=pickle.HIGHEST_PROTOCOL))]

    def all_reduce_array(self, x, op):
        return _np_reduce(op, self.all_gather_array(x))

    def broadcast_array(self, x, src):
        payload = pickle.dumps(np.asarray(x), protocol=pickle.HIGHEST_PROTOCOL) if self.rank == src else b""
        return pickle.loads(self.all_gather_bytes(payload)[src])


class _quiet_stdout:
    def __enter__(self):
        import os
        import sys
        sys.stdout.flush()
        self.saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)

    def __exit__(self, *exc):
        import os
        os.dup2(self.saved, 1)
        os.close(self.saved)
        return False


class JaxTransport:
    """Collectives as jitted computations over a mesh holding each process's first device of a platform."""
    kind = "jax"

    def __init__(self, rank, size, host):
        import jax
        if jax.process_count() != size or jax.process_index() != rank:
            raise RuntimeError("jax.distributed was initialized for another job")
        self.rank, self.size = rank, size
        self.host = host  # a StoreTransport for objects and barriers
        self._meshes = {}
        self._fns = {}
        # gloo prints "[Gloo] Rank r is connected to ..." on stdout when its first collective connects the ranks;
        # connect now, with stdout silenced, so the job's own output stays what torch would print
        with _quiet_stdout():
            self.all_reduce_array(jax.numpy.zeros((1,), jax.numpy.float32), "SUM").block_until_ready()

    def _mesh(self, platform):
        import jax
        from jax.sharding import Mesh
        m = self._meshes.get(platform)
        if m is None:
            first = {}
            for d in sorted(jax.devices(platform), key=lambda d: d.id):
                first.setdefault(d.process_index, d)
            devs = [first[p] for p in range(self.size)]
            m = self._meshes[platform] = Mesh(np.array(devs), ("p",))
        return m

    def _global(self, x):
        import jax
        from jax.sharding import NamedSharding, PartitionSpec as P
        platform = next(iter(x.devices())).platform if isinstance(x, jax.Array) else "cpu"
        mesh = self._mesh(platform)
        mine = mesh.devices[self.rank]
        local = jax.device_put(jax.numpy.asarray(x)[None], mine)
        return mesh, jax.make_array_from_single_device_arrays((self.size,) + tuple(local.shape[1:]),
                                                              NamedSharding(mesh, P("p")), [local])

    def _fn(self, mesh, kind, arg):
        import jax
        import jax.numpy as jnp
        from jax.sharding import NamedSharding, PartitionSpec as P
        key = (id(mesh), kind, arg)
        f = self._fns.get(key)
        if f is None:
            if kind == "gather":
                body = lambda g: g  # noqa: E731
            elif kind == "bcast":
                body = lambda g: g[arg]  # noqa: E731
            else:
                body = {"SUM": lambda g: jnp.sum(g, 0, dtype=g.dtype),
                        "AVG": lambda g: (jnp.sum(g, 0, dtype=g.dtype) / g.shape[0]).astype(g.dtype),
                        "PRODUCT": lambda g: jnp.prod(g, 0, dtype=g.dtype),
                        "MIN": lambda g: jnp.min(g, 0), "MAX": lambda g: jnp.max(g, 0)}[arg]
            f = self._fns[key] = jax.jit(body, out_shardings=NamedSharding(mesh, P()))
        return f

    def all_gather_array(self, x):
        mesh, g = self._global(x)
        r = self._fn(mesh, "gather", None)(g).addressable_data(0)
        return [r[i] for i in range(self.size)]

    def all_reduce_array(self, x, op):
        if op in ("BAND", "BOR", "BXOR"):  # XLA's cross-process all-reduce has no bitwise reductions: gather
            import jax.numpy as jnp
            fn = {"BAND": jnp.bitwise_and, "BOR": jnp.bitwise_or, "BXOR": jnp.bitwise_xor}[op]
            return functools.reduce(fn, self.all_gather_array(x))
        mesh, g = self._global(x)
        return self._fn(mesh, "reduce", op)(g).addressable_data(0)

    def broadcast_array(self, x, src):
        mesh, g = self._global(x)
        return self._fn(mesh, "bcast", src)(g).addressable_data(0)

    def all_gather_bytes(self, payload):
        return self.host.all_gather_bytes(payload)
