"""torch.save's writer: the pickle (torch's global names, persistent storage ids) and the zip/legacy containers.

Tensors reduce to `torch._utils._rebuild_tensor_v2/_v3` calls over persistent ids naming one record per distinct
storage; Parameters to `_rebuild_parameter`; dtypes, torch.Size, devices and layouts to torch's globals. The pickle
is made with Python's C pickler, whose GLOBALs for torchjax objects are then renamed to torch's names by walking the
opcodes (`_rename_globals`); other protocols and pickle modules use a pure-Python pickler that writes torch's names
directly. Both write the same bytes. The public entry point is `torchjax.serialization.save`.
"""
import io
import math
import os
import pickle
import secrets
import struct
import sys
import tempfile
import types
import zipfile
from collections import OrderedDict

import jax
import numpy as np

from . import _dtype as D
from . import _weights_only_unpickler as _wo
from ._device import device as _device_cls
from ._size import Size
from ._tensor import Tensor, _CORE_ATTRS
from .storage import LEGACY_STORAGE_NAMES, TypedStorage, UntypedStorage

DEFAULT_PROTOCOL = 2
MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
LONG_SIZE = struct.Struct("=l").size
INT_SIZE = struct.Struct("=i").size
SHORT_SIZE = struct.Struct("=h").size
STORAGE_ALIGNMENT = 64

# dtypes torch pickles as an UntypedStorage plus the dtype (torch.storage._new_dtypes)
_V3_DTYPES = {"float8_e5m2", "float8_e4m3fn", "float8_e5m2fnuz", "float8_e4m3fnuz", "float8_e8m0fnu", "complex32",
              "uint16", "uint32", "uint64"}


def location_tag(storage):
    return str(storage.device)


def _dense_c_order(size, stride):
    """Strides that lay `size` out densely in C order (any stride on a dimension of size 1)."""
    if any(n == 0 for n in size):
        return True
    expected = 1
    for n, s in zip(reversed(size), reversed(stride)):
        if n != 1 and s != expected:
            return False
        expected *= n
    return True


def _contiguous_strides(size):
    out, acc = [], 1
    for n in reversed(size):
        out.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(out))


_STUB = types.ModuleType("torchjax._serialization_globals", "Markers the C pickler writes; renamed to torch's names.")
sys.modules[_STUB.__name__] = _STUB


class _G:
    """A torch global written into the pickle by name (GLOBAL module\\nname\\n); nothing of torchjax's."""
    __slots__ = ("module", "name", "alias")

    def __init__(self, module, name):
        self.module = module
        self.name = name
        self.alias = f"g{len(_STUB.__dict__)}"
        setattr(_STUB, self.alias, self)

    def __reduce__(self):
        return self.name

    def __call__(self, *args, **kwargs):  # pickle's save_reduce wants a callable; this one only names torch's
        raise TypeError(f"{self.module}.{self.name} is a name written into checkpoints, not a torchjax function")

    def __repr__(self):
        return f"{self.module}.{self.name}"


_G.__module__ = _STUB.__name__  # where the C pickler looks the markers up
_G_V2 = _G("torch._utils", "_rebuild_tensor_v2")
_G_V3 = _G("torch._utils", "_rebuild_tensor_v3")
_G_PARAM = _G("torch._utils", "_rebuild_parameter")
_G_PARAM_STATE = _G("torch._utils", "_rebuild_parameter_with_state")
_G_FROM_TYPE = _G("torch._tensor", "_rebuild_from_type_v2")
_G_LAYOUT = _G("torch.serialization", "_get_layout")
_G_UNTYPED = _G("torch.storage", "UntypedStorage")
_G_STORAGE = {name: _G("torch", name) for name in LEGACY_STORAGE_NAMES.values()}


def _core_class_names():
    from . import _misc, storage
    from ._ops.creation import LEGACY_TYPES
    names = {id(Tensor): ("torch", "Tensor"), id(Size): ("torch", "Size"), id(_device_cls): ("torch", "device"),
             id(D.dtype): ("torch", "dtype"), id(_misc.layout): ("torch", "layout"),
             id(_misc.memory_format): ("torch", "memory_format"),
             id(UntypedStorage): ("torch.storage", "UntypedStorage"),
             id(TypedStorage): ("torch.storage", "TypedStorage")}
    for name, cls in LEGACY_TYPES.items():
        names[id(cls)] = ("torch", name)
    for name in list(LEGACY_STORAGE_NAMES.values())[:12]:
        names[id(getattr(storage, name))] = ("torch", name)
    return names


def _is_parameter(t):
    """nn.Parameter, found by name or torch's `_is_param` flag (serialization does not import torchjax.nn)."""
    cls = type(t)
    return bool(getattr(cls, "_is_param", False)) or any(
        k.__name__ == "Parameter" and k.__module__.startswith("torchjax") for k in cls.__mro__)


def _extra_state(t):
    d = getattr(t, "__dict__", None)
    if not d:
        return None
    state = {k: v for k, v in d.items() if k not in _CORE_ATTRS}
    return state or None


class _StorageRef:
    """Stands for one storage inside the pickle; its persistent id names the storage record."""
    __slots__ = ("pid",)

    def __init__(self, pid):
        self.pid = pid


class _Saver:
    """Collects the storages a pickle refers to (one record per distinct storage) and how to reduce tensors."""

    def __init__(self, legacy=False):
        self.legacy = legacy
        self.keys = {}  # storage identity -> key
        self.data = {}  # key -> (host bytes source, dtype of the record's elements)
        self.dtypes = {}  # storage identity -> dtype it was saved as
        self.keep = []  # objects whose ids key the tables above stay alive until the save ends
        self.roots = {}  # id(cell) -> host copy of its root array, made when a view's layout was checked
        self._class_names = _core_class_names()

    # -- storages ------------------------------------------------------------------------------------------------
    def _key(self, ident, dtype, source):
        if ident in self.dtypes and self.dtypes[ident] is not dtype:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same data as different types")
        self.dtypes.setdefault(ident, dtype)
        key = self.keys.get(ident)
        if key is None:
            key = str(len(self.keys)) if not self.legacy else str(140000000000000 + len(self.keys))
            self.keys[ident] = key
            self.data[key] = (source, dtype)
        return key

    def _layout_matches(self, t, cell, size, stride, offset):
        """Whether reading (size, stride, offset) from the cell's C-order bytes gives view t's values, bit for bit."""
        root = self.roots.get(id(cell))
        if root is None:
            v = cell._host if cell._host is not None else cell._array
            root = self.roots[id(cell)] = np.ascontiguousarray(np.asarray(v))
        flat = root.reshape(-1).view(np.uint8)
        it = t._dtype.itemsize
        if math.prod(size) == 0:
            return True
        bits = np.dtype(f"u{it}") if it in (1, 2, 4, 8) else np.dtype((np.void, it))  # compare bit patterns
        typed = flat[:flat.size // it * it].view(bits)
        got = np.lib.stride_tricks.as_strided(typed[offset:], size, tuple(s * it for s in stride))
        want = np.ascontiguousarray(np.asarray(t._host_values())).reshape(-1).view(np.uint8)
        return np.ascontiguousarray(got).tobytes() == want.tobytes()

    def _pid(self, type_global, key, location, numel):
        if self.legacy:
            return ("storage", type_global, key, location, numel, None)
        return ("storage", type_global, key, location, numel)

    def storage_pid(self, obj):
        """Persistent id of a UntypedStorage/TypedStorage saved as an object of its own."""
        self.keep.append(obj)
        if isinstance(obj, TypedStorage):
            u = obj._untyped_storage
            name = LEGACY_STORAGE_NAMES.get(obj.dtype.name)
            if name is None:
                raise KeyError(f"dtype {obj.dtype} is not recognized")
            key = self._key(u._key(), obj.dtype, u)
            return self._pid(_G_STORAGE[name], key, location_tag(u), obj._size())
        key = self._key(obj._key(), D.uint8, obj)
        return self._pid(_G_UNTYPED, key, location_tag(obj), obj.nbytes())

    def _tensor_storage(self, t):
        """(storage reference, storage offset, strides) for tensor t, sharing its cell's record when possible."""
        dtype = t._dtype
        cell = t._storage
        host_before = cell._host
        value = host_before if host_before is not None else cell._array  # (value() could move it to the device)
        if isinstance(value, jax.core.Tracer):
            raise RuntimeError("torchjax: torch.save cannot save a tensor inside a compiled function (its value is a "
                               "JAX tracer)")
        size = tuple(t._shape)
        stride = tuple(t.stride())
        offset = t._offset
        item = dtype.itemsize
        nbytes = cell.nbytes
        if t._view is None:
            # the tensor is its cell's root array: its C-order bytes are the storage
            ok = offset == 0 and (t._strides is None or _dense_c_order(size, stride))
        else:
            ok = (host_before is None or host_before.flags.c_contiguous) and nbytes % item == 0 and offset >= 0 \
                and all(s >= 0 for s in stride)
            if ok and all(n > 0 for n in size):
                ok = offset + sum((n - 1) * s for n, s in zip(size, stride)) < nbytes // item
            ok = ok and self._layout_matches(t, cell, size, stride, offset)
        if ok:
            self.keep.append(cell)
            ident = ("cell", id(cell))
            source = self.roots.get(id(cell), cell)
            numel_bytes = nbytes
        else:
            # torch-style metadata that does not describe the cell's C-order bytes (memory shared with a
            # non-contiguous numpy array): save this tensor's values as a storage of its own
            values = np.ascontiguousarray(np.asarray(t._host_values()))
            self.keep.append(values)
            ident = ("copy", id(values))
            source = values
            numel_bytes = values.nbytes
            stride, offset = _contiguous_strides(size), 0
        location = location_tag(t)
        if dtype.name in _V3_DTYPES:
            if self.legacy:
                raise NotImplementedError(f"torchjax: the legacy format cannot hold tensors of dtype {dtype}")
            key = self._key(ident, D.uint8, source)
            pid = self._pid(_G_UNTYPED, key, location, numel_bytes)
        else:
            name = LEGACY_STORAGE_NAMES.get(dtype.name)
            if name is None or dtype.np is None:
                raise NotImplementedError(f"torchjax: saving tensors of dtype {dtype} is not supported")
            key = self._key(ident, dtype, source)
            pid = self._pid(_G_STORAGE[name], key, location, numel_bytes // item)
        return _StorageRef(pid), offset, stride

    # -- tensors ---------------------------------------------------------------------------------------------------
    def reduce_tensor(self, t):
        if _is_parameter(t):
            data = Tensor._from_parts(t._storage, t._view, t._shape, t._dtype, t._strides, t._offset)
            state = _extra_state(t)
            if state:
                return (_G_PARAM_STATE, (data, t.requires_grad, OrderedDict(), state))
            return (_G_PARAM, (data, t.requires_grad, OrderedDict()))
        if t.is_sparse or t.is_quantized or t.is_nested:
            raise NotImplementedError("torchjax: saving sparse, quantized or nested tensors is not supported")
        ref, offset, stride = self._tensor_storage(t)
        args = (ref, offset, tuple(t._shape), tuple(stride), t.requires_grad, OrderedDict())
        func = _G_V2
        if t._dtype.name in _V3_DTYPES:
            func = _G_V3
            args = args + (t._dtype,)
        state = _extra_state(t)
        if type(t) is Tensor and not state:
            return (func, args)
        return (_G_FROM_TYPE, (func, type(t), args, state or {}))

    # -- globals ---------------------------------------------------------------------------------------------------
    def global_name(self, obj, name):
        if type(obj) is _G:
            return obj.module, obj.name
        if isinstance(obj, D.dtype):
            return "torch", obj.name
        from . import _misc
        if isinstance(obj, _misc.memory_format):
            return "torch", obj.name
        known = self._class_names.get(id(obj))
        if known is not None:
            return known
        if name is None:
            name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
        if not name or "." in name or "<" in name:
            return None
        module = getattr(obj, "__module__", None)
        if module is None:
            module = pickle.whichmodule(obj, name)
        if module == "torchjax" or module.startswith("torchjax."):
            # torch's name for it: its own module when that is public (torchjax.nn.modules.linear.Linear), else
            # the public namespace that exports it (torchjax._ops.pointwise.relu is torch.relu)
            candidates = [module] if not any(p.startswith("_") for p in module.split(".")) else []
            candidates += [m for m in _PUBLIC_MODULES if m != module] + [module]
            for m in candidates:
                mod = sys.modules.get(m)
                if mod is not None and getattr(mod, name, None) is obj:
                    return _wo.torch_module_name(m), name
            return None  # let pickle raise its own "not found as" error
        return None


_FUNCTION_TYPES = (types.FunctionType, types.BuiltinFunctionType)
_PUBLIC_MODULES = ("torchjax", "torchjax.nn.functional", "torchjax.linalg", "torchjax.special", "torchjax.fft",
                   "torchjax.nn.init", "torchjax.autograd")

_PLAIN = frozenset([int, float, str, bytes, bool, type(None), dict, list, tuple, set, frozenset, OrderedDict,
                    complex, bytearray])


class _ReduceMixin:
    """How torchjax objects enter a checkpoint pickle: tensors as torch's rebuild calls over persistent storages,
    dtypes/Size/device/layout as torch's globals."""

    def persistent_id(self, obj):
        t = type(obj)
        if t is _StorageRef:
            return obj.pid
        if isinstance(obj, (UntypedStorage, TypedStorage)) and t is not type:
            return self._saver.storage_pid(obj)
        return None

    def _reduce_common(self, obj, t):
        if isinstance(obj, Tensor):
            return self._saver.reduce_tensor(obj)
        if t is D.dtype:
            return obj.name
        if t is Size:
            return (Size, (tuple(obj),))
        if t is _device_cls:
            return (_device_cls, (obj.type,) if obj.index is None else (obj.type, obj.index))
        from . import _misc
        if t is _misc.layout:
            return (_G_LAYOUT, ("torch." + obj.name,))
        if t is _misc.memory_format:
            return obj.name
        return NotImplemented


def _make_pickler(pickle_module):
    """A pure-Python pickler that writes torch's global names directly (any protocol, pickle-like modules)."""
    base = getattr(pickle_module, "_Pickler", None) or getattr(pickle_module, "Pickler", None)
    if base is None or not issubclass(base, pickle._Pickler):
        raise NotImplementedError("torchjax: torch.save supports pickle modules built on Python's pickle "
                                  f"(got {getattr(pickle_module, '__name__', pickle_module)!r})")

    class TorchPickler(_ReduceMixin, base):
        def __init__(self, file, protocol, saver):
            super().__init__(file, protocol)
            self._saver = saver

        def reducer_override(self, obj):
            t = type(obj)
            if t in _PLAIN:
                return NotImplemented
            if t is _G:
                return obj.name
            if t in _FUNCTION_TYPES and self._saver.global_name(obj, None) is not None:
                return obj.__qualname__  # -> self.save_global (pickle's dispatch table bypasses the override)
            return self._reduce_common(obj, t)

        def save_global(self, obj, name=None):
            g = self._saver.global_name(obj, name)
            if g is None:
                return super().save_global(obj, name)
            module, gname = g
            self.write(pickle.GLOBAL + module.encode("utf-8") + b"\n" + gname.encode("utf-8") + b"\n")
            self.memoize(obj)

    return TorchPickler


class _FastPickler(_ReduceMixin, pickle.Pickler):
    """Python's C pickler. torch's names cannot be looked up here (torch is not imported), so the markers are
    written as globals of a stub module and every torchjax GLOBAL is renamed afterwards (_rename_globals)."""

    def __init__(self, file, protocol, saver):
        super().__init__(file, protocol)
        self._saver = saver

    def reducer_override(self, obj):
        t = type(obj)
        if t is _G:
            return obj.alias
        return self._reduce_common(obj, t)


def _opcode_table():
    """Argument sizes of the opcodes Python's C pickler writes at protocols 2 and 3."""
    P = pickle
    fixed = {P.PROTO: 1, P.STOP: 0, P.MARK: 0, P.POP: 0, P.POP_MARK: 0, P.NONE: 0, P.NEWTRUE: 0, P.NEWFALSE: 0,
             P.BININT: 4, P.BININT1: 1, P.BININT2: 2, P.BINFLOAT: 8, P.EMPTY_TUPLE: 0, P.TUPLE: 0, P.TUPLE1: 0,
             P.TUPLE2: 0, P.TUPLE3: 0, P.EMPTY_LIST: 0, P.APPEND: 0, P.APPENDS: 0, P.EMPTY_DICT: 0, P.SETITEM: 0,
             P.SETITEMS: 0, P.REDUCE: 0, P.BUILD: 0, P.NEWOBJ: 0, P.BINPUT: 1, P.LONG_BINPUT: 4, P.BINGET: 1,
             P.LONG_BINGET: 4, P.BINPERSID: 0, P.EXT1: 1, P.EXT2: 2, P.EXT4: 4}
    len1 = {P.LONG1, P.SHORT_BINBYTES, P.SHORT_BINSTRING}
    len4 = {P.BINUNICODE, P.BINBYTES, P.LONG4, P.BINSTRING}
    return ({op[0]: n for op, n in fixed.items()}, {op[0] for op in len1}, {op[0] for op in len4})


_FIXED_ARGS, _LEN1_ARGS, _LEN4_ARGS = _opcode_table()


def _rename_globals(data, saver):
    """Rewrite the GLOBAL opcodes that name torchjax objects (and the stub markers) to torch's names.

    The opcodes are walked one by one (only their lengths matter), so bytes inside strings are never mistaken for
    opcodes. An opcode outside the protocol 2/3 set raises ValueError (the caller then takes the slow path)."""
    out, last, i, n = [], 0, 0, len(data)
    glob, stop = pickle.GLOBAL[0], pickle.STOP[0]
    while i < n:
        op = data[i]
        size = _FIXED_ARGS.get(op)
        if size is not None:
            i += 1 + size
            if op == stop:
                break
        elif op in _LEN1_ARGS:
            i += 2 + data[i + 1]
        elif op in _LEN4_ARGS:
            i += 5 + int.from_bytes(data[i + 1:i + 5], "little")
        elif op == glob:
            j = data.index(b"\n", i + 1)
            k = data.index(b"\n", j + 1)
            module = data[i + 1:j].decode("utf-8")
            if module.startswith("torchjax"):
                name = data[j + 1:k].decode("utf-8")
                obj = sys.modules[module]
                for part in name.split("."):
                    obj = getattr(obj, part)
                g = saver.global_name(obj, name)
                if g is None:
                    raise pickle.PicklingError(f"Can't pickle {obj!r}: no torch name for {module}.{name}")
                out.append(data[last:i])
                out.append(b"c" + g[0].encode("utf-8") + b"\n" + g[1].encode("utf-8") + b"\n")
                last = k + 1
            i = k + 1
        else:
            raise ValueError(f"unexpected pickle opcode {op}")
    if i != n:
        raise ValueError("pickle does not end with STOP")
    out.append(data[last:])
    return b"".join(out)


def _pickle(obj, pickle_module, protocol, legacy):
    """(pickle bytes, saver holding the storages it refers to) for obj."""
    if pickle_module is pickle and protocol in (2, 3):
        saver = _Saver(legacy)
        buf = io.BytesIO()
        try:
            _FastPickler(buf, protocol, saver).dump(obj)
            return _rename_globals(buf.getvalue(), saver), saver
        except (pickle.PicklingError, ValueError):
            pass  # e.g. a torchjax function the C pickler cannot find under its own module: take the slow path
    saver = _Saver(legacy)
    buf = io.BytesIO()
    _make_pickler(pickle_module)(buf, protocol, saver).dump(obj)
    return buf.getvalue(), saver


def _host_bytes(source):
    """The bytes of a storage record: a tensor cell's root array in C order, a storage object, or an array."""
    from ._storage import Storage
    if isinstance(source, Storage):
        arr = np.ascontiguousarray(source._host if source._host is not None else np.asarray(source._array))
    elif isinstance(source, UntypedStorage):
        arr = np.ascontiguousarray(source._bytes())
    else:
        arr = np.ascontiguousarray(source)
    if arr.dtype.byteorder == ">" or (arr.dtype.byteorder == "=" and sys.byteorder == "big"):
        arr = arr.byteswap()
    return arr.reshape(-1).view(np.uint8)


def _archive_name(f):
    if not isinstance(f, (str, os.PathLike)):
        return "archive"
    name = os.path.basename(os.fspath(f))
    if "." in name:
        name = name[:name.rindex(".")]
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        return "archive"
    return name or "archive"


class _ZipWriter:
    """Writes the records of a torch zip checkpoint, each record's data aligned to 64 bytes as torch aligns it."""

    def __init__(self, fileobj, archive):
        self.zf = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
        self.archive = archive

    def write(self, name, data):
        zf = self.zf
        mv = memoryview(data).cast("B") if not isinstance(data, bytes) else memoryview(data)
        n = mv.nbytes
        zi = zipfile.ZipInfo(f"{self.archive}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
        zi.compress_type = zipfile.ZIP_STORED
        zi.file_size = n
        zip64 = n * 1.05 > zipfile.ZIP64_LIMIT
        fname, _ = zi._encodeFilenameFlags()
        start = zf.fp.tell() + 30 + len(fname) + (20 if zip64 else 0)
        pad = (-(start + 4)) % STORAGE_ALIGNMENT
        zi.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad  # an 'FB' padding field, as torch writes
        with zf.open(zi, "w", force_zip64=zip64) as w:
            chunk = 1 << 26
            for i in range(0, n, chunk):
                w.write(mv[i:i + chunk])

    def close(self):
        self.zf.close()

    def abandon(self):
        """Give up a failed write without finishing the archive (the caller discards the output)."""
        self.zf._writing = False
        self.zf.fp = None


class _Shifted:
    """A writable file seen from its current position: zip offsets count from the archive's start, as torch's do."""

    def __init__(self, f, start):
        self.f = f
        self.start = start

    def write(self, b):
        return self.f.write(b)

    def tell(self):
        return self.f.tell() - self.start

    def seek(self, pos, whence=0):
        return self.f.seek(pos + self.start if whence == 0 else pos, whence) - self.start

    def flush(self):
        if callable(getattr(self.f, "flush", None)):
            self.f.flush()


def _write_zip(fileobj, archive, pkl, saver, byteorder_record=True):
    try:
        start = fileobj.tell()
    except (AttributeError, OSError):
        start = 0
    if start:
        fileobj = _Shifted(fileobj, start)
    w = _ZipWriter(fileobj, archive)
    try:
        w.write("data.pkl", pkl)
        w.write(".format_version", b"1")
        w.write(".storage_alignment", str(STORAGE_ALIGNMENT).encode())
        if byteorder_record:
            w.write("byteorder", b"little")
        for key, (source, _) in saver.data.items():
            w.write(f"data/{key}", _host_bytes(source))
        w.write("version", b"3\n")
        w.write(".data/serialization_id", "".join(str(secrets.randbelow(10)) for _ in range(40)).encode())
    except BaseException:
        w.abandon()
        raise
    w.close()


def _write_legacy(fileobj, pkl, saver, pickle_module, protocol):
    dump = lambda o: pickle_module.dump(o, fileobj, protocol=protocol)  # noqa: E731
    dump(MAGIC_NUMBER)
    dump(PROTOCOL_VERSION)
    dump({"protocol_version": PROTOCOL_VERSION, "little_endian": True,
          "type_sizes": {"short": SHORT_SIZE, "int": INT_SIZE, "long": LONG_SIZE}})
    fileobj.write(pkl)
    keys = sorted(saver.data)
    dump(keys)
    for key in keys:
        source, dtype = saver.data[key]
        b = _host_bytes(source)
        fileobj.write(struct.pack("<q", b.nbytes // dtype.itemsize))
        fileobj.write(memoryview(b))


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save `obj` to a path or a writable file object in torch's checkpoint format (readable by real PyTorch)."""
    if isinstance(f, (str, os.PathLike)):
        f = os.fspath(f)
    elif not callable(getattr(f, "write", None)):
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'write' attribute")
    # everything that can fail on obj fails here, before any file is touched
    pkl, saver = _pickle(obj, pickle_module, pickle_protocol, not _use_new_zipfile_serialization)
    if _use_new_zipfile_serialization:
        def write(fileobj):
            _write_zip(fileobj, _archive_name(f), pkl, saver, not _disable_byteorder_record)
    else:
        def write(fileobj):
            _write_legacy(fileobj, pkl, saver, pickle_module, pickle_protocol)
    if isinstance(f, str):
        _atomic_write(f, write)
    else:
        write(f)
        if callable(getattr(f, "flush", None)):
            f.flush()


def _atomic_write(path, write):
    """Write via a temporary file beside `path` and rename it over `path` only once it is complete."""
    target = os.path.realpath(path) if os.path.islink(path) else path
    folder = os.path.dirname(target) or "."
    if not os.path.isdir(folder):
        raise RuntimeError(f"Parent directory {os.path.dirname(path)} does not exist.")
    if os.path.exists(target) and not os.path.isfile(target):
        with open(target, "wb") as fh:  # a device or pipe: no rename possible
            write(fh)
        return
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            mode = os.stat(target).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
