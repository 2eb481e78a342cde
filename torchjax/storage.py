"""torch.UntypedStorage / torch.TypedStorage, as far as checkpoints and `Tensor.untyped_storage()` need them.

An UntypedStorage is bytes on a device. It is backed either by a tensor cell (`torchjax._storage.Storage`, the one
mutable cell behind a tensor and its views: what `Tensor.untyped_storage()` returns), or by a host byte buffer
(what `torch.load` reads from a file before any tensor is built on it). Tensors rebuilt from one loaded storage
share one cell, so they alias as in torch. A TypedStorage is an UntypedStorage seen as elements of one dtype (the
legacy `torch.FloatStorage` family are TypedStorages with a fixed dtype).
"""
import math
import threading

import jax
import numpy as np

from . import _dtype as D
from ._device import canonical, device as _device_cls, jax_device, CPU

__all__ = ["UntypedStorage", "TypedStorage", "DoubleStorage", "FloatStorage", "HalfStorage", "LongStorage",
           "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage", "BFloat16Storage",
           "ComplexDoubleStorage", "ComplexFloatStorage"]

# dtypes torch pickles as a legacy `torch.<Name>Storage` (with _rebuild_tensor_v2); every other dtype is pickled as
# an UntypedStorage plus the dtype (_rebuild_tensor_v3).
LEGACY_STORAGE_NAMES = {
    "float64": "DoubleStorage", "float32": "FloatStorage", "float16": "HalfStorage", "int64": "LongStorage",
    "int32": "IntStorage", "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage",
    "bool": "BoolStorage", "bfloat16": "BFloat16Storage", "complex128": "ComplexDoubleStorage",
    "complex64": "ComplexFloatStorage", "qint8": "QInt8Storage", "qint32": "QInt32Storage",
    "quint8": "QUInt8Storage", "quint4x2": "QUInt4x2Storage", "quint2x4": "QUInt2x4Storage",
}
STORAGE_NAME_TO_DTYPE = {v: D.BY_NAME[k] for k, v in LEGACY_STORAGE_NAMES.items()}


class UntypedStorage:
    """Bytes on a device (torch.UntypedStorage)."""
    # _cell: tensor cell (torchjax._storage.Storage) or None; _buf: 1-D host uint8 array or None;
    # _parent/_byte_offset: a byte slice of another storage (legacy checkpoints' storage views)
    _cell = None
    _buf = None
    _parent = None
    _byte_offset = 0
    _swap = False  # the host bytes are big-endian (a checkpoint written on a big-endian machine)
    _mapped = False  # the host bytes are a memory-mapped file (torch.load(mmap=True))
    is_sparse = False

    def __init__(self, *args, device=None):
        dev = canonical(device) if device is not None else CPU
        if len(args) > 1:
            raise TypeError("UntypedStorage(): expected at most one argument (a size or a sequence)")
        if not args:
            buf = np.zeros(0, np.uint8)
        elif isinstance(args[0], (int, np.integer)) and not isinstance(args[0], bool):
            if args[0] < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {args[0]}: [{args[0]}]")
            buf = np.zeros(int(args[0]), np.uint8)
        else:
            buf = np.array([int(v) for v in args[0]], dtype=np.int64)
            if ((buf < 0) | (buf > 255)).any():
                raise RuntimeError("Overflow when unpacking long")
            buf = buf.astype(np.uint8)
        self._buf = buf
        self._device = dev
        self._lock = threading.Lock()

    # ---- construction (internal) ------------------------------------------------------------------------
    @classmethod
    def _from_storage(cls, storage, dtype=None):
        """The UntypedStorage of a tensor cell (what `Tensor.untyped_storage()` returns)."""
        s = object.__new__(cls)
        s._cell = storage
        s._device = storage.device
        s._lock = threading.Lock()
        return s

    @classmethod
    def _from_buffer(cls, buf, device=CPU, swap=False, mapped=False):
        """A storage over host bytes `buf` (a 1-D uint8 numpy array, possibly a memmap), not yet bound to a cell."""
        s = object.__new__(cls)
        s._buf = buf
        s._device = device
        s._swap = swap
        s._mapped = mapped
        s._lock = threading.Lock()
        return s

    # ---- metadata ---------------------------------------------------------------------------------------
    @property
    def device(self):
        return self._device

    @property
    def dtype(self):
        return D.uint8

    @property
    def is_cuda(self):
        return self._device.type == "cuda"

    @property
    def filename(self):
        return None

    def nbytes(self):
        if self._parent is not None:
            return self._size
        if self._cell is not None:
            return self._cell.nbytes
        return int(self._buf.size)

    def size(self):
        return self.nbytes()

    def __len__(self):
        return self.nbytes()

    def element_size(self):
        return 1

    def data_ptr(self):
        if self._parent is not None:
            return self._parent.data_ptr() + self._byte_offset
        if self._cell is not None:
            return self._cell.data_ptr()
        if self._buf.size == 0:
            return 0
        return self._buf.__array_interface__["data"][0]

    def _key(self):
        """Identity of the memory: storages of one cell (or one loaded buffer) compare equal."""
        if self._parent is not None:
            return ("slice", id(self))
        return ("cell", id(self._cell)) if self._cell is not None else ("buf", id(self._buf))

    def type(self, dtype=None, non_blocking=False):
        if dtype is None:
            return "torch.storage.UntypedStorage"
        raise NotImplementedError("torchjax: UntypedStorage.type(dtype) is not supported")

    def is_shared(self):
        return False

    def share_memory_(self):
        return self

    def is_pinned(self, device="cuda"):
        return False

    def pin_memory(self, device="cuda"):
        return self

    def resizable(self):
        return False

    def resize_(self, size):
        raise NotImplementedError("torchjax: UntypedStorage.resize_ is not supported")

    # ---- bytes ------------------------------------------------------------------------------------------
    def _bytes(self):
        """This storage's bytes as a read-only host uint8 array (C order of the cell's root array)."""
        if self._parent is not None:
            return self._parent._bytes()[self._byte_offset:self._byte_offset + self._size]
        if self._cell is not None:
            v = self._cell.value()
            if isinstance(v, jax.core.Tracer):
                raise RuntimeError("torchjax: cannot read a storage's bytes inside a compiled function")
            a = np.ascontiguousarray(np.asarray(v))
            return a.reshape(-1).view(np.uint8)
        return self._buf

    def tolist(self):
        return [int(b) for b in self._bytes()]

    def __iter__(self):
        return iter(self.tolist())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            start, stop, step = idx.indices(self.nbytes())
            if step != 1:
                raise RuntimeError(f"Trying to slice with a step of {step}, but only a step of 1 is supported")
            s = object.__new__(UntypedStorage)
            s._parent = self
            s._byte_offset = start
            s._size = max(stop - start, 0)
            s._device = self._device
            s._lock = threading.Lock()
            return s
        n = self.nbytes()
        i = int(idx)
        if not -n <= i < n:
            raise IndexError(f"index {i} out of range for storage of size {n}")
        return int(self._bytes()[i % n])

    def __setitem__(self, idx, value):
        new = np.array(self._bytes(), copy=True)
        new[idx] = value
        self._write_bytes(new)

    def fill_(self, value):
        new = np.full(self.nbytes(), value, np.uint8)
        self._write_bytes(new)
        return self

    def copy_(self, source, non_blocking=None):
        src = source._untyped_storage if isinstance(source, TypedStorage) else source
        if src.nbytes() != self.nbytes():
            raise RuntimeError(f"size mismatch, {src.nbytes()} vs {self.nbytes()}")
        self._write_bytes(np.array(src._bytes(), copy=True))
        return self

    def _write_bytes(self, new):
        if self._parent is not None:
            whole = np.array(self._parent._bytes(), copy=True)
            whole[self._byte_offset:self._byte_offset + self._size] = new
            self._parent._write_bytes(whole)
        elif self._cell is not None:
            dt = np.dtype(self._cell.value().dtype)
            arr = new.view(dt).reshape(self._cell.shape)
            if self._cell._host is not None:
                self._cell.set(arr)
            else:
                self._cell.set(jax.device_put(arr, jax_device(self._device)))
        else:
            if not self._buf.flags.writeable:
                self._buf = np.array(self._buf, copy=True)
            self._buf[...] = new

    def __bytes__(self):
        return self._bytes().tobytes()

    # ---- devices ----------------------------------------------------------------------------------------
    def _moved(self, dev):
        if dev == self._device:
            return self
        return UntypedStorage._from_buffer(np.array(self._bytes(), copy=True), dev, self._swap)

    def to(self, *, device=None, non_blocking=False):
        return self._moved(canonical(device if device is not None else CPU))

    def cpu(self):
        return self._moved(CPU)

    def cuda(self, device=None, non_blocking=False):
        if device is None:
            dev = canonical("cuda")
        elif isinstance(device, int):
            dev = canonical(_device_cls("cuda", device))
        else:
            dev = canonical(device)
        return self._moved(dev)

    def clone(self):
        return UntypedStorage._from_buffer(np.array(self._bytes(), copy=True), self._device, self._swap)

    def untyped(self):
        return self

    def __repr__(self):
        vals = "\n".join(f" {b}" for b in self.tolist())
        head = vals + "\n" if vals else ""
        return f"{head}[torch.storage.UntypedStorage(device={self._device}) of size {self.nbytes()}]"

    def __reduce__(self):
        return (_untyped_from_bytes, (self._bytes().tobytes(), str(self._device)))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        c = self.clone()
        memo[id(self)] = c
        return c

    # ---- binding a tensor to this storage (torch.load) -------------------------------------------------
    def _fill(self, buf):
        """Put bytes read after the pickle (legacy format) into this storage and every tensor already bound to it."""
        with self._lock:
            if self._cell is None:
                self._buf = buf
                return
            cell = self._cell
        arr = buf.view(np.dtype(cell.value().dtype))
        if self._swap:
            arr = arr.byteswap()
        arr = arr.reshape(cell.shape)
        cell.set(arr if cell._host is not None else jax.device_put(arr, jax_device(self._device)))

    def _bind(self, dtype, size, stride, offset):
        """(cell, view chain) for a tensor of `dtype` with torch layout (size, stride, offset) over this storage.

        The first tensor bound to a loaded buffer makes its cell: when it covers the whole buffer contiguously the
        cell's root array has the tensor's shape (the tensor is then no view at all), else the root is 1-D.
        Later tensors on the same storage alias that cell through an as_strided view.
        """
        if self._parent is not None:
            item = dtype.itemsize
            if self._byte_offset % item:
                raise RuntimeError("torchjax: a storage view at an offset that is not a multiple of the element "
                                   "size is not supported")
            return self._parent._bind(dtype, size, stride, offset + self._byte_offset // item)
        with self._lock:
            if self._cell is None:
                self._cell = _make_cell(self._buf, dtype, size, stride, offset, self._device, self._swap,
                                        self._mapped)
                self._buf = None
            cell = self._cell
        if cell.shape == tuple(size) and offset == 0 and _contiguous(size, stride) and \
                np.dtype(cell.value().dtype) == D.to_np(dtype):
            return cell, None  # the tensor is the cell's root array itself
        return cell, _view_chain(cell, dtype, size, stride, offset)


def _untyped_from_bytes(data, device):
    return UntypedStorage._from_buffer(np.frombuffer(bytearray(data), np.uint8), canonical(device))


def _contiguous(size, stride):
    expected = 1
    for n, s in reversed(list(zip(size, stride))):
        if n != 1 and s != expected:
            return False
        expected *= n
    return True


def _make_cell(buf, dtype, size, stride, offset, dev, swap, mapped):
    from ._storage import Storage
    npd = D.to_np(dtype)
    item = dtype.itemsize
    n = buf.size // item
    arr = buf[:n * item].view(npd)
    if swap:
        arr = arr.byteswap()
    numel = math.prod(size)
    if offset == 0 and numel == n and _contiguous(size, stride):
        arr = arr.reshape(tuple(size))
    if mapped and dev.type == "cpu" and not swap:
        return Storage.from_numpy(arr, dev)  # mmap: the mapped file stays the source of truth
    pending = getattr(_pending, "cells", None)
    if pending is not None:
        # torch.load places all its cells on their devices in one batched transfer when it finishes
        cell = Storage(None, dev, host=arr)
        pending.append((cell, arr))
        return cell
    return Storage(jax.device_put(arr, jax_device(dev)), dev)


_pending = threading.local()


class deferred_placement:
    """Within this context, cells made from loaded bytes stay host arrays until exit, then move in one batch."""

    def __enter__(self):
        self._outer = getattr(_pending, "cells", None)
        _pending.cells = []
        return self

    def __exit__(self, exc_type, *exc):
        cells, _pending.cells = _pending.cells, self._outer
        if exc_type is not None:
            return
        by_device = {}
        for cell, arr in cells:
            if cell._host is arr:  # not replaced (legacy fill) or shared with numpy meanwhile
                by_device.setdefault(cell.device, []).append((cell, arr))
        for dev, items in by_device.items():
            moved = jax.device_put([a for _, a in items], jax_device(dev))
            for (cell, _), value in zip(items, moved):
                cell._array = value
                cell._host = None


def _view_chain(cell, dtype, size, stride, offset):
    root = cell.value()
    root_dt = np.dtype(root.dtype)
    step = ("as_strided", tuple(size), tuple(stride), int(offset))
    if root_dt == D.to_np(dtype):
        return (step,)
    nbytes = cell.nbytes
    if nbytes % dtype.itemsize:
        raise RuntimeError(f"torchjax: cannot view a storage of {nbytes} bytes as {dtype}")
    return (("reshape", (math.prod(cell.shape),)), ("bitcast", D.to_np(dtype)), step)


class TypedStorage:
    """An UntypedStorage seen as elements of one dtype (torch.TypedStorage; deprecated in torch, kept for files)."""
    is_sparse = False
    _fixed_dtype = None

    def __init__(self, *args, wrap_storage=None, dtype=None, device=None, _internal=False):
        if self._fixed_dtype is not None:
            if dtype is not None and dtype is not self._fixed_dtype:
                raise RuntimeError(f"Keyword argument 'dtype' cannot be specified for {type(self).__name__}")
            dtype = self._fixed_dtype
        if dtype is None:
            dtype = D.get_default_dtype()
        self.dtype = dtype
        if wrap_storage is not None:
            if args:
                raise RuntimeError("No positional arguments should be given when using 'wrap_storage'")
            if not isinstance(wrap_storage, UntypedStorage):
                raise TypeError(f"expected a torch.UntypedStorage for 'wrap_storage', got {type(wrap_storage)}")
            self._untyped_storage = wrap_storage
            return
        dev = canonical(device) if device is not None else CPU
        if not args:
            self._untyped_storage = UntypedStorage(0, device=dev)
        elif len(args) == 1 and isinstance(args[0], (int, np.integer)) and not isinstance(args[0], bool):
            self._untyped_storage = UntypedStorage(int(args[0]) * dtype.itemsize, device=dev)
        elif len(args) == 1:
            arr = np.asarray(list(args[0]), dtype=D.to_np(dtype))
            self._untyped_storage = UntypedStorage._from_buffer(arr.reshape(-1).view(np.uint8).copy(), dev)
        else:
            raise TypeError(f"{type(self).__name__}(): too many positional arguments")

    @property
    def device(self):
        return self._untyped_storage.device

    @property
    def is_cuda(self):
        return self._untyped_storage.is_cuda

    def _size(self):
        return self._untyped_storage.nbytes() // self.dtype.itemsize

    def size(self):
        return self._size()

    def __len__(self):
        return self._size()

    def nbytes(self):
        return self._untyped_storage.nbytes()

    def element_size(self):
        return self.dtype.itemsize

    def untyped(self):
        return self._untyped_storage

    def data_ptr(self):
        return self._untyped_storage.data_ptr()

    def _data_ptr(self):
        return self._untyped_storage.data_ptr()

    def _pickle_storage_type(self):
        try:
            return LEGACY_STORAGE_NAMES[self.dtype.name]
        except KeyError:
            raise KeyError(f"dtype {self.dtype} is not recognized") from None

    def pickle_storage_type(self):
        return self._pickle_storage_type()

    def _values(self):
        b = self._untyped_storage._bytes()
        n = self._size() * self.dtype.itemsize
        return b[:n].view(D.to_np(self.dtype))

    def tolist(self):
        v = self._values()
        if self.dtype.is_floating_point and v.dtype.kind != "f":
            v = v.astype(np.float64)
        return v.tolist()

    def __iter__(self):
        return iter(self.tolist())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            start, stop, step = idx.indices(self._size())
            if step != 1:
                raise RuntimeError(f"Trying to slice with a step of {step}, but only a step of 1 is supported")
            item = self.dtype.itemsize
            return TypedStorage(wrap_storage=self._untyped_storage[start * item:stop * item], dtype=self.dtype,
                                _internal=True)
        return self.tolist()[idx]

    def type(self, dtype=None, non_blocking=False):
        if dtype is None:
            name = LEGACY_STORAGE_NAMES.get(self.dtype.name, "TypedStorage")
            return ("torch.cuda." if self.is_cuda else "torch.") + name
        raise NotImplementedError("torchjax: TypedStorage.type(dtype) is not supported")

    def cpu(self):
        return TypedStorage(wrap_storage=self._untyped_storage.cpu(), dtype=self.dtype, _internal=True)

    def cuda(self, device=None, non_blocking=False):
        return TypedStorage(wrap_storage=self._untyped_storage.cuda(device), dtype=self.dtype, _internal=True)

    def to(self, *, device=None, non_blocking=False):
        return TypedStorage(wrap_storage=self._untyped_storage.to(device=device), dtype=self.dtype,
                            _internal=True)

    def clone(self):
        return TypedStorage(wrap_storage=self._untyped_storage.clone(), dtype=self.dtype, _internal=True)

    def fill_(self, value):
        arr = np.full(self._size(), value, dtype=D.to_np(self.dtype))
        self._untyped_storage._write_bytes(arr.view(np.uint8))
        return self

    def is_shared(self):
        return False

    def share_memory_(self):
        return self

    def is_pinned(self, device="cuda"):
        return False

    def __repr__(self):
        vals = "\n".join(f" {v}" for v in self.tolist())
        head = vals + "\n" if vals else ""
        return f"{head}[torch.storage.TypedStorage(dtype={self.dtype}, device={self.device}) of size {self._size()}]"

    def __reduce__(self):
        return (_typed_from_bytes, (self._untyped_storage._bytes().tobytes(), self.dtype.name, str(self.device)))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        c = self.clone()
        memo[id(self)] = c
        return c


def _typed_from_bytes(data, dtype_name, device):
    return TypedStorage(wrap_storage=_untyped_from_bytes(data, device), dtype=D.BY_NAME[dtype_name], _internal=True)


class _LegacyStorageMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, TypedStorage) and obj.dtype is cls._fixed_dtype and obj.device.type == "cpu"


def _legacy_storage_class(name, dtype):
    return _LegacyStorageMeta(name, (TypedStorage,), {"_fixed_dtype": dtype, "__module__": __name__})


for _dt_name, _cls_name in list(LEGACY_STORAGE_NAMES.items())[:12]:
    globals()[_cls_name] = _legacy_storage_class(_cls_name, D.BY_NAME[_dt_name])
del _dt_name, _cls_name
