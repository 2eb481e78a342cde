"""Storage: the one mutable cell behind a tensor and all its views.

It holds the current jax.Array of the root tensor's shape. After `Tensor.numpy()` or `torch.from_numpy`, a CPU
storage holds a writable numpy buffer instead (the source of truth, shared with numpy in both directions); once
nothing outside the storage references that buffer any more it goes back to holding a jax.Array.
"""
import itertools
import sys

import jax
import numpy as np

_addresses = itertools.count(1)


def private_copy(host):
    """A jax.Array holding a copy of a numpy buffer someone else may write later. (On the CPU, device_put may
    alias an aligned numpy buffer and copies asynchronously, so copy on the host first.)"""
    return jax.device_put(np.array(host, copy=True))


class Storage:
    __slots__ = ("_array", "_host", "gen", "device", "addr", "__weakref__")

    def __init__(self, array, device, host=None):
        self._array = array  # jax.Array or tracer; None while a host buffer is the source of truth
        self._host = host  # np.ndarray shared with numpy, or None
        self.gen = 0  # bumped by every write; views cache their values per generation
        self.device = device
        self.addr = None

    def value(self):
        """The current value: a jax.Array, or the shared numpy buffer (jit accepts both)."""
        a = self._array
        if a is not None:
            return a
        h = self._host
        # Only this storage (and the getrefcount argument, and `h`) refers to an owning buffer: nobody can write it
        # behind our back any more, so hand the value back to JAX.
        if h.base is None and sys.getrefcount(h) <= 3:
            self._array = jax.device_put(h)
            self._host = None
            return self._array
        return h

    def set(self, new):
        if self._host is not None:
            if not self._host.flags.writeable:
                raise RuntimeError("torchjax: cannot write into a tensor that shares a read-only numpy array")
            np.copyto(self._host, np.asarray(new), casting="unsafe")
        else:
            self._array = new
        self.gen += 1

    def to_host(self):
        """Make a writable numpy buffer the source of truth (for memory shared with numpy) and return it."""
        if self._host is None:
            if isinstance(self._array, jax.core.Tracer):
                raise RuntimeError("torchjax: .numpy() cannot be called on a tensor inside a compiled function "
                                   "(its value is a JAX tracer)")
            self._host = np.array(self._array)
            self._array = None
        return self._host

    @property
    def shape(self):
        a = self._array
        return a.shape if a is not None else self._host.shape

    @property
    def nbytes(self):
        a = self._array if self._array is not None else self._host
        return a.size * a.dtype.itemsize

    def data_ptr(self):
        if self.addr is None:
            self.addr = 0x10000000 + next(_addresses) * 0x100000
        return self.addr

    @classmethod
    def from_numpy(cls, arr, device):
        return cls(None, device, host=arr)
